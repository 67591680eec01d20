//! Secret values: client secrets, and the one-time values of a pending login (their types
//! live in auth-core with the pending-login record).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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

pub use auth_core::store::{SecretHash, SecretValue};

/// 256 fresh random bits, base64url-encoded (43 characters): a `state`, nonce or binding.
pub(crate) fn random_secret() -> Result<SecretValue, LoginError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|_| LoginError::Random)?;
    Ok(SecretValue::new(URL_SAFE_NO_PAD.encode(bytes)))
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
        let a = random_secret().unwrap();
        let b = random_secret().unwrap();
        assert_eq!(a.expose_secret().len(), 43);
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(SecretHash::of("x").ct_eq(&SecretHash::of("x")));
        assert!(!SecretHash::of("x").ct_eq(&SecretHash::of("y")));
        assert!(ct_str_eq("abc", "abc") && !ct_str_eq("abc", "abd") && !ct_str_eq("a", "ab"));
    }
}
