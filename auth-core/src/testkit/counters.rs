//! Checks for [`CounterStore`].

use std::sync::Arc;

use super::support::{DAY, MINUTE, PURGE_NOW, TASKS, at, concurrently, ok, unique};
use crate::store::{Count, CounterStore};

const ADD: &str = "CounterStore::add";
const PURGE: &str = "CounterStore::purge_expired_counters";

/// The limit the concurrency check races 50 tasks against.
const RACE_LIMIT: u64 = 7;

/// Runs every [`CounterStore`] check against `store`. Panics on the first violation.
///
/// Checks, each with its own failure message:
///
/// * `add` adds within the limit and refuses (changing nothing) past it, whatever the cost;
///   `cost = 0` reads; keys are independent;
/// * a counter is 0 again once its `expires_at` has passed, and later additions do not move
///   its expiry;
/// * `purge_expired_counters` deletes expired counters, counts them, and keeps live ones;
/// * **atomic:** 50 concurrent additions of 1 with `limit = 7` allow exactly 7 (a
///   read-then-write store allows more), and 50 with `limit = 50` allow all 50 and leave the
///   counter at 50 (no lost updates).
pub async fn counter_store_conformance<S>(store: Arc<S>)
where
    S: CounterStore + ?Sized + 'static,
{
    within_limit(&*store).await;
    expiry(&*store).await;
    purge(&*store).await;
    concurrent_additions(Arc::clone(&store), RACE_LIMIT).await;
    concurrent_additions(store, u64::try_from(TASKS).unwrap_or(u64::MAX)).await;
}

fn new_key() -> String {
    format!("testkit:{}", unique())
}

async fn add(
    store: &(impl CounterStore + ?Sized),
    key: &str,
    cost: u64,
    limit: u64,
    expires: i64,
    now: i64,
) -> Count {
    ok(store.add(key, cost, limit, at(expires), at(now)).await, ADD)
}

fn allowed(used: u64) -> Count {
    Count {
        allowed: true,
        used,
    }
}

fn refused(used: u64) -> Count {
    Count {
        allowed: false,
        used,
    }
}

async fn within_limit(store: &(impl CounterStore + ?Sized)) {
    let key = new_key();
    assert_eq!(
        add(store, &key, 3, 10, MINUTE, 0).await,
        allowed(3),
        "{ADD} must create a counter at `cost`"
    );
    assert_eq!(
        add(store, &key, 7, 10, MINUTE, 1).await,
        allowed(10),
        "{ADD} must allow an addition that reaches the limit exactly"
    );
    assert_eq!(
        add(store, &key, 1, 10, MINUTE, 2).await,
        refused(10),
        "{ADD} must refuse an addition past the limit and report the unchanged count"
    );
    assert_eq!(
        add(store, &key, 0, 10, MINUTE, 3).await,
        allowed(10),
        "{ADD} with cost 0 must read the counter (allowed at the limit)"
    );
    assert_eq!(
        add(store, &key, 0, 9, MINUTE, 3).await,
        refused(10),
        "{ADD} with cost 0 must refuse a counter above the limit it is given"
    );
    let big = new_key();
    assert_eq!(
        add(store, &big, 5, 10, MINUTE, 0).await,
        allowed(5),
        "{ADD} must keep keys independent"
    );
    assert_eq!(
        add(store, &big, 6, 10, MINUTE, 1).await,
        refused(5),
        "{ADD} must refuse a cost that does not fit whole, not add part of it"
    );
    assert_eq!(
        add(store, &big, u64::MAX, u64::MAX, MINUTE, 1).await,
        refused(5),
        "{ADD} must refuse (not overflow) a cost that would pass u64::MAX"
    );
    assert_eq!(
        add(store, &new_key(), 1, 0, MINUTE, 0).await,
        refused(0),
        "{ADD} with limit 0 must refuse"
    );
}

async fn expiry(store: &(impl CounterStore + ?Sized)) {
    let key = new_key();
    assert_eq!(add(store, &key, 2, 2, MINUTE, 0).await, allowed(2));
    assert_eq!(
        add(store, &key, 1, 2, 10 * MINUTE, 30).await,
        refused(2),
        "{ADD} must keep a live counter's count (and expiry) whatever `expires_at` it is given"
    );
    assert_eq!(
        add(store, &key, 1, 2, 2 * MINUTE, MINUTE).await,
        allowed(1),
        "{ADD} must count an expired counter as 0 (expired at `expires_at`, not after)"
    );
    assert_eq!(
        add(store, &key, 1, 2, 10 * MINUTE, MINUTE + 1).await,
        allowed(2),
        "{ADD} must not move the expiry of a live counter"
    );
    assert_eq!(
        add(store, &key, 1, 2, 3 * MINUTE, 2 * MINUTE).await,
        allowed(1),
        "{ADD} must start a counter re-created after expiry with that call's `expires_at`"
    );
}

async fn purge(store: &(impl CounterStore + ?Sized)) {
    let old = [new_key(), new_key()];
    let live = new_key();
    for key in &old {
        assert!(add(store, key, 1, 5, -3 * DAY, -4 * DAY).await.allowed);
    }
    assert!(add(store, &live, 1, 5, DAY, -4 * DAY).await.allowed);
    let purged = ok(store.purge_expired_counters(at(PURGE_NOW)).await, PURGE);
    assert!(
        purged >= 2,
        "{PURGE} must delete (and count) counters that expired before `now`; counted {purged}"
    );
    assert_eq!(
        add(store, &live, 0, 5, DAY, -4 * DAY).await,
        allowed(1),
        "{PURGE} must keep counters that expire after `now`"
    );
}

async fn concurrent_additions<S>(store: Arc<S>, limit: u64)
where
    S: CounterStore + ?Sized + 'static,
{
    let key = new_key();
    let counts = concurrently(TASKS, |_| {
        let store = Arc::clone(&store);
        let key = key.clone();
        async move { ok(store.add(&key, 1, limit, at(MINUTE), at(0)).await, ADD) }
    })
    .await;
    let allowed = counts.iter().filter(|count| count.allowed).count();
    let expected = usize::try_from(limit).unwrap_or(usize::MAX).min(TASKS);
    assert_eq!(
        allowed, expected,
        "{ADD}: {TASKS} concurrent additions of 1 with limit {limit} must allow exactly \
         {expected}; allowed {allowed} (a read-then-write store allows more, a lost update fewer)"
    );
    assert_eq!(
        add(&*store, &key, 0, u64::MAX, MINUTE, 1).await.used,
        u64::try_from(expected).unwrap_or(u64::MAX),
        "{ADD}: after the race the counter must hold exactly the allowed additions"
    );
}
