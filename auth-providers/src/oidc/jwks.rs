//! A cached JWKS: fetched on first use, refreshed when it is old or when a token names a key it
//! does not hold — at most once per `min_refresh_interval`, so a flood of tokens with made-up
//! `kid`s cannot hammer the provider.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use auth_core::Clock;
use auth_core::token::{
    Algorithm, Jwk, JwkSet, TokenError, VerificationKey, VerifiedJws, verify_jws,
};
use tokio::sync::Mutex;
use url::Url;

use crate::error::{ConfigError, HttpError};
use crate::http::HttpClient;
use crate::https;

const ENDPOINT: &str = "JWKS endpoint";

/// The asymmetric algorithms accepted by default. HMAC is never accepted from a JWKS: a
/// published key is public, and a public HMAC key signs for anyone.
pub const DEFAULT_ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// How a [`JwksCache`] refreshes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct JwksConfig {
    /// Keys older than this are fetched again before use. Defaults to 1 hour.
    pub max_age: Duration,
    /// The shortest time between two fetches triggered by unknown `kid`s. Defaults to 60
    /// seconds.
    pub min_refresh_interval: Duration,
    /// Algorithms accepted; keys for others are ignored. Defaults to [`DEFAULT_ALGORITHMS`].
    pub algorithms: Vec<Algorithm>,
    /// The longest token accepted, in bytes. Defaults to 16 KiB.
    pub max_token_bytes: usize,
}

impl Default for JwksConfig {
    fn default() -> Self {
        Self {
            max_age: Duration::from_secs(3600),
            min_refresh_interval: Duration::from_secs(60),
            algorithms: DEFAULT_ALGORITHMS.to_vec(),
            max_token_bytes: 16 * 1024,
        }
    }
}

#[derive(Debug, Default)]
struct State {
    keys: Arc<[VerificationKey]>,
    fetched_at: Option<SystemTime>,
    last_attempt: Option<SystemTime>,
}

/// A provider's signing keys, fetched from its `jwks_uri` and cached. Cheap to clone (clones
/// share the cache), so a login provider and a resource-server verifier can share one.
#[derive(Debug, Clone)]
pub struct JwksCache {
    url: Url,
    config: Arc<JwksConfig>,
    state: Arc<Mutex<State>>,
}

impl JwksCache {
    /// A cache for the JWKS at `url`, empty until first used.
    ///
    /// `url` must be `https`, or plain `http` to a loopback host: these keys decide which
    /// tokens are genuine, and anyone on a plain-HTTP path could swap in their own.
    /// [`ConfigError::InsecureUrl`] (field `jwks_uri`) otherwise.
    pub fn new(url: Url, config: JwksConfig) -> Result<Self, ConfigError> {
        https::require("jwks_uri", &url)?;
        Ok(Self::new_unchecked(url, config))
    }

    /// For providers, which check their endpoints themselves (at construction, or when
    /// registered with a login flow); the HTTP client checks the URL again before any fetch.
    pub(crate) fn new_unchecked(url: Url, config: JwksConfig) -> Self {
        Self {
            url,
            config: Arc::new(config),
            state: Arc::default(),
        }
    }

    /// The JWKS URL.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The configuration.
    pub fn config(&self) -> &JwksConfig {
        &self.config
    }

    /// The cached keys, fetched first when there are none yet or they are older than
    /// `max_age`. When a refresh of stale keys fails, the stale keys are kept and returned.
    pub async fn keys(
        &self,
        http: &HttpClient,
        clock: &dyn Clock,
    ) -> Result<Arc<[VerificationKey]>, HttpError> {
        let mut state = self.state.lock().await;
        let now = clock.now();
        let fresh = state.fetched_at.is_some_and(|at| {
            now.duration_since(at)
                .map_or(true, |age| age < self.config.max_age)
        });
        if fresh {
            return Ok(state.keys.clone());
        }
        match self.fetch_into(&mut state, http, now).await {
            Ok(()) => Ok(state.keys.clone()),
            Err(error) if state.fetched_at.is_some() => {
                tracing::warn!(%error, url = %self.url, "JWKS refresh failed; keeping the cached keys");
                Ok(state.keys.clone())
            }
            Err(error) => Err(error),
        }
    }

