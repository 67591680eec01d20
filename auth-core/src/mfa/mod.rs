//! Second factors: TOTP (RFC 6238) for authenticator apps and single-use recovery codes, with
//! their secrets encrypted at rest.
//!
//! These are the building blocks; where they are kept is
//! [`SecondFactorStore`](crate::store::SecondFactorStore).
//!
//! * [`TotpConfig`] — how codes are made (SHA-1, 6 digits, 30 s, ±1 step by default: what
//!   every authenticator app supports). [`TotpConfig::enrol`] draws a 160-bit
//!   [`TotpSecret`] and gives a [`TotpEnrolment`] with the `otpauth://` URI and its QR
//!   code as SVG. [`TotpConfig::verify`] checks a code in constant time and returns the
//!   time step it was accepted for, refusing any step at or before the last one used
//!   (RFC 6238 §5.2: a code is accepted once).
//! * [`SecretKey`], [`encrypt`], [`decrypt`] — XChaCha20-Poly1305 under a host-provided
//!   256-bit key; [`TotpSecret::encrypt`] binds the ciphertext to the account's id, so it
//!   does not decrypt on another account's row.
//! * [`RecoveryCodes`] — ten `xxxx-xxxx-xxxx` codes of 60 random bits, shown once, stored
//!   as SHA-256 ([`hash_recovery_code`] for what the user types, after [`normalize`]).
//! * [`MfaError`], [`TotpError`] — typed failures whose messages never carry a secret.
//!
//! # Replay: the step is recorded atomically
//!
//! [`TotpConfig::verify`] refuses a step at or before the `last_used_step` it is given, but
//! two concurrent requests with one code both read the same `last_used_step`. The store
//! decides: accept the user only when
//! [`use_totp_step`](crate::store::SecondFactorStore::use_totp_step) (one conditional write)
//! returns `true`.
//!
//! # Example
//!
//! Enrol, confirm with the first code, then sign in with a later one:
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use auth_core::mfa::{SecretKey, TotpConfig, TotpError, TotpSecret};
//! use auth_core::store::memory::MemorySecondFactorStore;
//! use auth_core::store::{SecondFactorStore, TotpRecord, UserId};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! # runtime.block_on(async {
//! let key = SecretKey::generate()?; // production: SecretKey::from_base64(<from your secrets>)
//! let store = MemorySecondFactorStore::new();
//! let config = TotpConfig::new("Acme");
//! let user = UserId::generate()?;
//! let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
//!
//! // Enrol: store the secret encrypted and unconfirmed, show the QR code.
//! let enrolment = config.enrol("kim@example.com")?;
//! let stored = enrolment.secret().encrypt(&key, user)?;
//! store.put_totp(user, TotpRecord::new(stored, now)).await?;
//! assert!(enrolment.qr_svg()?.contains("<svg"));
//!
//! // The user types the code their app shows; confirm with it.
//! let typed = config.code_at(enrolment.secret(), now)?; // (what the app shows)
//! let record = store.totp(user).await?.expect("stored");
//! let secret = TotpSecret::decrypt(&key, user, &record.encrypted_secret)?;
//! let step = config.verify(&secret, &typed, now, record.last_used_step)?;
//! assert!(store.confirm_totp(user, step, now).await?);
//!
//! // The same code again is a replay.
//! let record = store.totp(user).await?.expect("stored");
//! assert_eq!(
//!     config.verify(&secret, &typed, now, record.last_used_step),
//!     Err(TotpError::Replayed)
//! );
//!
//! // A minute later, a new code signs in; the step is recorded in one conditional write.
//! let later = now + Duration::from_secs(60);
//! let typed = config.code_at(&secret, later)?;
//! let step = config.verify(&secret, &typed, later, record.last_used_step)?;
//! assert!(store.use_totp_step(user, step).await?);
//! assert!(!store.use_totp_step(user, step).await?); // a concurrent twin loses
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })
//! # }
//! ```

mod cipher;
mod error;
mod recovery;
mod totp;

pub use cipher::{SecretKey, decrypt, encrypt};
pub use error::{MfaError, TotpError};
pub use recovery::{RecoveryCodes, hash_recovery_code, normalize};
pub use totp::{TotpConfig, TotpEnrolment, TotpSecret};
