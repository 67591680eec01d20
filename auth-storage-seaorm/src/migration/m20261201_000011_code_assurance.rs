//! The eleventh schema change: an authorization code records how the user signed in (`amr`,
//! `acr`), so the id_token and the access tokens of its grant carry them.

use sea_orm_migration::prelude::*;

/// Adds `auth_authorization_codes.amr` (space-separated RFC 8176 names, empty when unknown)
/// and `acr`. Codes live ten minutes at most: those issued before this migration simply say
/// nothing about the methods.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Longest `amr` list kept (space-separated short names) and `acr` value.
const AMR: u32 = 255;
const ACR: u32 = 255;

#[derive(DeriveIden, Clone, Copy)]
enum AuthAuthorizationCodes {
    Table,
    Amr,
    Acr,
}

// The trait spells `&SchemaManager` without its lifetime, and an impl must match it.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            ColumnDef::new(AuthAuthorizationCodes::Amr)
                .string_len(AMR)
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(AuthAuthorizationCodes::Acr)
                .string_len(ACR)
                .null()
                .to_owned(),
        ];
        super::add_columns(manager, AuthAuthorizationCodes::Table, columns).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [AuthAuthorizationCodes::Acr, AuthAuthorizationCodes::Amr];
        super::drop_columns(manager, AuthAuthorizationCodes::Table, columns).await
    }
}
