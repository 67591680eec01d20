//! Bounded failure when Redis is down (issue 14): a Redis that stops answering or refuses
//! connections makes calls fail with `StoreError::Unavailable` within the configured timeout
//! (the host answers 503), never hang, and the store recovers by itself once Redis is back.

mod support;

use std::time::{Duration, SystemTime};

use auth_core::store::{RevocationStore, StoreError, ThrottleStore};
use auth_storage_redis::{RedisConfig, RedisStore};

/// Far above the store's timeout: only a hang reaches it.
const HANG: Duration = Duration::from_secs(20);

async fn lookup(store: &RedisStore) -> Result<bool, StoreError> {
    tokio::time::timeout(HANG, store.is_access_token_revoked("some-jti"))
        .await
        .expect("a call on a dead Redis must fail within the timeout, not hang")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_stops_answering_fails_calls_as_unavailable_and_recovers_by_itself() {
    let Some(url) = support::redis_url("a_redis_that_stops_answering") else {
        return;
    };
    let proxy = support::Proxy::start(&url).await;
    let config = RedisConfig::default()
        .key_prefix(support::fresh_prefix())
        .timeout(Duration::from_millis(300));
    let store = RedisStore::connect_with(&proxy.url, config).await.unwrap();
    assert!(!lookup(&store).await.unwrap());

    // Accepts connections and never answers: the response timeout must end the call.
    proxy.black_hole().await;
    for _ in 0..3 {
        let error = lookup(&store).await.unwrap_err();
        assert!(error.is_unavailable(), "{error:?}");
    }
    let reserve = tokio::time::timeout(
        HANG,
        store.reserve("k", SystemTime::now(), Duration::from_secs(60), 5),
    )
    .await
    .expect("no hang");
    assert!(
        reserve.is_err_and(|error| error.is_unavailable()),
        "a throttle on a dead Redis refuses (fails closed) as unavailable"
    );

    // Refuses connections.
    proxy.cut().await;
    let error = lookup(&store).await.unwrap_err();
    assert!(error.is_unavailable(), "{error:?}");

    proxy.restore().await;
    assert!(
        support::eventually(Duration::from_secs(15), async || lookup(&store)
            .await
            .is_ok())
        .await,
        "the store reconnects by itself once Redis is back"
    );
}
