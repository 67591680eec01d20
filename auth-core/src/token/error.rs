//! Why a token or a key was refused.

use crate::error::{BearerErrorCode, ToBearerError};

/// Why an access token was refused by [`AccessTokenVerifier`](super::AccessTokenVerifier), or
/// why one could not be issued.
///
/// No variant carries any part of the token, a key or a secret: the `Display` text is safe to
/// log. It is still more detail than a client should see — send clients only
/// [`ToBearerError::bearer_error`] (the HTTP layers do).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The token is longer than [`VerifierConfig::max_token_bytes`](super::VerifierConfig::max_token_bytes).
    /// Checked before any decoding, so an oversized token costs nothing to refuse.
    #[error("token is longer than the {max} bytes allowed")]
    TooLong {
        /// The configured limit.
        max: usize,
    },
    /// The token is not a well-formed JWS compact serialization: not three `.`-separated parts,
    /// invalid or padded base64url, invalid JSON, a JSON value that is not an object, or a name
    /// that appears twice in the header or the claims.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The header names an algorithm that is not the one registered for the selected key
    /// (this covers `alg: none` in any letter case and HMAC-with-a-public-key confusion,
    /// RFC 8725 §3.1 and §2.1).
    #[error("algorithm not allowed for this key")]
    AlgorithmNotAllowed,
    /// The header has no `kid`; every key here is selected by its id.
    #[error("token header has no key id")]
    MissingKeyId,
    /// The header's `kid` matches none of the loaded verification keys.
    #[error("no verification key with the token's key id")]
    UnknownKey,
    /// The header carries a key or a key location (`jku`, `x5u`, `jwk`, `x5c`). Those are never
    /// fetched or trusted (RFC 8725 §3.10): keys come only from configuration.
    #[error("token header parameter `{0}` is not accepted")]
    ForbiddenHeader(&'static str),
    /// The header lists a `crit` extension this verifier does not implement (RFC 7515 §4.1.11).
    #[error("token header has a critical extension that is not supported")]
    UnsupportedCritical,
    /// The `typ` header is missing or is not `at+jwt` (RFC 9068 §4, RFC 8725 §3.11): an ID token
    /// or any other JWT is not an access token.
    #[error("token type is not at+jwt")]
    WrongType,
    /// The signature does not verify with the selected key.
    #[error("signature verification failed")]
    InvalidSignature,
    /// A claim this verifier requires is absent.
    #[error("required claim `{0}` is missing")]
    MissingClaim(&'static str),
    /// A claim has the wrong JSON type or an impossible value (e.g. `exp` as a string).
    #[error("claim `{0}` has an invalid value")]
    InvalidClaim(&'static str),
    /// `exp` has passed (beyond the leeway).
    #[error("token has expired")]
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    #[error("token is not valid yet")]
    NotYetValid,
    /// `iat` is in the future (beyond the leeway).
    #[error("token was issued in the future")]
    IssuedInFuture,
    /// `iss` is not exactly the configured issuer.
    #[error("token issuer is not accepted")]
    WrongIssuer,
    /// `aud` does not contain the configured audience.
    #[error("token audience does not include this service")]
    WrongAudience,
    /// Issuing failed: the custom claims could not be serialized as a JSON object, or they use
    /// a claim name the crate writes itself (`iss`, `sub`, `scope`, `roles`, …).
    #[error("claims cannot be issued: {0}")]
    InvalidCustomClaims(&'static str),
    /// The crypto backend failed to sign or to prepare a key. This is a server-side fault.
    #[error("crypto backend failure while {0}")]
    Crypto(&'static str),
    /// The operating system's random number generator failed.
    #[error("random number generator failure")]
    Random,
}

impl ToBearerError for TokenError {
    fn bearer_error(&self) -> Option<BearerErrorCode> {
        match self {
            Self::InvalidCustomClaims(_) | Self::Crypto(_) | Self::Random => None,
            _ => Some(BearerErrorCode::InvalidToken),
        }
    }
}

/// Why a key could not be loaded or added to a [`KeySet`](super::KeySet).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// An HMAC secret is shorter than the hash output (RFC 7518 §3.2): 32 bytes for HS256,
    /// 48 for HS384, 64 for HS512.
    #[error(
        "the {algorithm} secret is {actual} bytes; at least {min} random bytes are required \
         (set a longer JWT_SECRET_KEY, e.g. 64 characters from `openssl rand -base64 48`)"
    )]
    WeakSecret {
        /// The algorithm the secret was meant for.
        algorithm: &'static str,
        /// The minimum length in bytes.
        min: usize,
        /// The length that was given.
        actual: usize,
    },
    /// An RSA key's modulus is shorter than 2048 bits (RFC 7518 §3.3).
    #[error("RSA key is {bits} bits; at least 2048 bits are required")]
    WeakRsaKey {
        /// The modulus length that was given.
        bits: usize,
    },
    /// The key material does not parse as a key of the algorithm's family (bad PEM, wrong key
    /// type, wrong curve, JWK parameters that do not fit).
    #[error("invalid {algorithm} key: {reason}")]
    InvalidKey {
        /// The algorithm the key was meant for.
        algorithm: &'static str,
        /// What was wrong, without any key material.
        reason: &'static str,
    },
    /// The algorithm is not one this crate signs or verifies with.
    #[error("unsupported algorithm")]
    UnsupportedAlgorithm,
    /// A key id is empty, longer than 128 bytes, or contains control characters.
    #[error("invalid key id: {0}")]
    InvalidKeyId(&'static str),
    /// A key set already holds a key with this id.
    #[error("a key with this id is already loaded")]
    DuplicateKeyId,
    /// A key set must keep the key that is signing.
    #[error("the active signing key cannot be removed")]
    RemovingSigningKey,
    /// The operating system's random number generator failed while generating a key.
    #[error("random number generator failure")]
    Random,
}
