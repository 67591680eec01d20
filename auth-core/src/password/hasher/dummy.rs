//! The timing equaliser for unknown accounts: [`PasswordHasher::verify_dummy`] does the work
//! of a verification against a fixed dummy hash and throws the outcome away.

use argon2::password_hash::PasswordHash as PhcHash;

use super::{PasswordHasher, SALT_BYTES, check_length};
use crate::ErrorChain;
use crate::password::PasswordError;

/// The fixed input of the dummy hash behind [`PasswordHasher::verify_dummy`]. Not a secret: the
/// result of verifying against it is always discarded.
const DUMMY_PASSWORD: &str = "auth-core dummy password: timing equaliser for unknown accounts";
/// The fixed salt of the dummy hash (it never protects a real credential).
const DUMMY_SALT: [u8; SALT_BYTES] = *b"auth-core-dummy!";

impl PasswordHasher {
    /// Does the work of a [`verify`](Self::verify) against a dummy hash with this hasher's
    /// parameters and throws the outcome away.
    ///
    /// Call it when the account does not exist, so that "unknown user" takes as long as
    /// "wrong password" and response timing does not reveal which accounts exist. It applies
    /// the same length check as `verify`, so over-long input is refused equally fast either way.
    /// The dummy hash is computed on the first call (that call's hashing stands in for the
    /// verification, so it costs the same).
    ///
    /// # Errors
    /// [`PasswordError::TooLong`] exactly when `verify` would return it;
    /// [`PasswordError::Hashing`] if the dummy hash could not be computed.
    #[tracing::instrument(level = "debug", skip_all)]
    pub fn verify_dummy(&self, password: &str) -> Result<(), PasswordError> {
        check_length(password)?;
        let mut computed_now = false;
        let dummy = self.inner.dummy.get_or_init(|| {
            computed_now = true;
            match self.hash_with_salt(DUMMY_PASSWORD, &DUMMY_SALT) {
                Ok(hash) => Some(hash.into_string()),
                Err(error) => {
                    tracing::error!(error = %ErrorChain::new(&error), "could not compute the dummy password hash");
                    None
                }
            }
        });
        let Some(dummy) = dummy else {
            return Err(PasswordError::Hashing(
                "the dummy password hash is unavailable".into(),
            ));
        };
        if !computed_now {
            let outcome = PhcHash::new(dummy)
                .map_err(|_| PasswordError::InvalidHash)
                .and_then(|phc| self.verify_argon2(password, &phc));
            // Keep the optimiser from skipping work whose result is unused.
            std::hint::black_box(outcome).ok();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::fast;

    #[test]
    fn verify_dummy_computes_once_and_succeeds() {
        let h = fast();
        assert_eq!(h.verify_dummy("anything"), Ok(()));
        assert_eq!(h.verify_dummy("anything else"), Ok(()));
        let dummy = h
            .inner
            .dummy
            .get()
            .cloned()
            .flatten()
            .expect("dummy computed");
        assert!(dummy.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(
            !h.needs_rehash(&dummy),
            "dummy must cost what a real hash costs"
        );
    }
}
