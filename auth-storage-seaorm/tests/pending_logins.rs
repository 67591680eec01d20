//! Pending social logins in the database (issue 14): shared by every instance, consumed once,
//! hashed where they can be, and purged with the rest.

mod support;

use std::time::{Duration, UNIX_EPOCH};

use auth_core::store::{PendingLogin, PendingLoginStore, SecretHash, SecretValue};
use auth_storage_seaorm::SeaOrmStore;
use auth_storage_seaorm::entity::pending_login;
use auth_storage_seaorm::sea_orm::EntityTrait;
use support::TestDb;

fn at(unix: u64) -> std::time::SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix)
}

fn login(expires: u64) -> PendingLogin {
    PendingLogin::new(
        "google",
        SecretValue::new("the-pkce-verifier-0123456789-0123456789-0123"),
        Some(SecretValue::new("the-nonce")),
        SecretHash::of("the-browser-binding"),
        at(expires),
    )
}

// Issue 14: with the in-memory store as the only implementation, a login started on one
// instance failed its callback on another. Two stores on one database (two instances) must
// see the same pending login, and consume it once between them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue14_login_started_on_one_instance_completes_on_another() {
    let db = TestDb::sqlite_file().await;
    let other_instance = SeaOrmStore::connect(&db.url)
        .await
        .expect("second instance");
    let state = SecretHash::of("the-state");
    db.store
        .put_pending_login(&state, login(2_000), at(1_000))
        .await
        .expect("put on the first instance");

    let taken = other_instance
        .take_pending_login(&state, at(1_100))
        .await
        .expect("take on the second")
        .expect("the second instance finds the login the first one started");
    assert_eq!(taken.provider, "google");
    assert_eq!(
        taken.nonce.as_ref().map(SecretValue::expose_secret),
        Some("the-nonce")
    );
    assert!(
        db.store
            .take_pending_login(&state, at(1_100))
            .await
            .expect("take again")
            .is_none(),
        "consumed once across instances"
    );
    other_instance.connection().clone().close().await.ok();
    db.drop_all().await;
}

// The state and the browser binding are stored only as SHA-256 (reading the table does not
// let anyone present a callback), and the row's `Debug` shows no secret.
#[tokio::test]
async fn state_and_browser_binding_are_hashed_at_rest_and_debug_is_redacted() {
    let db = TestDb::sqlite_memory().await;
    db.store
        .put_pending_login(&SecretHash::of("the-state"), login(2_000), at(1_000))
        .await
        .expect("put");
    let rows = pending_login::Entity::find()
        .all(db.store.connection())
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.state_hash.len(), 64);
    assert!(!row.state_hash.contains("the-state"));
    assert_eq!(row.browser_binding.len(), 64);
    assert!(!row.browser_binding.contains("the-browser-binding"));
    let shown = format!("{row:?}");
    assert!(
        !shown.contains("pkce-verifier") && !shown.contains("the-nonce"),
        "{shown}"
    );
    db.drop_all().await;
}

// `purge_expired` deletes abandoned pending logins (started, never called back) and keeps
// live ones, and reports them.
#[tokio::test]
async fn purge_expired_deletes_abandoned_pending_logins() {
    let db = TestDb::sqlite_memory().await;
    db.store
        .put_pending_login(&SecretHash::of("abandoned"), login(1_500), at(1_000))
        .await
        .expect("put");
    db.store
        .put_pending_login(&SecretHash::of("live"), login(3_000), at(1_000))
        .await
        .expect("put");
    let report = db
        .store
        .purge_expired(at(2_000), Duration::from_secs(15 * 60))
        .await
        .expect("purge");
    assert_eq!(report.pending_logins, 1);
    assert!(
        db.store
            .take_pending_login(&SecretHash::of("live"), at(2_000))
            .await
            .expect("take")
            .is_some()
    );
    db.drop_all().await;
}
