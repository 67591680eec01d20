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
        1
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
        "auth_throttle_failures_key_at_idx",
        "auth_throttle_failures_at_idx",
        "auth_audit_events_user_at_idx",
    ] {
        assert!(
            names.iter().any(|name| name == expected),
            "missing index {expected}: {names:?}"
        );
    }
    // Token hashes, (provider, subject) and the jti are primary keys, indexed by definition.
    db.drop_all().await;
}
