//! Refresh rotation beyond the conformance kit: PostgreSQL's one-statement rotation (issue 14),
//! and rotation racing a logout on every backend.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use auth_core::opaque::{OpaqueToken, TokenHash};
use auth_core::store::{
    RefreshTokenRecord, RevokeReason, Rotation, Session, SessionId, SessionKind, SessionStore,
    User, UserId, UserStore,
};
use auth_storage_seaorm::SeaOrmStore;
use auth_storage_seaorm::sea_orm::Database;
use support::TestDb;

const DAY: Duration = Duration::from_secs(86_400);
const IDLE: Duration = Duration::from_secs(14 * 86_400);

/// Now, in whole seconds: stored times are truncated to the microsecond.
fn now() -> SystemTime {
    let seconds = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after the epoch")
        .as_secs();
    SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
}

fn fresh_hash() -> TokenHash {
    OpaqueToken::generate().expect("randomness").hash()
}

/// A new user with one first-party session; returns the session and its current token.
async fn new_session(store: &SeaOrmStore, now: SystemTime) -> (Session, TokenHash) {
    let user = User::new(
        UserId::generate().expect("id"),
        &format!("{}@rotation.test", fresh_hash().to_hex()),
        now,
    );
    store.insert_user(&user).await.expect("user");
    let session = Session {
        id: SessionId::generate().expect("id"),
        kind: SessionKind::FirstParty,
        user_id: user.id,
        created_at: now,
        last_used_at: now,
        expires_at: now + 30 * DAY,
        idle_expires_at: now + IDLE,
        auth_time: now,
        amr: Vec::new(),
        acr: None,
        ip: None,
        user_agent: None,
        device_name: None,
        revoked_at: None,
        revoke_reason: None,
    };
    let first = fresh_hash();
    let record = RefreshTokenRecord::new(first, session.id, now, session.expires_at);
    store
        .create_session(&session, &record)
        .await
        .expect("session");
    (session, first)
}

fn successor(now: SystemTime) -> RefreshTokenRecord {
    // The session id is the store's to fill in (the contract ignores this one).
    RefreshTokenRecord::new(
        fresh_hash(),
        SessionId::generate().expect("id"),
        now,
        now + 30 * DAY,
    )
}

/// Issue 14, "refresh rotation in one round trip": on PostgreSQL one statement decides, writes
/// and tells the outcomes apart — for a rotation, a replay, an unknown token and a credential
/// of another kind alike. (The transaction of the other backends runs four statements.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue14_refresh_rotation_on_postgres_is_one_statement() {
    let Some(db) = TestDb::postgres("issue14_refresh_rotation_on_postgres_is_one_statement").await
    else {
        return;
    };
    let statements = Arc::new(AtomicUsize::new(0));
    let mut options = SeaOrmStore::connect_options(&db.url);
    options.set_schema_search_path(db.schema().expect("a PostgreSQL schema").to_owned());
    let mut connection = Database::connect(options).await.expect("connect");
    let counter = Arc::clone(&statements);
    connection.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let store = SeaOrmStore::new(connection);
    let now = now();
    let (session, token) = new_session(&store, now).await;
    let later = now + Duration::from_secs(60);

    let rotate = async |presented: &TokenHash, kind: SessionKind, next: &RefreshTokenRecord| {
        statements.store(0, Ordering::SeqCst);
        let outcome = store
            .rotate_refresh_token(presented, kind, next, later, IDLE)
            .await
            .expect("rotation");
        (outcome, statements.load(Ordering::SeqCst))
    };

    let next = successor(later);
    let (outcome, count) = rotate(&token, SessionKind::FirstParty, &next).await;
    let Rotation::Rotated(rotated) = outcome else {
        panic!("the current token rotates: {outcome:?}");
    };
    assert_eq!(count, 1, "a rotation is one statement");
    assert_eq!(rotated.id, session.id);
    assert_eq!(rotated.idle_expires_at, later + IDLE);
    let stored = store
        .refresh_token(&next.hash, SessionKind::FirstParty)
        .await
        .expect("read")
        .expect("the successor is stored");
    assert_eq!(stored.session_id, session.id);
    assert_eq!(
        stored.expires_at, session.expires_at,
        "capped at the session's"
    );

    let (outcome, count) = rotate(&token, SessionKind::FirstParty, &successor(later)).await;
    assert!(
        matches!(outcome, Rotation::AlreadyRotated { rotated_at, .. } if rotated_at == later),
        "{outcome:?}"
    );
    assert_eq!(count, 1, "a replay is told apart in the same statement");

    let (outcome, count) = rotate(&next.hash, SessionKind::OAuthGrant, &successor(later)).await;
    assert_eq!(
        outcome,
        Rotation::Unknown,
        "a token of another kind is unknown"
    );
    assert_eq!(count, 1);
    let (outcome, count) = rotate(&fresh_hash(), SessionKind::FirstParty, &successor(later)).await;
    assert_eq!(outcome, Rotation::Unknown);
    assert_eq!(count, 1);

    store.connection().clone().close().await.ok();
    db.drop_all().await;
}

