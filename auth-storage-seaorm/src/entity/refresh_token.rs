//! `auth_refresh_tokens`: every refresh token a session has had, by hash.

use sea_orm::entity::prelude::*;

/// One refresh token. See [`auth_core::store::RefreshTokenRecord`].
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_refresh_tokens")]
pub struct Model {
    /// SHA-256 of the token, 64 hex digits.
    #[sea_orm(primary_key, auto_increment = false)]
    pub hash: String,
    /// The session (token family) it belongs to.
    pub session_id: String,
    /// Issued at (µs since the epoch).
    pub issued_at: i64,
    /// When it was exchanged for its successor (µs since the epoch); set once.
    pub rotated_at: Option<i64>,
    /// Expiry (µs since the epoch).
    pub expires_at: i64,
}

/// No relations are declared; the foreign keys live in the migration.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
