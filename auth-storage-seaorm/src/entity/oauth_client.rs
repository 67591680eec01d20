//! `auth_oauth_clients`: clients registered with the OAuth authorization server.

use sea_orm::entity::prelude::*;

/// One client. See [`auth_core::store::OAuthClient`].
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_oauth_clients")]
pub struct Model {
    /// The `client_id`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_id: String,
    /// SHA-256 of the secret, 64 hex digits; `NULL` for a public client.
    pub secret_hash: Option<String>,
    /// `confidential` or `public` ([`auth_core::store::ClientType::as_str`]).
    pub client_type: String,
    /// Name shown on the consent page.
    pub name: String,
    /// Exact redirect URIs, a JSON array of strings.
    pub redirect_uris: String,
    /// Allowed scopes, space-separated.
    pub allowed_scopes: String,
    /// Grant types, a JSON array of [`auth_core::store::GrantType::as_str`] names.
    pub grant_types: String,
    /// Whether consent is skipped.
    pub first_party: bool,
    /// Registered at (µs since the epoch).
    pub created_at: i64,
}

/// No relations are declared; the foreign keys live in the migration.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
