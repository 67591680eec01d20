//! [`SecondFactorSetup`]: the stores, key and limits second factors run with.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::mfa::{SecretKey, TotpConfig};
use crate::store::{CeremonyStore, SecondFactorStore};

/// What the flows need for second factors: where TOTP secrets and recovery codes live, where
/// login challenges wait, the key TOTP secrets are encrypted with, and the limits. Give it to
/// [`AuthServiceBuilder::second_factors`](crate::flows::AuthServiceBuilder::second_factors).
///
/// ```
/// use std::sync::Arc;
/// use auth_core::flows::SecondFactorSetup;
/// use auth_core::mfa::SecretKey;
/// use auth_core::store::memory::{MemoryCeremonyStore, MemorySecondFactorStore};
///
/// // In production: SecretKey::from_base64(&std::env::var("MFA_ENCRYPTION_KEY")?)?
/// let key = SecretKey::generate()?;
/// let setup = SecondFactorSetup::new(
///     Arc::new(MemorySecondFactorStore::default()),
///     Arc::new(MemoryCeremonyStore::default()),
///     key,
/// );
/// assert_eq!(setup.challenge_ttl.as_secs(), 300);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
pub struct SecondFactorSetup {
    /// TOTP secrets (encrypted) and recovery codes (hashed).
    pub store: Arc<dyn SecondFactorStore>,
    /// Login challenges between the password and the second factor.
    pub ceremonies: Arc<dyn CeremonyStore>,
    /// Encrypts TOTP secrets at rest (XChaCha20-Poly1305, bound to the user). Keep it out of
    /// the database it protects.
    pub key: Arc<SecretKey>,
    /// The TOTP parameters (issuer label, digits, step, window). Defaults to 6 digits, 30 s,
    /// ±1 step — what authenticator apps expect.
    pub totp: TotpConfig,
    /// How long a login challenge stays valid. Defaults to 5 minutes.
    pub challenge_ttl: Duration,
    /// How many proofs one login may try before the password is needed again. Defaults to 5.
    pub attempts_per_login: u32,
    /// How recent the session's sign-in must be to enrol or remove TOTP and to regenerate
    /// recovery codes (older: [`AuthError::ReauthenticationRequired`](crate::flows::AuthError::ReauthenticationRequired)).
    /// Defaults to 10 minutes.
    pub recent_sign_in: Duration,
}

impl SecondFactorSetup {
    /// A setup with the defaults above.
    pub fn new(
        store: Arc<dyn SecondFactorStore>,
        ceremonies: Arc<dyn CeremonyStore>,
        key: SecretKey,
    ) -> Self {
        Self {
            store,
            ceremonies,
            key: Arc::new(key),
            totp: TotpConfig::default(),
            challenge_ttl: Duration::from_secs(300),
            attempts_per_login: 5,
            recent_sign_in: Duration::from_secs(600),
        }
    }

    /// With the TOTP issuer label authenticator apps show (your service's name).
    pub fn totp_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.totp.issuer = issuer.into();
        self
    }
}

impl fmt::Debug for SecondFactorSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecondFactorSetup")
            .field("store", &self.store)
            .field("ceremonies", &self.ceremonies)
            .field("key", &self.key)
            .field("totp", &self.totp)
            .field("challenge_ttl", &self.challenge_ttl)
            .field("attempts_per_login", &self.attempts_per_login)
            .field("recent_sign_in", &self.recent_sign_in)
            .finish()
    }
}
