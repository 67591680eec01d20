//! [`Example`]: the auth service, authenticator, endpoints and demo page both examples mount.

use std::sync::Arc;

use auth_core::authz::PlanTiers;
use auth_core::flows::{AuthConfig, AuthService, LogMailer};
use auth_core::revocation::RevocationConfig;
use auth_core::store::{CounterStore, PendingLoginStore, SplitTokenStatus};
use auth_core::token::KeySet;
use auth_storage_redis::{RedisConfig, RedisInvalidation, RedisStore, Subscription};
use auth_storage_seaorm::{SeaOrmStore, Timeouts, redact_url};
use auth_tower::{AuthEndpoints, Authenticator, EndpointsConfig, OAuthConfig};

use crate::config::Settings;
use crate::error::StartError;
use crate::keys::load_signing_key;
use crate::page::DemoPage;
use crate::providers::{configured_providers, login_flow};

/// The plan tiers of seed 002, lowest first: `/api/pro` needs `pro` or above.
pub fn plan_tiers() -> PlanTiers {
    PlanTiers::new(["free", "pro", "studio", "enterprise"])
}

/// Everything an example's router needs, built once at start.
#[derive(Clone)]
#[non_exhaustive]
pub struct Example {
    /// The ready auth endpoints in cookie mode, for `/auth`.
    pub endpoints: AuthEndpoints,
    /// Checks access tokens on `/api/*` (with the revocation check, so logout takes effect).
    pub authenticator: Authenticator,
    /// [`plan_tiers`].
    pub tiers: PlanTiers,
    /// The page served at `/`.
    pub page: DemoPage,
    /// The one origin allowed cross-origin (CORS), if configured.
    pub cors_origin: Option<String>,
    /// Where rate-limit and quota counters live: the database, or Redis with `REDIS_URL`.
    /// Shared by every instance either way, and durable in the database (a monthly quota
    /// must survive a restart).
    pub counters: Arc<dyn CounterStore>,
    /// Whether `REDIS_URL` is set: the request-rate limits then count in [`Self::counters`]
    /// across instances too (in the database they stay in process: a write per request).
    pub redis: bool,
    /// With `REDIS_URL`: the subscription that applies other instances' logouts to this
    /// instance's revocation cache. Held (never read) for as long as the example serves:
    /// dropping the last clone ends the subscription.
    _subscription: Option<Arc<Subscription>>,
}

impl std::fmt::Debug for Example {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Example")
            .field("endpoints", &self.endpoints)
            .field("authenticator", &self.authenticator)
            .field("tiers", &self.tiers)
            .field("cors_origin", &self.cors_origin)
            .field("redis", &self.redis)
            .finish_non_exhaustive()
    }
}

