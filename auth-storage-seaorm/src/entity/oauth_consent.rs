//! `auth_oauth_consents`: what each user allowed each client.

use sea_orm::entity::prelude::*;

/// One consent. See [`auth_core::store::Consent`].
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_oauth_consents")]
pub struct Model {
    /// The user.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    /// The client.
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_id: String,
    /// The scopes consented to, space-separated.
    pub scope: String,
    /// Granted at (µs since the epoch).
    pub granted_at: i64,
}

/// No relations are declared; the foreign keys live in the migration.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
