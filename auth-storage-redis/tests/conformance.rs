//! auth-core's conformance kit against `RedisStore` on the machine's Redis
//! (`AUTH_TEST_REDIS_URL`): revocations, throttles (50 concurrent reservations: exactly `max`
//! granted; nested, literal `clear_failures`), counters (50 concurrent additions: exactly the
//! limit), pending social logins and passkey ceremonies (50 concurrent takes: exactly one).

mod support;

use std::sync::Arc;

use auth_core::testkit;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_passes_the_conformance_kit() {
    let Some(url) = support::redis_url("redis_passes_the_conformance_kit") else {
        return;
    };
    let prefix = support::fresh_prefix();
    let store = Arc::new(support::store_at(&url, &prefix).await);
    testkit::revocation_store_conformance(store.clone()).await;
    testkit::throttle_store_conformance(store.clone()).await;
    testkit::counter_store_conformance(store.clone()).await;
    testkit::pending_login_store_conformance(store.clone()).await;
    testkit::ceremony_store_conformance(store).await;
    support::delete_prefix(&url, &prefix).await;
}
