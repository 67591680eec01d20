//! The revocation check over one SeaORM store (issue 14): a verified access token's user,
//! session and `jti` are read in **one statement** per check, on every backend, and every
//! refusal reads as it does through the three separate stores.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use auth_core::opaque::{OpaqueToken, TokenHash};
use auth_core::revocation::{RevocationChecker, RevocationConfig, RevocationError};
use auth_core::store::{
    RefreshTokenRecord, RevocationStore, RevokeReason, RevokedAccessToken, Session, SessionId,
    SessionKind, SessionStore, User, UserId, UserStore, UserUpdate,
};
use auth_core::token::{
    AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier, Algorithm, Claims, IssuerConfig,
    KeySet, SigningKey, VerifierConfig,
};
use auth_storage_seaorm::SeaOrmStore;
use auth_storage_seaorm::sea_orm::Database;
use support::TestDb;

const DAY: Duration = Duration::from_secs(86_400);

/// A second connection to `db`'s database that counts the statements it runs.
async fn counting_store(db: &TestDb) -> (SeaOrmStore, Arc<AtomicUsize>) {
    let mut options = SeaOrmStore::connect_options(&db.url);
    if let Some(schema) = db.schema() {
        options.set_schema_search_path(schema.to_owned());
    }
    let mut connection = Database::connect(options).await.expect("connect");
    let statements = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&statements);
    connection.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    (SeaOrmStore::new(connection), statements)
}

struct Tokens {
    issuer: AccessTokenIssuer,
    verifier: AccessTokenVerifier,
}

impl Tokens {
    fn new() -> Self {
        let keys = KeySet::new(SigningKey::hmac("k", Algorithm::HS256, &[7; 32]).expect("key"));
        Self {
            issuer: AccessTokenIssuer::new(IssuerConfig::new("i", "a"), &keys),
            verifier: AccessTokenVerifier::new(VerifierConfig::new("i", "a"), &keys),
        }
    }

    fn claims(&self, request: &AccessTokenRequest) -> Claims {
        let token = self.issuer.issue(request).expect("issue").token;
        self.verifier.verify(token.secret()).expect("verify")
    }
}

async fn one_statement_per_check(db: TestDb) {
    let now = SystemTime::now();
    let store = &db.store;
    let user = User::new(
        UserId::generate().expect("id"),
        &format!("{}@revocation.test", hex()),
        now,
    );
    store.insert_user(&user).await.expect("user");
    let session = Session {
        id: SessionId::generate().expect("id"),
        kind: SessionKind::FirstParty,
        user_id: user.id,
        created_at: now,
        last_used_at: now,
        expires_at: now + DAY,
        idle_expires_at: now + DAY,
        auth_time: now,
        amr: Vec::new(),
        acr: None,
        ip: None,
        user_agent: None,
        device_name: None,
        revoked_at: None,
        revoke_reason: None,
    };
    let first = RefreshTokenRecord::new(fresh_hash(), session.id, now, now + DAY);
    store
        .create_session(&session, &first)
        .await
        .expect("session");

    let (counted, statements) = counting_store(&db).await;
    let checker = RevocationChecker::from_store(
        RevocationConfig::default().max_staleness(Duration::ZERO),
        Arc::new(counted),
    );
    let tokens = Tokens::new();
    let request = AccessTokenRequest::new(user.id.to_string()).session(session.id.to_string());
    let check = async |claims: &Claims| {
        statements.store(0, Ordering::SeqCst);
        let outcome = checker.check(claims).await;
        (outcome, statements.load(Ordering::SeqCst))
    };

    let claims = tokens.claims(&request);
    let (outcome, count) = check(&claims).await;
    assert!(outcome.is_ok(), "{outcome:?}");
    assert_eq!(count, 1, "a check is one statement");

    let revoked = tokens.claims(&request);
    store
        .revoke_access_token(&RevokedAccessToken::new(
            revoked.jti.clone().expect("jti"),
            now + DAY,
        ))
        .await
        .expect("revoke jti");
    let (outcome, count) = check(&revoked).await;
    assert!(
        matches!(outcome, Err(RevocationError::TokenRevoked)),
        "{outcome:?}"
    );
    assert_eq!(count, 1);

    store
        .revoke_session(session.id, RevokeReason::Logout, now)
        .await
        .expect("logout");
    let (outcome, count) = check(&claims).await;
    assert!(
        matches!(outcome, Err(RevocationError::SessionEnded)),
        "{outcome:?}"
    );
    assert_eq!(count, 1);

    let stranger = tokens.claims(&AccessTokenRequest::new(
        UserId::generate().expect("id").to_string(),
    ));
    let (outcome, count) = check(&stranger).await;
    assert!(
        matches!(outcome, Err(RevocationError::UnknownUser)),
        "{outcome:?}"
    );
    assert_eq!(count, 1);

    store
        .update_user_fields(user.id, &UserUpdate::new(now).active(false))
        .await
        .expect("disable");
    let (outcome, _) = check(&claims).await;
    assert!(
        matches!(outcome, Err(RevocationError::UserDisabled)),
        "{outcome:?}"
    );

    // The counting connection closes with its last handle, the checker.
    drop(checker);
    db.drop_all().await;
}

fn fresh_hash() -> TokenHash {
    OpaqueToken::generate().expect("randomness").hash()
}

fn hex() -> String {
    fresh_hash().to_hex()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue14_a_revocation_check_is_one_statement_on_sqlite() {
    one_statement_per_check(TestDb::sqlite_file().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue14_a_revocation_check_is_one_statement_on_postgres() {
    if let Some(db) =
        TestDb::postgres("issue14_a_revocation_check_is_one_statement_on_postgres").await
    {
        one_statement_per_check(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue14_a_revocation_check_is_one_statement_on_mysql() {
    if let Some(db) = TestDb::mysql("issue14_a_revocation_check_is_one_statement_on_mysql").await {
        one_statement_per_check(db).await;
    }
}
