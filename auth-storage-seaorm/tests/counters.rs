//! `CounterStore` on the database beyond the conformance kit: keys are compared byte for byte
//! and never truncated into one another, on every backend.

mod support;

use std::time::{Duration, SystemTime};

use auth_core::store::{Count, CounterStore, StoreError};
use support::TestDb;

fn fresh(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after the epoch")
        .as_nanos();
    format!("{prefix}{nanos}")
}

/// MySQL/MariaDB's default collations fold case, accents and trailing spaces: keys that differ
/// only so would share one counter, and one API client (or user) would spend another's rate
/// limit or quota. Every backend must keep them apart.
async fn keys_differing_only_in_case_accents_or_trailing_spaces_are_separate(db: TestDb) {
    let now = SystemTime::now();
    let expires = now + Duration::from_secs(60);
    let base = fresh("rate:client:abc-");
    for variant in [
        base.to_uppercase(),
        format!("{base} "),
        base.replacen("abc", "àbc", 1),
    ] {
        assert_eq!(
            db.store.add(&base, 1, 1, expires, now).await.expect("add"),
            Count {
                allowed: true,
                used: 1
            },
            "the first use of {base:?}"
        );
        assert_eq!(
            db.store
                .add(&variant, 1, 1, expires, now)
                .await
                .expect("add"),
            Count {
                allowed: true,
                used: 1
            },
            "{variant:?} is its own counter, not {base:?}'s"
        );
        db.store
            .purge_expired_counters(expires)
            .await
            .expect("purge both for the next variant");
    }
    db.drop_all().await;
}

/// A key longer than the column (512 characters) is refused with an error before any SQL:
/// MySQL's `INSERT IGNORE` would otherwise truncate it into the key of another counter and
/// count against that one.
async fn a_key_past_the_column_is_refused_not_truncated_into_another_counter(db: TestDb) {
    let now = SystemTime::now();
    let expires = now + Duration::from_secs(60);
    let prefix = fresh("quota:");
    let longest = format!("{prefix}{}", "x".repeat(512 - prefix.len()));
    let longer = format!("{longest}y");
    assert!(
        db.store
            .add(&longest, 5, 5, expires, now)
            .await
            .expect("add")
            .allowed
    );
    let refused = db.store.add(&longer, 1, 5, expires, now).await;
    assert!(
        matches!(refused, Err(StoreError::Backend(_))),
        "a 513-character key must be an error, got {refused:?}"
    );
    assert_eq!(
        db.store
            .add(&longest, 0, 5, expires, now)
            .await
            .expect("read"),
        Count {
            allowed: true,
            used: 5
        }
    );
    db.drop_all().await;
}

#[tokio::test]
async fn sqlite_keeps_counter_keys_exact() {
    keys_differing_only_in_case_accents_or_trailing_spaces_are_separate(
        TestDb::sqlite_memory().await,
    )
    .await;
    a_key_past_the_column_is_refused_not_truncated_into_another_counter(
        TestDb::sqlite_memory().await,
    )
    .await;
}

#[tokio::test]
async fn postgres_keeps_counter_keys_exact() {
    let test = "postgres_keeps_counter_keys_exact";
    if let Some(db) = TestDb::postgres(test).await {
        keys_differing_only_in_case_accents_or_trailing_spaces_are_separate(db).await;
    }
    if let Some(db) = TestDb::postgres(test).await {
        a_key_past_the_column_is_refused_not_truncated_into_another_counter(db).await;
    }
}

#[tokio::test]
async fn mysql_keeps_counter_keys_exact() {
    let test = "mysql_keeps_counter_keys_exact";
    if let Some(db) = TestDb::mysql(test).await {
        keys_differing_only_in_case_accents_or_trailing_spaces_are_separate(db).await;
    }
    if let Some(db) = TestDb::mysql(test).await {
        a_key_past_the_column_is_refused_not_truncated_into_another_counter(db).await;
    }
}
