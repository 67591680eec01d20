//! The raw argon2id verify rate for `benches/load/login.sh`: the `argon2` crate used directly
//! (no auth-core), with auth-core's default parameters (m=19456 KiB, t=2, p=1), on N threads
//! that each verify the same PHC string in a loop for a fixed time. Prints one line:
//! `<verifications per second> <threads>`.
//!
//! Usage: `argon2_raw [SECONDS] [THREADS]` (defaults 5 and the number of CPUs).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map_or(Ok(5), |s| s.parse())?;
    let threads: usize = match args.next() {
        Some(n) => n.parse()?,
        None => std::thread::available_parallelism()?.get(),
    };
    let argon2 = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19_456, 2, 1, None)?,
    );
    let salt = SaltString::encode_b64(b"raw-argon2-salt!")?;
    let phc = argon2
        .hash_password(b"correct horse battery staple", &salt)?
        .to_string();

    let stop = AtomicBool::new(false);
    let done = AtomicU64::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let parsed = PasswordHash::new(&phc).expect("our own PHC string parses");
                while !stop.load(Ordering::Relaxed) {
                    // The same call auth-core makes, on the string as stored.
                    let ok = argon2
                        .verify_password(b"correct horse battery staple", &parsed)
                        .is_ok();
                    std::hint::black_box(ok);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        std::thread::sleep(Duration::from_secs(seconds));
        stop.store(true, Ordering::Relaxed);
    });
    let elapsed = started.elapsed().as_secs_f64();
    #[allow(clippy::print_stdout)] // the script reads this line
    {
        println!(
            "{:.2} {threads}",
            done.load(Ordering::Relaxed) as f64 / elapsed
        );
    }
    Ok(())
}
