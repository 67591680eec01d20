//! The ninth schema change: `auth_ceremonies` (passkey and second-factor ceremonies between
//! start and finish, see [`CeremonyStore`](auth_core::store::CeremonyStore)) and
//! `auth_passkeys` (see [`PasskeyStore`](auth_core::store::PasskeyStore)).

use sea_orm_migration::prelude::*;

/// Creates `auth_ceremonies`, keyed by the SHA-256 of the ceremony token with an index on the
/// expiry for the purge, and `auth_passkeys`, keyed by the SHA-256 of the credential id, with
/// a foreign key to the owner (deleted with the account) and an index on it.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// 64 hex digits of a SHA-256.
const HASH: u32 = 64;
/// A hyphenated UUID.
const ID: u32 = 36;
/// The longest purpose name, with room to spare.
const PURPOSE: u32 = 32;
/// The longest passkey name (auth-core's passkey module refuses longer ones first).
pub(crate) const PASSKEY_NAME: u32 = 255;

#[derive(DeriveIden, Clone, Copy)]
enum AuthCeremonies {
    Table,
    IdHash,
    Purpose,
    UserId,
    State,
    ExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthPasskeys {
    Table,
    CredentialKey,
    CredentialId,
    UserId,
    Name,
    Passkey,
    CreatedAt,
    LastUsedAt,
    BackupEligible,
    BackupState,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthUsers {
    Table,
    Id,
}

// The trait spells `&SchemaManager` without its lifetime, and an impl must match it.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        {
            use AuthCeremonies::*;
            manager
                .create_table(
                    sea_query::Table::create()
                        .table(Table)
                        .if_not_exists()
                        .col(
                            ColumnDef::new(IdHash)
                                .string_len(HASH)
                                .not_null()
                                .primary_key(),
                        )
                        .col(ColumnDef::new(Purpose).string_len(PURPOSE).not_null())
                        .col(ColumnDef::new(UserId).string_len(ID).null())
                        .col(ColumnDef::new(State).text().not_null())
                        .col(ColumnDef::new(ExpiresAt).big_integer().not_null())
                        .to_owned(),
                )
                .await?;
            manager
                .create_index(
                    Index::create()
                        .name("auth_ceremonies_expires_at_idx")
                        .table(Table)
                        .col(ExpiresAt)
                        .if_not_exists()
                        .to_owned(),
                )
                .await?;
        }
        use AuthPasskeys::*;
        manager
            .create_table(
                sea_query::Table::create()
                    .table(Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(CredentialKey)
                            .string_len(HASH)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(CredentialId).text().not_null())
                    .col(ColumnDef::new(UserId).string_len(ID).not_null())
                    .col(ColumnDef::new(Name).string_len(PASSKEY_NAME).not_null())
                    .col(ColumnDef::new(Passkey).text().not_null())
                    .col(ColumnDef::new(CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(LastUsedAt).big_integer().null())
                    .col(ColumnDef::new(BackupEligible).boolean().not_null())
                    .col(ColumnDef::new(BackupState).boolean().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Table, UserId)
                            .to(AuthUsers::Table, AuthUsers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("auth_passkeys_user_id_idx")
                    .table(Table)
                    .col(UserId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(AuthPasskeys::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(AuthCeremonies::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
