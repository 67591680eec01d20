//! The migrations: idempotent, in their own version table beside a host's sea-orm migrator,
//! and with the indexes the lookups need.

mod support;

use auth_storage_seaorm::sea_orm::{ConnectionTrait, DbBackend, Statement};
use auth_storage_seaorm::sea_orm_migration::MigratorTrait;
use auth_storage_seaorm::sea_orm_migration::prelude::*;
use auth_storage_seaorm::{Migrator, SeaOrmStore};
use support::TestDb;

#[tokio::test]
async fn migrating_twice_changes_nothing() {
    let db = TestDb::sqlite_memory().await; // migrated once already
    db.store.migrate().await.expect("second run is a no-op");
    let pending = Migrator::get_pending_migrations(db.store.connection())
        .await
        .expect("status");
    assert!(pending.is_empty());
    db.drop_all().await;
}

/// A host's own migrator, with sea-orm's default version table.
struct HostMigrator;

#[derive(DeriveMigrationName)]
struct CreateNotes;

#[async_trait::async_trait]
impl MigrationTrait for CreateNotes {
    #[allow(elided_lifetimes_in_paths)] // must match the trait's signature
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("notes")
                    .col(ColumnDef::new("id").integer().not_null().primary_key())
                    .to_owned(),
            )
            .await
    }
}

#[async_trait::async_trait]
impl MigratorTrait for HostMigrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateNotes)]
    }
}

#[tokio::test]
async fn a_hosts_own_migrator_and_ours_do_not_see_each_other() {
    let store = SeaOrmStore::connect("sqlite::memory:")
        .await
        .expect("connect");
    // Either order: neither treats the other's versions as "applied but missing".
    HostMigrator::up(store.connection(), None)
        .await
        .expect("host first");
    store.migrate().await.expect("ours second");
    HostMigrator::up(store.connection(), None)
        .await
        .expect("host again");
    store.migrate().await.expect("ours again");
    assert_eq!(
        HostMigrator::get_applied_migrations(store.connection())
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        Migrator::get_applied_migrations(store.connection())
            .await
            .unwrap()
            .len(),
        Migrator::migrations().len()
    );
}

#[tokio::test]
async fn every_lookup_column_is_indexed() {
    let db = TestDb::sqlite_memory().await;
    let rows = db
        .store
        .connection()
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'auth_%'",
        ))
        .await
        .expect("indexes");
    let names: Vec<String> = rows
        .iter()
        .map(|row| row.try_get_by_index(0).unwrap())
        .collect();
    for expected in [
        "auth_users_email_key",
        "auth_users_username_key",
        "auth_users_tenant_id_idx",
        "auth_identities_user_id_idx",
        "auth_sessions_user_id_idx",
        "auth_sessions_expires_at_idx",
        "auth_refresh_tokens_session_id_idx",
        "auth_refresh_tokens_expires_at_idx",
        "auth_revoked_access_tokens_expires_at_idx",
        "auth_one_time_tokens_user_purpose_idx",
        "auth_one_time_tokens_expires_at_idx",
        "auth_throttle_counters_opened_at_idx",
        "auth_audit_events_user_at_idx",
        "auth_authorization_codes_expires_at_idx",
        "auth_authorization_codes_client_id_idx",
        "auth_authorization_codes_user_id_idx",
        "auth_oauth_consents_client_id_idx",
        "auth_oauth_grants_expires_at_idx",
        "auth_oauth_grants_client_id_idx",
        "auth_oauth_grants_user_id_idx",
        "auth_pending_logins_expires_at_idx",
        "auth_counters_expires_at_idx",
        "auth_ceremonies_expires_at_idx",
        "auth_passkeys_user_id_idx",
    ] {
        assert!(
            names.iter().any(|name| name == expected),
            "missing index {expected}: {names:?}"
        );
    }
    // Token hashes, (provider, subject), the jti, client ids, code hashes, (user, client) of
    // consents and grant sessions are primary keys, indexed by definition.
    db.drop_all().await;
}

