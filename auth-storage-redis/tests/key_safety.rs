//! Keys are data, never patterns: throttle keys holding Redis glob characters (`*`, `?`,
//! `[…]`, `\`) clear only themselves and what is nested under them, and counter keys that
//! spell another namespace's key stay in their own.

mod support;

use std::time::{Duration, SystemTime};

use auth_core::store::{CounterStore, ThrottleStore};

const MINUTE: Duration = Duration::from_secs(60);

// A `SCAN MATCH k:*` without escaping would read `login:*` as "every login key": a user
// named `*` could clear every account's throttle by signing in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn glob_characters_in_a_throttle_key_clear_nothing_but_that_key() {
    let Some(url) = support::redis_url("glob_characters_in_a_throttle_key") else {
        return;
    };
    let prefix = support::fresh_prefix();
    let store = support::store_at(&url, &prefix).await;
    let now = SystemTime::now();
    for glob in ["*", "?", "[ab]", "\\*"] {
        let key = format!("login:user:{glob}");
        let nested = format!("{key}:net:192.0.2.0");
        let others = [
            "login:user:a".to_owned(),
            "login:user:b:net:192.0.2.0".to_owned(),
            format!("login:user:{glob}x"),
        ];
        for k in [&key, &nested].into_iter().chain(&others) {
            assert!(store.reserve(k, now, MINUTE, 1).await.unwrap().is_granted());
        }
        store.clear_failures(&key).await.unwrap();
        for cleared in [&key, &nested] {
            assert!(
                store
                    .reserve(cleared, now, MINUTE, 1)
                    .await
                    .unwrap()
                    .is_granted(),
                "{cleared} is cleared"
            );
        }
        for kept in &others {
            assert!(
                !store
                    .reserve(kept, now, MINUTE, 1)
                    .await
                    .unwrap()
                    .is_granted(),
                "clear_failures({key}) must keep {kept}"
            );
        }
        for k in [&key, &nested].into_iter().chain(&others) {
            store.clear_failures(k).await.unwrap();
        }
    }
    support::delete_prefix(&url, &prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_key_cannot_name_a_throttle_key() {
    let Some(url) = support::redis_url("a_counter_key_cannot_name_a_throttle_key") else {
        return;
    };
    let prefix = support::fresh_prefix();
    let store = support::store_at(&url, &prefix).await;
    let now = SystemTime::now();
    assert!(
        store
            .reserve("k", now, MINUTE, 1)
            .await
            .unwrap()
            .is_granted()
    );
    // Spelled like the throttle key's Redis key, with and without the prefix.
    for spelled in [
        format!("{prefix}throttle:key:k"),
        "throttle:key:k".to_owned(),
    ] {
        let count = store.add(&spelled, 1, 1, now + MINUTE, now).await.unwrap();
        assert!(
            count.allowed && count.used == 1,
            "a counter of its own: {count:?}"
        );
    }
    assert!(
        !store
            .reserve("k", now, MINUTE, 1)
            .await
            .unwrap()
            .is_granted(),
        "the throttle key is untouched"
    );
    support::delete_prefix(&url, &prefix).await;
}
