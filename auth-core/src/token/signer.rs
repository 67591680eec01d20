//! Signing JWTs other than access tokens (OpenID Connect id_tokens, say) with a key of a
//! [`KeySet`](super::KeySet).

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use super::compact::encode_part;
use super::error::TokenError;
use super::header::OutgoingHeader;
use super::key::{SigningKey, algorithm_name};

/// A signed compact JWT that is not an access token (for example an id_token). `Debug` does
/// not show it: it carries claims about a user.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedJwt(String);

impl SignedJwt {
    /// The compact JWT, to hand to the client.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// The compact JWT, by value.
    pub fn into_secret(self) -> String {
        self.0
    }
}

impl fmt::Debug for SignedJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SignedJwt([redacted])")
    }
}

/// Signs JWTs of one `typ` with one key: the header is `{"alg", "typ", "kid"}`, fixed when
/// the signer is made, and the claims are whatever the caller serializes — a JSON object.
///
/// This is the generic entry point beside
/// [`AccessTokenIssuer`](super::AccessTokenIssuer), which adds the access-token claims and
/// `typ: at+jwt` itself; use that for access tokens. The caller owns the claims' meaning
/// (`iss`, `aud`, `exp`, …): nothing is added or checked beyond "a JSON object".
///
/// ```
/// use auth_core::token::{Algorithm, JwtSigner, SigningKey};
///
/// let key = SigningKey::hmac("k1", Algorithm::HS256, &[7; 32])?;
/// let signer = JwtSigner::new(&key, "JWT")?;
/// let jwt = signer.sign(&serde_json::json!({"iss": "https://auth.example", "sub": "u1"}))?;
/// assert_eq!(jwt.secret().split('.').count(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct JwtSigner {
    inner: Arc<SignerInner>,
}

struct SignerInner {
    key: SigningKey,
    /// `base64url(header) + "."`.
    header_prefix: String,
}

impl JwtSigner {
    /// A signer with `key` that writes `typ` in every header (`"JWT"` for id_tokens).
    ///
    /// # Errors
    /// [`TokenError::InvalidCustomClaims`] when `typ` is empty, longer than 64 bytes or has
    /// control characters, or is the access-token type `at+jwt` (an access token made here
    /// would lack the claims a verifier requires; use the issuer).
    pub fn new(key: &SigningKey, typ: &str) -> Result<Self, TokenError> {
        if typ.is_empty() || typ.len() > 64 || typ.chars().any(char::is_control) {
            return Err(TokenError::InvalidCustomClaims(
                "the JWT typ must be 1 to 64 printable characters",
            ));
        }
        let subtype = typ
            .get(..12)
            .filter(|prefix| prefix.eq_ignore_ascii_case("application/"))
            .map_or(typ, |_| &typ[12..]);
        if subtype.eq_ignore_ascii_case(super::header::ACCESS_TOKEN_TYPE) {
            return Err(TokenError::InvalidCustomClaims(
                "access tokens are signed by AccessTokenIssuer",
            ));
        }
        let header = OutgoingHeader {
            alg: algorithm_name(key.algorithm()),
            typ,
            kid: key.kid().as_str(),
        };
        let header_json = serde_json::to_vec(&header)
            .map_err(|_| TokenError::InvalidCustomClaims("the header does not serialize"))?;
        let mut header_prefix = encode_part(&header_json);
        header_prefix.push('.');
        Ok(Self {
            inner: Arc::new(SignerInner {
                key: key.clone(),
                header_prefix,
            }),
        })
    }

    /// The key this signer signs with.
    pub fn key(&self) -> &SigningKey {
        &self.inner.key
    }

    /// Signs `claims`.
    ///
    /// # Errors
    /// [`TokenError::InvalidCustomClaims`] when `claims` does not serialize to a JSON object;
    /// [`TokenError::Crypto`] when the backend cannot sign.
    pub fn sign<C: Serialize + ?Sized>(&self, claims: &C) -> Result<SignedJwt, TokenError> {
        let json = serde_json::to_vec(claims)
            .map_err(|_| TokenError::InvalidCustomClaims("they do not serialize to JSON"))?;
        if json.first() != Some(&b'{') {
            return Err(TokenError::InvalidCustomClaims(
                "they must serialize to a JSON object",
            ));
        }
        let inner = &*self.inner;
        let mut token = String::with_capacity(inner.header_prefix.len() + json.len() * 2);
        token.push_str(&inner.header_prefix);
        token.push_str(&encode_part(&json));
        let signature = inner
            .key
            .sign(token.as_bytes())
            .map_err(|()| TokenError::Crypto("signing"))?;
        token.push('.');
        token.push_str(&encode_part(&signature));
        Ok(SignedJwt(token))
    }
}

impl fmt::Debug for JwtSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtSigner")
            .field("key", &self.inner.key)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::compact::{decode_part, split};
    use jsonwebtoken::Algorithm;

    fn key() -> SigningKey {
        SigningKey::hmac("kid-1", Algorithm::HS256, &[3; 32]).unwrap()
    }

    #[test]
    fn header_claims_and_signature_are_what_was_asked() {
        let signer = JwtSigner::new(&key(), "JWT").unwrap();
        let jwt = signer
            .sign(&serde_json::json!({"sub": "u1", "n": 1}))
            .unwrap();
        let parts = split(jwt.secret()).unwrap();
        let header: serde_json::Value =
            serde_json::from_slice(&decode_part(parts.header).unwrap()).unwrap();
        assert_eq!(
            header,
            serde_json::json!({"alg": "HS256", "typ": "JWT", "kid": "kid-1"})
        );
        let claims: serde_json::Value =
            serde_json::from_slice(&decode_part(parts.payload).unwrap()).unwrap();
        assert_eq!(claims, serde_json::json!({"sub": "u1", "n": 1}));
        let signature = decode_part(parts.signature).unwrap();
        assert!(
            key()
                .verification_key()
                .verify_signature(parts.signing_input.as_bytes(), &signature)
        );
        // Another key's signature does not match.
        let other = SigningKey::hmac("kid-1", Algorithm::HS256, &[4; 32]).unwrap();
        assert!(
            !other
                .verification_key()
                .verify_signature(parts.signing_input.as_bytes(), &signature)
        );
    }

    #[test]
    fn non_object_claims_are_refused() {
        let signer = JwtSigner::new(&key(), "JWT").unwrap();
        for claims in [
            serde_json::json!([1]),
            serde_json::json!("x"),
            serde_json::json!(null),
        ] {
            assert!(matches!(
                signer.sign(&claims),
                Err(TokenError::InvalidCustomClaims(_))
            ));
        }
    }

    // RFC 8725 §3.11: an id_token signer must not be able to mint something that a resource
    // server would read as an access token.
    #[test]
    fn access_token_type_and_bad_typ_are_refused() {
        for typ in ["at+jwt", "AT+JWT", "application/at+jwt", "", "a\nb"] {
            assert!(JwtSigner::new(&key(), typ).is_err(), "{typ:?}");
        }
        assert!(JwtSigner::new(&key(), &"x".repeat(65)).is_err());
    }

    #[test]
    fn debug_hides_the_token() {
        let jwt = JwtSigner::new(&key(), "JWT")
            .unwrap()
            .sign(&serde_json::json!({"sub": "u"}))
            .unwrap();
        assert_eq!(format!("{jwt:?}"), "SignedJwt([redacted])");
    }
}
