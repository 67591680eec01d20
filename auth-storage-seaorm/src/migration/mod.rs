//! The schema, as sea-orm-migration migrations.
//!
//! Run them with [`SeaOrmStore::migrate`](crate::SeaOrmStore::migrate), or with
//! [`Migrator`] from your own migration runner. The applied versions are recorded in their
//! own table, `auth_seaql_migrations`, not in sea-orm's default `seaql_migrations`: a host
//! that runs its own `Migrator` on the same database never sees our versions as "applied but
//! missing" (which sea-orm-migration treats as an error), and we never see theirs.

use sea_orm_migration::prelude::*;

mod m20261121_000001_create_auth_tables;
mod m20261121_000002_oauth_server;
mod m20261201_000003_session_kinds;
mod m20261201_000004_exact_match_lookups;
mod m20261201_000005_pending_logins;
mod m20261201_000006_throttle_counters;
mod m20261201_000007_counters;
mod m20261201_000008_second_factors;
mod m20261201_000009_passkeys;
mod m20261201_000010_session_assurance;
mod m20261201_000011_code_assurance;

pub(crate) use m20261201_000007_counters::COUNTER_KEY;
pub(crate) use m20261201_000009_passkeys::PASSKEY_NAME;

/// Every migration of this crate, oldest first.
///
/// ```no_run
/// # async fn run(db: &sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
/// use auth_storage_seaorm::Migrator;
/// use sea_orm_migration::MigratorTrait;
///
/// Migrator::up(db, None).await?; // what `SeaOrmStore::migrate` does
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_auth_tables::Migration),
            Box::new(m20261121_000002_oauth_server::Migration),
            Box::new(m20261201_000003_session_kinds::Migration),
            Box::new(m20261201_000004_exact_match_lookups::Migration),
            Box::new(m20261201_000005_pending_logins::Migration),
            Box::new(m20261201_000006_throttle_counters::Migration),
            Box::new(m20261201_000007_counters::Migration),
            Box::new(m20261201_000008_second_factors::Migration),
            Box::new(m20261201_000009_passkeys::Migration),
            Box::new(m20261201_000010_session_assurance::Migration),
            Box::new(m20261201_000011_code_assurance::Migration),
        ]
    }

    fn migration_table_name() -> DynIden {
        "auth_seaql_migrations".into_iden()
    }
}

/// Adds `columns` to `table`, one `ALTER` each (SQLite takes only one change per statement).
async fn add_columns(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + Copy,
    columns: impl IntoIterator<Item = ColumnDef>,
) -> Result<(), DbErr> {
    for mut column in columns {
        manager
            .alter_table(
                Table::alter()
                    .table(table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}

/// Drops `columns` from `table`, one `ALTER` each.
async fn drop_columns<C: IntoIden>(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + Copy,
    columns: impl IntoIterator<Item = C>,
) -> Result<(), DbErr> {
    for column in columns {
        manager
            .alter_table(Table::alter().table(table).drop_column(column).to_owned())
            .await?;
    }
    Ok(())
}
