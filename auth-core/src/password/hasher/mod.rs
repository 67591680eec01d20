//! [`PasswordHasher`]: argon2id hashing and verification, with legacy bcrypt verification for
//! migrated users. This file holds the hasher itself — its argon2 parameters, construction and
//! the limits every operation shares; the operations live beside it:
//!
//! * [`hash`] — making a new hash ([`PasswordHash`]);
//! * [`verify`] — checking a password against a stored hash, and the rehash decision
//!   ([`PasswordVerification`]);
//! * [`dummy`] — the dummy verification that makes unknown accounts as slow as wrong passwords;
//! * [`pooled`] — the `*_async` methods on the hashing pool, and the pool's size.

mod dummy;
mod hash;
mod pooled;
mod verify;

use std::fmt;
use std::sync::{Arc, OnceLock};

use argon2::{Algorithm, Argon2, Params, Version};

pub use hash::PasswordHash;
pub use verify::PasswordVerification;

use super::pool::{HashPool, PoolSize};
use super::{Argon2Params, PasswordError};

/// Largest password, in bytes, that [`PasswordHasher`] hashes or verifies.
///
/// Longer input is refused with [`PasswordError::TooLong`] before any hashing, so a client
/// cannot make the server hash megabytes (DoS guard). 4096 bytes is far above any policy's
/// maximum length (128 code points are at most 512 bytes).
pub const MAX_PASSWORD_BYTES: usize = 4096;

/// Bytes of random salt in every new hash (the PHC string format's recommendation).
const SALT_BYTES: usize = 16;
/// Length of a 16-byte salt in the PHC string's unpadded base64.
const SALT_B64_LEN: usize = 22;

/// Hashes passwords with argon2id into PHC strings and verifies them.
///
/// Cheap to clone (an `Arc` inside); build one at start-up and share it. The blocking methods
/// ([`hash`](Self::hash), [`verify`](Self::verify), [`verify_dummy`](Self::verify_dummy)) take
/// tens of milliseconds by design: from async code use the `*_async` variants, which run on
/// the hasher's own hashing pool.
///
/// # The hashing pool
///
/// The `*_async` methods never hash on the caller's thread (a Tokio worker, in a server).
/// They hand the work to a pool owned by this hasher (shared by its clones), started on the
/// first `*_async` call and stopped when the last clone is dropped:
///
/// * **Threads** — one per CPU by default ([`with_hashing_threads`](Self::with_hashing_threads)).
///   Each hash keeps one core busy, so more threads add memory (`memory_kib` apiece), not
///   throughput.
/// * **Priority** — the threads run below normal OS priority (`SCHED_IDLE` on Linux), so a
///   request thread that becomes runnable preempts a hash: logins cannot starve requests that
///   are already authenticated, and on an idle machine hashing still gets every core. Where the
///   OS refuses to lower it, the pool runs at normal priority and logs a warning once.
/// * **Queue** — at most [`QUEUE_PER_THREAD`](Self::QUEUE_PER_THREAD) × threads hashes wait
///   ([`with_queue_length`](Self::with_queue_length)). One more is refused at once with
///   [`PasswordError::Busy`], carrying an estimate of when the queue will have drained: the
///   server is saturated, and a client should retry after that delay (auth-tower answers
///   `503 Service Unavailable` with `Retry-After`). Waiting longer would only add latency for
///   every login behind it.
/// * A call whose future is dropped before a thread picks it up (the client went away) is
///   skipped without hashing.
///
/// In a **debug build** argon2 unoptimised takes about ten times as long (≈ 0.6 s a login):
/// set `[profile.dev.package.argon2] opt-level = 3` (and `blake2`, `bcrypt`, `blowfish`) in
/// your workspace's root `Cargo.toml` — the crate README shows the block.
///
/// ```
/// use auth_core::password::PasswordHasher;
///
/// # fn main() -> Result<(), auth_core::password::PasswordError> {
/// # let hasher = PasswordHasher::insecure_fast_for_tests();
/// // let hasher = PasswordHasher::default(); // argon2id m=19456 KiB, t=2, p=1
/// let mut stored = hasher.hash("correct horse battery staple")?.into_string();
///
/// let outcome = hasher.verify("correct horse battery staple", &stored)?;
/// if outcome.is_match() {
///     if outcome.needs_rehash() {
///         stored = hasher.hash("correct horse battery staple")?.into_string();
///     }
///     // … log the user in
/// }
/// # assert!(outcome.is_match() && !outcome.needs_rehash());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct PasswordHasher {
    inner: Arc<Inner>,
}

struct Inner {
    params: Argon2Params,
    argon2: Argon2<'static>,
    /// Threads and queue length of the hashing pool.
    pool_size: PoolSize,
    /// The hashing pool, started by the first `*_async` call (a hasher used only from
    /// blocking code never starts threads); `Err` if no thread could be started.
    pool: OnceLock<Result<HashPool, PasswordError>>,
    /// PHC string of the dummy password (see [`dummy`]) with these params; `None` if computing
    /// it failed.
    dummy: OnceLock<Option<String>>,
}

