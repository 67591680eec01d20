//! `auth_one_time_tokens`: password-reset, email-verification and login codes, by hash.

use sea_orm::entity::prelude::*;

/// One single-use token. See [`auth_core::store::OneTimeToken`].
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_one_time_tokens")]
pub struct Model {
    /// SHA-256 of the token, 64 hex digits.
    #[sea_orm(primary_key, auto_increment = false)]
    pub hash: String,
    /// What it is for ([`auth_core::store::OneTimePurpose::as_str`]).
    pub purpose: String,
    /// Whose it is.
    pub user_id: String,
    /// Created at (µs since the epoch).
    pub created_at: i64,
    /// Expiry (µs since the epoch).
    pub expires_at: i64,
    /// Used (or voided) at (µs since the epoch).
    pub used_at: Option<i64>,
}

/// No relations are declared; the foreign keys live in the migration.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
