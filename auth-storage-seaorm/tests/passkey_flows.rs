//! auth-core's passkey flows over the SeaORM store (issue 15, feature `passkey`): "never
//! remove the last way in" under concurrent removals, on SQLite, PostgreSQL and MariaDB.

#![cfg(feature = "passkey")]

mod support;

use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use auth_core::flows::{AuthError, AuthService, ClientInfo, RecordingMailer};
use auth_core::passkey::{PasskeyConfig, Passkeys};
use auth_core::password::{Password, PasswordHasher};
use auth_core::store::memory::MemoryCeremonyStore;
use auth_core::store::{PasskeyRecord, PasskeyStore, StoreError, UserId, UserStore};
use auth_core::token::{Algorithm, KeySet, SigningKey};
use auth_core::{Clock, ManualClock};
use auth_storage_seaorm::SeaOrmStore;
use support::TestDb;

const PASSWORD: &str = "mauve-tulip-orbit-42";
/// Concurrent removals, one per passkey of the account.
const N: usize = 10;

/// The SQL store, whose deletes wait until all `N` removals have passed their first check:
/// the worst interleaving, every time.
#[derive(Debug)]
struct DeletesTogether {
    inner: SeaOrmStore,
    barrier: tokio::sync::Barrier,
}

#[async_trait]
impl PasskeyStore for DeletesTogether {
    async fn add_passkey(&self, record: &PasskeyRecord) -> Result<(), StoreError> {
        self.inner.add_passkey(record).await
    }
    async fn passkeys_of(&self, user_id: UserId) -> Result<Vec<PasskeyRecord>, StoreError> {
        self.inner.passkeys_of(user_id).await
    }
    async fn passkey_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<PasskeyRecord>, StoreError> {
        self.inner.passkey_by_credential_id(credential_id).await
    }
    async fn update_passkey_use(
        &self,
        credential_id: &[u8],
        passkey: &str,
        backup_state: bool,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        self.inner
            .update_passkey_use(credential_id, passkey, backup_state, now)
            .await
    }
    async fn rename_passkey(
        &self,
        user_id: UserId,
        credential_id: &[u8],
        name: &str,
    ) -> Result<bool, StoreError> {
        self.inner
            .rename_passkey(user_id, credential_id, name)
            .await
    }
    async fn delete_passkey(
        &self,
        user_id: UserId,
        credential_id: &[u8],
    ) -> Result<bool, StoreError> {
        self.barrier.wait().await;
        self.inner.delete_passkey(user_id, credential_id).await
    }
}

/// `N` concurrent removals of all `N` passkeys of an account without a password: at least
/// one passkey stays, and every refused removal left its passkey in place.
async fn concurrent_removals_leave_a_way_in(db: TestDb) {
    let clock = ManualClock::at_unix(1_800_000_000);
    let shared: Arc<dyn Clock> = Arc::new(clock.clone());
    let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[7; 32]).expect("key"));
    let passkeys = Passkeys::new(
        PasskeyConfig::new(
            "example.com",
            "Example",
            vec!["https://example.com".parse().unwrap()],
        ),
        Arc::new(MemoryCeremonyStore::new()),
        Arc::new(DeletesTogether {
            inner: db.store.clone(),
            barrier: tokio::sync::Barrier::new(N),
        }),
    )
    .expect("passkey config");
    let auth = AuthService::builder(keys, db.store.clone().into_stores())
        .issuer("https://auth.example", "api")
        .mailer(Arc::new(RecordingMailer::default()))
        .hasher(PasswordHasher::insecure_fast_for_tests())
        .clock(shared)
        .passkeys(passkeys)
        .build()
        .expect("service");
    let (user, pair) = auth
        .signup(
            "lee@example.com",
            Password::from(PASSWORD),
            &ClientInfo::default(),
        )
        .await
        .expect("signup");
    // A passkey-only account: no password, no provider, N passkeys.
    let mut passwordless = db.store.user_by_id(user.id).await.unwrap().unwrap();
    passwordless.password_hash = None;
    db.store.update_user(&passwordless).await.unwrap();
    let now = clock.now();
    for n in 0..N {
        let record = PasskeyRecord::new(
            vec![n as u8 + 1; 16],
            user.id,
            format!("key {n}"),
            "{}",
            now,
            false,
            false,
        );
        db.store.add_passkey(&record).await.unwrap();
    }
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..N {
        let auth = auth.clone();
        tasks.spawn(async move {
            auth.remove_passkey(user.id, pair.session_id, &[n as u8 + 1; 16])
                .await
        });
    }
    let mut removed = 0;
    while let Some(joined) = tasks.join_next().await {
        match joined.expect("task ran") {
            Ok(()) => removed += 1,
            Err(AuthError::LastSignInMethod) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    let left = db.store.passkeys_of(user.id).await.unwrap().len();
    assert!(left >= 1, "the account was left without a way in");
    assert_eq!(removed + left, N, "a refused removal puts its passkey back");
    db.drop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_passkey_removals_leave_a_way_in_on_sqlite() {
    concurrent_removals_leave_a_way_in(TestDb::sqlite_file().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_passkey_removals_leave_a_way_in_on_postgres() {
    if let Some(db) =
        TestDb::postgres("concurrent_passkey_removals_leave_a_way_in_on_postgres").await
    {
        concurrent_removals_leave_a_way_in(db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_passkey_removals_leave_a_way_in_on_mariadb() {
    if let Some(db) = TestDb::mysql("concurrent_passkey_removals_leave_a_way_in_on_mariadb").await {
        concurrent_removals_leave_a_way_in(db).await;
    }
}
