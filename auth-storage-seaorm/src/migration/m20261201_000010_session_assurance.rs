//! The tenth schema change: every session records how and when its user authenticated
//! (`auth_time`, `amr`, `acr`), so access tokens carry them and a refresh keeps them.

use sea_orm_migration::prelude::*;

/// Adds `auth_sessions.auth_time` (µs since the epoch; `NULL` in sessions from before this
/// migration, read as their `created_at`: they were signed in then), `amr` (space-separated
/// RFC 8176 names, empty when unknown) and `acr`.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Longest `amr` list kept (space-separated short names) and `acr` value.
const AMR: u32 = 255;
const ACR: u32 = 255;

#[derive(DeriveIden, Clone, Copy)]
enum AuthSessions {
    Table,
    AuthTime,
    Amr,
    Acr,
}

// The trait spells `&SchemaManager` without its lifetime, and an impl must match it.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            ColumnDef::new(AuthSessions::AuthTime)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(AuthSessions::Amr)
                .string_len(AMR)
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(AuthSessions::Acr)
                .string_len(ACR)
                .null()
                .to_owned(),
        ];
        super::add_columns(manager, AuthSessions::Table, columns).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [AuthSessions::Acr, AuthSessions::Amr, AuthSessions::AuthTime];
        super::drop_columns(manager, AuthSessions::Table, columns).await
    }
}
