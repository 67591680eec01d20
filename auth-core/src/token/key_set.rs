//! The keys a service holds: one active signing key and any number of verification keys, for
//! rotation with overlap; and their public half as a JWKS.

use jsonwebtoken::jwk::JwkSet;

use super::error::KeyError;
use super::key::{SigningKey, VerificationKey};

/// One active signing key plus the keys that still verify (rotation with overlap).
///
/// Rotating keeps the previous signing key as a verification key, so tokens it signed stay
/// valid until they expire; remove it once the longest token lifetime has passed.
///
/// ```
/// use auth_core::token::{Algorithm, KeySet, SigningKey};
///
/// let mut keys = KeySet::new(SigningKey::generate_hmac("2026-10", Algorithm::HS256)?);
/// keys.rotate(SigningKey::generate_hmac("2026-11", Algorithm::HS256)?)?;
/// assert_eq!(keys.signing_key().kid().as_str(), "2026-11");
/// assert!(keys.find("2026-10").is_some()); // still verifies
/// keys.remove("2026-10")?;
/// assert!(keys.find("2026-10").is_none());
/// # Ok::<(), auth_core::token::KeyError>(())
/// ```
#[derive(Debug, Clone)]
pub struct KeySet {
    signing: SigningKey,
    /// Includes the signing key's own verification key. Few entries: a linear scan by `kid`
    /// beats hashing.
    verification: Vec<VerificationKey>,
}

impl KeySet {
    /// A key set that signs with `signing` and verifies with its public half.
    pub fn new(signing: SigningKey) -> Self {
        let verification = vec![signing.verification_key().clone()];
        Self {
            signing,
            verification,
        }
    }

    /// Adds a key that only verifies (a previous key, or another issuer's key with a distinct
    /// id). Refuses a `kid` already present.
    pub fn add_verification_key(&mut self, key: VerificationKey) -> Result<(), KeyError> {
        if self.find(key.kid().as_str()).is_some() {
            return Err(KeyError::DuplicateKeyId);
        }
        self.verification.push(key);
        Ok(())
    }

    /// Builder form of [`KeySet::add_verification_key`].
    pub fn with_verification_key(mut self, key: VerificationKey) -> Result<Self, KeyError> {
        self.add_verification_key(key)?;
        Ok(self)
    }

    /// Makes `next` the signing key; the previous one keeps verifying.
    pub fn rotate(&mut self, next: SigningKey) -> Result<(), KeyError> {
        self.add_verification_key(next.verification_key().clone())?;
        self.signing = next;
        Ok(())
    }

    /// Removes the verification key with id `kid`; tokens it signed stop verifying.
    /// The active signing key cannot be removed.
    pub fn remove(&mut self, kid: &str) -> Result<VerificationKey, KeyError> {
        if self.signing.kid().as_str() == kid {
            return Err(KeyError::RemovingSigningKey);
        }
        let index = self
            .verification
            .iter()
            .position(|key| key.kid().as_str() == kid)
            .ok_or(KeyError::InvalidKeyId("no key with this id is loaded"))?;
        Ok(self.verification.remove(index))
    }

    /// The active signing key.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// Every key that verifies, the signing key's included.
    pub fn verification_keys(&self) -> &[VerificationKey] {
        &self.verification
    }

    /// The verification key with id `kid`, compared exactly.
    pub fn find(&self, kid: &str) -> Option<&VerificationKey> {
        self.verification
            .iter()
            .find(|key| key.kid().as_str() == kid)
    }

    /// The public keys as a JWKS (RFC 7517 §5), for `/.well-known/jwks.json`.
    ///
    /// Only public parameters appear: HMAC secrets are never published, and private members
    /// (`d`, `p`, `q`, …) are never written.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self
                .verification
                .iter()
                .filter_map(|key| key.public_jwk().cloned())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::Algorithm;

    fn hmac(kid: &str) -> SigningKey {
        SigningKey::hmac(kid, Algorithm::HS256, &[9; 32]).unwrap()
    }

    #[test]
    fn duplicate_kids_are_refused() {
        let mut keys = KeySet::new(hmac("a"));
        let again = hmac("a").verification_key().clone();
        assert_eq!(
            keys.add_verification_key(again),
            Err(KeyError::DuplicateKeyId)
        );
        assert_eq!(
            keys.rotate(hmac("a")).unwrap_err(),
            KeyError::DuplicateKeyId
        );
    }

    #[test]
    fn signing_key_cannot_be_removed() {
        let mut keys = KeySet::new(hmac("a"));
        assert_eq!(keys.remove("a").unwrap_err(), KeyError::RemovingSigningKey);
        assert!(keys.remove("missing").is_err());
    }

    #[test]
    fn hmac_keys_are_not_published() {
        let keys = KeySet::new(hmac("a"));
        assert!(keys.jwks().keys.is_empty());
    }
}
