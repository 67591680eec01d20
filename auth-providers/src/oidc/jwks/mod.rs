//! A cached JWKS: fetched on first use, refreshed when it is old, when a token names a key it
//! does not hold, or when a token's signature fails under a key it does hold (the provider may
//! have regenerated its keys under the same `kid`s) — those last two at most once per
//! `min_refresh_interval`, so a flood of made-up tokens cannot hammer the provider.
//!
//! Concurrent callers share one fetch and no lock is held across it; after a failed fetch the
//! cache backs off and keeps using the last good keys for a bounded time ([`refresh`]).

mod refresh;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use auth_core::Clock;
use auth_core::token::{
    Algorithm, Jwk, JwkSet, TokenError, VerificationKey, VerifiedJws, verify_jws,
};
use url::Url;

use self::refresh::{Flight, State};
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
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct JwksConfig {
    /// Keys older than this are fetched again before use. Defaults to 1 hour.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "auth_core::config_serde::duration")
    )]
    pub max_age: Duration,
    /// The shortest time between two fetches triggered by tokens (an unknown `kid`, or a
    /// signature that fails under a cached `kid`). Defaults to 60 seconds.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "auth_core::config_serde::duration")
    )]
    pub min_refresh_interval: Duration,
    /// When a refresh fails, how long past `max_age` the last good keys are still used (the
    /// `stale-if-error` of RFC 5861). Defaults to 24 hours: a provider outage of up to a day
    /// does not stop logins or API calls. Past it, tokens are refused as unavailable.
    ///
    /// # Security
    /// A key the provider withdrew while we could not reach it stays trusted for up to this
    /// long. Shorten it if an attacker who can block the path to the provider and holds a
    /// withdrawn key is part of your threat model; `Duration::ZERO` never uses stale keys.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "auth_core::config_serde::duration")
    )]
    pub stale_if_error: Duration,
    /// After a failed fetch, no fetch starts for this long; the delay doubles with each further
    /// failure in a row, up to `max_retry_backoff`. Callers in between get the last good keys
    /// (within `stale_if_error`) or, with none, [`HttpError::BackingOff`] at once — never a
    /// wait on an unreachable provider. Defaults to 5 seconds.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "auth_core::config_serde::duration")
    )]
    pub retry_backoff: Duration,
    /// The longest backoff after failed fetches. Defaults to 5 minutes.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "auth_core::config_serde::duration")
    )]
    pub max_retry_backoff: Duration,
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
            stale_if_error: Duration::from_secs(24 * 3600),
            retry_backoff: Duration::from_secs(5),
            max_retry_backoff: Duration::from_secs(300),
            algorithms: DEFAULT_ALGORITHMS.to_vec(),
            max_token_bytes: 16 * 1024,
        }
    }
}

