//! `auth_ceremonies`: passkey and second-factor ceremonies between their start and their
//! finish, by the hash of their token.

use sea_orm::entity::prelude::*;

/// One pending ceremony. See [`auth_core::store::Ceremony`].
///
/// `Debug` is written by hand: the state (a WebAuthn challenge) is kept from logs.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_ceremonies")]
pub struct Model {
    /// SHA-256 of the ceremony token, 64 hex digits: the token itself is never stored.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id_hash: String,
    /// What it is for, by [`CeremonyPurpose::as_str`](auth_core::store::CeremonyPurpose::as_str).
    pub purpose: String,
    /// The user it was started for, if known at the start.
    pub user_id: Option<String>,
    /// The state the finish needs (opaque JSON).
    #[sea_orm(column_type = "Text")]
    pub state: String,
    /// Expiry (µs since the epoch).
    pub expires_at: i64,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("purpose", &self.purpose)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// No relations: a ceremony may belong to no user yet, and lives minutes.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
