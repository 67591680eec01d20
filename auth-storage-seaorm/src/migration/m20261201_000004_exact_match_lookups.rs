//! Exact-match lookups on MySQL/MariaDB: a binary collation on the columns that identify an
//! account.
//!
//! MySQL and MariaDB compare strings with the column's collation, and the default ones
//! (`utf8mb4_general_ci`, `utf8mb4_0900_ai_ci`, `utf8mb4_uca1400_ai_ci`) ignore letter case,
//! accents and trailing spaces. A lookup of `alícé@example.com` found `alice@example.com`,
//! so a provider's verified look-alike address linked to someone else's account; and the
//! unique indexes refused `zoë` because `zoe` existed. The flows normalize emails and
//! usernames in one place (auth-core's `normalize_email` and `username_key`) and the stores
//! must compare exactly what they normalized, so this migration gives `auth_users.email`,
//! `auth_users.username_key`, `auth_identities.provider` and `auth_identities.subject` a
//! binary, no-pad collation.
//!
//! PostgreSQL and SQLite need nothing: with their default (deterministic, `BINARY`)
//! collations `=` is already byte-exact, which auth-core's conformance kit checks on every
//! backend. There this migration does nothing.
//!
//! The collation is the first of [`COLLATIONS`] the server has: `utf8mb4_0900_bin`
//! (MySQL 8) or `utf8mb4_nopad_bin` (MariaDB) compare trailing spaces too; `utf8mb4_bin`
//! (older servers) is still case- and accent-exact but pads. Going from a folding collation
//! to a binary one never breaks a unique index (binary is finer), so `up` cannot fail on
//! existing data. `down` restores the table's default collation and fails if, meanwhile,
//! two rows came to differ only in case or accents.
//!
//! On MySQL/MariaDB the `ALTER TABLE` rebuilds both tables; on a large table run it in a
//! maintenance window.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

/// Gives the account lookup columns a binary collation on MySQL/MariaDB.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Binary collations, best first; the first the server knows is used.
const COLLATIONS: [&str; 3] = ["utf8mb4_0900_bin", "utf8mb4_nopad_bin", "utf8mb4_bin"];

/// The columns, as the first migration created them (a `MODIFY` restates the whole column).
/// Identifiers and types are constants: nothing from outside reaches these statements.
const COLUMNS: [Column; 4] = [
    Column("auth_users", "email", "VARCHAR(320)", "NOT NULL"),
    Column("auth_users", "username_key", "VARCHAR(255)", "NULL"),
    Column("auth_identities", "provider", "VARCHAR(64)", "NOT NULL"),
    Column("auth_identities", "subject", "VARCHAR(255)", "NOT NULL"),
];

/// Table, column, type and nullability of one column to restate.
struct Column(&'static str, &'static str, &'static str, &'static str);

// The trait spells `&SchemaManager` without its lifetime, and an impl must match it.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::MySql {
            return Ok(());
        }
        let collation = binary_collation(manager).await?;
        alter(
            manager,
            &format!(" CHARACTER SET utf8mb4 COLLATE {collation}"),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::MySql {
            return Ok(());
        }
        // No character set or collation: the column takes the table's defaults again.
        alter(manager, "").await
    }
}

/// The best of [`COLLATIONS`] the server supports (later migrations give their own exact-match
/// columns the same one).
pub(super) async fn binary_collation(manager: &SchemaManager<'_>) -> Result<&'static str, DbErr> {
    let rows = manager
        .get_connection()
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::MySql,
            "SELECT COLLATION_NAME FROM information_schema.COLLATIONS \
             WHERE COLLATION_NAME IN (?, ?, ?)",
            COLLATIONS.map(Into::into),
        ))
        .await?;
    let known = rows
        .iter()
        .map(|row| row.try_get_by_index::<String>(0))
        .collect::<Result<Vec<_>, _>>()?;
    COLLATIONS
        .into_iter()
        .find(|collation| known.iter().any(|name| name == collation))
        .ok_or_else(|| DbErr::Migration("the server has no utf8mb4 binary collation".to_owned()))
}

/// Restates every column of [`COLUMNS`] with `collate` (empty: the table default), one
/// `ALTER TABLE` per table.
async fn alter(manager: &SchemaManager<'_>, collate: &str) -> Result<(), DbErr> {
    for table in ["auth_users", "auth_identities"] {
        let changes = COLUMNS
            .iter()
            .filter(|Column(of, ..)| *of == table)
            .map(|Column(_, column, kind, nullability)| {
                format!("MODIFY `{column}` {kind}{collate} {nullability}")
            })
            .collect::<Vec<_>>()
            .join(", ");
        manager
            .get_connection()
            .execute_unprepared(&format!("ALTER TABLE `{table}` {changes}"))
            .await?;
    }
    Ok(())
}
