//! [`SharedState`]: where the state several instances must share lives — the database alone,
//! or Redis beside it when `REDIS_URL` is set.

use std::sync::Arc;

use auth_core::flows::{AuthService, AuthServiceBuilder, Stores};
use auth_core::store::{CeremonyStore, CounterStore, PendingLoginStore, SplitTokenStatus};
use auth_storage_redis::{RedisInvalidation, RedisStore, Subscription};
use auth_storage_seaorm::SeaOrmStore;

use crate::vars::ExampleVars;

/// The stores the service, the social-login flow and the rate limits use.
pub(crate) struct SharedState {
    /// The service's stores: all in SQL, or revocations and throttling in Redis.
    pub(crate) stores: Stores,
    /// Pending social logins: a login started on one instance completes on any other.
    pub(crate) pending: Arc<dyn PendingLoginStore>,
    /// Short-lived, single-use ceremonies (second-factor login challenges, passkey
    /// challenges): started on one instance, finished on any other.
    pub(crate) ceremonies: Arc<dyn CeremonyStore>,
    /// Rate-limit and quota counters (durable in the database: a monthly quota survives a
    /// restart).
    pub(crate) counters: Arc<dyn CounterStore>,
    sql: SeaOrmStore,
    redis: Option<(RedisStore, Arc<RedisInvalidation>)>,
}

impl SharedState {
    /// Everything in `sql`, or the short-lived, hot state in the Redis `REDIS_URL` names.
    pub(crate) async fn open(
        sql: &SeaOrmStore,
        vars: &ExampleVars,
    ) -> Result<Self, auth_core::env::EnvError> {
        let mut state = Self {
            stores: sql.clone().into_stores(),
            pending: Arc::new(sql.clone()),
            ceremonies: Arc::new(sql.clone()),
            counters: Arc::new(sql.clone()),
            sql: sql.clone(),
            redis: None,
        };
        if let Some(redis) = RedisStore::from_vars(vars.lookup()).await? {
            tracing::info!(
                "Redis ready: revocations, throttling, pending logins and ceremonies shared by \
                 every instance; logouts reach every instance's cache at once"
            );
            state.stores.revocations = Arc::new(redis.clone());
            state.stores.throttle = Arc::new(redis.clone());
            state.pending = Arc::new(redis.clone());
            state.ceremonies = Arc::new(redis.clone());
            state.counters = Arc::new(redis.clone());
            let invalidation = Arc::new(RedisInvalidation::new(&redis));
            state.redis = Some((redis, invalidation));
        }
        Ok(state)
    }

    /// Whether Redis holds the shared state.
    pub(crate) fn has_redis(&self) -> bool {
        self.redis.is_some()
    }

    /// How the revocation check reads: user, session and `jti` in one SQL query; with Redis
    /// the `jti` from Redis, and every instance's logouts reach this instance's cache at once
    /// (the cache is off whenever that channel is down), so a long cache stays correct.
    pub(crate) fn revocation_reads(&self, builder: AuthServiceBuilder) -> AuthServiceBuilder {
        let sql = Arc::new(self.sql.clone());
        match &self.redis {
            None => builder.token_status_store(sql),
            Some((redis, invalidation)) => builder
                .invalidation_broadcast(invalidation.clone())
                .token_status_store(Arc::new(SplitTokenStatus::new(
                    sql,
                    Arc::new(redis.clone()),
                ))),
        }
    }

    /// With Redis: applies other instances' logouts to `service`'s revocation cache for as
    /// long as the returned subscription is held.
    pub(crate) fn subscribe(&self, service: &AuthService) -> Option<Subscription> {
        let (_, invalidation) = self.redis.as_ref()?;
        Some(invalidation.spawn_subscriber(service.revocation_checker().clone()))
    }
}
