//! A SQLite file runs on several connections: in WAL mode readers go on beside the one
//! writer. sea-orm 2 gives SQLite a single connection unless told otherwise, which queued
//! every read — every request's revocation check — behind whatever write was in flight, its
//! fsync included (issue 14: the p99 of verified requests under a login load).
//!
//! Beside that pool, a SQLite file gets a small one for throttle counters and login times
//! whose commits do not wait for the disk (`SQLITE_COUNTER_CONNECTIONS`): a login then waits
//! for three fsyncs instead of nine under SQLite's one write lock.

mod support;

use std::time::{Duration, SystemTime};

use auth_core::store::{Reservation, ThrottleStore as _, UserStore};
use auth_storage_seaorm::sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use support::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_readers_are_not_queued_behind_a_writer() {
    let db = TestDb::sqlite_file().await;
    // An open write transaction: it holds a pooled connection and SQLite's write lock.
    let writer = db.store.connection().begin().await.expect("begin");
    writer
        .execute_unprepared(
            "INSERT INTO auth_throttle_counters (key, opened_at, attempts) VALUES ('w', 0, 1)",
        )
        .await
        .expect("write");

    // A read meanwhile answers at once — well within the pool's acquire timeout (2 s), which
    // is how long it waited for the one connection before.
    let read = tokio::time::timeout(
        Duration::from_secs(1),
        db.store.user_by_email("nobody@example.com"),
    )
    .await
    .expect("a read is not queued behind the open write transaction");
    assert_eq!(read.expect("read"), None);

    writer.rollback().await.expect("rollback");
}

/// `PRAGMA synchronous` of one connection of a pool: 1 is `NORMAL`, 2 is `FULL`.
async fn synchronous(connection: &impl ConnectionTrait) -> i32 {
    let row = connection
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA synchronous",
        ))
        .await
        .expect("pragma")
        .expect("one row");
    row.try_get_by_index(0).expect("an integer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_power_cut_can_cost_throttle_counts_but_never_a_session_or_revocation() {
    let db = TestDb::sqlite_file().await;
    // Sessions, refresh tokens, revocations, one-time tokens and audit events: every commit
    // reaches the disk before it returns.
    assert_eq!(synchronous(db.store.connection()).await, 2, "FULL");
    // Throttle counters and login times: atomic and crash-safe, synced by the next FULL commit.
    assert_eq!(
        synchronous(db.store.counter_connection()).await,
        1,
        "NORMAL"
    );

    // Same file, same WAL: a count written on one pool is what the other reads at once.
    let now = SystemTime::now();
    let granted = db
        .store
        .reserve("login:acct", now, Duration::from_secs(60), 5)
        .await
        .expect("reserve");
    assert_eq!(granted, Reservation::Granted);
    let attempts = db
        .store
        .connection()
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT attempts FROM auth_throttle_counters WHERE key = 'login:acct'",
        ))
        .await
        .expect("select")
        .expect("the row");
    assert_eq!(attempts.try_get_by_index::<i64>(0).expect("attempts"), 1);
}

#[tokio::test]
async fn an_in_memory_database_keeps_one_connection_for_everything() {
    let db = TestDb::sqlite_memory().await;
    // A second pool would open a second, empty in-memory database.
    assert_eq!(synchronous(db.store.counter_connection()).await, 2);
    let now = SystemTime::now();
    let granted = db
        .store
        .reserve("login:acct", now, Duration::from_secs(60), 5)
        .await
        .expect("the counter table exists: same database");
    assert_eq!(granted, Reservation::Granted);
}
