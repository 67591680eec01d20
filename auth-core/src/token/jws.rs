//! Signature verification of any compact JWS against known keys, for tokens that are not our
//! access tokens (an OpenID Connect `id_token`, another server's JWT) and whose claims the
//! caller checks itself.

use std::fmt;

use jsonwebtoken::Algorithm;

use super::compact::{decode_part, split};
use super::error::TokenError;
use super::header::parse_header;
use super::key::{KeyId, VerificationKey, algorithm_name};

/// A compact JWS whose signature verified with one of the keys given to [`verify_jws`].
///
/// Only the signature and the header have been checked: the payload's claims (`iss`, `aud`,
/// `exp`, …) are still the caller's to validate. `Debug` leaves the payload out.
#[derive(Clone)]
pub struct VerifiedJws {
    kid: KeyId,
    algorithm: Algorithm,
    typ: Option<String>,
    payload: Vec<u8>,
}

impl VerifiedJws {
    /// The id of the key that verified the signature.
    pub fn kid(&self) -> &KeyId {
        &self.kid
    }

    /// The algorithm of that key (equal to the header's `alg`).
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The header's `typ`, if any, as written.
    pub fn typ(&self) -> Option<&str> {
        self.typ.as_deref()
    }

    /// The verified payload bytes (for a JWT, the claims as JSON).
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }
}

impl fmt::Debug for VerifiedJws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedJws")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("typ", &self.typ)
            .finish_non_exhaustive()
    }
}

/// Verifies the signature of the compact JWS `token` with the key its `kid` names among `keys`.
///
/// The same strict pass as [`AccessTokenVerifier`](super::AccessTokenVerifier), minus the
/// access-token rules: refuses a token over `max_bytes` (before decoding anything); anything
/// but three strict base64url parts with a JSON-object header without duplicate names; a
/// missing `kid` or one matching no key; an `alg` other than the selected key's own (so `none`
/// and algorithm confusion never pass); `jku`/`x5u`/`jwk`/`x5c` headers; any `crit`; a bad
/// signature. It does **not** look at `typ` or at the payload: callers check both.
///
/// ```
/// use auth_core::token::{verify_jws, AccessTokenIssuer, AccessTokenRequest, Algorithm,
///     IssuerConfig, KeySet, SigningKey, TokenError};
///
/// let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[42; 32])?);
/// let issued = AccessTokenIssuer::new(IssuerConfig::new("https://as.example", "api"), &keys)
///     .issue(&AccessTokenRequest::new("user-1"))?;
/// let verified = verify_jws(issued.token.secret(), keys.verification_keys(), 8 * 1024)?;
/// assert_eq!(verified.kid().as_str(), "k1");
/// assert_eq!(verified.typ(), Some("at+jwt"));
///
/// let other = KeySet::new(SigningKey::hmac("k2", Algorithm::HS256, &[7; 32])?);
/// let refused = verify_jws(issued.token.secret(), other.verification_keys(), 8 * 1024);
/// assert_eq!(refused.unwrap_err(), TokenError::UnknownKey);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_jws(
    token: &str,
    keys: &[VerificationKey],
    max_bytes: usize,
) -> Result<VerifiedJws, TokenError> {
    if token.len() > max_bytes {
        return Err(TokenError::TooLong { max: max_bytes });
    }
    let parts = split(token)?;
    let header_json = decode_part(parts.header)?;
    let header = parse_header(&header_json)?;
    let kid = header.kid.as_deref().ok_or(TokenError::MissingKeyId)?;
    let key = keys
        .iter()
        .find(|key| key.kid().as_str() == kid)
        .ok_or(TokenError::UnknownKey)?;
    if header.alg != algorithm_name(key.algorithm()) {
        return Err(TokenError::AlgorithmNotAllowed);
    }
    let signature = decode_part(parts.signature)?;
    if !key.verify_signature(parts.signing_input.as_bytes(), &signature) {
        return Err(TokenError::InvalidSignature);
    }
    let payload = decode_part(parts.payload)?;
    Ok(VerifiedJws {
        kid: key.kid().clone(),
        algorithm: key.algorithm(),
        typ: header.typ.map(|typ| typ.into_owned()),
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::compact::encode_part;
    use crate::token::{AccessTokenIssuer, AccessTokenRequest, IssuerConfig, KeySet, SigningKey};

    fn keys() -> KeySet {
        KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[42; 32]).unwrap())
    }

    fn token(keys: &KeySet) -> String {
        AccessTokenIssuer::new(IssuerConfig::new("https://as.example", "api"), keys)
            .issue(&AccessTokenRequest::new("u"))
            .unwrap()
            .token
            .into_secret()
    }

    #[test]
    fn verifies_and_returns_the_payload() {
        let keys = keys();
        let verified = verify_jws(&token(&keys), keys.verification_keys(), 8192).unwrap();
        let claims: serde_json::Value = serde_json::from_slice(verified.payload()).unwrap();
        assert_eq!(claims["sub"], "u");
        assert_eq!(verified.algorithm(), Algorithm::HS256);
        assert!(!format!("{verified:?}").contains("\"u\""));
    }

    #[test]
    fn refuses_a_tampered_signature_and_oversized_tokens() {
        let keys = keys();
        // Change the signature's first character: all six of its bits are signature bits, so
        // the result is still canonical base64url (the last character's low bits are not).
        let mut tampered = token(&keys);
        let at = tampered.rfind('.').unwrap() + 1;
        let first = if tampered[at..].starts_with('A') {
            "B"
        } else {
            "A"
        };
        tampered.replace_range(at..=at, first);
        assert_eq!(
            verify_jws(&tampered, keys.verification_keys(), 8192).unwrap_err(),
            TokenError::InvalidSignature
        );
        assert!(matches!(
            verify_jws(&token(&keys), keys.verification_keys(), 10),
            Err(TokenError::TooLong { max: 10 })
        ));
    }

    // RFC 8725 §3.1: alg=none, or any algorithm other than the key's, must be refused.
    #[test]
    fn refuses_alg_none_and_missing_kid() {
        let keys = keys();
        let payload = encode_part(br#"{"sub":"u"}"#);
        let none = format!(
            "{}.{payload}.",
            encode_part(br#"{"alg":"none","kid":"k1"}"#)
        );
        assert_eq!(
            verify_jws(&none, keys.verification_keys(), 8192).unwrap_err(),
            TokenError::AlgorithmNotAllowed
        );
        let no_kid = format!("{}.{payload}.c2ln", encode_part(br#"{"alg":"HS256"}"#));
        assert_eq!(
            verify_jws(&no_kid, keys.verification_keys(), 8192).unwrap_err(),
            TokenError::MissingKeyId
        );
    }
}
