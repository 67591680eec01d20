//! Access-token issue and verify through auth-core, beside raw `jsonwebtoken::encode` /
//! `jsonwebtoken::decode` with the same claims, the same key, the same crypto backend
//! (aws-lc-rs) and equivalent validation (algorithm, `iss`, `aud`, `exp`, leeway), in one run.

use std::hint::black_box;
use std::time::Duration;

use auth_benches::*;
use auth_core::token::{
    AccessTokenIssuer, AccessTokenVerifier, IssuerConfig, KeySet, VerifierConfig,
};
use criterion::{Criterion, criterion_group, criterion_main};

fn tokens(c: &mut Criterion) {
    for case in token_cases() {
        let keys = KeySet::new(case.ours.clone());
        let issuer = AccessTokenIssuer::new(IssuerConfig::new(ISSUER, AUDIENCE), &keys);
        let verifier = AccessTokenVerifier::new(VerifierConfig::new(ISSUER, AUDIENCE), &keys);
        let header = raw_header(case.algorithm);
        let validation = raw_validation(case.algorithm);
        let claims = raw_claims();

        let ours = issuer.issue(&request()).unwrap().token.into_secret();
        let raw = jsonwebtoken::encode(&header, &claims, &case.raw_encoding).unwrap();
        // Each side verifies the other's token too: the comparison is of equal work.
        verifier.verify(&raw).unwrap();
        jsonwebtoken::decode::<RawClaims>(&ours, &case.raw_decoding, &validation).unwrap();

        let mut group = c.benchmark_group(format!("verify/{}", case.name));
        group.bench_function("auth-core", |b| {
            b.iter(|| verifier.verify(black_box(&ours)).unwrap())
        });
        group.bench_function("jsonwebtoken::decode", |b| {
            b.iter(|| {
                jsonwebtoken::decode::<RawClaims>(black_box(&raw), &case.raw_decoding, &validation)
                    .unwrap()
            })
        });
        group.finish();

        let mut group = c.benchmark_group(format!("issue/{}", case.name));
        let request = request();
        group.bench_function("auth-core", |b| {
            b.iter(|| issuer.issue(black_box(&request)).unwrap())
        });
        group.bench_function("jsonwebtoken::encode", |b| {
            b.iter(|| {
                jsonwebtoken::encode(&header, black_box(&claims), &case.raw_encoding).unwrap()
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(40);
    targets = tokens
}
criterion_main!(benches);
