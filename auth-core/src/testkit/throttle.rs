//! Checks for [`ThrottleStore`].

use std::sync::Arc;
use std::time::Duration;

use super::support::{DAY, HOUR, MINUTE, PURGE_NOW, TASKS, at, concurrently, ok, secs, unique};
use crate::store::{Reservation, ThrottleStore};

const RESERVE: &str = "ThrottleStore::reserve";
const RELEASE: &str = "ThrottleStore::release";
const CLEAR: &str = "ThrottleStore::clear_failures";

/// How many attempts the concurrency check allows while [`TASKS`] tasks race for them.
const RACE_MAX: u32 = 7;

/// Runs every [`ThrottleStore`] check against `store`. Panics on the first violation.
///
/// Checks, each with its own failure message:
///
/// * `reserve` grants `max` attempts in a window opened by the first one, refuses the next
///   with `retry_after` = the time left in the window, grants again (a new window) once
///   `window` has passed since the first; `max == 0` refuses; keys are independent;
/// * `release` gives one attempt back (and is `Ok` on a key without a window);
/// * `clear_failures` forgets a key and the keys nested under it (`key:…`), matching `key`
///   literally (and clearing an unknown key is `Ok`);
/// * `purge_old_failures` deletes keys whose window opened before `now - window`, counts
///   them, and keeps newer ones;
/// * **count before you check:** 50 concurrent reservations on one key with `max = 7` grant
///   exactly 7 (a read-then-write store grants more), and 50 with `max = 50` grant all 50 (no
///   lost updates).
pub async fn throttle_store_conformance<S>(store: Arc<S>)
where
    S: ThrottleStore + ?Sized + 'static,
{
    fixed_window(&*store).await;
    release(&*store).await;
    clear(&*store).await;
    purge(&*store).await;
    concurrent_reservations(Arc::clone(&store), RACE_MAX).await;
    concurrent_reservations(store, u32::try_from(TASKS).unwrap_or(u32::MAX)).await;
}

fn new_key() -> String {
    format!("testkit:{}", unique())
}

async fn reserve(
    store: &(impl ThrottleStore + ?Sized),
    key: &str,
    now: i64,
    window: i64,
    max: u32,
) -> Reservation {
    ok(
        store.reserve(key, at(now), secs(window), max).await,
        RESERVE,
    )
}

fn refused(after: i64) -> Reservation {
    Reservation::Refused {
        retry_after: secs(after),
    }
}

async fn fixed_window(store: &(impl ThrottleStore + ?Sized)) {
    let key = new_key();
    for now in [0, 10, 20] {
        assert_eq!(
            reserve(store, &key, now, MINUTE, 3).await,
            Reservation::Granted,
            "{RESERVE} must grant `max` attempts in a window"
        );
    }
    assert_eq!(
        reserve(store, &key, 30, MINUTE, 3).await,
        refused(30),
        "{RESERVE} must refuse the attempt after `max`, with retry_after = the time left in \
         the window opened by the first attempt"
    );
    assert_eq!(
        reserve(store, &key, 59, MINUTE, 3).await,
        refused(1),
        "{RESERVE} must not count refused attempts nor move the window"
    );
    assert_eq!(
        reserve(store, &new_key(), 59, MINUTE, 3).await,
        Reservation::Granted,
        "{RESERVE} must keep keys independent"
    );
    assert_eq!(
        reserve(store, &key, 60, MINUTE, 3).await,
        Reservation::Granted,
        "{RESERVE} must open a new window `window` after the first attempt of the old one"
    );
    for now in [61, 62] {
        assert_eq!(
            reserve(store, &key, now, MINUTE, 3).await,
            Reservation::Granted,
            "{RESERVE} must count a new window from 1"
        );
    }
    assert_eq!(
        reserve(store, &key, 63, MINUTE, 3).await,
        refused(57),
        "{RESERVE} must refuse once the new window holds `max` attempts"
    );
    assert_eq!(
        reserve(store, &key, 63, HOUR, 4).await,
        Reservation::Granted,
        "{RESERVE} must decide with the `max` it is given"
    );
    assert!(
        !reserve(store, &new_key(), 0, MINUTE, 0).await.is_granted(),
        "{RESERVE} with max = 0 must refuse"
    );
}

async fn release(store: &(impl ThrottleStore + ?Sized)) {
    let key = new_key();
    for now in [0, 1] {
        assert!(reserve(store, &key, now, MINUTE, 2).await.is_granted());
    }
    ok(store.release(&key, at(2), secs(MINUTE)).await, RELEASE);
    assert_eq!(
        reserve(store, &key, 3, MINUTE, 2).await,
        Reservation::Granted,
        "{RELEASE} must give one attempt back"
    );
    assert_eq!(
        reserve(store, &key, 4, MINUTE, 2).await,
        refused(56),
        "{RELEASE} must give back one attempt only, and not move the window"
    );
    ok(
        store.release(&new_key(), at(5), secs(MINUTE)).await,
        "ThrottleStore::release of a key without a window",
    );
}

