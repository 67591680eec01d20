//! Issuing access tokens (RFC 9068 profile).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::claims::{Audience, NoCustomClaims, OutgoingClaims, Scope, custom_claims_object};
use super::compact::encode_part;
use super::error::TokenError;
use super::header::{ACCESS_TOKEN_TYPE, OutgoingHeader};
use super::key::{SigningKey, algorithm_name};
use super::key_set::KeySet;
use crate::clock::{Clock, SystemClock};

/// What every access token from an issuer has in common.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IssuerConfig {
    /// The `iss` claim: this service's issuer identifier, usually its base URL.
    pub issuer: String,
    /// The `aud` claim: who the tokens are for (the resource servers' identifier).
    pub audience: Audience,
    /// How long an access token lives. Defaults to 15 minutes.
    pub access_token_ttl: Duration,
}

impl IssuerConfig {
    /// The default access-token lifetime: 15 minutes.
    pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);

    /// A config for `issuer` and `audience` with the default lifetime.
    pub fn new(issuer: impl Into<String>, audience: impl Into<Audience>) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            access_token_ttl: Self::DEFAULT_ACCESS_TOKEN_TTL,
        }
    }

    /// Sets [`IssuerConfig::access_token_ttl`].
    pub fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_token_ttl = ttl;
        self
    }
}

/// What one access token says about its holder. The issuer adds `iss`, `aud`, `iat`, `exp`
/// and a random `jti`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AccessTokenRequest<E = NoCustomClaims> {
    /// `sub`: the user id.
    pub sub: String,
    /// `sid`: the session the token belongs to.
    pub sid: Option<String>,
    /// `scope`: OAuth scopes granted.
    pub scope: Scope,
    /// `roles`.
    pub roles: Vec<String>,
    /// `permissions`.
    pub permissions: Vec<String>,
    /// `plan`: subscription tier.
    pub plan: Option<String>,
    /// `tid`: tenant.
    pub tid: Option<String>,
    /// `client_id`: the OAuth client the token is issued to.
    pub client_id: Option<String>,
    /// `auth_time`: when the user last actively authenticated.
    pub auth_time: Option<SystemTime>,
    /// `amr`: how (RFC 8176 names; build it with [`AuthMethod::amr`](super::AuthMethod::amr)).
    pub amr: Vec<String>,
    /// `acr`: the authentication context class satisfied.
    pub acr: Option<String>,
    /// The host's own claims; must serialize to a JSON object without registered names.
    pub custom: E,
}

impl AccessTokenRequest<NoCustomClaims> {
    /// A request for a token about `sub`, with nothing else yet.
    pub fn new(sub: impl Into<String>) -> Self {
        Self::with_custom(sub, NoCustomClaims {})
    }
}

impl<E> AccessTokenRequest<E> {
    /// A request for a token about `sub` that carries the host's `custom` claims.
    pub fn with_custom(sub: impl Into<String>, custom: E) -> Self {
        Self {
            sub: sub.into(),
            sid: None,
            scope: Scope::default(),
            roles: Vec::new(),
            permissions: Vec::new(),
            plan: None,
            tid: None,
            client_id: None,
            auth_time: None,
            amr: Vec::new(),
            acr: None,
            custom,
        }
    }

    /// Sets `sid`.
    pub fn session(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }

    /// Sets `scope`.
    pub fn scope(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }

