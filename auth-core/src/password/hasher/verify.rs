//! Checking a password against a stored hash — argon2 as written in its PHC string, legacy
//! bcrypt — and deciding whether the stored hash should be replaced ([`PasswordVerification`],
//! [`PasswordHasher::needs_rehash`]).

use argon2::password_hash::{PasswordHash as PhcHash, PasswordVerifier as _};
use argon2::{Algorithm, Params, Version};

use super::{PasswordHasher, SALT_B64_LEN, check_length};
use crate::ErrorChain;
use crate::password::PasswordError;

/// bcrypt prefixes verified as legacy hashes (`$2a$`, `$2b$`, `$2y$`: passlib, python bcrypt,
/// PHP). The buggy `$2x$` and the original `$2$` are refused as unsupported.
const BCRYPT_PREFIXES: [&str; 3] = ["$2a$", "$2b$", "$2y$"];
const UNSUPPORTED_BCRYPT_PREFIXES: [&str; 2] = ["$2x$", "$2$"];

impl PasswordHasher {
    /// Verifies `password` against a `stored` hash.
    ///
    /// * argon2 PHC strings (`$argon2id$…`, also argon2i/argon2d) are verified with the
    ///   parameters written in the string, so hashes made before a parameter change keep
    ///   verifying; `needs_rehash` is `true` when the variant, version, parameters, output
    ///   length or salt length differ from what [`hash`](Self::hash) produces today.
    /// * Legacy bcrypt hashes (`$2a$`, `$2b$`, `$2y$`, as written by passlib and python bcrypt)
    ///   are verified with bcrypt and always report `needs_rehash: true`. bcrypt only looks at
    ///   the first 72 bytes of a password, so for such hashes any two passwords that share
    ///   their first 72 bytes match; rehashing with argon2id on login ends that.
    ///
    /// The stored hash is trusted input (it comes from your database): its cost parameters are
    /// honoured as written.
    ///
    /// # Errors
    /// Only for problems other than a wrong password, which is `Ok(Mismatch)`:
    /// [`PasswordError::TooLong`] over [`MAX_PASSWORD_BYTES`](super::MAX_PASSWORD_BYTES) (checked before hashing),
    /// [`PasswordError::InvalidHash`] when `stored` is malformed, and
    /// [`PasswordError::UnsupportedHash`] when it is another algorithm.
    #[tracing::instrument(level = "debug", skip_all)]
    pub fn verify(
        &self,
        password: &str,
        stored: &str,
    ) -> Result<PasswordVerification, PasswordError> {
        check_length(password)?;
        let outcome = if is_legacy_bcrypt(stored) {
            verify_bcrypt(password, stored)
        } else {
            parse_argon2(stored).and_then(|phc| self.verify_argon2(password, &phc))
        };
        match &outcome {
            Err(error) => {
                tracing::warn!(error = %ErrorChain::new(&error), "stored password hash could not be verified")
            }
            Ok(PasswordVerification::Match { needs_rehash: true }) => {
                tracing::debug!("password verified; stored hash needs rehash");
            }
            Ok(_) => {}
        }
        outcome
    }

    pub(super) fn verify_argon2(
        &self,
        password: &str,
        phc: &PhcHash<'_>,
    ) -> Result<PasswordVerification, PasswordError> {
        // `verify_password` rebuilds argon2 from the algorithm, version and params in the
        // PHC string, and compares the output in constant time.
        match self.inner.argon2.verify_password(password.as_bytes(), phc) {
            Ok(()) => Ok(PasswordVerification::Match {
                needs_rehash: self.argon2_needs_rehash(phc),
            }),
            Err(argon2::password_hash::Error::Password) => Ok(PasswordVerification::Mismatch),
            Err(_) => Err(PasswordError::InvalidHash),
        }
    }

    fn argon2_needs_rehash(&self, phc: &PhcHash<'_>) -> bool {
        let Ok(params) = Params::try_from(phc) else {
            return true;
        };
        let current = self.inner.params;
        phc.algorithm != Algorithm::Argon2id.ident()
            || phc.version != Some(Version::V0x13.into())
            || params.m_cost() != current.memory_kib
            || params.t_cost() != current.iterations
            || params.p_cost() != current.parallelism
            || phc.hash.map(|h| h.len()) != Some(Params::DEFAULT_OUTPUT_LEN)
            || phc.salt.is_none_or(|s| s.as_str().len() < SALT_B64_LEN)
    }

    /// Whether `stored` should be replaced by a fresh [`hash`](Self::hash) of the password at
    /// the next successful login: `true` for legacy bcrypt, for argon2 hashes whose variant,
    /// version, parameters, output or salt length differ from this hasher's, and for anything
    /// that cannot be parsed. Does not verify anything.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        if is_legacy_bcrypt(stored) {
            return true;
        }
        match parse_argon2(stored) {
            Ok(phc) => self.argon2_needs_rehash(&phc),
            Err(_) => true,
        }
    }
}

/// The outcome of [`PasswordHasher::verify`] when the stored hash could be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[must_use = "a password verification that is not inspected authenticates nobody"]
pub enum PasswordVerification {
    /// The password is correct.
    Match {
        /// The stored hash is legacy (bcrypt) or was made with other argon2 settings than the
        /// hasher's current ones: store a fresh [`PasswordHasher::hash`] of this password.
        needs_rehash: bool,
    },
    /// The password is wrong.
    Mismatch,
}

impl PasswordVerification {
    /// `true` for [`Match`](Self::Match).
    pub fn is_match(&self) -> bool {
        matches!(self, Self::Match { .. })
    }

