//! Making a new hash: [`PasswordHasher::hash`] with a fresh random salt, and the
//! [`PasswordHash`] PHC string it produces.

use std::fmt;

use argon2::PasswordHasher as _;
use argon2::password_hash::SaltString;

use super::{PasswordHasher, SALT_BYTES, check_length};
use crate::ErrorChain;
use crate::password::PasswordError;

impl PasswordHasher {
    /// Hashes `password` with a fresh 16-byte random salt into a PHC string such as
    /// `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
    ///
    /// Blocks for the full cost of argon2; from async code use [`hash_async`](Self::hash_async).
    ///
    /// # Errors
    /// [`PasswordError::TooLong`] over [`MAX_PASSWORD_BYTES`](super::MAX_PASSWORD_BYTES) (checked first);
    /// [`PasswordError::Hashing`] if the OS random generator or argon2 fails.
    #[tracing::instrument(level = "debug", skip_all)]
    pub fn hash(&self, password: &str) -> Result<PasswordHash, PasswordError> {
        check_length(password)?;
        let mut salt = [0u8; SALT_BYTES];
        getrandom::getrandom(&mut salt).map_err(|error| {
            tracing::error!(error = %ErrorChain::new(&error), "getrandom failed while salting a password hash");
            PasswordError::Hashing("the operating system random number generator failed".into())
        })?;
        self.hash_with_salt(password, &salt)
    }

    pub(super) fn hash_with_salt(
        &self,
        password: &str,
        salt: &[u8],
    ) -> Result<PasswordHash, PasswordError> {
        let salt = SaltString::encode_b64(salt).map_err(hashing_error)?;
        let phc = self
            .inner
            .argon2
            .hash_password(password.as_bytes(), &salt)
            .map_err(hashing_error)?;
        Ok(PasswordHash(phc.to_string()))
    }
}

/// A PHC-format argon2id hash produced by [`PasswordHasher::hash`], ready to store.
///
/// Not a secret, but there is no reason to spread it around: `Debug` shows only the algorithm,
/// version and parameters; `Display` and [`as_str`](Self::as_str) give the full string.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// The PHC string, e.g. `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The PHC string, by value (to store it).
    pub fn into_string(self) -> String {
        self.0
    }
}

impl AsRef<str> for PasswordHash {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<PasswordHash> for String {
    fn from(hash: PasswordHash) -> Self {
        hash.0
    }
}

impl fmt::Display for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`: show the first three fields only.
        let mut fields = self.0.split('$').skip(1);
        f.debug_struct("PasswordHash")
            .field("algorithm", &fields.next().unwrap_or_default())
            .field("version", &fields.next().unwrap_or_default())
            .field("params", &fields.next().unwrap_or_default())
            .finish_non_exhaustive()
    }
}

fn hashing_error(error: argon2::password_hash::Error) -> PasswordError {
    PasswordError::Hashing(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::tests::fast;

    #[test]
    fn hash_produces_argon2id_phc_with_fresh_salt() {
        let h = fast();
        let a = h.hash("pw").expect("hash");
        let b = h.hash("pw").expect("hash");
        assert!(a.as_str().starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert_ne!(a, b, "salt must be fresh per hash");
        assert!(!h.needs_rehash(a.as_str()));
    }

    #[test]
    fn debug_output_is_short() {
        let h = fast();
        let stored = h.hash("pw").expect("hash");
        let dbg = format!("{stored:?}");
        assert_eq!(
            dbg,
            r#"PasswordHash { algorithm: "argon2id", version: "v=19", params: "m=64,t=1,p=1", .. }"#
        );
        assert_eq!(stored.to_string(), stored.as_str());
        assert!(format!("{h:?}").contains("memory_kib: 64"));
    }
}