/// A database migrated before the OAuth tables existed gets them from the second migration
/// alone, and rolling that one back (with the ones after it) leaves the first migration's
/// tables in place.
#[tokio::test]
async fn the_oauth_migration_upgrades_an_existing_database_and_rolls_back_alone() {
    let store = SeaOrmStore::connect("sqlite::memory:")
        .await
        .expect("connect");
    Migrator::up(store.connection(), Some(1))
        .await
        .expect("first migration");
    let tables = |store: SeaOrmStore| async move {
        let rows = store
            .connection()
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'auth_%'",
            ))
            .await
            .expect("tables");
        rows.iter()
            .map(|row| row.try_get_by_index::<String>(0).unwrap())
            .collect::<Vec<_>>()
    };
    let before = tables(store.clone()).await;
    assert!(before.contains(&"auth_users".to_owned()));
    assert!(!before.contains(&"auth_oauth_clients".to_owned()));

    store.migrate().await.expect("the second migration on top");
    let after = tables(store.clone()).await;
    for table in [
        "auth_oauth_clients",
        "auth_authorization_codes",
        "auth_oauth_consents",
        "auth_oauth_grants",
    ] {
        assert!(
            after.contains(&table.to_owned()),
            "missing {table}: {after:?}"
        );
    }

    let after_the_first =
        <u32 as TryFrom<usize>>::try_from(Migrator::migrations().len() - 1).expect("a few");
    Migrator::down(store.connection(), Some(after_the_first))
        .await
        .expect("roll back the second migration and the later ones");
    let rolled_back = tables(store.clone()).await;
    assert!(!rolled_back.contains(&"auth_oauth_clients".to_owned()));
    assert!(rolled_back.contains(&"auth_sessions".to_owned()));
}

/// The session-kinds migration on a database that already has sessions: a session behind an
/// OAuth grant becomes `oauth_grant`, every other one `first_party` (the old browser sign-ins
/// could not be told apart; they fail closed and sign in again).
#[tokio::test]
async fn the_session_kinds_migration_classifies_existing_sessions() {
    use std::time::{Duration, SystemTime};

    use auth_core::opaque::TokenHash;
    use auth_core::store::{
        ClientType, GrantType, OAuthClient, OAuthClientStore as _, OAuthGrant,
        OAuthGrantStore as _, RefreshTokenRecord, Session, SessionId, SessionKind,
        SessionStore as _, User, UserId, UserStore as _,
    };
    use auth_core::token::Scope;

    let store = SeaOrmStore::connect("sqlite::memory:")
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let user = User::new(UserId::generate().unwrap(), "kim@example.com", now);
    store.insert_user(&user).await.unwrap();
    store
        .insert_client(&OAuthClient {
            client_id: "demo-app".into(),
            secret_hash: Some(TokenHash::of("secret")),
            client_type: ClientType::Confidential,
            name: "Demo".into(),
            redirect_uris: vec!["https://app.example/cb".into()],
            allowed_scopes: Scope::parse("openid"),
            grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
            first_party: false,
            created_at: now,
        })
        .await
        .unwrap();
    let mut ids = Vec::new();
    for (kind, token) in [
        (SessionKind::OAuthGrant, "g"),
        (SessionKind::FirstParty, "f"),
    ] {
        let id = SessionId::generate().unwrap();
        let end = now + Duration::from_secs(3600);
        let session = Session {
            id,
            kind,
            user_id: user.id,
            created_at: now,
            last_used_at: now,
            expires_at: end,
            idle_expires_at: end,
            auth_time: now + Duration::from_secs(60),
            amr: vec!["pwd".into()],
            acr: None,
            ip: None,
            user_agent: None,
            device_name: None,
            revoked_at: None,
            revoke_reason: None,
        };
        let first = RefreshTokenRecord::new(TokenHash::of(token), id, now, end);
        store.create_session(&session, &first).await.unwrap();
        ids.push((kind, id));
    }
    store
        .insert_grant(&OAuthGrant {
            session_id: ids[0].1,
            client_id: "demo-app".into(),
            user_id: user.id,
            scope: Scope::parse("openid"),
            auth_time: now,
            created_at: now,
            expires_at: now + Duration::from_secs(3600),
        })
        .await
        .unwrap();

    // Back to before the session kinds, then forward again over the existing rows.
    let after_kinds = Migrator::migrations()
        .iter()
        .skip_while(|migration| !migration.name().contains("session_kinds"))
        .count();
    Migrator::down(
        store.connection(),
        Some(<u32 as std::convert::TryFrom<usize>>::try_from(after_kinds).unwrap()),
    )
    .await
    .expect("roll back to before the session kinds");
    store.migrate().await.expect("migrate again");
    for (kind, id) in ids {
        let stored = store.session(id).await.unwrap().expect("kept");
        assert_eq!(stored.kind, kind, "{id:?}");
        // The session-assurance migration went down and up with it: a session from before
        // it reads as signed in when it was created, by no recorded method.
        assert_eq!(stored.auth_time, stored.created_at, "{id:?}");
        assert!(stored.amr.is_empty(), "{id:?}");
    }
}

