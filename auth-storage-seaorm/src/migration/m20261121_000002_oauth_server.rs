//! The second schema: the OAuth authorization server's clients, authorization codes, consents
//! and grants.

use sea_orm_migration::prelude::*;

/// Creates the `auth_oauth_*` and `auth_authorization_codes` tables.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

// As in the first migration: every indexed column fits MySQL/InnoDB's key limit in utf8mb4.
const ID: u32 = 36;
const CLIENT_ID: u32 = 128;
const HASH: u32 = 64;
const SHORT: u32 = 64;
const NAME: u32 = 255;

// The trait spells `&SchemaManager` without its lifetime, and an impl must match it.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_clients(manager).await?;
        create_codes(manager).await?;
        create_consents(manager).await?;
        create_grants(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Children before parents, for the foreign keys.
        for table in [
            Alias::new("auth_oauth_grants"),
            Alias::new("auth_oauth_consents"),
            Alias::new("auth_authorization_codes"),
            Alias::new("auth_oauth_clients"),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Tables of the first migration this one points at.
#[derive(DeriveIden, Clone, Copy)]
enum AuthUsers {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthSessions {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthOauthClients {
    Table,
    ClientId,
    SecretHash,
    ClientType,
    Name,
    RedirectUris,
    AllowedScopes,
    GrantTypes,
    FirstParty,
    CreatedAt,
}

async fn create_clients(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use AuthOauthClients::*;
    manager
        .create_table(
            sea_query::Table::create()
                .table(Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(ClientId)
                        .string_len(CLIENT_ID)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(SecretHash).string_len(HASH).null())
                .col(ColumnDef::new(ClientType).string_len(SHORT).not_null())
                .col(ColumnDef::new(Name).string_len(NAME).not_null())
                .col(ColumnDef::new(RedirectUris).text().not_null())
                .col(ColumnDef::new(AllowedScopes).text().not_null())
                .col(ColumnDef::new(GrantTypes).text().not_null())
                .col(ColumnDef::new(FirstParty).boolean().not_null())
                .col(ColumnDef::new(CreatedAt).big_integer().not_null())
                .to_owned(),
        )
        .await
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthAuthorizationCodes {
    Table,
    Hash,
    ClientId,
    UserId,
    RedirectUri,
    Scope,
    CodeChallenge,
    Nonce,
    AuthTime,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    SessionId,
    ReplayedAt,
}

async fn create_codes(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use AuthAuthorizationCodes::*;
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
                .col(ColumnDef::new(ClientId).string_len(CLIENT_ID).not_null())
                .col(ColumnDef::new(UserId).string_len(ID).not_null())
                .col(ColumnDef::new(RedirectUri).text().not_null())
                .col(ColumnDef::new(Scope).text().not_null())
                .col(ColumnDef::new(CodeChallenge).string_len(SHORT).not_null())
                .col(ColumnDef::new(Nonce).text().null())
                .col(ColumnDef::new(AuthTime).big_integer().not_null())
                .col(ColumnDef::new(CreatedAt).big_integer().not_null())
                .col(ColumnDef::new(ExpiresAt).big_integer().not_null())
                .col(ColumnDef::new(UsedAt).big_integer().null())
                .col(ColumnDef::new(SessionId).string_len(ID).null())
                .col(ColumnDef::new(ReplayedAt).big_integer().null())
                .foreign_key(&mut client_fk(Table, ClientId))
                .foreign_key(&mut user_fk(Table, UserId))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        Table,
        "auth_authorization_codes_expires_at_idx",
        &[ExpiresAt],
    )
    .await?;
    index(
        manager,
        Table,
        "auth_authorization_codes_client_id_idx",
        &[ClientId],
    )
    .await?;
    index(
        manager,
        Table,
        "auth_authorization_codes_user_id_idx",
        &[UserId],
    )
    .await
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthOauthConsents {
    Table,
    UserId,
    ClientId,
    Scope,
    GrantedAt,
}

async fn create_consents(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use AuthOauthConsents::*;
    manager
        .create_table(
            sea_query::Table::create()
                .table(Table)
                .if_not_exists()
                .col(ColumnDef::new(UserId).string_len(ID).not_null())
                .col(ColumnDef::new(ClientId).string_len(CLIENT_ID).not_null())
                .col(ColumnDef::new(Scope).text().not_null())
                .col(ColumnDef::new(GrantedAt).big_integer().not_null())
                .primary_key(Index::create().col(UserId).col(ClientId))
                .foreign_key(&mut user_fk(Table, UserId))
                .foreign_key(&mut client_fk(Table, ClientId))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        Table,
        "auth_oauth_consents_client_id_idx",
        &[ClientId],
    )
    .await
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthOauthGrants {
    Table,
    SessionId,
    ClientId,
    UserId,
    Scope,
    AuthTime,
    CreatedAt,
    ExpiresAt,
}

async fn create_grants(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use AuthOauthGrants::*;
    manager
        .create_table(
            sea_query::Table::create()
                .table(Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(SessionId)
                        .string_len(ID)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(ClientId).string_len(CLIENT_ID).not_null())
                .col(ColumnDef::new(UserId).string_len(ID).not_null())
                .col(ColumnDef::new(Scope).text().not_null())
                .col(ColumnDef::new(AuthTime).big_integer().not_null())
                .col(ColumnDef::new(CreatedAt).big_integer().not_null())
                .col(ColumnDef::new(ExpiresAt).big_integer().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .from(Table, SessionId)
                        .to(AuthSessions::Table, AuthSessions::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(&mut client_fk(Table, ClientId))
                .foreign_key(&mut user_fk(Table, UserId))
                .to_owned(),
        )
        .await?;
    index(
        manager,
        Table,
        "auth_oauth_grants_expires_at_idx",
        &[ExpiresAt],
    )
    .await?;
    index(
        manager,
        Table,
        "auth_oauth_grants_client_id_idx",
        &[ClientId],
    )
    .await?;
    index(manager, Table, "auth_oauth_grants_user_id_idx", &[UserId]).await
}

/// `column` references `auth_users.id`; deleting a user deletes what hangs off it.
fn user_fk(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(AuthUsers::Table, AuthUsers::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

/// `column` references `auth_oauth_clients.client_id`; deleting a client deletes its codes,
/// consents and grants.
fn client_fk(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(AuthOauthClients::Table, AuthOauthClients::ClientId)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn index<T, C>(
    manager: &SchemaManager<'_>,
    table: T,
    name: &str,
    columns: &[C],
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
    manager.create_index(index.to_owned()).await
}
