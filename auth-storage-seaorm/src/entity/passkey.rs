//! `auth_passkeys`: passkeys (WebAuthn credentials) registered to accounts.

use sea_orm::entity::prelude::*;

/// One passkey. See [`auth_core::store::PasskeyRecord`].
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_passkeys")]
pub struct Model {
    /// SHA-256 of the credential id, 64 hex digits: the key the uniqueness and the lookups
    /// use (a credential id is up to 1023 bytes, too long for an index on every backend).
    #[sea_orm(primary_key, auto_increment = false)]
    pub credential_key: String,
    /// The credential id itself, as lowercase hex.
    #[sea_orm(column_type = "Text")]
    pub credential_id: String,
    /// The owner.
    pub user_id: String,
    /// The name the user gave it.
    pub name: String,
    /// webauthn-rs's `Passkey` as JSON (public key, counter, flags); opaque here.
    #[sea_orm(column_type = "Text")]
    pub passkey: String,
    /// Registered at (µs since the epoch).
    pub created_at: i64,
    /// Last sign-in (µs since the epoch).
    pub last_used_at: Option<i64>,
    /// Whether the authenticator may back it up.
    pub backup_eligible: bool,
    /// Whether it was backed up at its last use.
    pub backup_state: bool,
}

/// No relations are declared; the foreign key to `auth_users` lives in the migration.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
