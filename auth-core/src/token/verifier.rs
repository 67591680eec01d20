//! Verifying access tokens: every check RFC 8725 and RFC 9068 ask for, in one strict pass.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::claims::{Claims, NoCustomClaims, parse_claims};
use super::compact::{decode_part, split};
use super::error::{KeyError, TokenError};
use super::header::parse_header;
use super::key::{VerificationKey, algorithm_name};
use super::key_set::KeySet;
use crate::clock::{Clock, SystemClock};

/// What a verifier accepts.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifierConfig {
    /// The only `iss` accepted, compared exactly.
    pub issuer: String,
    /// The audience that must appear in `aud`: this service's identifier.
    pub audience: String,
    /// Tolerance for clock skew on `exp`, `nbf` and `iat`. Defaults to 30 seconds; keep it
    /// under a minute.
    pub leeway: Duration,
    /// The longest token accepted, in bytes, checked before any decoding. Defaults to 8 KiB.
    pub max_token_bytes: usize,
    /// Whether `typ: JWT` is accepted besides `at+jwt`; see
    /// [`VerifierConfig::dangerous_accept_jwt_typ`]. Private so that it is only ever turned on
    /// by that named method.
    accept_jwt_typ: bool,
}

impl VerifierConfig {
    /// The default clock-skew tolerance: 30 seconds.
    pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);
    /// The default size cap: 8 KiB.
    pub const DEFAULT_MAX_TOKEN_BYTES: usize = 8 * 1024;

    /// Accepts tokens from `issuer` for `audience`, with the default leeway and size cap.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            leeway: Self::DEFAULT_LEEWAY,
            max_token_bytes: Self::DEFAULT_MAX_TOKEN_BYTES,
            accept_jwt_typ: false,
        }
    }

    /// Also accepts access tokens whose header says `typ: JWT` (case-insensitively), as
    /// Keycloak, Auth0 and other authorization servers that predate RFC 9068 issue them. A
    /// missing `typ`, or any other value, is still refused.
    ///
    /// # Security
    /// `at+jwt` is what keeps an ID token, or any other JWT the same issuer signs for the same
    /// audience, from passing as an access token (RFC 8725 §3.11, RFC 9068 §4). Turn this on only
    /// for an issuer that signs nothing but access tokens for your audience with these keys, and
    /// keep the audience specific to this service. Off by default.
    pub fn dangerous_accept_jwt_typ(mut self) -> Self {
        self.accept_jwt_typ = true;
        self
    }

    /// Whether [`VerifierConfig::dangerous_accept_jwt_typ`] was turned on.
    pub fn accepts_jwt_typ(&self) -> bool {
        self.accept_jwt_typ
    }

    /// Sets [`VerifierConfig::leeway`].
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Sets [`VerifierConfig::max_token_bytes`].
    pub fn max_token_bytes(mut self, max: usize) -> Self {
        self.max_token_bytes = max;
        self
    }
}

/// Verifies access tokens against a fixed set of keys.
///
/// Refuses, with a typed [`TokenError`]: a token over the size cap (before decoding
/// anything); anything but a three-part compact JWS with strict base64url and JSON objects
/// without duplicate names; a missing or unknown `kid`; an `alg` other than the selected key's
/// (so `none` in any case, and HMAC-with-a-public-key, never pass); `jku`/`x5u`/`jwk`/`x5c`
/// headers; any `crit` extension; a `typ` other than `at+jwt`; a bad signature; a missing
/// `exp`, `iat`, `sub`, `iss` or `aud`, or one of the wrong type; an expired token, an `nbf` or
/// `iat` in the future, a different issuer, or an audience without ours.
///
/// Cheap to clone; keys and configuration are prepared once.
///
/// ```
/// use auth_core::token::{AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier,
///     Algorithm, IssuerConfig, KeySet, SigningKey, TokenError, VerifierConfig};
///
/// let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[42; 32])?);
/// let issuer = AccessTokenIssuer::new(IssuerConfig::new("https://auth.example", "api"), &keys);
/// let verifier = AccessTokenVerifier::new(VerifierConfig::new("https://auth.example", "api"), &keys);
///
/// let issued = issuer.issue(&AccessTokenRequest::new("user-1"))?;
/// let claims = verifier.verify(issued.token.secret())?;
/// assert_eq!(claims.sub, "user-1");
///
/// // Another last character of the signature (one that is always a change).
/// let mut tampered = issued.token.into_secret();
/// let last = tampered.pop();
/// tampered.push(if last == Some('A') { 'Q' } else { 'A' });
/// assert!(verifier.verify(&tampered).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct AccessTokenVerifier {
    inner: Arc<VerifierInner>,
}

struct VerifierInner {
    config: VerifierConfig,
    keys: Vec<VerificationKey>,
    leeway_secs: u64,
    clock: Arc<dyn Clock>,
}

impl AccessTokenVerifier {
    /// A verifier for every verification key of `keys`, reading the system clock.
    pub fn new(config: VerifierConfig, keys: &KeySet) -> Self {
        Self::assemble(
            config,
            keys.verification_keys().to_vec(),
            Arc::new(SystemClock),
        )
    }

    /// A verifier for `keys` (for instance loaded from another issuer's JWKS). Refuses two keys
    /// with the same id.
    pub fn from_keys(
        config: VerifierConfig,
        keys: impl IntoIterator<Item = VerificationKey>,
    ) -> Result<Self, KeyError> {
        let keys: Vec<VerificationKey> = keys.into_iter().collect();
        for (index, key) in keys.iter().enumerate() {
            if keys[..index]
                .iter()
                .any(|earlier| earlier.kid() == key.kid())
            {
                return Err(KeyError::DuplicateKeyId);
            }
        }
        Ok(Self::assemble(config, keys, Arc::new(SystemClock)))
    }