    /// `true` for a match whose stored hash should be replaced.
    pub fn needs_rehash(&self) -> bool {
        matches!(self, Self::Match { needs_rehash: true })
    }
}

/// Whether `stored` is a bcrypt hash verified as legacy (`$2a$`, `$2b$`, `$2y$`).
fn is_legacy_bcrypt(stored: &str) -> bool {
    BCRYPT_PREFIXES.iter().any(|p| stored.starts_with(p))
}

/// Parses a stored hash that is not legacy bcrypt as an argon2 PHC string that is safe to
/// hand to the `argon2` crate.
fn parse_argon2(stored: &str) -> Result<PhcHash<'_>, PasswordError> {
    if UNSUPPORTED_BCRYPT_PREFIXES
        .iter()
        .any(|p| stored.starts_with(p))
    {
        return Err(PasswordError::UnsupportedHash);
    }
    let phc = PhcHash::new(stored).map_err(|_| PasswordError::InvalidHash)?;
    if Algorithm::try_from(phc.algorithm).is_err() {
        return Err(PasswordError::UnsupportedHash);
    }
    if phc.salt.is_none() || phc.hash.is_none() {
        return Err(PasswordError::InvalidHash);
    }
    // argon2 0.5.3 computes `p * 8` unchecked while reading the parameters, which overflows
    // (a panic in debug builds) for a corrupt `p`; refuse out-of-range values here first.
    let parallelism_in_range = phc.params.iter().all(|(name, value)| {
        name.as_str() != "p" || value.decimal().is_ok_and(|p| p <= Params::MAX_P_COST)
    });
    if !parallelism_in_range {
        return Err(PasswordError::InvalidHash);
    }
    Ok(phc)
}

/// Legacy bcrypt verification (bcrypt looks at the first 72 bytes only).
fn verify_bcrypt(password: &str, stored: &str) -> Result<PasswordVerification, PasswordError> {
    match bcrypt::verify(password.as_bytes(), stored) {
        Ok(true) => Ok(PasswordVerification::Match { needs_rehash: true }),
        Ok(false) => Ok(PasswordVerification::Mismatch),
        // bcrypt's errors quote the stored hash; do not pass them on.
        Err(_) => Err(PasswordError::InvalidHash),
    }
}

#[cfg(test)]
mod tests {
    use argon2::password_hash::SaltString;
    use argon2::{Argon2, PasswordHasher as _};

    use super::super::tests::fast;
    use super::*;

    #[test]
    fn verify_round_trip_and_mismatch() {
        let h = fast();
        let stored = h.hash("right").expect("hash");
        assert_eq!(
            h.verify("right", stored.as_str()),
            Ok(PasswordVerification::Match {
                needs_rehash: false
            })
        );
        assert_eq!(
            h.verify("wrong", stored.as_str()),
            Ok(PasswordVerification::Mismatch)
        );
    }

    #[test]
    fn stored_hash_classification() {
        let h = fast();
        for garbage in [
            "",
            "garbage",
            "$argon2id$",
            "$argon2id$v=19$m=64,t=1,p=1$c2FsdA",
        ] {
            assert_eq!(
                h.verify("pw", garbage),
                Err(PasswordError::InvalidHash),
                "{garbage:?}"
            );
        }
        for other in [
            "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
            "$2x$04$4eztADlzKznydbL/FMrN7.1oRqPGwjfCszkYl.8UMCmkSw9.1fRdW",
        ] {
            assert_eq!(h.verify("pw", other), Err(PasswordError::UnsupportedHash));
        }
        // Regression: argon2 0.5.3 overflows computing `p * 8` for a huge stored `p`.
        let huge_p = "$argon2id$v=19$m=64,t=1,p=4294967295$c2FsdHNhbHQ$\
                      tzq8ohl7j3Ymz4i5fW2Rm0SIYcA1S0IWCjRFYIjB+dk";
        assert_eq!(h.verify("pw", huge_p), Err(PasswordError::InvalidHash));
        assert!(h.needs_rehash(huge_p));
        // A corrupt bcrypt hash is malformed, and the error does not quote it.
        let err = h.verify("pw", "$2b$04$short").unwrap_err();
        assert_eq!(err, PasswordError::InvalidHash);
        assert!(!err.to_string().contains("short"));
    }

    #[test]
    fn argon2i_hash_verifies_and_needs_rehash() {
        let argon2i = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            Params::new(64, 1, 1, None).expect("params"),
        );
        let salt = SaltString::encode_b64(&[7u8; 16]).expect("salt");
        let stored = argon2i
            .hash_password(b"pw", &salt)
            .expect("hash")
            .to_string();
        assert_eq!(
            fast().verify("pw", &stored),
            Ok(PasswordVerification::Match { needs_rehash: true })
        );
    }

    #[test]
    fn short_salt_needs_rehash() {
        let argon2 = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(64, 1, 1, None).expect("params"),
        );
        let salt = SaltString::encode_b64(&[7u8; 8]).expect("salt");
        let stored = argon2
            .hash_password(b"pw", &salt)
            .expect("hash")
            .to_string();
        assert!(fast().needs_rehash(&stored));
    }

    #[test]
    fn verification_helpers() {
        let m = PasswordVerification::Match { needs_rehash: true };
        assert!(m.is_match() && m.needs_rehash());
        assert!(!PasswordVerification::Mismatch.is_match());
        assert!(!PasswordVerification::Mismatch.needs_rehash());
    }
}
