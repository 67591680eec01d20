//! RFC 7662 token introspection: the client, its configuration and a short cache. What an
//! answer must say to be believed is in [`super::introspected`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_core::{Clock, SystemClock};
use reqwest::Method;
use url::Url;

use super::introspected::{IntrospectedToken, read_answer};
use crate::error::{ConfigError, HttpError, RemoteTokenError};
use crate::http::{HttpClient, parse_json};
use crate::https;
use crate::secret::{ClientSecret, SecretHash};

const ENDPOINT: &str = "introspection endpoint";

/// How an [`Introspector`] calls the endpoint, what an active answer must say, and how
/// answers are cached.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IntrospectorConfig {
    /// The authorization server's issuer identifier. An active answer must carry exactly this
    /// `iss`; an answer without `iss` is refused too, unless
    /// [`dangerous_accept_missing_issuer`](Self::dangerous_accept_missing_issuer) was called.
    pub issuer: String,
    /// The introspection endpoint: `https` (plain `http` only to a loopback host).
    pub endpoint: Url,
    /// The resource server's client id at the authorization server.
    pub client_id: String,
    /// Its secret (HTTP Basic).
    pub client_secret: ClientSecret,
    /// This resource server's identifier. When set, an active answer must list it in `aud`
    /// (a string or an array); one without `aud`, or for another audience, is refused.
    /// Defaults to `None` (no audience check): set it whenever the authorization server
    /// issues tokens for more than one API.
    pub audience: Option<String>,
    /// How long an answer is reused. Defaults to 30 seconds: a revoked token can pass for at
    /// most this long. `Duration::ZERO` disables the cache.
    pub cache_ttl: Duration,
    /// The most answers cached at once (default 10 000); when full, the cache is emptied.
    pub cache_capacity: usize,
    /// Whether an active answer without `iss` is accepted; only ever turned on through
    /// [`dangerous_accept_missing_issuer`](Self::dangerous_accept_missing_issuer).
    accept_missing_issuer: bool,
}

impl IntrospectorConfig {
    /// Introspection of tokens issued by `issuer`, at `endpoint`, with these client
    /// credentials and the default cache.
    pub fn new(
        issuer: impl Into<String>,
        endpoint: Url,
        client_id: impl Into<String>,
        client_secret: ClientSecret,
    ) -> Self {
        Self {
            issuer: issuer.into(),
            endpoint,
            client_id: client_id.into(),
            client_secret,
            audience: None,
            cache_ttl: Duration::from_secs(30),
            cache_capacity: 10_000,
            accept_missing_issuer: false,
        }
    }

    /// Sets [`audience`](Self::audience): active answers must list it in `aud`.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Accepts active answers that carry no `iss` at all (RFC 7662 makes it optional). An
    /// `iss` that is present must still be exactly [`issuer`](Self::issuer).
    ///
    /// # Security
    /// Without `iss`, nothing in the answer shows which server vouched for the token: a
    /// misrouted or shared endpoint's "active" is taken at its word. Turn this on only for a
    /// server that never sends `iss`, reached at a fixed `https` endpoint, and configure an
    /// [`audience`](Self::audience). Off by default.
    pub fn dangerous_accept_missing_issuer(mut self) -> Self {
        self.accept_missing_issuer = true;
        self
    }

    /// Whether [`dangerous_accept_missing_issuer`](Self::dangerous_accept_missing_issuer) was
    /// turned on.
    pub fn accepts_missing_issuer(&self) -> bool {
        self.accept_missing_issuer
    }
}

/// An answer worth reusing: active (and checked), or refused (inactive, or active but failing
/// a check). An unavailable server is never cached.
type Answer = Result<IntrospectedToken, RemoteTokenError>;
type Cached = (SystemTime, Answer);

/// Asks the authorization server whether a token is active (RFC 7662), caching each answer
/// briefly under the token's SHA-256 (the token itself is never kept). Cheap to clone.
///
/// `active: true` alone is not enough: the answer must also name the configured issuer, the
/// configured audience (when one is set) and an access token (a refresh token is refused),
/// with well-formed dates and an `exp` still ahead — see [`IntrospectorConfig`].
///
/// ```
/// use auth_providers::{ClientSecret, HttpClient, Introspector, IntrospectorConfig};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let config = IntrospectorConfig::new(
///     "https://as.example",
///     "https://as.example/oauth/introspect".parse()?,
///     "orders-api",
///     ClientSecret::new("from-your-secret-store"),
/// )
/// .audience("orders-api");
/// let introspector = Introspector::new(config, HttpClient::new()?)?;
/// # let _ = introspector;
///
/// // Plain http to another machine is refused before any call is made.
/// let insecure = IntrospectorConfig::new(
///     "https://as.example",
///     "http://as.example/oauth/introspect".parse()?,
///     "orders-api",
///     ClientSecret::new("from-your-secret-store"),
/// );
/// assert!(Introspector::new(insecure, HttpClient::new()?).is_err());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Introspector {
    config: Arc<IntrospectorConfig>,
    http: HttpClient,
    clock: Arc<dyn Clock>,
    cache: Arc<Mutex<HashMap<SecretHash, Cached>>>,
}