impl PasswordHasher {
    /// A hasher producing argon2id (v19) hashes with `params`.
    ///
    /// # Errors
    /// [`PasswordError::WeakParameters`] when `params` are below the OWASP minimum
    /// ([`Argon2Params::meets_owasp_minimum`]); [`PasswordError::InvalidParameters`] when argon2
    /// refuses them otherwise (e.g. more lanes than memory blocks allow).
    pub fn new(params: Argon2Params) -> Result<Self, PasswordError> {
        if !params.meets_owasp_minimum() {
            return Err(PasswordError::WeakParameters {
                memory_kib: params.memory_kib,
                iterations: params.iterations,
                parallelism: params.parallelism,
            });
        }
        Self::build(params)
    }

    /// A hasher with tiny argon2id parameters (m=64 KiB, t=1, p=1) that hashes in well under a
    /// millisecond, for test suites.
    ///
    /// # Security
    /// Only for tests. Hashes made with it can be brute-forced quickly. Never use it in a
    /// deployed service; a production hasher verifies such hashes fine but reports
    /// `needs_rehash`, so any that leak into a database get upgraded on the next login.
    pub fn insecure_fast_for_tests() -> Self {
        const PARAMS: Argon2Params = Argon2Params {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        // Evaluated at compile time: a mistake here fails the build, never a caller.
        const ARGON2_PARAMS: Params = match Params::new(
            PARAMS.memory_kib,
            PARAMS.iterations,
            PARAMS.parallelism,
            None,
        ) {
            Ok(params) => params,
            Err(_) => panic!("invalid test argon2 parameters"),
        };
        Self::from_parts(PARAMS, ARGON2_PARAMS)
    }

    fn build(params: Argon2Params) -> Result<Self, PasswordError> {
        // argon2 0.5.3 computes `p * 8` unchecked before its own range check, which overflows
        // for huge `p`; refuse those here first.
        if params.parallelism > Params::MAX_P_COST {
            return Err(PasswordError::InvalidParameters(format!(
                "parallelism must be at most {}",
                Params::MAX_P_COST
            )));
        }
        let argon2_params = Params::new(
            params.memory_kib,
            params.iterations,
            params.parallelism,
            None,
        )
        .map_err(|e| PasswordError::InvalidParameters(e.to_string()))?;
        Ok(Self::from_parts(params, argon2_params))
    }

    fn from_parts(params: Argon2Params, argon2_params: Params) -> Self {
        Self {
            inner: Arc::new(Inner {
                params,
                argon2: Argon2::new(Algorithm::Argon2id, Version::V0x13, argon2_params),
                pool_size: PoolSize::default_for_machine(),
                pool: OnceLock::new(),
                dummy: OnceLock::new(),
            }),
        }
    }

    /// The parameters new hashes are made with.
    pub fn params(&self) -> Argon2Params {
        self.inner.params
    }
}

impl Default for PasswordHasher {
    /// argon2id with [`Argon2Params::default`] (the OWASP minimum, m=19456 KiB, t=2, p=1).
    fn default() -> Self {
        // `Params::DEFAULT` is the same m=19456, t=2, p=1 (a unit test pins this), so this
        // needs no fallible construction.
        Self::from_parts(Argon2Params::OWASP_MINIMUM, Params::DEFAULT)
    }
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("algorithm", &"argon2id")
            .field("params", &self.inner.params)
            .field("hashing_threads", &self.inner.pool_size.threads)
            .field("queue_length", &self.inner.pool_size.queue)
            .finish_non_exhaustive()
    }
}

fn check_length(password: &str) -> Result<(), PasswordError> {
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordError::TooLong {
            max_bytes: MAX_PASSWORD_BYTES,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hasher that hashes in well under a millisecond, for the tests of every operation.
    pub(super) fn fast() -> PasswordHasher {
        PasswordHasher::insecure_fast_for_tests()
    }

    #[test]
    fn default_hasher_uses_owasp_minimum() {
        let hasher = PasswordHasher::default();
        assert_eq!(hasher.params(), Argon2Params::default());
        // `Default` relies on argon2's defaults being the OWASP minimum.
        let p = Params::DEFAULT;
        assert_eq!(
            (p.m_cost(), p.t_cost(), p.p_cost()),
            (19456, 2, 1),
            "argon2 changed its defaults"
        );
    }

    #[test]
    fn length_cap_is_checked_before_hashing() {
        let h = fast();
        let at_cap = "a".repeat(MAX_PASSWORD_BYTES);
        assert!(h.hash(&at_cap).is_ok());
        let over = "a".repeat(MAX_PASSWORD_BYTES + 1);
        let too_long = Err(PasswordError::TooLong {
            max_bytes: MAX_PASSWORD_BYTES,
        });
        assert_eq!(h.hash(&over).map(|_| ()), too_long);
        // Even against a garbage hash: the length is checked first.
        assert_eq!(h.verify(&over, "garbage").map(|_| ()), too_long);
        assert_eq!(h.verify_dummy(&over), too_long);
    }
}
