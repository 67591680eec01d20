//! `auth_oauth_grants`: the client and scope behind each session an authorization code
//! started.

use sea_orm::entity::prelude::*;

/// One grant. See [`auth_core::store::OAuthGrant`].
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_oauth_grants")]
pub struct Model {
    /// The session (refresh-token family).
    #[sea_orm(primary_key, auto_increment = false)]
    pub session_id: String,
    /// The client holding its refresh tokens.
    pub client_id: String,
    /// The user.
    pub user_id: String,
    /// The scope granted, space-separated.
    pub scope: String,
    /// When the user authenticated (µs since the epoch).
    pub auth_time: i64,
    /// Created at (µs since the epoch).
    pub created_at: i64,
    /// Purgeable after (µs since the epoch).
    pub expires_at: i64,
}

/// No relations are declared; the foreign keys live in the migration.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
