//! Password hashing and verification through auth-core's `PasswordHasher`, beside the raw
//! `argon2` crate with the same algorithm and parameters (argon2id v19, m=19456 KiB, t=2,
//! p=1), in one run. The difference is auth-core's overhead: salt generation from the OS,
//! the input length check, PHC parsing and the rehash decision.
//!
//! Each sample is tens of milliseconds, so the groups use 10 samples and short warm-up and
//! measurement times; the whole file runs in well under a minute.

use std::hint::black_box;
use std::time::Duration;

use argon2::password_hash::{PasswordHash as PhcHash, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, Version};
use auth_core::password::{Argon2Params, PasswordHasher};
use criterion::{
    BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime,
};

const PASSWORD: &str = "correct horse battery staple";

fn raw_argon2() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19456, 2, 1, None).unwrap(),
    )
}

fn ours() -> PasswordHasher {
    PasswordHasher::new(Argon2Params::default()).unwrap()
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
}

fn password_hash(c: &mut Criterion) {
    let ours = ours();
    let raw = raw_argon2();
    // The raw side reuses one salt (it has no RNG dependency here); generating 16 random
    // bytes is negligible next to argon2 itself, so the comparison stays fair.
    let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();

    let mut group = c.benchmark_group("password_hash");
    configure(&mut group);
    group.bench_function("auth-core hash (argon2id m=19456 t=2 p=1)", |b| {
        b.iter(|| ours.hash(black_box(PASSWORD)).unwrap())
    });
    group.bench_function("raw argon2 hash", |b| {
        b.iter(|| {
            raw.hash_password(black_box(PASSWORD).as_bytes(), &salt)
                .unwrap()
                .to_string()
        })
    });
    group.finish();
}

fn password_verify(c: &mut Criterion) {
    let ours = ours();
    let raw = raw_argon2();
    let stored = ours.hash(PASSWORD).unwrap().into_string();

    let mut group = c.benchmark_group("password_verify");
    configure(&mut group);
    group.bench_function("auth-core verify (argon2id m=19456 t=2 p=1)", |b| {
        b.iter(|| {
            ours.verify(black_box(PASSWORD), black_box(&stored))
                .unwrap()
        })
    });
    group.bench_function("raw argon2 verify_password", |b| {
        b.iter(|| {
            let parsed = PhcHash::new(black_box(&stored)).unwrap();
            raw.verify_password(black_box(PASSWORD).as_bytes(), &parsed)
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, password_hash, password_verify);
criterion_main!(benches);
