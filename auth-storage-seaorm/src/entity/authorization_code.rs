//! `auth_authorization_codes`: OAuth authorization codes, by hash.

use sea_orm::entity::prelude::*;

/// One authorization code. See [`auth_core::store::AuthorizationCode`].
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_authorization_codes")]
pub struct Model {
    /// SHA-256 of the code, 64 hex digits.
    #[sea_orm(primary_key, auto_increment = false)]
    pub hash: String,
    /// The client it was issued to.
    pub client_id: String,
    /// The user who authorized it.
    pub user_id: String,
    /// The redirect URI of the request.
    pub redirect_uri: String,
    /// The scope granted, space-separated.
    pub scope: String,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// The OpenID Connect nonce.
    pub nonce: Option<String>,
    /// When the user authenticated (µs since the epoch).
    pub auth_time: i64,
    /// How the user signed in: space-separated RFC 8176 names.
    pub amr: String,
    /// The authentication context class satisfied.
    pub acr: Option<String>,
    /// Issued at (µs since the epoch).
    pub created_at: i64,
    /// Expiry (µs since the epoch).
    pub expires_at: i64,
    /// Redeemed at (µs since the epoch).
    pub used_at: Option<i64>,
    /// The session its redemption started (no foreign key: it is created after).
    pub session_id: Option<String>,
    /// First presented again at (µs since the epoch).
    pub replayed_at: Option<i64>,
}

/// No relations are declared; the foreign keys live in the migration.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
