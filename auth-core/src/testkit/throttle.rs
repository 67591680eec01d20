//! Checks for [`ThrottleStore`].

use std::sync::Arc;

use super::support::{DAY, HOUR, MINUTE, PURGE_NOW, TASKS, at, concurrently, ok, secs, unique};
use crate::store::ThrottleStore;

const RECORD: &str = "ThrottleStore::record_failure";
const FAILURES: &str = "ThrottleStore::failures";

/// Runs every [`ThrottleStore`] check against `store`. Panics on the first violation.
///
/// Checks, each with its own failure message:
///
/// * `record_failure` returns the count in `(now - window, now]` including the new failure;
///   `failures` counts the same window: a failure exactly `window` old no longer counts, one
///   after `now` does not count yet, and keys are independent;
/// * `clear_failures` forgets a key (and clearing an unknown key is `Ok`);
/// * `purge_old_failures` deletes failures older than `now - window`, counts them, and keeps
///   newer ones;
/// * 50 concurrent failures on one key are all counted.
pub async fn throttle_store_conformance<S>(store: Arc<S>)
where
    S: ThrottleStore + ?Sized + 'static,
{
    sliding_window(&*store).await;
    clear(&*store).await;
    purge(&*store).await;
    concurrent_failures(store).await;
}

fn new_key() -> String {
    format!("testkit:{}", unique())
}

async fn record(store: &(impl ThrottleStore + ?Sized), key: &str, now: i64, window: i64) -> u32 {
    ok(
        store.record_failure(key, at(now), secs(window)).await,
        RECORD,
    )
}

async fn count(store: &(impl ThrottleStore + ?Sized), key: &str, now: i64, window: i64) -> u32 {
    ok(store.failures(key, at(now), secs(window)).await, FAILURES)
}

async fn sliding_window(store: &(impl ThrottleStore + ?Sized)) {
    let key = new_key();
    for (now, expected) in [(0, 1), (10, 2), (20, 3)] {
        assert_eq!(
            record(store, &key, now, MINUTE).await,
            expected,
            "{RECORD} must return how many failures the key has in (now - window, now], this \
             one included"
        );
    }
    assert_eq!(
        count(store, &key, 59, MINUTE).await,
        3,
        "{FAILURES} must count every failure in (now - window, now]"
    );
    assert_eq!(
        count(store, &key, 60, MINUTE).await,
        2,
        "{FAILURES} must not count a failure exactly `window` old: the window is \
         (now - window, now]"
    );
    assert_eq!(
        count(store, &key, 80, MINUTE).await,
        0,
        "{FAILURES} must count nothing once every failure has left the window"
    );
    assert_eq!(
        count(store, &key, 5, MINUTE).await,
        1,
        "{FAILURES} must not count failures after `now`: the window is (now - window, now]"
    );
    assert_eq!(
        record(store, &key, 70, MINUTE).await,
        2,
        "{RECORD} must count only the failures still in the window, this one included"
    );
    assert_eq!(
        count(store, &key, 70, HOUR).await,
        4,
        "{FAILURES} must count with the window it is given (every failure is in the last hour)"
    );
    assert_eq!(
        count(store, &new_key(), 70, HOUR).await,
        0,
        "{FAILURES} of a key without failures must be 0 (keys are independent)"
    );
}

async fn clear(store: &(impl ThrottleStore + ?Sized)) {
    let key = new_key();
    let other = new_key();
    record(store, &key, 0, MINUTE).await;
    record(store, &key, 1, MINUTE).await;
    record(store, &other, 1, MINUTE).await;
    ok(
        store.clear_failures(&key).await,
        "ThrottleStore::clear_failures",
    );
    assert_eq!(
        count(store, &key, 2, MINUTE).await,
        0,
        "ThrottleStore::clear_failures must forget every failure of the key"
    );
    assert_eq!(
        count(store, &other, 2, MINUTE).await,
        1,
        "ThrottleStore::clear_failures must not touch other keys"
    );
    assert_eq!(
        record(store, &key, 3, MINUTE).await,
        1,
        "after ThrottleStore::clear_failures, counting must start again from 1"
    );
    ok(
        store.clear_failures(&new_key()).await,
        "ThrottleStore::clear_failures of a key without failures",
    );
}

async fn purge(store: &(impl ThrottleStore + ?Sized)) {
    let old = new_key();
    let recent = new_key();
    record(store, &old, -3 * DAY, MINUTE).await;
    record(store, &old, -3 * DAY + 1, MINUTE).await;
    record(store, &recent, PURGE_NOW - HOUR, DAY).await;

    let purged = ok(
        store.purge_old_failures(at(PURGE_NOW), secs(DAY)).await,
        "ThrottleStore::purge_old_failures",
    );
    assert!(
        purged >= 2,
        "ThrottleStore::purge_old_failures must count what it deleted (this check made two old \
         failures; got {purged})"
    );
    assert_eq!(
        count(store, &old, -3 * DAY + 1, MINUTE).await,
        0,
        "ThrottleStore::purge_old_failures must delete failures older than now - window"
    );
    assert_eq!(
        count(store, &recent, PURGE_NOW, DAY).await,
        1,
        "ThrottleStore::purge_old_failures must keep failures inside the window"
    );
}

async fn concurrent_failures<S>(store: Arc<S>)
where
    S: ThrottleStore + ?Sized + 'static,
{
    let key = new_key();
    let counts = concurrently(TASKS, |_| {
        let store = Arc::clone(&store);
        let key = key.clone();
        async move { store.record_failure(&key, at(0), secs(MINUTE)).await }
    })
    .await;
    let max = u32::try_from(TASKS).unwrap_or(u32::MAX);
    for result in counts {
        let counted = ok(result, RECORD);
        assert!(
            (1..=max).contains(&counted),
            "each of {TASKS} concurrent {RECORD} calls must return a count between 1 and \
             {TASKS}, got {counted}"
        );
    }
    assert_eq!(
        count(&*store, &key, 0, MINUTE).await,
        max,
        "{TASKS} concurrent {RECORD} calls on one key must all be counted (no lost updates)"
    );
}
