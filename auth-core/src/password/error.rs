//! Errors of password hashing and verification.

use std::time::Duration;

/// A password could not be hashed or verified because of a problem other than a wrong password.
///
/// A wrong password is never an error: [`PasswordHasher::verify`](super::PasswordHasher::verify)
/// answers it with `Ok(PasswordVerification::Mismatch)`. Messages never contain the password
/// or the stored hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// The password is longer than the hasher accepts ([`MAX_PASSWORD_BYTES`](super::MAX_PASSWORD_BYTES)).
    /// Checked before any hashing, so an oversized input costs nothing (DoS guard).
    #[error("password must be at most {max_bytes} bytes")]
    TooLong {
        /// The largest accepted password, in bytes.
        max_bytes: usize,
    },
    /// The stored hash could not be parsed: not a PHC string or bcrypt hash, missing salt or
    /// output, or parameters argon2 refuses. The stored value is corrupt or not a password hash.
    #[error("stored password hash is malformed")]
    InvalidHash,
    /// The stored hash is well-formed but uses an algorithm this hasher does not verify
    /// (only argon2id/argon2i/argon2d and bcrypt `$2a$`/`$2b$`/`$2y$` are supported).
    #[error("stored password hash uses an unsupported algorithm")]
    UnsupportedHash,
    /// [`PasswordHasher::new`](super::PasswordHasher::new) was given argon2 parameters below
    /// the OWASP minimum (see [`Argon2Params::meets_owasp_minimum`](super::Argon2Params::meets_owasp_minimum)).
    #[error(
        "argon2 parameters m={memory_kib} KiB, t={iterations}, p={parallelism} are below the OWASP \
         minimum: need p >= 1 and one of m >= 47104 KiB with t >= 1, m >= 19456 KiB with t >= 2 \
         (the default), m >= 12288 KiB with t >= 3, m >= 9216 KiB with t >= 4, or m >= 7168 KiB \
         with t >= 5"
    )]
    WeakParameters {
        /// The memory cost that was asked for, in KiB.
        memory_kib: u32,
        /// The iteration count that was asked for.
        iterations: u32,
        /// The degree of parallelism that was asked for.
        parallelism: u32,
    },
    /// argon2 refused the parameters for a reason other than weakness (for example a
    /// parallelism so large that the memory cannot be split between lanes).
    #[error("invalid argon2 parameters: {0}")]
    InvalidParameters(String),
    /// argon2 failed while hashing (an internal error; carries no password material).
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// The hashing job did not complete: it panicked (a bug; logged) or the hashing pool
    /// stopped.
    #[error("password hashing task did not complete")]
    Cancelled,
    /// The hashing pool's queue is full: the server is saturated with password hashing, and
    /// this request was refused at once, without hashing, rather than waiting behind every
    /// queued one. Nothing is wrong with the password or the account; the client should try
    /// again after `retry_after` (auth-tower answers `503 Service Unavailable` with
    /// `Retry-After`). See [`PasswordHasher`](super::PasswordHasher#the-hashing-pool).
    #[error("password hashing is at capacity; retry in {} s", retry_after.as_secs())]
    Busy {
        /// About how long the queue needs to drain (whole seconds, 1 to 60).
        retry_after: Duration,
    },
}
