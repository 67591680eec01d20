//! `auth_recovery_codes`: users' single-use recovery codes, by hash.

use sea_orm::entity::prelude::*;

/// One recovery code of one user. See
/// [`SecondFactorStore`](auth_core::store::SecondFactorStore).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_recovery_codes")]
pub struct Model {
    /// Whose it is.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    /// SHA-256 of the normalized code, 64 hex digits: the code itself is never stored.
    #[sea_orm(primary_key, auto_increment = false)]
    pub hash: String,
    /// When it was stored (µs since the epoch).
    pub created_at: i64,
    /// When it was used (µs since the epoch); `NULL` while it still works.
    pub used_at: Option<i64>,
}

/// No relations are declared; the foreign key lives in the migration.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
