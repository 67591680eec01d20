//! `auth_revoked_access_tokens`: the `jti` denylist.

use sea_orm::entity::prelude::*;

/// One revoked access token. See [`auth_core::store::RevokedAccessToken`].
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_revoked_access_tokens")]
pub struct Model {
    /// The token's `jti`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub jti: String,
    /// The token's own expiry (µs since the epoch); the row can go after it.
    pub expires_at: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
