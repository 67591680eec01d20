//! Revocation-cache invalidation across instances over Redis publish/subscribe.

mod message;
mod subscriber;

use auth_core::revocation::{Invalidation, InvalidationBroadcast, RevocationChecker};
use redis::AsyncCommands;
use tokio::sync::mpsc;

use crate::store::RedisStore;
pub use subscriber::Subscription;

/// How many invalidations may wait for the publishing task before new ones are dropped (and
/// logged): a burst larger than this means Redis is not keeping up, and the other instances
/// then see those revocations within their `max_staleness` instead of at once.
const QUEUE: usize = 1024;

/// Carries revocation-cache invalidations between instances over Redis publish/subscribe,
/// on the channel `<prefix>revocation`.
///
/// * As an [`InvalidationBroadcast`], give it to
///   [`RevocationChecker::with_broadcast`]: every `forget_*` on this instance is queued
///   (bounded, never blocking the request) and published by a background task.
/// * [`spawn_subscriber`](Self::spawn_subscriber) applies every instance's invalidations to
///   a checker. While it is not subscribed (at start, after a lost connection) messages may be
///   lost, so it turns that checker's cache off
///   ([`RevocationChecker::set_cache_bypass`]); on every (re)subscribe it forgets everything
///   and turns the cache back on. It reconnects with backoff and pings to notice a silently
///   dead connection.
///
/// Messages carry ids only (session, user, `jti`), never a token. An instance also receives
/// its own messages; applying them again only drops what is already gone.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::sync::Arc;
/// use auth_core::revocation::{RevocationChecker, RevocationConfig};
/// use auth_core::store::memory::{MemorySessionStore, MemoryUserStore};
/// use auth_storage_redis::{RedisInvalidation, RedisStore};
///
/// let redis = RedisStore::connect("redis://127.0.0.1:6379").await?;
/// let invalidation = Arc::new(RedisInvalidation::new(&redis));
/// let checker = RevocationChecker::new(
///     RevocationConfig::default().max_staleness(std::time::Duration::from_secs(30)),
///     Arc::new(MemoryUserStore::default()),
///     Arc::new(MemorySessionStore::default()),
///     Arc::new(redis.clone()),
/// )
/// .with_broadcast(invalidation.clone());
/// // Keep the subscription for as long as the checker serves requests.
/// let _subscription = invalidation.spawn_subscriber(checker.clone());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct RedisInvalidation {
    store: RedisStore,
    queue: mpsc::Sender<Invalidation>,
}

impl RedisInvalidation {
    /// A broadcast over `store`'s Redis and key prefix; starts its publishing task, which
    /// ends when this value is dropped.
    ///
    /// # Panics
    /// Outside a Tokio runtime, as [`tokio::spawn`] does.
    pub fn new(store: &RedisStore) -> Self {
        let (queue, mut queued) = mpsc::channel::<Invalidation>(QUEUE);
        let publisher = store.clone();
        let channel = store.keys.invalidation_channel();
        tokio::spawn(async move {
            while let Some(invalidation) = queued.recv().await {
                let payload = message::encode(&invalidation);
                let channel = channel.as_str();
                let published = publisher
                    .run(|mut connection| async move {
                        connection.publish::<_, _, u64>(channel, payload).await
                    })
                    .await;
                if let Err(error) = published {
                    tracing::warn!(
                        error = &error as &dyn std::error::Error,
                        "could not publish a revocation-cache invalidation; other instances \
                         see this revocation within their max_staleness"
                    );
                }
            }
        });
        Self {
            store: store.clone(),
            queue,
        }
    }

    /// Applies every instance's invalidations to `checker` until the returned
    /// [`Subscription`] is dropped (see the type's docs for how it treats a lost connection).
    /// The checker's cache stays off until the first subscription is confirmed.
    ///
    /// # Panics
    /// Outside a Tokio runtime, as [`tokio::spawn`] does.
    pub fn spawn_subscriber(&self, checker: RevocationChecker) -> Subscription {
        subscriber::spawn(&self.store, checker)
    }
}

impl InvalidationBroadcast for RedisInvalidation {
    fn publish(&self, invalidation: &Invalidation) {
        if self.queue.try_send(invalidation.clone()).is_err() {
            tracing::warn!(
                "revocation-cache invalidation queue full (or its task gone); other instances \
                 see this revocation within their max_staleness"
            );
        }
    }
}