    /// Fetches the keys again because a token named a `kid` we do not hold — unless the last
    /// fetch attempt is more recent than `min_refresh_interval`. Returns whether it fetched.
    pub async fn refresh_for_unknown_kid(
        &self,
        http: &HttpClient,
        clock: &dyn Clock,
    ) -> Result<bool, HttpError> {
        let mut state = self.state.lock().await;
        let now = clock.now();
        let recent = state.last_attempt.is_some_and(|at| {
            now.duration_since(at)
                .map_or(true, |age| age < self.config.min_refresh_interval)
        });
        if recent {
            tracing::debug!(url = %self.url, "unknown kid; JWKS refresh rate-limited");
            return Ok(false);
        }
        self.fetch_into(&mut state, http, now).await?;
        Ok(true)
    }

    /// Verifies the signature of `token` with the cached keys; on an unknown `kid`, refreshes
    /// once (rate-limited) and tries again. Returns the verified payload; its claims are the
    /// caller's to check.
    pub async fn verify(
        &self,
        token: &str,
        http: &HttpClient,
        clock: &dyn Clock,
    ) -> Result<VerifiedJws, JwksVerifyError> {
        let keys = self
            .keys(http, clock)
            .await
            .map_err(JwksVerifyError::Keys)?;
        match verify_jws(token, &keys, self.config.max_token_bytes) {
            Err(TokenError::UnknownKey) => {}
            other => return other.map_err(JwksVerifyError::Token),
        }
        if !self
            .refresh_for_unknown_kid(http, clock)
            .await
            .map_err(JwksVerifyError::Keys)?
        {
            return Err(JwksVerifyError::Token(TokenError::UnknownKey));
        }
        let keys = self.state.lock().await.keys.clone();
        verify_jws(token, &keys, self.config.max_token_bytes).map_err(JwksVerifyError::Token)
    }

    async fn fetch_into(
        &self,
        state: &mut State,
        http: &HttpClient,
        now: SystemTime,
    ) -> Result<(), HttpError> {
        state.last_attempt = Some(now);
        let json = http
            .json(
                http.request(reqwest::Method::GET, self.url.clone()),
                ENDPOINT,
            )
            .await?;
        let set: JwkSet = serde_json::from_value(json).map_err(|_| HttpError::InvalidBody {
            endpoint: ENDPOINT,
            reason: "not a JWK set",
        })?;
        let keys = self.usable_keys(&set.keys);
        tracing::debug!(url = %self.url, keys = keys.len(), "JWKS fetched");
        state.keys = keys.into();
        state.fetched_at = Some(now);
        Ok(())
    }

    /// The keys we can use: signature keys with a `kid`, of an allowed algorithm, each `kid`
    /// once. A key without `alg` is taken as RS256 when it is an RSA key (the OIDC default);
    /// other keys without `alg` are skipped.
    fn usable_keys(&self, jwks: &[Jwk]) -> Vec<VerificationKey> {
        let mut keys: Vec<VerificationKey> = Vec::new();
        for jwk in jwks {
            let mut jwk = jwk.clone();
            if jwk.common.key_algorithm.is_none()
                && matches!(
                    jwk.algorithm,
                    auth_core::jsonwebtoken::jwk::AlgorithmParameters::RSA(_)
                )
            {
                jwk.common.key_algorithm = Some(auth_core::jsonwebtoken::jwk::KeyAlgorithm::RS256);
            }
            match VerificationKey::from_jwk(&jwk) {
                Ok(key)
                    if self.config.algorithms.contains(&key.algorithm())
                        && !keys.iter().any(|known| known.kid() == key.kid()) =>
                {
                    keys.push(key);
                }
                Ok(key) => {
                    tracing::debug!(kid = %key.kid(), "JWKS key skipped: algorithm not allowed or kid repeated");
                }
                Err(error) => tracing::debug!(%error, "JWKS key skipped"),
            }
        }
        keys
    }
}

/// Why [`JwksCache::verify`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwksVerifyError {
    /// The token was refused (malformed, unknown key after the refresh, wrong algorithm, bad
    /// signature).
    #[error(transparent)]
    Token(TokenError),
    /// The keys could not be fetched.
    #[error(transparent)]
    Keys(HttpError),
}
