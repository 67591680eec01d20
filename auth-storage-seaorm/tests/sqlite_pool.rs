//! A SQLite file runs on several connections: in WAL mode readers go on beside the one
//! writer. sea-orm 2 gives SQLite a single connection unless told otherwise, which queued
//! every read — every request's revocation check — behind whatever write was in flight, its
//! fsync included (issue 14: the p99 of verified requests under a login load).

mod support;

use std::time::Duration;

use auth_core::store::UserStore;
use auth_storage_seaorm::sea_orm::{ConnectionTrait, TransactionTrait};
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
