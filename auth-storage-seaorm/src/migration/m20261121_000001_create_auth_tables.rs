//! The first schema: every table the store traits need, with an index on every lookup column.

use sea_orm_migration::prelude::*;

/// Creates the `auth_*` tables.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// Lengths chosen so every indexed column fits MySQL/InnoDB's 3072-byte key limit in utf8mb4.
const ID: u32 = 36;
const EMAIL: u32 = 320;
const NAME: u32 = 255;
const HASH: u32 = 64;
const SHORT: u32 = 64;
const THROTTLE_KEY: u32 = 512;

// The trait spells `&SchemaManager` without its lifetime, and an impl must match it.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_users(manager).await?;
        create_identities(manager).await?;
        create_sessions(manager).await?;
        create_refresh_tokens(manager).await?;
        create_revoked_access_tokens(manager).await?;
        create_one_time_tokens(manager).await?;
        create_throttle_failures(manager).await?;
        create_audit_events(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children before parents, for the foreign keys.
        for table in [
            Alias::new("auth_audit_events"),
            Alias::new("auth_throttle_failures"),
            Alias::new("auth_one_time_tokens"),
            Alias::new("auth_revoked_access_tokens"),
            Alias::new("auth_refresh_tokens"),
            Alias::new("auth_sessions"),
            Alias::new("auth_identities"),
            Alias::new("auth_users"),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthUsers {
    Table,
    Id,
    Email,
    EmailVerified,
    Username,
    UsernameKey,
    DisplayName,
    AvatarUrl,
    Locale,
    PasswordHash,
    Active,
    Roles,
    Permissions,
    Plan,
    TenantId,
    CreatedAt,
    UpdatedAt,
    LastLoginAt,
    TokensValidAfter,
}

async fn create_users(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use AuthUsers::*;
    manager
        .create_table(
            sea_query::Table::create()
                .table(Table)
                .if_not_exists()
                .col(ColumnDef::new(Id).string_len(ID).not_null().primary_key())
                .col(ColumnDef::new(Email).string_len(EMAIL).not_null())
                .col(ColumnDef::new(EmailVerified).boolean().not_null())
                .col(ColumnDef::new(Username).string_len(NAME).null())
                .col(ColumnDef::new(UsernameKey).string_len(NAME).null())
                .col(ColumnDef::new(DisplayName).text().null())
                .col(ColumnDef::new(AvatarUrl).text().null())
                .col(ColumnDef::new(Locale).string_len(SHORT).null())
                .col(ColumnDef::new(PasswordHash).text().null())
                .col(ColumnDef::new(Active).boolean().not_null())
                .col(ColumnDef::new(Roles).text().not_null())
                .col(ColumnDef::new(Permissions).text().not_null())
                .col(ColumnDef::new(Plan).string_len(SHORT).null())
                .col(ColumnDef::new(TenantId).string_len(NAME).null())
                .col(ColumnDef::new(CreatedAt).big_integer().not_null())
                .col(ColumnDef::new(UpdatedAt).big_integer().not_null())
                .col(ColumnDef::new(LastLoginAt).big_integer().null())
                .col(ColumnDef::new(TokensValidAfter).big_integer().null())
                .to_owned(),
        )
        .await?;
    // Unique indexes carry the column name, so a conflict names the field on every backend.
    index(manager, Table, "auth_users_email_key", &[Email], true).await?;
    index(
        manager,
        Table,
        "auth_users_username_key",
        &[UsernameKey],
        true,
    )
    .await?;
    index(
        manager,
        Table,
        "auth_users_tenant_id_idx",
        &[TenantId],
        false,
    )
    .await
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthIdentities {
    Table,
    Provider,
    Subject,
    UserId,
    Email,
    EmailVerified,
    LinkedAt,
}

async fn create_identities(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use AuthIdentities::*;
    manager
        .create_table(
            sea_query::Table::create()
                .table(Table)
                .if_not_exists()
                .col(ColumnDef::new(Provider).string_len(SHORT).not_null())
                .col(ColumnDef::new(Subject).string_len(NAME).not_null())
                .col(ColumnDef::new(UserId).string_len(ID).not_null())
                .col(ColumnDef::new(Email).string_len(EMAIL).null())
                .col(ColumnDef::new(EmailVerified).boolean().not_null())
                .col(ColumnDef::new(LinkedAt).big_integer().not_null())
                .primary_key(Index::create().col(Provider).col(Subject))
                .foreign_key(&mut user_fk(Table, UserId))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        Table,
        "auth_identities_user_id_idx",
        &[UserId],
        false,
    )
    .await
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthSessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    IdleExpiresAt,
    Ip,
    UserAgent,
    DeviceName,
    RevokedAt,
    RevokeReason,
}

async fn create_sessions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use AuthSessions::*;
    manager
        .create_table(
            sea_query::Table::create()
                .table(Table)
                .if_not_exists()
                .col(ColumnDef::new(Id).string_len(ID).not_null().primary_key())
                .col(ColumnDef::new(UserId).string_len(ID).not_null())
                .col(ColumnDef::new(CreatedAt).big_integer().not_null())
                .col(ColumnDef::new(LastUsedAt).big_integer().not_null())
                .col(ColumnDef::new(ExpiresAt).big_integer().not_null())
                .col(ColumnDef::new(IdleExpiresAt).big_integer().not_null())
                .col(ColumnDef::new(Ip).text().null())
                .col(ColumnDef::new(UserAgent).text().null())
                .col(ColumnDef::new(DeviceName).text().null())
                .col(ColumnDef::new(RevokedAt).big_integer().null())
                .col(ColumnDef::new(RevokeReason).string_len(SHORT).null())
                .foreign_key(&mut user_fk(Table, UserId))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        Table,
        "auth_sessions_user_id_idx",
        &[UserId],
        false,
    )
    .await?;
    index(
        manager,
        Table,
        "auth_sessions_expires_at_idx",
        &[ExpiresAt],
        false,
    )
    .await
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthRefreshTokens {
    Table,
    Hash,
    SessionId,
    IssuedAt,
    RotatedAt,
    ExpiresAt,
}

async fn create_refresh_tokens(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use AuthRefreshTokens::*;
    manager
        .create_table(
            sea_query::Table::create()
                .table(Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(Hash)
                        .string_len(HASH)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(SessionId).string_len(ID).not_null())
                .col(ColumnDef::new(IssuedAt).big_integer().not_null())
                .col(ColumnDef::new(RotatedAt).big_integer().null())
                .col(ColumnDef::new(ExpiresAt).big_integer().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from(Table, SessionId)
                        .to(AuthSessions::Table, AuthSessions::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
    index(
        manager,
        Table,
        "auth_refresh_tokens_session_id_idx",
        &[SessionId],
        false,
    )
    .await?;
    index(
        manager,
        Table,
        "auth_refresh_tokens_expires_at_idx",
        &[ExpiresAt],
        false,
    )
    .await
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthRevokedAccessTokens {
    Table,
    Jti,
    ExpiresAt,
}

async fn create_revoked_access_tokens(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use AuthRevokedAccessTokens::*;
    manager
        .create_table(
            sea_query::Table::create()
                .table(Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(Jti)
                        .string_len(NAME)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(ExpiresAt).big_integer().not_null())
                .to_owned(),
        )
        .await?;
    index(
        manager,
        Table,
        "auth_revoked_access_tokens_expires_at_idx",
        &[ExpiresAt],
        false,
    )
    .await
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthOneTimeTokens {
    Table,
    Hash,
    Purpose,
    UserId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

async fn create_one_time_tokens(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use AuthOneTimeTokens::*;
    manager
        .create_table(
            sea_query::Table::create()
                .table(Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(Hash)
                        .string_len(HASH)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Purpose).string_len(SHORT).not_null())
                .col(ColumnDef::new(UserId).string_len(ID).not_null())
                .col(ColumnDef::new(CreatedAt).big_integer().not_null())
                .col(ColumnDef::new(ExpiresAt).big_integer().not_null())
                .col(ColumnDef::new(UsedAt).big_integer().null())
                .foreign_key(&mut user_fk(Table, UserId))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        Table,
        "auth_one_time_tokens_user_purpose_idx",
        &[UserId, Purpose],
        false,
    )
    .await?;
    index(
        manager,
        Table,
        "auth_one_time_tokens_expires_at_idx",
        &[ExpiresAt],
        false,
    )
    .await
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthThrottleFailures {
    Table,
    Id,
    Key,
    At,
}

async fn create_throttle_failures(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
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
    index(
        manager,
        Table,
        "auth_throttle_failures_key_at_idx",
        &[Key, At],
        false,
    )
    .await?;
    index(
        manager,
        Table,
        "auth_throttle_failures_at_idx",
        &[At],
        false,
    )
    .await
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthAuditEvents {
    Table,
    Id,
    Kind,
    UserId,
    SessionId,
    Ip,
    UserAgent,
    At,
    Success,
    Detail,
}

async fn create_audit_events(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use AuthAuditEvents::*;
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
                .col(ColumnDef::new(Kind).string_len(SHORT).not_null())
                .col(ColumnDef::new(UserId).string_len(ID).null())
                .col(ColumnDef::new(SessionId).string_len(ID).null())
                .col(ColumnDef::new(Ip).text().null())
                .col(ColumnDef::new(UserAgent).text().null())
                .col(ColumnDef::new(At).big_integer().not_null())
                .col(ColumnDef::new(Success).boolean().not_null())
                .col(ColumnDef::new(Detail).text().null())
                .to_owned(),
        )
        .await?;
    index(
        manager,
        Table,
        "auth_audit_events_user_at_idx",
        &[UserId, At],
        false,
    )
    .await
}

/// `column` references `auth_users.id`; deleting a user deletes what hangs off it.
fn user_fk(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(AuthUsers::Table, AuthUsers::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn index<T, C>(
    manager: &SchemaManager<'_>,
    table: T,
    name: &str,
    columns: &[C],
    unique: bool,
) -> Result<(), DbErr>
where
    T: IntoIden,
    C: IntoIden + Copy,
{
    let mut index = Index::create();
    index.name(name).table(table).if_not_exists();
    for column in columns {
        index.col(*column);
    }
    if unique {
        index.unique();
    }
    manager.create_index(index.to_owned()).await
}
