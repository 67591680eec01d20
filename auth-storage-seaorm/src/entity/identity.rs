//! `auth_identities`: provider identities linked to accounts.

use sea_orm::entity::prelude::*;

/// One `(provider, subject)` link. See [`auth_core::store::ProviderIdentity`].
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_identities")]
pub struct Model {
    /// Provider name (`google`, `kakao`, …).
    #[sea_orm(primary_key, auto_increment = false)]
    pub provider: String,
    /// The provider's stable account id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject: String,
    /// The linked user.
    pub user_id: String,
    /// The email the provider reported.
    pub email: Option<String>,
    /// Whether the provider asserted the email as verified.
    pub email_verified: bool,
    /// Linked at (µs since the epoch).
    pub linked_at: i64,
}

/// No relations are declared; the foreign keys live in the migration.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
