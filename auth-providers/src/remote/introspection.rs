//! RFC 7662 token introspection, with a short cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_core::{Clock, SystemClock};
use reqwest::Method;
use serde_json::Value;
use url::Url;

use crate::error::{HttpError, RemoteTokenError};
use crate::http::{HttpClient, parse_json};
use crate::profile::text;
use crate::secret::{ClientSecret, SecretHash};

const ENDPOINT: &str = "introspection endpoint";

/// How an [`Introspector`] calls the endpoint and caches answers.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IntrospectorConfig {
    /// The introspection endpoint.
    pub endpoint: Url,
    /// The resource server's client id at the authorization server.
    pub client_id: String,
    /// Its secret (HTTP Basic).
    pub client_secret: ClientSecret,
    /// How long an answer is reused. Defaults to 30 seconds: a revoked token can pass for at
    /// most this long. `Duration::ZERO` disables the cache.
    pub cache_ttl: Duration,
    /// The most answers cached at once (default 10 000); when full, the cache is emptied.
    pub cache_capacity: usize,
}

impl IntrospectorConfig {
    /// Introspection at `endpoint` with these client credentials and the default cache.
    pub fn new(endpoint: Url, client_id: impl Into<String>, client_secret: ClientSecret) -> Self {
        Self {
            endpoint,
            client_id: client_id.into(),
            client_secret,
            cache_ttl: Duration::from_secs(30),
            cache_capacity: 10_000,
        }
    }
}

/// An active token, as the authorization server described it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct IntrospectedToken {
    /// `sub`.
    pub subject: Option<String>,
    /// `scope`, split on spaces.
    pub scopes: Vec<String>,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `username`.
    pub username: Option<String>,
    /// `exp`, seconds since the epoch.
    pub expires_at: Option<u64>,
    /// `iss`.
    pub issuer: Option<String>,
    /// The whole answer.
    pub raw: Value,
}

type Cached = (SystemTime, Option<IntrospectedToken>);

/// Asks the authorization server whether a token is active (RFC 7662), caching each answer
/// briefly under the token's SHA-256 (the token itself is never kept). Cheap to clone.
#[derive(Debug, Clone)]
pub struct Introspector {
    config: Arc<IntrospectorConfig>,
    http: HttpClient,
    clock: Arc<dyn Clock>,
    cache: Arc<Mutex<HashMap<SecretHash, Cached>>>,
}

impl Introspector {
    /// An introspector with `config`.
    pub fn new(config: IntrospectorConfig, http: HttpClient) -> Self {
        Self {
            config: Arc::new(config),
            http,
            clock: Arc::new(SystemClock),
            cache: Arc::default(),
        }
    }

    /// Reads time from `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The token's description if it is active; [`RemoteTokenError::Inactive`] if the server
    /// says it is not (or its `exp` has passed); [`RemoteTokenError::Unavailable`] if the
    /// server cannot answer.
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
        let unix_now = self.clock.unix_seconds();
        match answer {
            Some(active) if active.expires_at.is_none_or(|exp| exp > unix_now) => Ok(active),
            _ => Err(RemoteTokenError::Inactive),
        }
    }

    async fn ask(&self, token: &str) -> Result<Option<IntrospectedToken>, RemoteTokenError> {
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
        match json.get("active") {
            Some(Value::Bool(true)) => Ok(Some(IntrospectedToken {
                subject: text(json.get("sub")),
                scopes: json
                    .get("scope")
                    .and_then(Value::as_str)
                    .map(|scope| {
                        scope
                            .split(' ')
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
                client_id: text(json.get("client_id")),
                username: text(json.get("username")),
                expires_at: json.get("exp").and_then(Value::as_u64),
                issuer: text(json.get("iss")),
                raw: json,
            })),
            Some(Value::Bool(false)) => Ok(None),
            _ => Err(RemoteTokenError::Unavailable(HttpError::InvalidBody {
                endpoint: ENDPOINT,
                reason: "no boolean `active` member",
            })),
        }
    }

    fn remember(&self, key: SecretHash, now: SystemTime, answer: &Option<IntrospectedToken>) {
        if self.config.cache_ttl.is_zero() {
            return;
        }
        let mut until = now + self.config.cache_ttl;
        // Never cache an active answer past the token's own expiry.
        if let Some(exp) = answer.as_ref().and_then(|token| token.expires_at) {
            until = until.min(UNIX_EPOCH + Duration::from_secs(exp));
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
