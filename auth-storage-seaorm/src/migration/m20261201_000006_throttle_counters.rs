//! Throttling that counts before it checks: `auth_throttle_counters` replaces
//! `auth_throttle_failures`.
//!
//! The old table held one row per failure, written *after* the password check, so
//! concurrent guesses all read a count under the limit (issue 14). The new one holds one row
//! per key — `(key, opened_at, attempts)` — that a single conditional `UPDATE` reserves an
//! attempt on before the check. Throttle counts are short-lived, so `up` drops the old
//! table's rows instead of converting them; `down` recreates the old (empty) table.

use sea_orm_migration::prelude::*;

/// Creates `auth_throttle_counters` and drops `auth_throttle_failures`.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Longest throttle key, as in the first migration.
const THROTTLE_KEY: u32 = 512;

#[derive(DeriveIden, Clone, Copy)]
enum AuthThrottleCounters {
    Table,
    Key,
    OpenedAt,
    Attempts,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthThrottleFailures {
    Table,
    Id,
    Key,
    At,
}

// The trait spells `&SchemaManager` without its lifetime, and an impl must match it.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use AuthThrottleCounters::*;
        manager
            .create_table(
                sea_query::Table::create()
                    .table(Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Key)
                            .string_len(THROTTLE_KEY)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(OpenedAt).big_integer().not_null())
                    .col(ColumnDef::new(Attempts).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("auth_throttle_counters_opened_at_idx")
                    .table(Table)
                    .col(OpenedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(
                sea_query::Table::drop()
                    .table(AuthThrottleFailures::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use AuthThrottleFailures::*;
        manager
            .create_table(
                sea_query::Table::create()
                    .table(Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Key).string_len(THROTTLE_KEY).not_null())
                    .col(ColumnDef::new(At).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            ("auth_throttle_failures_key_at_idx", &[Key, At][..]),
            ("auth_throttle_failures_at_idx", &[At][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Table);
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .drop_table(
                sea_query::Table::drop()
                    .table(AuthThrottleCounters::Table)
                    .to_owned(),
            )
            .await
    }
}