    /// Sets `roles`.
    pub fn roles<I: IntoIterator<Item = S>, S: Into<String>>(mut self, roles: I) -> Self {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `permissions`.
    pub fn permissions<I: IntoIterator<Item = S>, S: Into<String>>(mut self, items: I) -> Self {
        self.permissions = items.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `plan`.
    pub fn plan(mut self, plan: impl Into<String>) -> Self {
        self.plan = Some(plan.into());
        self
    }

    /// Sets `tid`.
    pub fn tenant(mut self, tid: impl Into<String>) -> Self {
        self.tid = Some(tid.into());
        self
    }

    /// Sets `client_id`.
    pub fn client(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// Sets `auth_time`, `amr` and `acr` from the sign-in behind the token.
    pub fn assurance(
        mut self,
        auth_time: SystemTime,
        amr: Vec<String>,
        acr: Option<String>,
    ) -> Self {
        self.auth_time = Some(auth_time);
        self.amr = amr;
        self.acr = acr;
        self
    }
}

/// A signed access token. `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    /// The compact JWT, to hand to the client.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// The compact JWT, by value.
    pub fn into_secret(self) -> String {
        self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

/// An access token with the facts a token response needs.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IssuedAccessToken {
    /// The token.
    pub token: AccessToken,
    /// Its `jti`, to revoke it.
    pub jti: String,
    /// `iat`, seconds since the Unix epoch.
    pub issued_at: u64,
    /// `exp`, seconds since the Unix epoch.
    pub expires_at: u64,
    /// Seconds until expiry (the `expires_in` of a token response).
    pub expires_in: u64,
}

/// Signs access tokens with the active key of a [`KeySet`].
///
/// Cheap to clone; the JOSE header is serialized once, here.
///
/// ```
/// use auth_core::token::{AccessTokenIssuer, AccessTokenRequest, Algorithm, IssuerConfig,
///     KeySet, SigningKey};
///
/// let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[42; 32])?);
/// let issuer = AccessTokenIssuer::new(IssuerConfig::new("https://auth.example", "api"), &keys);
/// let issued = issuer.issue(&AccessTokenRequest::new("user-1").roles(["admin"]))?;
/// assert_eq!(issued.expires_in, 900);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct AccessTokenIssuer {
    inner: Arc<IssuerInner>,
}

struct IssuerInner {
    config: IssuerConfig,
    key: SigningKey,
    /// `base64url(header) + "."`, fixed for the key.
    header_prefix: String,
    clock: Arc<dyn Clock>,
}

impl AccessTokenIssuer {
    /// An issuer that signs with `keys`' active signing key and reads the system clock.
    pub fn new(config: IssuerConfig, keys: &KeySet) -> Self {
        Self::with_clock(config, keys, Arc::new(SystemClock))
    }

    /// An issuer that reads time from `clock`.
    pub fn with_clock(config: IssuerConfig, keys: &KeySet, clock: Arc<dyn Clock>) -> Self {
        let key = keys.signing_key().clone();
        let header = OutgoingHeader {
            alg: algorithm_name(key.algorithm()),
            typ: ACCESS_TOKEN_TYPE,
            kid: key.kid().as_str(),
        };
        // Serializing three strings into a String cannot fail.
        let header_json = serde_json::to_vec(&header).unwrap_or_default();
        let mut header_prefix = encode_part(&header_json);
        header_prefix.push('.');
        Self {
            inner: Arc::new(IssuerInner {
                config,
                key,
                header_prefix,
                clock,
            }),
        }
    }

    /// The issuer's configuration.
    pub fn config(&self) -> &IssuerConfig {
        &self.inner.config
    }

    /// The key this issuer signs with.
    pub(crate) fn signing_key(&self) -> &SigningKey {
        &self.inner.key
    }

    /// Issues an access token for `request`.
    ///
    /// Fails only on a server-side problem: custom claims that do not serialize to a JSON
    /// object or that reuse a registered name, the random generator, or the crypto backend.
    pub fn issue<E: Serialize>(
        &self,
        request: &AccessTokenRequest<E>,
    ) -> Result<IssuedAccessToken, TokenError> {
        let inner = &*self.inner;
        let custom = custom_claims_object(&request.custom)?;
        let jti = random_jti()?;
        let issued_at = inner.clock.unix_seconds();
        let ttl = inner.config.access_token_ttl.as_secs();
        let expires_at = issued_at.saturating_add(ttl);
        let claims = OutgoingClaims {
            iss: &inner.config.issuer,
            sub: &request.sub,
            aud: &inner.config.audience,
            exp: expires_at,
            iat: issued_at,
            jti: &jti,
            sid: request.sid.as_deref(),
            scope: &request.scope,
            roles: &request.roles,
            permissions: &request.permissions,
            plan: request.plan.as_deref(),
            tid: request.tid.as_deref(),
            client_id: request.client_id.as_deref(),
            auth_time: request.auth_time.map(unix_seconds),
            amr: &request.amr,
            acr: request.acr.as_deref(),
        };
        let claims_json = claims
            .to_json(&custom)
            .map_err(|_| TokenError::InvalidCustomClaims("they do not serialize to JSON"))?;

        let mut token = String::with_capacity(inner.header_prefix.len() + claims_json.len() * 2);
        token.push_str(&inner.header_prefix);
        token.push_str(&encode_part(&claims_json));
        let signature = inner
            .key
            .sign(token.as_bytes())
            .map_err(|()| TokenError::Crypto("signing"))?;
        token.push('.');
        token.push_str(&encode_part(&signature));

        Ok(IssuedAccessToken {
            token: AccessToken(token),
            jti,
            issued_at,
            expires_at,
            expires_in: ttl,
        })
    }
}

impl fmt::Debug for AccessTokenIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessTokenIssuer")
            .field("config", &self.inner.config)
            .field("key", &self.inner.key)
            .field("clock", &self.inner.clock)
            .finish()
    }
}

/// 128 random bits, base64url: unique with overwhelming probability, short in the token.
fn random_jti() -> Result<String, TokenError> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|_| TokenError::Random)?;
    Ok(encode_part(&bytes))
}

/// Seconds since the Unix epoch; an instant before it (a broken clock) counts as 0.
fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}