/// Whether fetching the keys again could make a token that failed with `error` verify: its
/// `kid` is unknown, or the key cached under its `kid` refused it (the provider may have
/// regenerated its keys under the same `kid`s — node oidc-provider does — possibly with
/// another algorithm). The one rule [`JwksCache::verify`] and
/// [`RemoteJwtVerifier`](crate::RemoteJwtVerifier) share.
pub(crate) fn refetch_may_help(error: &TokenError) -> bool {
    matches!(
        error,
        TokenError::UnknownKey | TokenError::InvalidSignature | TokenError::AlgorithmNotAllowed
    )
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
    /// `max_age`; concurrent callers share that one fetch.
    ///
    /// When the fetch fails, or the cache is backing off after a failure, the last good keys
    /// are returned while they are younger than `max_age + stale_if_error`; otherwise the
    /// fetch's error, or [`HttpError::BackingOff`] without any network call.
    pub async fn keys(
        &self,
        http: &HttpClient,
        clock: &dyn Clock,
    ) -> Result<Arc<[VerificationKey]>, HttpError> {
        loop {
            let flight = {
                let mut state = refresh::lock(&self.state);
                let now = clock.now();
                if let Some(keys) = state.fresh_keys(now, &self.config) {
                    return Ok(keys);
                }
                if !state.in_flight()
                    && let Some(retry_in) = state.backoff_left(now)
                {
                    return state
                        .usable_keys(now, &self.config)
                        .ok_or(HttpError::BackingOff {
                            endpoint: ENDPOINT,
                            retry_in,
                        });
                }
                refresh::take_off(&self.state, &mut state, now)
            };
            let Some(outcome) = self.fly(flight, http, clock).await else {
                continue;
            };
            let state = refresh::lock(&self.state);
            return match outcome {
                Ok(()) => Ok(state.keys.clone()),
                Err(error) => match state.usable_keys(clock.now(), &self.config) {
                    Some(keys) => {
                        tracing::debug!(%error, url = %self.url, "JWKS refresh failed; using the last good keys");
                        Ok(keys)
                    }
                    None => Err(error),
                },
            };
        }
    }

    /// Fetches the keys again because a token named a `kid` we do not hold, or its signature
    /// failed under the key we hold for its `kid` — unless the last fetch attempt is more
    /// recent than `min_refresh_interval`, or the cache is backing off after a failed fetch.
    /// A fetch already in flight is joined instead. Returns whether new keys arrived.
    pub async fn refresh_for_unknown_kid(
        &self,
        http: &HttpClient,
        clock: &dyn Clock,
    ) -> Result<bool, HttpError> {
        loop {
            let flight = {
                let mut state = refresh::lock(&self.state);
                let now = clock.now();
                if !state.in_flight() {
                    if state.attempted_within(now, self.config.min_refresh_interval) {
                        tracing::debug!(url = %self.url, "JWKS refresh for a token rate-limited");
                        return Ok(false);
                    }
                    if state.backoff_left(now).is_some() {
                        tracing::debug!(url = %self.url, "JWKS refresh for a token skipped: backing off");
                        return Ok(false);
                    }
                }
                refresh::take_off(&self.state, &mut state, now)
            };
            if let Some(outcome) = self.fly(flight, http, clock).await {
                return outcome.map(|()| true);
            }
        }
    }

    /// Verifies the signature of `token` with the cached keys. When its `kid` is unknown, or
    /// the cached key for its `kid` refuses it, refreshes once (rate-limited, see
    /// [`refresh_for_unknown_kid`](Self::refresh_for_unknown_kid)) and tries again; a refresh
    /// bringing the same key refuses the token as before. Returns the verified payload; its
    /// claims are the caller's to check.
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
        let error = match verify_jws(token, &keys, self.config.max_token_bytes) {
            Err(error) if refetch_may_help(&error) => error,
            other => return other.map_err(JwksVerifyError::Token),
        };
        if !self
            .refresh_for_unknown_kid(http, clock)
            .await
            .map_err(JwksVerifyError::Keys)?
        {
            return Err(JwksVerifyError::Token(error));
        }
        let keys = refresh::lock(&self.state).keys.clone();
        verify_jws(token, &keys, self.config.max_token_bytes).map_err(JwksVerifyError::Token)
    }

    /// Plays this caller's part in a fetch: the leader fetches (holding no lock) and records
    /// the result, a joiner waits for it. `None` when the leader was cancelled: decide again.
    async fn fly(
        &self,
        flight: Flight<'_>,
        http: &HttpClient,
        clock: &dyn Clock,
    ) -> Option<refresh::Outcome> {
        match flight {
            Flight::Join(receiver) => refresh::join(receiver).await,
            Flight::Lead(lead) => {
                let fetched = self.fetch(http).await;
                Some(lead.land(fetched, clock.now(), &self.config, &self.url))
            }
        }
    }

    /// One GET of the JWKS, parsed into the keys we can use.
    async fn fetch(&self, http: &HttpClient) -> Result<Arc<[VerificationKey]>, HttpError> {
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
        Ok(keys.into())
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

#[cfg(all(test, feature = "serde"))]
mod serde_tests {
    use super::*;

    #[test]
    fn a_config_file_keeps_the_defaults_it_leaves_out_and_names_a_misspelt_field() {
        let read: JwksConfig =
            serde_json::from_str(r#"{ "max_age": "30m", "algorithms": ["RS256", "EdDSA"] }"#)
                .unwrap();
        assert_eq!(read.max_age, Duration::from_secs(1800));
        assert_eq!(read.algorithms, [Algorithm::RS256, Algorithm::EdDSA]);
        assert_eq!(read.stale_if_error, JwksConfig::default().stale_if_error);
        let error = serde_json::from_str::<JwksConfig>(r#"{ "max_age": "30m", "stale": "1h" }"#)
            .unwrap_err();
        assert!(error.to_string().contains("unknown field"), "{error}");
    }
}