/// A logout racing a refresh of the same session (the thief refreshes as the owner signs out):
/// either the rotation wins — it returns `Rotated` and the successor exists — or the logout
/// does, and then **nothing** of the rotation was written: the token is not marked rotated and
/// no successor exists (a half-done rotation would make a later replay look like token reuse,
/// and on PostgreSQL the decision, the session update and the insert are one statement). Run
/// concurrently on many sessions at once.
async fn logout_racing_refresh(db: TestDb) {
    const SESSIONS: usize = 25;
    let store = db.store.clone();
    let now = now();
    let mut chains = Vec::new();
    for _ in 0..SESSIONS {
        chains.push(new_session(&store, now).await);
    }
    let later = now + Duration::from_secs(60);
    let mut tasks = tokio::task::JoinSet::new();
    for (session, token) in chains {
        let (rotating, revoking) = (store.clone(), store.clone());
        let next = successor(later);
        tasks.spawn(async move {
            let (rotation, revoked) = tokio::join!(
                rotating.rotate_refresh_token(&token, SessionKind::FirstParty, &next, later, IDLE),
                revoking.revoke_session(session.id, RevokeReason::Logout, later),
            );
            (
                token,
                next.hash,
                rotation.expect("rotation"),
                revoked.expect("revocation"),
            )
        });
    }
    while let Some(joined) = tasks.join_next().await {
        let (token, next, rotation, revoked) = joined.expect("task");
        assert!(revoked, "the logout always revokes the session");
        let presented = store
            .refresh_token(&token, SessionKind::FirstParty)
            .await
            .expect("read")
            .expect("kept");
        let successor = store
            .refresh_token(&next, SessionKind::FirstParty)
            .await
            .expect("read");
        match rotation {
            Rotation::Rotated(_) => {
                assert!(presented.rotated_at.is_some(), "a rotation marks the token");
                assert!(successor.is_some(), "a rotation stores the successor");
            }
            Rotation::Inactive(session) => {
                assert!(session.revoked_at.is_some(), "{session:?}");
                assert_eq!(
                    presented.rotated_at, None,
                    "a refused rotation wrote nothing"
                );
                assert!(
                    successor.is_none(),
                    "a refused rotation stored no successor"
                );
            }
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    db.drop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn logout_racing_refresh_leaves_nothing_half_rotated_on_sqlite() {
    logout_racing_refresh(TestDb::sqlite_file().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn logout_racing_refresh_leaves_nothing_half_rotated_on_postgres() {
    if let Some(db) =
        TestDb::postgres("logout_racing_refresh_leaves_nothing_half_rotated_on_postgres").await
    {
        logout_racing_refresh(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn logout_racing_refresh_leaves_nothing_half_rotated_on_mysql() {
    if let Some(db) =
        TestDb::mysql("logout_racing_refresh_leaves_nothing_half_rotated_on_mysql").await
    {
        logout_racing_refresh(db).await;
    }
}
