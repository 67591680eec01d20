//! Secret values: client secrets and the one-time values of a pending login.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::LoginError;

/// An OAuth client secret. `Debug` prints `[redacted]`; read it with
/// [`ClientSecret::expose_secret`].
#[derive(Clone)]
pub struct ClientSecret(String);

impl ClientSecret {
    /// Wraps a client secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself. Never log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientSecret([redacted])")
    }
}

/// A single-use secret of a pending login (PKCE verifier, nonce) or the browser binding.
/// Not `Clone`; `Debug` prints `[redacted]`.
pub struct SecretValue(String);

impl SecretValue {
    /// Wraps a value (for store implementations that load one back).
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// 256 fresh random bits, base64url-encoded (43 characters).
    pub(crate) fn random() -> Result<Self, LoginError> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).map_err(|_| LoginError::Random)?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// The value itself. Never log it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Consumes the wrapper.
    pub fn into_secret(self) -> String {
        self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// SHA-256 of a secret value: what a [`PendingLoginStore`](crate::PendingLoginStore) keeps
/// instead of the `state` and the browser binding themselves. Compared in constant time.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
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

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHash([redacted])")
    }
}

/// Constant-time comparison of two strings (lengths are not secret).
pub(crate) fn ct_str_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let shown = format!(
            "{:?} {:?} {:?}",
            ClientSecret::new("hunter2"),
            SecretValue::new("hunter2"),
            SecretHash::of("hunter2")
        );
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn random_values_are_256_bits_and_differ() {
        let a = SecretValue::random().unwrap();
        let b = SecretValue::random().unwrap();
        assert_eq!(a.expose_secret().len(), 43);
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(SecretHash::of("x").ct_eq(&SecretHash::of("x")));
        assert!(!SecretHash::of("x").ct_eq(&SecretHash::of("y")));
        assert!(ct_str_eq("abc", "abc") && !ct_str_eq("abc", "abd") && !ct_str_eq("a", "ab"));
    }
}