    /// The same verifier reading time from `clock`.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        Self::assemble(self.inner.config.clone(), self.inner.keys.clone(), clock)
    }

    fn assemble(config: VerifierConfig, keys: Vec<VerificationKey>, clock: Arc<dyn Clock>) -> Self {
        let leeway_secs = config.leeway.as_secs();
        Self {
            inner: Arc::new(VerifierInner {
                config,
                keys,
                leeway_secs,
                clock,
            }),
        }
    }

    /// The clock `exp`, `nbf` and `iat` are checked against, for anything that must agree with
    /// this verifier about time (a cache of verified tokens, say).
    pub fn clock(&self) -> Arc<dyn Clock> {
        Arc::clone(&self.inner.clock)
    }

    /// The verifier's configuration.
    pub fn config(&self) -> &VerifierConfig {
        &self.inner.config
    }

    /// Verifies `token` and returns its claims, with no custom claims.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        self.verify_with::<NoCustomClaims>(token)
    }

    /// Verifies `token` and returns its claims, reading the host's custom claims as `E`.
    pub fn verify_with<E: DeserializeOwned>(&self, token: &str) -> Result<Claims<E>, TokenError> {
        let result = self.check::<E>(token);
        if let Err(error) = &result {
            tracing::debug!(%error, "access token refused");
        }
        result
    }

    fn check<E: DeserializeOwned>(&self, token: &str) -> Result<Claims<E>, TokenError> {
        let inner = &*self.inner;
        // Size first: nothing about an oversized token is worth decoding.
        if token.len() > inner.config.max_token_bytes {
            return Err(TokenError::TooLong {
                max: inner.config.max_token_bytes,
            });
        }
        let parts = split(token)?;

        // The header is untrusted until the signature checks out: it only picks a key, and
        // must agree with that key's algorithm.
        let header_json = decode_part(parts.header)?;
        let header = parse_header(&header_json)?;
        let generic_jwt_allowed = inner.config.accept_jwt_typ && header.is_generic_jwt();
        if !header.is_access_token() && !generic_jwt_allowed {
            return Err(TokenError::WrongType);
        }
        let kid = header.kid.as_deref().ok_or(TokenError::MissingKeyId)?;
        let key = inner
            .keys
            .iter()
            .find(|key| key.kid().as_str() == kid)
            .ok_or(TokenError::UnknownKey)?;
        // Exact, case-sensitive: "none", "None", "NONE" and any other algorithm than the key's
        // own are refused here.
        if header.alg != algorithm_name(key.algorithm()) {
            return Err(TokenError::AlgorithmNotAllowed);
        }

        let signature = decode_part(parts.signature)?;
        if !key.verify_signature(parts.signing_input.as_bytes(), &signature) {
            return Err(TokenError::InvalidSignature);
        }

        let claims = parse_claims::<E>(&decode_part(parts.payload)?)?;
        self.check_claims(&claims)?;
        Ok(claims)
    }

    fn check_claims<E>(&self, claims: &Claims<E>) -> Result<(), TokenError> {
        let inner = &*self.inner;
        if claims.iss != inner.config.issuer {
            return Err(TokenError::WrongIssuer);
        }
        if !claims.aud.contains(&inner.config.audience) {
            return Err(TokenError::WrongAudience);
        }
        let now = inner.clock.unix_seconds();
        let leeway = inner.leeway_secs;
        // RFC 7519 §4.1.4: valid only while now < exp (plus leeway).
        if now >= claims.exp.saturating_add(leeway) {
            return Err(TokenError::Expired);
        }
        if claims
            .nbf
            .is_some_and(|nbf| nbf > now.saturating_add(leeway))
        {
            return Err(TokenError::NotYetValid);
        }
        if claims.iat > now.saturating_add(leeway) {
            return Err(TokenError::IssuedInFuture);
        }
        Ok(())
    }
}

impl fmt::Debug for AccessTokenVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessTokenVerifier")
            .field("config", &self.inner.config)
            .field("keys", &self.inner.keys)
            .field("clock", &self.inner.clock)
            .finish()
    }
}

/// From a config file (feature `serde`): `issuer` and `audience` are required; `leeway`
/// (`"30s"` or seconds) and `max_token_bytes` keep their defaults when left out; accepting
/// `typ: JWT` is spelt `"dangerous_accept_jwt_typ": true` (see
/// [`VerifierConfig::dangerous_accept_jwt_typ`]); an unknown field is an error.
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for VerifierConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Fields {
            issuer: String,
            audience: String,
            #[serde(default, deserialize_with = "crate::config_serde::optional_duration")]
            leeway: Option<Duration>,
            #[serde(default)]
            max_token_bytes: Option<usize>,
            #[serde(default)]
            dangerous_accept_jwt_typ: bool,
        }
        let fields = <Fields as serde::Deserialize>::deserialize(deserializer)?;
        let mut config = Self::new(fields.issuer, fields.audience);
        if let Some(leeway) = fields.leeway {
            config.leeway = leeway;
        }
        if let Some(max) = fields.max_token_bytes {
            config.max_token_bytes = max;
        }
        if fields.dangerous_accept_jwt_typ {
            config = config.dangerous_accept_jwt_typ();
        }
        Ok(config)
    }
}
