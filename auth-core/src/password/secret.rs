//! The [`Password`] secret newtype.

use std::fmt;

use zeroize::Zeroizing;

/// A plaintext password on its way to be hashed, verified or checked against the policy.
///
/// Owned so it can move to the hashing pool (`*_async` methods of
/// [`PasswordHasher`](super::PasswordHasher)), zeroed when dropped, not `Clone`, and `Debug`
/// prints `Password([redacted])`. Read it with [`expose_secret`](Self::expose_secret).
///
/// Implements `serde::Deserialize` (from a string) so request bodies can hold one directly;
/// it deliberately does not implement `Serialize`.
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a plaintext password.
    pub fn new(password: String) -> Self {
        Self(Zeroizing::new(password))
    }

    /// The plaintext. Never log it or put it in an error.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl From<String> for Password {
    fn from(password: String) -> Self {
        Self::new(password)
    }
}

impl From<&str> for Password {
    fn from(password: &str) -> Self {
        Self::new(password.to_owned())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

impl<'de> serde::Deserialize<'de> for Password {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let p = Password::from("hunter2-secret");
        assert_eq!(format!("{p:?}"), "Password([redacted])");
        assert_eq!(p.expose_secret(), "hunter2-secret");
    }

    #[test]
    fn deserializes_from_a_json_string() {
        #[derive(serde::Deserialize)]
        struct Login {
            password: Password,
        }
        let login: Login =
            serde_json::from_str(r#"{"password":"hunter2-secret"}"#).expect("valid json");
        assert_eq!(login.password.expose_secret(), "hunter2-secret");
    }
}