async fn clear(store: &(impl ThrottleStore + ?Sized)) {
    let key = new_key();
    let other = new_key();
    for now in [0, 1] {
        assert!(reserve(store, &key, now, MINUTE, 2).await.is_granted());
    }
    assert!(reserve(store, &other, 1, MINUTE, 1).await.is_granted());
    ok(store.clear_failures(&key).await, CLEAR);
    assert_eq!(
        reserve(store, &key, 2, MINUTE, 2).await,
        Reservation::Granted,
        "{CLEAR} must forget every attempt of the key"
    );
    assert_eq!(
        reserve(store, &key, 3, MINUTE, 2).await,
        Reservation::Granted,
        "after {CLEAR}, counting must start again from 1"
    );
    assert!(
        !reserve(store, &other, 2, MINUTE, 1).await.is_granted(),
        "{CLEAR} must not touch other keys"
    );
    ok(
        store.clear_failures(&new_key()).await,
        "ThrottleStore::clear_failures of a key without attempts",
    );
    nested_clear(store).await;
}

/// `clear_failures` of `k` forgets `k:…` too, and reads `k` literally: a key holding the SQL
/// `LIKE` wildcards `%` and `_` must not clear `k`'s look-alikes.
async fn nested_clear(store: &(impl ThrottleStore + ?Sized)) {
    let base = new_key();
    let key = format!("{base}%_!");
    let nested = format!("{key}:net:192.0.2.1");
    let look_alike = format!("{base}ab!:net:192.0.2.1");
    let prefix_only = format!("{key}x");
    for k in [&key, &nested, &look_alike, &prefix_only] {
        assert!(reserve(store, k, 0, MINUTE, 1).await.is_granted());
    }
    ok(store.clear_failures(&key).await, CLEAR);
    assert!(
        reserve(store, &nested, 1, MINUTE, 1).await.is_granted(),
        "{CLEAR} of `k` must forget the keys nested under it (`k:…`)"
    );
    for kept in [&look_alike, &prefix_only] {
        assert!(
            !reserve(store, kept, 1, MINUTE, 1).await.is_granted(),
            "{CLEAR} of `k` must keep keys that only look like `k:…` (the key is matched \
             literally, `%` and `_` are no wildcards) or merely start with `k`"
        );
    }
}

async fn purge(store: &(impl ThrottleStore + ?Sized)) {
    let old = [new_key(), new_key()];
    let recent = new_key();
    for key in &old {
        assert!(reserve(store, key, -3 * DAY, MINUTE, 1).await.is_granted());
    }
    assert!(
        reserve(store, &recent, PURGE_NOW - HOUR, DAY, 1)
            .await
            .is_granted()
    );

    let purged = ok(
        store.purge_old_failures(at(PURGE_NOW), secs(DAY)).await,
        "ThrottleStore::purge_old_failures",
    );
    assert!(
        purged >= 2,
        "ThrottleStore::purge_old_failures must count what it deleted (this check made two old \
         keys; got {purged})"
    );
    assert!(
        reserve(store, &old[0], -3 * DAY + 1, DAY, 1)
            .await
            .is_granted(),
        "ThrottleStore::purge_old_failures must delete keys whose window opened before \
         now - window"
    );
    assert!(
        !reserve(store, &recent, PURGE_NOW, DAY, 1)
            .await
            .is_granted(),
        "ThrottleStore::purge_old_failures must keep keys whose window is still open"
    );
}

async fn concurrent_reservations<S>(store: Arc<S>, max: u32)
where
    S: ThrottleStore + ?Sized + 'static,
{
    let key = new_key();
    let window: Duration = secs(MINUTE);
    let results = concurrently(TASKS, |_| {
        let store = Arc::clone(&store);
        let key = key.clone();
        async move { store.reserve(&key, at(0), window, max).await }
    })
    .await;
    let granted = results
        .into_iter()
        .map(|result| ok(result, RESERVE))
        .filter(|reservation| reservation.is_granted())
        .count();
    let expected = usize::try_from(max).unwrap_or(usize::MAX).min(TASKS);
    assert_eq!(
        granted, expected,
        "{TASKS} concurrent {RESERVE} calls on one key with max = {max} must grant exactly \
         {expected} (count before you check: the decision and the count are one atomic write)"
    );
    if expected == TASKS {
        assert_eq!(
            reserve(&*store, &key, 1, MINUTE, max).await,
            refused(MINUTE - 1),
            "after {TASKS} concurrent grants with max = {TASKS}, {RESERVE} must refuse: every \
             concurrent reservation must be counted (no lost updates)"
        );
    }
}
