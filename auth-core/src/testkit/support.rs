//! Helpers shared by the checks: times, fresh ids, unwrapping store results, and running many
//! calls at once.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::Barrier;
use tokio::task::JoinSet;

use crate::opaque::{OpaqueToken, TokenHash};
use crate::store::{StoreError, User, UserId, UserStore};

/// Seconds after the Unix epoch of the instant all check times are offsets from
/// (2001-09-09T01:46:40Z; see "Times" in the module docs for why it is in the past).
const BASE_UNIX_SECONDS: u64 = 1_000_000_000;

/// One minute, hour and day, in seconds.
pub(crate) const MINUTE: i64 = 60;
pub(crate) const HOUR: i64 = 60 * MINUTE;
pub(crate) const DAY: i64 = 24 * HOUR;

/// The `now` every purge check passes, as an offset from the base. Rows the checks create
/// outside the purge checks all expire at or after the base, so a purge run by one check (or by
/// another run against the same database) never deletes a row another check still relies on.
pub(crate) const PURGE_NOW: i64 = -DAY;

/// How many tasks the concurrency checks start at once.
pub(crate) const TASKS: usize = 50;

/// The base instant plus `offset` seconds (negative: before it).
pub(crate) fn at(offset: i64) -> SystemTime {
    let base = UNIX_EPOCH + Duration::from_secs(BASE_UNIX_SECONDS);
    let by = Duration::from_secs(offset.unsigned_abs());
    if offset >= 0 { base + by } else { base - by }
}

/// `seconds` as a `Duration` (for windows and timeouts).
pub(crate) fn secs(seconds: i64) -> Duration {
    Duration::from_secs(seconds.unsigned_abs())
}

/// Unwraps a store result the check expects to succeed, or fails the check naming the call.
#[track_caller]
pub(crate) fn ok<T>(result: Result<T, StoreError>, call: &str) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("{call} failed unexpectedly: {error} ({error:?})"),
    }
}

/// A fresh random string (32 hex digits), so every run touches only rows of its own.
pub(crate) fn unique() -> String {
    new_user_id().0.simple().to_string()
}

/// A fresh random user id.
pub(crate) fn new_user_id() -> UserId {
    ok(UserId::generate(), "UserId::generate")
}

/// A fresh email no other run uses, already normalized.
pub(crate) fn unique_email() -> String {
    format!("testkit-{}@example.test", unique())
}

/// A fresh random token hash.
pub(crate) fn new_hash() -> TokenHash {
    OpaqueToken::generate()
        .expect("the operating system's random number generator is available")
        .hash()
}

/// Inserts a new user through `users` and returns its id: the other stores get real users to
/// point at, so backends with foreign keys to the users table pass too.
pub(crate) async fn new_user(users: &dyn UserStore) -> UserId {
    let user = User::new(new_user_id(), &unique_email(), at(0));
    ok(
        users.insert_user(&user).await,
        "UserStore::insert_user (creating a user for the check)",
    );
    user.id
}

/// Runs `tasks` calls at once: each task is spawned, all wait on one barrier so they start
/// together, and their outputs are returned (in completion order). A panic in a task is
/// re-raised here.
pub(crate) async fn concurrently<T, F, Fut>(tasks: usize, mut call: F) -> Vec<T>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let barrier = Arc::new(Barrier::new(tasks));
    let mut set = JoinSet::new();
    for index in 0..tasks {
        let barrier = Arc::clone(&barrier);
        let future = call(index);
        set.spawn(async move {
            barrier.wait().await;
            future.await
        });
    }
    let mut outputs = Vec::with_capacity(tasks);
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok(output) => outputs.push(output),
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            Err(error) => panic!("a concurrent task did not finish: {error}"),
        }
    }
    outputs
}
