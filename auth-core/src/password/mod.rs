//! Passwords: argon2id hashing with rehash-on-login, legacy bcrypt verification, and a
//! NIST SP 800-63B policy.
//!
//! * [`PasswordHasher`] hashes into PHC strings with argon2id (OWASP minimum m=19456 KiB, t=2,
//!   p=1 by default), verifies argon2 and legacy bcrypt hashes, reports when a stored hash
//!   should be upgraded, and offers [`PasswordHasher::verify_dummy`] so unknown accounts take
//!   as long to refuse as wrong passwords. Its `*_async` methods run on a pool of
//!   low-priority threads with a bounded queue (a full one answers [`PasswordError::Busy`] at
//!   once).
//! * [`PasswordPolicy`] decides whether a new password is acceptable.
//! * [`Password`] carries a plaintext password: zeroed on drop, redacted in `Debug`.
//!
//! ```
//! use auth_core::password::{Password, PasswordHasher, PasswordPolicy, PasswordVerification};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let hasher = PasswordHasher::insecure_fast_for_tests();
//! // let hasher = PasswordHasher::default();
//! let email = "kim@example.com";
//! let password = Password::from("mauve-tulip-orbit-42");
//! PasswordPolicy::default().check(password.expose_secret(), &[email])?;
//! let stored = hasher.hash_async(password).await?.into_string();
//!
//! let attempt = Password::from("mauve-tulip-orbit-42");
//! let outcome = hasher.verify_async(attempt, stored).await?;
//! assert_eq!(outcome, PasswordVerification::Match { needs_rehash: false });
//! # Ok(())
//! # }
//! ```

mod error;
mod hasher;
mod params;
mod policy;
mod pool;
mod secret;

pub use error::PasswordError;
pub use hasher::{MAX_PASSWORD_BYTES, PasswordHash, PasswordHasher, PasswordVerification};
pub use params::Argon2Params;
pub use policy::{PasswordPolicy, PolicyError, PolicyViolation};
pub use secret::Password;
