//! The seventh schema change: `auth_counters`, the rate-limit and quota counters of
//! [`CounterStore`](auth_core::store::CounterStore) — `(key, used, expires_at)`, one row per
//! counter, with an index on the expiry for the purge.
//!
//! On MySQL/MariaDB the key gets the binary collation of the fourth migration: the default
//! collations fold case, accents and trailing spaces, so `client:Abc` and `client:abc` (or
//! two users' ids that differ only in case) would share one counter and one user would spend
//! another's quota. PostgreSQL and SQLite compare bytes already.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use super::m20261201_000004_exact_match_lookups::binary_collation;

/// Creates `auth_counters`.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Longest counter key, as the throttle keys. The store refuses longer keys before any SQL:
/// MySQL's `INSERT IGNORE` would otherwise truncate one into another counter's key.
pub(crate) const COUNTER_KEY: u32 = 512;

#[derive(DeriveIden, Clone, Copy)]
enum AuthCounters {
    Table,
    Key,
    Used,
    ExpiresAt,
}

// The trait spells `&SchemaManager` without its lifetime, and an impl must match it.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use AuthCounters::*;
        manager
            .create_table(
                sea_query::Table::create()
                    .table(Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Key)
                            .string_len(COUNTER_KEY)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Used).big_integer().not_null())
                    .col(ColumnDef::new(ExpiresAt).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("auth_counters_expires_at_idx")
                    .table(Table)
                    .col(ExpiresAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::MySql {
            // The table is new and empty: restating the key column is instant. Identifiers
            // and the collation name are constants.
            let collation = binary_collation(manager).await?;
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "ALTER TABLE `auth_counters` MODIFY `key` VARCHAR({COUNTER_KEY}) \
                     CHARACTER SET utf8mb4 COLLATE {collation} NOT NULL"
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(AuthCounters::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
