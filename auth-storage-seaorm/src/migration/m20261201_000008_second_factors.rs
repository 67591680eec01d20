//! The eighth schema change: second factors (see
//! [`SecondFactorStore`](auth_core::store::SecondFactorStore)).
//!
//! * `auth_totp`: one row per user — the TOTP secret encrypted by auth-core's `mfa` module
//!   (never in clear), when the enrolment was confirmed, and the last time step accepted.
//! * `auth_recovery_codes`: the SHA-256 of each recovery code (never the code), keyed by
//!   `(user_id, hash)`, with the time it was used.
//!
//! Both reference `auth_users.id` with `ON DELETE CASCADE`, like every per-user table:
//! deleting an account deletes its second factors in the same statement.

use sea_orm_migration::prelude::*;

/// Creates `auth_totp` and `auth_recovery_codes`.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// A hyphenated UUID, as `auth_users.id`.
const ID: u32 = 36;
/// 64 hex digits of a SHA-256.
const HASH: u32 = 64;

#[derive(DeriveIden, Clone, Copy)]
enum AuthUsers {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthTotp {
    Table,
    UserId,
    EncryptedSecret,
    ConfirmedAt,
    LastUsedStep,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthRecoveryCodes {
    Table,
    UserId,
    Hash,
    CreatedAt,
    UsedAt,
}

/// `column` references `auth_users.id`; deleting a user deletes the row.
fn user_fk(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(AuthUsers::Table, AuthUsers::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

// The trait spells `&SchemaManager` without its lifetime, and an impl must match it.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                sea_query::Table::create()
                    .table(AuthTotp::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(AuthTotp::UserId)
                            .string_len(ID)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AuthTotp::EncryptedSecret).blob().not_null())
                    .col(ColumnDef::new(AuthTotp::ConfirmedAt).big_integer().null())
                    .col(ColumnDef::new(AuthTotp::LastUsedStep).big_integer().null())
                    .col(ColumnDef::new(AuthTotp::CreatedAt).big_integer().not_null())
                    .foreign_key(&mut user_fk(AuthTotp::Table, AuthTotp::UserId))
                    .to_owned(),
            )
            .await?;
        // The primary key `(user_id, hash)` serves every lookup: by user (its prefix) and by
        // user and code.
        manager
            .create_table(
                sea_query::Table::create()
                    .table(AuthRecoveryCodes::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(AuthRecoveryCodes::UserId)
                            .string_len(ID)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuthRecoveryCodes::Hash)
                            .string_len(HASH)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuthRecoveryCodes::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AuthRecoveryCodes::UsedAt)
                            .big_integer()
                            .null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(AuthRecoveryCodes::UserId)
                            .col(AuthRecoveryCodes::Hash),
                    )
                    .foreign_key(&mut user_fk(
                        AuthRecoveryCodes::Table,
                        AuthRecoveryCodes::UserId,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(AuthRecoveryCodes::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(AuthTotp::Table).if_exists().to_owned())
            .await
    }
}
