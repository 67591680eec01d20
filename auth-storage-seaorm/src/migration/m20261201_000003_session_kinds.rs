//! The third schema change: every session records its kind (see
//! [`SessionKind`](auth_core::store::SessionKind)), so that a credential of one kind is never
//! accepted as another.

use sea_orm_migration::prelude::*;

/// Adds `auth_sessions.kind`. Existing sessions that back an OAuth grant become
/// `oauth_grant`; every other existing session becomes `first_party` — including the
/// authorization server's existing browser sign-ins, which were not told apart before: they
/// stop working as sign-ins (the user signs in again), which fails closed.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// Longest [`SessionKind::as_str`](auth_core::store::SessionKind::as_str), with room to spare.
const KIND: u32 = 32;

#[derive(DeriveIden, Clone, Copy)]
enum AuthSessions {
    Table,
    Id,
    Kind,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthOauthGrants {
    Table,
    SessionId,
}

// The trait spells `&SchemaManager` without its lifetime, and an impl must match it.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuthSessions::Table)
                    .add_column(
                        ColumnDef::new(AuthSessions::Kind)
                            .string_len(KIND)
                            .not_null()
                            .default("first_party"),
                    )
                    .to_owned(),
            )
            .await?;
        let grant_sessions = Query::select()
            .column(AuthOauthGrants::SessionId)
            .from(AuthOauthGrants::Table)
            .to_owned();
        manager
            .exec_stmt(
                Query::update()
                    .table(AuthSessions::Table)
                    .value(AuthSessions::Kind, "oauth_grant")
                    .and_where(Expr::col(AuthSessions::Id).in_subquery(grant_sessions))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuthSessions::Table)
                    .drop_column(AuthSessions::Kind)
                    .to_owned(),
            )
            .await
    }
}
