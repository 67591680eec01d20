//! The subscribing side: apply, reconnect, and distrust the cache while messages may be lost.

use std::time::Duration;

use auth_core::revocation::{Invalidation, RevocationChecker};
use futures_util::StreamExt as _;
use tokio::task::JoinHandle;

use super::message;
use crate::store::RedisStore;

/// The first wait before re-subscribing; doubled per failure up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// How often the subscription is pinged: a connection that died without closing (a network
/// partition) is noticed within this plus the store's timeout.
const PING_EVERY: Duration = Duration::from_secs(1);

/// A running subscriber ([`RedisInvalidation::spawn_subscriber`](super::RedisInvalidation::spawn_subscriber)).
/// Dropping it stops the subscriber and leaves the checker's cache off, since nothing
/// delivers invalidations to it any more.
#[derive(Debug)]
#[must_use = "dropping the subscription stops it (and turns the checker's cache off)"]
pub struct Subscription {
    task: JoinHandle<()>,
    checker: RevocationChecker,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.task.abort();
        self.checker.set_cache_bypass(true);
    }
}

pub(super) fn spawn(store: &RedisStore, checker: RevocationChecker) -> Subscription {
    // Off until the first subscription is confirmed: nothing is delivered before it.
    checker.set_cache_bypass(true);
    let task = tokio::spawn(run(store.clone(), checker.clone()));
    Subscription { task, checker }
}

async fn run(store: RedisStore, checker: RevocationChecker) {
    let channel = store.keys.invalidation_channel();
    let mut backoff = MIN_BACKOFF;
    loop {
        let subscribed = tokio::time::timeout(store.timeout, async {
            let mut pubsub = store.client.get_async_pubsub().await?;
            pubsub.subscribe(&channel).await?;
            Ok::<_, redis::RedisError>(pubsub.split())
        })
        .await;
        match subscribed {
            Ok(Ok((mut sink, mut stream))) => {
                // Whatever was published while we were not subscribed is lost: forget every
                // cached answer before trusting the cache again. In this order, a lookup
                // that began before is not cached (the generation moved on).
                checker.apply_remote(&Invalidation::All);
                checker.set_cache_bypass(false);
                tracing::debug!("subscribed to revocation-cache invalidations");
                backoff = MIN_BACKOFF;
                let mut ping = tokio::time::interval(PING_EVERY);
                loop {
                    tokio::select! {
                        received = stream.next() => match received {
                            Some(received) => {
                                checker.apply_remote(&message::decode(received.get_payload_bytes()));
                            }
                            None => break,
                        },
                        _ = ping.tick() => {
                            let pong = tokio::time::timeout(
                                store.timeout,
                                sink.ping::<redis::Value>(),
                            )
                            .await;
                            if !matches!(pong, Ok(Ok(_))) {
                                break;
                            }
                        }
                    }
                }
                checker.set_cache_bypass(true);
                tracing::warn!(
                    "lost the revocation-cache invalidation subscription; every check asks \
                     the stores until it is back"
                );
            }
            Ok(Err(error)) => {
                tracing::warn!(
                    error = &error as &dyn std::error::Error,
                    "could not subscribe to revocation-cache invalidations"
                );
            }
            Err(_) => tracing::warn!("subscribing to revocation-cache invalidations timed out"),
        }
        checker.set_cache_bypass(true);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}