impl Introspector {
    /// An introspector with `config`. Refuses an endpoint that is neither `https` nor plain
    /// `http` to a loopback host ([`ConfigError::InsecureUrl`], field `endpoint`) — the token
    /// and the client secret go there — and an issuer that is not such a URL (field
    /// `issuer`).
    pub fn new(config: IntrospectorConfig, http: HttpClient) -> Result<Self, ConfigError> {
        https::require_issuer("issuer", &config.issuer)?;
        https::require("endpoint", &config.endpoint)?;
        Ok(Self {
            config: Arc::new(config),
            http,
            clock: Arc::new(SystemClock),
            cache: Arc::default(),
        })
    }

    /// Reads time from `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The token's description if it is active and the answer passes every check (see
    /// [`IntrospectorConfig`]): [`RemoteTokenError::Inactive`] if the server says it is not
    /// active, or its `exp` has passed (or `nbf` not come); [`RemoteTokenError::Rejected`] if
    /// the server says active but for another issuer or audience, for another kind of token
    /// (a refresh token), or with a date that is not a `NumericDate`;
    /// [`RemoteTokenError::Unavailable`] if the server cannot answer.
    pub async fn introspect(&self, token: &str) -> Result<IntrospectedToken, RemoteTokenError> {
        let key = SecretHash::of(token);
        let now = self.clock.now();
        let cached = self
            .lock()
            .get(&key)
            .filter(|(until, _)| *until > now)
            .map(|(_, answer)| answer.clone());
        let answer = match cached {
            Some(answer) => answer,
            None => {
                let answer = self.ask(token).await?;
                self.remember(key, now, &answer);
                answer
            }
        };
        let active = answer?;
        if active.is_live_at(self.clock.unix_seconds()) {
            Ok(active)
        } else {
            Err(RemoteTokenError::Inactive)
        }
    }

    /// Asks the server. `Err` only when it cannot answer; a refusal is the `Ok` answer.
    async fn ask(&self, token: &str) -> Result<Answer, RemoteTokenError> {
        let request = self
            .http
            .request(Method::POST, self.config.endpoint.clone())
            .basic_auth(
                &self.config.client_id,
                Some(self.config.client_secret.expose_secret()),
            )
            .form(&[("token", token), ("token_type_hint", "access_token")]);
        let (status, body) = self
            .http
            .send(request, ENDPOINT)
            .await
            .map_err(RemoteTokenError::Unavailable)?;
        if status != 200 {
            return Err(RemoteTokenError::Unavailable(HttpError::Status {
                endpoint: ENDPOINT,
                status,
            }));
        }
        let json = parse_json(&body, ENDPOINT).map_err(RemoteTokenError::Unavailable)?;
        match read_answer(json, &self.config) {
            Ok(Some(active)) => Ok(Ok(active)),
            Ok(None) => Ok(Err(RemoteTokenError::Inactive)),
            Err(error @ RemoteTokenError::Unavailable(_)) => Err(error),
            Err(refused) => Ok(Err(refused)),
        }
    }

    fn remember(&self, key: SecretHash, now: SystemTime, answer: &Answer) {
        if self.config.cache_ttl.is_zero() {
            return;
        }
        // A cache time too long for a `SystemTime` is a configuration mistake, not a panic.
        let Some(mut until) = now.checked_add(self.config.cache_ttl) else {
            return;
        };
        // Never cache an active answer past the token's own expiry. An `exp` too far away for
        // a `SystemTime` (the server's to choose) changes nothing rather than overflowing.
        if let Some(exp_time) = answer
            .as_ref()
            .ok()
            .and_then(|token| token.expires_at)
            .and_then(|exp| UNIX_EPOCH.checked_add(Duration::from_secs(exp)))
        {
            until = until.min(exp_time);
        }
        let mut cache = self.lock();
        if cache.len() >= self.config.cache_capacity {
            cache.retain(|_, (expiry, _)| *expiry > now);
            if cache.len() >= self.config.cache_capacity {
                cache.clear();
            }
        }
        cache.insert(key, (until, answer.clone()));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SecretHash, Cached>> {
        // Each operation is a single insert/lookup/clear: a poisoned map is still consistent.
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
