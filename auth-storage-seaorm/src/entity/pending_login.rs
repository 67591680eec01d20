//! `auth_pending_logins`: social logins between their start and the provider's callback, by
//! the hash of their `state`.

use sea_orm::entity::prelude::*;

/// One pending social login. See [`auth_core::store::PendingLogin`].
///
/// `Debug` is written by hand: the PKCE verifier and nonce are secrets.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_pending_logins")]
pub struct Model {
    /// SHA-256 of the `state`, 64 hex digits: the state itself is never stored.
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_hash: String,
    /// The provider the login was started with.
    pub provider: String,
    /// The PKCE code verifier. Stored as is: the code exchange sends the value itself, and it
    /// is useless without the authorization code, which only the browser's redirect carries.
    pub pkce_verifier: String,
    /// The OIDC nonce, for providers that use one.
    pub nonce: Option<String>,
    /// SHA-256 of the browser-binding cookie, 64 hex digits.
    pub browser_binding: String,
    /// Expiry (µs since the epoch).
    pub expires_at: i64,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("provider", &self.provider)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// No relations: a pending login belongs to no user yet.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