/// MySQL/MariaDB (issue 12, item 8): the columns that identify an account get a binary,
/// no-pad collation, so lookups and unique keys compare exactly what the flows normalized
/// instead of folding case and accents (`alícé@…` found `alice@…`); rolling the migration
/// back restores the table default. The conformance kit checks the lookups themselves.
#[tokio::test]
async fn mysql_account_lookup_columns_get_a_binary_collation() {
    let Some(db) = TestDb::mysql("mysql_account_lookup_columns_get_a_binary_collation").await
    else {
        return;
    };
    let collations = |store: SeaOrmStore| async move {
        let rows = store
            .connection()
            .query_all_raw(Statement::from_string(
                DbBackend::MySql,
                "SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME, '=', COLLATION_NAME) \
                 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() \
                 AND (TABLE_NAME, COLUMN_NAME) IN (('auth_users', 'email'), \
                 ('auth_users', 'username_key'), ('auth_identities', 'provider'), \
                 ('auth_identities', 'subject')) ORDER BY 1",
            ))
            .await
            .expect("column collations");
        rows.iter()
            .map(|row| row.try_get_by_index::<String>(0).unwrap())
            .collect::<Vec<_>>()
    };
    let migrated = collations(db.store.clone()).await;
    assert_eq!(migrated.len(), 4, "{migrated:?}");
    assert!(
        migrated
            .iter()
            .all(|column| column.ends_with("utf8mb4_nopad_bin")
                || column.ends_with("utf8mb4_0900_bin")),
        "{migrated:?}"
    );

    // The collation migration is the fourth: roll it back with the ones after it.
    let from_the_fourth =
        <u32 as TryFrom<usize>>::try_from(Migrator::migrations().len() - 3).expect("a few");
    Migrator::down(db.store.connection(), Some(from_the_fourth))
        .await
        .expect("roll back the collation migration");
    let rolled_back = collations(db.store.clone()).await;
    assert!(
        rolled_back.iter().all(|column| !column.contains("_bin")),
        "the table's default (folding) collation again: {rolled_back:?}"
    );
    db.store.migrate().await.expect("and forward again");
    assert_eq!(collations(db.store.clone()).await, migrated);
    db.drop_all().await;
}

/// The pending-logins migration on a database migrated before it: the table appears, and
/// rolling back only the last migration removes it and leaves the rest.
#[tokio::test]
async fn the_pending_logins_migration_upgrades_an_existing_database_and_rolls_back_alone() {
    let store = SeaOrmStore::connect("sqlite::memory:")
        .await
        .expect("connect");
    Migrator::up(store.connection(), Some(4))
        .await
        .expect("the first four migrations");
    let has_table = |store: SeaOrmStore| async move {
        !store
            .connection()
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name = 'auth_pending_logins'",
            ))
            .await
            .expect("tables")
            .is_empty()
    };
    assert!(!has_table(store.clone()).await);
    store.migrate().await.expect("the fifth on top");
    assert!(has_table(store.clone()).await);
    // The fifth and the ones after it.
    let from_the_fifth = Migrator::migrations().len() - 4;
    Migrator::down(
        store.connection(),
        Some(<u32 as TryFrom<usize>>::try_from(from_the_fifth).expect("a few")),
    )
    .await
    .expect("roll back the fifth");
    assert!(!has_table(store.clone()).await);
    let pending = Migrator::get_pending_migrations(store.connection())
        .await
        .expect("status");
    assert_eq!(
        pending.len(),
        from_the_fifth,
        "only the fifth and later were rolled back"
    );
}

/// The counters migration (issue 14) on a database migrated before it: `auth_counters`
/// appears, and rolling back only that migration removes it and leaves the rest.
#[tokio::test]
async fn the_counters_migration_upgrades_an_existing_database_and_rolls_back_alone() {
    let store = SeaOrmStore::connect("sqlite::memory:")
        .await
        .expect("connect");
    Migrator::up(store.connection(), Some(6))
        .await
        .expect("the first six migrations");
    let has_table = |store: SeaOrmStore| async move {
        !store
            .connection()
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'auth_counters'",
            ))
            .await
            .expect("tables")
            .is_empty()
    };
    assert!(!has_table(store.clone()).await);
    store.migrate().await.expect("the seventh on top");
    assert!(has_table(store.clone()).await);
    let from_the_seventh = Migrator::migrations().len() - 6;
    Migrator::down(
        store.connection(),
        Some(<u32 as TryFrom<usize>>::try_from(from_the_seventh).expect("a few")),
    )
    .await
    .expect("roll back the seventh");
    assert!(!has_table(store.clone()).await);
    assert!(
        !store
            .connection()
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT name FROM sqlite_master WHERE name = 'auth_pending_logins'",
            ))
            .await
            .expect("tables")
            .is_empty(),
        "the earlier migrations stay"
    );
}