impl Example {
    /// Loads the key, opens and migrates the database, and builds the service for a server
    /// listening on `port` (the real port, after binding: it decides which `Origin`s the
    /// CSRF check accepts).
    ///
    /// # Errors
    ///
    /// [`StartError`] saying what to fix.
    pub async fn build(settings: &Settings, port: u16) -> Result<Self, StartError> {
        let key = load_signing_key(&settings.key)?;
        let mut timeouts = Timeouts::default();
        timeouts.acquire = settings.database_timeout;
        let store = open_store_with(&settings.database_url, timeouts).await?;
        let mut stores = store.clone().into_stores();
        // Pending social logins on the shared database: a login started on one instance
        // completes on any other (several instances behind a load balancer).
        let mut pending: Arc<dyn PendingLoginStore> = Arc::new(store.clone());
        let mut counters: Arc<dyn CounterStore> = Arc::new(store.clone());
        let redis = match &settings.redis_url {
            Some(url) => Some(open_redis(url, &settings.redis_key_prefix).await?),
            None => None,
        };
        if let Some(redis) = &redis {
            // The short-lived, hot state moves to Redis; accounts and sessions stay in SQL.
            stores.revocations = Arc::new(redis.clone());
            stores.throttle = Arc::new(redis.clone());
            pending = Arc::new(redis.clone());
            counters = Arc::new(redis.clone());
        }
        let mut config = AuthConfig::default();
        config.refresh_reuse_grace = settings.refresh_reuse_grace;
        let mut builder = AuthService::builder(KeySet::new(key), stores)
            .issuer(settings.issuer.clone(), settings.audience.clone())
            .access_token_ttl(settings.access_token_ttl)
            .config(config)
            .mailer(Arc::new(LogMailer))
            .revocation(RevocationConfig::default().max_staleness(settings.revocation_cache));
        let invalidation = redis
            .as_ref()
            .map(|redis| Arc::new(RedisInvalidation::new(redis)));
        builder = match (&invalidation, &redis) {
            // With Redis, every instance's logouts reach this instance's cache at once (and
            // the cache is off whenever that channel is down), so a long cache stays correct.
            // The denylist is in Redis then: user and session in one SQL query, the `jti`
            // from Redis.
            (Some(invalidation), Some(redis)) => builder
                .invalidation_broadcast(invalidation.clone())
                .token_status_store(Arc::new(SplitTokenStatus::new(
                    Arc::new(store),
                    Arc::new(redis.clone()),
                ))),
            // Everything in one database: a token's user, session and `jti` in one query.
            _ => builder.token_status_store(Arc::new(store)),
        };
        let service = builder
            .build()
            .map_err(|error| StartError::Setup(error.to_string()))?;
        let subscription = invalidation.map(|invalidation| {
            Arc::new(invalidation.spawn_subscriber(service.revocation_checker().clone()))
        });

        // Cookie mode for the browser page: the refresh token only in an HttpOnly `__Host-`
        // cookie. Browsers send `Origin: http://…` for this plain-HTTP loopback server, so
        // its own origins (and the configured CORS origin) are listed explicitly.
        let mut endpoints_config = EndpointsConfig::cookie_mode();
        endpoints_config.allowed_origins = vec![
            format!("http://127.0.0.1:{port}"),
            format!("http://localhost:{port}"),
        ];
        endpoints_config
            .allowed_origins
            .extend(settings.cors_origin.iter().cloned());
        let mut endpoints = AuthEndpoints::for_service(service, endpoints_config);
        let authenticator = endpoints.authenticator().clone();

        // Social login: auth-tower's `/auth/oauth/{provider}` and `/callback` routes for every
        // provider the environment configures. After the callback the refresh token is in the
        // HttpOnly cookie and the browser lands on `/` with nothing in the URL; the page then
        // refreshes for an access token as it does on any reload.
        let providers = configured_providers();
        if let Some(flow) = login_flow(&providers, pending).map_err(StartError::Setup)? {
            endpoints = endpoints
                .with_providers(flow, OAuthConfig::default())
                .map_err(|error| StartError::Setup(format!("social login: {error}")))?;
        }
        if providers.is_empty() {
            tracing::info!(
                "no social-login provider configured: password login only. To add one, set e.g. \
                 GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET and GITHUB_REDIRECT_URI (see the README)"
            );
        } else {
            let names: Vec<&str> = providers.iter().map(|p| p.name).collect();
            tracing::info!(providers = ?names, "social-login providers configured");
        }
        Ok(Self {
            endpoints,
            authenticator,
            tiers: plan_tiers(),
            page: DemoPage::new(&providers),
            cors_origin: settings.cors_origin.clone(),
            counters,
            redis: redis.is_some(),
            _subscription: subscription,
        })
    }
}

/// Connects to Redis at `url`, with every key under `prefix`.
///
/// # Errors
///
/// [`StartError::Redis`], with any password masked.
pub async fn open_redis(url: &str, prefix: &str) -> Result<RedisStore, StartError> {
    let masked = redact_url(url);
    let redis = RedisStore::connect_with(url, RedisConfig::default().key_prefix(prefix))
        .await
        .map_err(|e| StartError::Redis {
            url: masked.clone(),
            reason: e.to_string(),
        })?;
    tracing::info!(redis = %masked, "Redis ready: revocations, throttling and pending logins \
        shared by every instance; logouts reach every instance's cache at once");
    Ok(redis)
}

/// Connects to `url` with the default [`Timeouts`] and applies the auth migrations.
///
/// # Errors
///
/// [`StartError::Database`] or [`StartError::Migration`], with any password masked
/// (auth-storage-seaorm's connection errors never carry it; the URL goes through
/// [`redact_url`]).
pub async fn open_store(url: &str) -> Result<SeaOrmStore, StartError> {
    open_store_with(url, Timeouts::default()).await
}

/// [`open_store`] with the given bounds on waiting for the database (from
/// `DATABASE_TIMEOUT_SECONDS`): while it is down, requests answer 503 after at most
/// `timeouts.acquire`.
///
/// # Errors
///
/// As [`open_store`].
pub async fn open_store_with(url: &str, timeouts: Timeouts) -> Result<SeaOrmStore, StartError> {
    let masked = redact_url(url);
    let store = SeaOrmStore::connect_with(url, timeouts)
        .await
        .map_err(|e| StartError::Database {
            url: masked.clone(),
            reason: e.to_string(),
        })?;
    store.migrate().await.map_err(|e| StartError::Migration {
        url: masked.clone(),
        reason: e.to_string(),
    })?;
    tracing::info!(database = %masked, "database ready, auth migrations applied");
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unusable_database_url_says_what_to_set() {
        let error = open_store("nosuchdb://user:hunter2@host/db")
            .await
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("DATABASE_URL=nosuchdb://user:***@host/db"),
            "{message}"
        );
        assert!(message.contains("sqlite://FILE"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn tiers_follow_seed_002() {
        let tiers = plan_tiers();
        assert!(tiers.at_least(Some("studio"), "pro"));
        assert!(!tiers.at_least(Some("free"), "pro"));
        assert!(!tiers.at_least(None, "pro"));
    }
}
