//! The fifth schema change: `auth_pending_logins`, so a social login started on one instance
//! can complete on another (see [`PendingLoginStore`](auth_core::store::PendingLoginStore)).

use sea_orm_migration::prelude::*;

/// Creates `auth_pending_logins`, keyed by the SHA-256 of the login's `state`, with an index
/// on the expiry for the purge.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// 64 hex digits of a SHA-256.
const HASH: u32 = 64;
/// As `auth_identities.provider`.
const PROVIDER: u32 = 64;
/// RFC 7636 §4.1: a verifier is 43 to 128 characters; nonces are ours (43) or a custom
/// flow's, given room to spare.
const SECRET: u32 = 255;

#[derive(DeriveIden, Clone, Copy)]
enum AuthPendingLogins {
    Table,
    StateHash,
    Provider,
    PkceVerifier,
    Nonce,
    BrowserBinding,
    ExpiresAt,
}

// The trait spells `&SchemaManager` without its lifetime, and an impl must match it.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use AuthPendingLogins::*;
        manager
            .create_table(
                sea_query::Table::create()
                    .table(Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(StateHash)
                            .string_len(HASH)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Provider).string_len(PROVIDER).not_null())
                    .col(ColumnDef::new(PkceVerifier).string_len(SECRET).not_null())
                    .col(ColumnDef::new(Nonce).string_len(SECRET).null())
                    .col(ColumnDef::new(BrowserBinding).string_len(HASH).not_null())
                    .col(ColumnDef::new(ExpiresAt).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("auth_pending_logins_expires_at_idx")
                    .table(Table)
                    .col(ExpiresAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(AuthPendingLogins::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