/// The second-factor migration (issue 15) on a database migrated before it: `auth_totp` and
/// `auth_recovery_codes` appear, and rolling back only that migration removes both and leaves
/// the rest.
#[tokio::test]
async fn the_second_factors_migration_upgrades_an_existing_database_and_rolls_back_alone() {
    let store = SeaOrmStore::connect("sqlite::memory:")
        .await
        .expect("connect");
    Migrator::up(store.connection(), Some(7))
        .await
        .expect("the first seven migrations");
    let tables = |store: SeaOrmStore| async move {
        store
            .connection()
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name IN ('auth_totp', 'auth_recovery_codes', 'auth_counters') \
                 ORDER BY name",
            ))
            .await
            .expect("tables")
            .iter()
            .map(|row| row.try_get_by_index::<String>(0).expect("name"))
            .collect::<Vec<_>>()
    };
    assert_eq!(tables(store.clone()).await, ["auth_counters"]);
    store.migrate().await.expect("the eighth on top");
    assert_eq!(
        tables(store.clone()).await,
        ["auth_counters", "auth_recovery_codes", "auth_totp"]
    );
    let from_the_eighth = Migrator::migrations().len() - 7;
    Migrator::down(
        store.connection(),
        Some(<u32 as TryFrom<usize>>::try_from(from_the_eighth).expect("a few")),
    )
    .await
    .expect("roll back the eighth");
    assert_eq!(
        tables(store.clone()).await,
        ["auth_counters"],
        "the eighth's tables are gone, the earlier migrations' stay"
    );
}

/// The passkeys migration (issue 15) on a database migrated before it: `auth_ceremonies` and
/// `auth_passkeys` appear, and rolling back only that migration removes both and leaves the
/// rest.
#[tokio::test]
async fn the_passkeys_migration_upgrades_an_existing_database_and_rolls_back_alone() {
    let store = SeaOrmStore::connect("sqlite::memory:")
        .await
        .expect("connect");
    let index = Migrator::migrations()
        .iter()
        .position(|migration| migration.name().contains("passkeys"))
        .expect("the passkeys migration is listed");
    Migrator::up(
        store.connection(),
        Some(<u32 as TryFrom<usize>>::try_from(index).expect("a few")),
    )
    .await
    .expect("the migrations before it");
    let tables = |store: SeaOrmStore| async move {
        store
            .connection()
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name IN ('auth_ceremonies', 'auth_passkeys', 'auth_counters')",
            ))
            .await
            .expect("tables")
            .iter()
            .map(|row| row.try_get_by_index::<String>(0).unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        tables(store.clone()).await,
        vec!["auth_counters".to_owned()]
    );
    store
        .migrate()
        .await
        .expect("the passkeys migration on top");
    assert_eq!(tables(store.clone()).await.len(), 3);
    let from_it = Migrator::migrations().len() - index;
    Migrator::down(
        store.connection(),
        Some(<u32 as TryFrom<usize>>::try_from(from_it).expect("a few")),
    )
    .await
    .expect("roll back the passkeys migration and the ones after it");
    assert_eq!(
        tables(store.clone()).await,
        vec!["auth_counters".to_owned()],
        "the earlier migrations stay"
    );
}

/// A user's passkeys go with the account (the foreign key cascades), on SQLite.
#[tokio::test]
async fn deleting_a_user_deletes_their_passkeys() {
    use std::time::{Duration, SystemTime};

    use auth_core::store::{PasskeyRecord, PasskeyStore as _, User, UserId, UserStore as _};

    let db = TestDb::sqlite_memory().await;
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let user = User::new(UserId::generate().unwrap(), "kim@example.com", now);
    db.store.insert_user(&user).await.unwrap();
    let record = PasskeyRecord::new(vec![7; 32], user.id, "phone", "{}", now, true, true);
    db.store.add_passkey(&record).await.unwrap();
    assert!(db.store.delete_user(user.id).await.unwrap());
    assert_eq!(
        db.store.passkey_by_credential_id(&[7; 32]).await.unwrap(),
        None
    );
    db.drop_all().await;
}
