//! The record a [`PendingLoginStore`](super::PendingLoginStore) keeps, and the secret types
//! it is made of.

use std::fmt;
use std::time::SystemTime;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// A single-use secret of a pending login (PKCE verifier, nonce) or the browser binding.
///
/// Not `Clone` (it is used once); `Debug` prints `[redacted]`; the memory is zeroed on drop.
pub struct SecretValue(Zeroizing<String>);

impl SecretValue {
    /// Wraps a value (for store implementations that load one back).
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The value itself. Never log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Consumes the wrapper.
    pub fn into_secret(self) -> String {
        self.0.as_str().to_owned()
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// SHA-256 of a secret value: what a pending-login store keeps instead of the `state` and the
/// browser binding themselves, so reading the store does not let anyone complete or hijack a
/// login. Compared in constant time.
#[derive(Clone, Copy, Eq)]
pub struct SecretHash([u8; 32]);

impl SecretHash {
    /// Hashes `value`.
    pub fn of(value: &str) -> Self {
        Self(Sha256::digest(value.as_bytes()).into())
    }

    /// Wraps a stored hash.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The hash bytes, to store.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Constant-time equality.
    pub fn ct_eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl PartialEq for SecretHash {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other)
    }
}

// By hand because `PartialEq` is: hashing the bytes agrees with comparing them.
impl std::hash::Hash for SecretHash {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHash([redacted])")
    }
}

/// One social login between its start and the provider's callback: the PKCE verifier, the
/// OIDC nonce, which provider, which browser, and until when. Not `Clone`: it is consumed once.
#[derive(Debug)]
#[non_exhaustive]
pub struct PendingLogin {
    /// The provider the login was started with.
    pub provider: String,
    /// The PKCE code verifier (RFC 7636), sent with the code exchange. Kept as is: the code
    /// exchange needs the value itself, and it is useless without the authorization code.
    pub pkce_verifier: SecretValue,
    /// The OIDC nonce sent in the authorization request, for providers that use one.
    pub nonce: Option<SecretValue>,
    /// SHA-256 of the browser-binding value handed to the browser in a cookie.
    pub browser_binding: SecretHash,
    /// When the login stops being accepted.
    pub expires_at: SystemTime,
}

impl PendingLogin {
    /// A pending login (for store implementations that load one back).
    pub fn new(
        provider: impl Into<String>,
        pkce_verifier: SecretValue,
        nonce: Option<SecretValue>,
        browser_binding: SecretHash,
        expires_at: SystemTime,
    ) -> Self {
        Self {
            provider: provider.into(),
            pkce_verifier,
            nonce,
            browser_binding,
            expires_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let login = PendingLogin::new(
            "google",
            SecretValue::new("hunter2"),
            Some(SecretValue::new("hunter2")),
            SecretHash::of("hunter2"),
            SystemTime::UNIX_EPOCH,
        );
        let shown = format!("{login:?} {:?}", SecretHash::of("hunter2"));
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn hashes_compare_by_value() {
        assert!(SecretHash::of("x").ct_eq(&SecretHash::of("x")));
        assert_eq!(SecretHash::of("x"), SecretHash::of("x"));
        assert_ne!(SecretHash::of("x"), SecretHash::of("y"));
    }
}
