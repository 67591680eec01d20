//! The storage of the OAuth 2.0 authorization server: clients, authorization codes, consents
//! and grants.

use std::time::SystemTime;

use async_trait::async_trait;

use super::{
    AuthorizationCode, CodeRedemption, Consent, OAuthClient, OAuthGrant, SessionId, StoreError,
    UserId,
};
use crate::opaque::TokenHash;

/// Registered OAuth clients, unique by `client_id`.
#[async_trait]
pub trait OAuthClientStore: Send + Sync {
    /// Inserts `client`. [`StoreError::Conflict`] when its `client_id` is taken (atomically:
    /// two concurrent inserts of one id cannot both succeed).
    async fn insert_client(&self, client: &OAuthClient) -> Result<(), StoreError>;

    /// The client with `client_id`, compared exactly (case-sensitively).
    async fn client(&self, client_id: &str) -> Result<Option<OAuthClient>, StoreError>;

    /// Replaces the stored client with `client` (matched by `client_id`), for example to
    /// rotate its secret. [`StoreError::NotFound`] when there is none.
    async fn update_client(&self, client: &OAuthClient) -> Result<(), StoreError>;

    /// Deletes the client with `client_id`; `false` if there was none. A backend with foreign
    /// keys deletes its codes, consents and grants with it.
    async fn delete_client(&self, client_id: &str) -> Result<bool, StoreError>;
}

/// Authorization codes, kept as hashes.
#[async_trait]
pub trait AuthorizationCodeStore: Send + Sync {
    /// Stores a new code. [`StoreError::Conflict`] when its hash exists.
    async fn issue_authorization_code(&self, code: &AuthorizationCode) -> Result<(), StoreError>;

    /// Redeems the code whose hash is `hash` at `now`, in **one atomic conditional write**:
    ///
    /// * unknown hash → [`CodeRedemption::Unknown`];
    /// * already redeemed → [`CodeRedemption::Replayed`] with the stored record (its
    ///   `session_id` is what the first redemption started), after setting `replayed_at = now`
    ///   if it was not set yet — checked before expiry, so a replay is always recognised;
    /// * unused but expired (`now >= expires_at`) → [`CodeRedemption::Expired`], nothing
    ///   written;
    /// * otherwise the code is marked `used_at = now`, `session_id = session_id`, and returned
    ///   as [`CodeRedemption::Redeemed`].
    ///
    /// Of any number of concurrent calls with one hash, at most one gets `Redeemed`.
    async fn redeem_authorization_code(
        &self,
        hash: &TokenHash,
        session_id: SessionId,
        now: SystemTime,
    ) -> Result<CodeRedemption, StoreError>;

    /// The code with `hash`, as stored (used or not): lets the token endpoint see whether a
    /// replay arrived while it was issuing tokens.
    async fn authorization_code(
        &self,
        hash: &TokenHash,
    ) -> Result<Option<AuthorizationCode>, StoreError>;

    /// Deletes codes that expired before `now`; returns how many.
    async fn purge_expired_authorization_codes(&self, now: SystemTime) -> Result<u64, StoreError>;
}

/// What each user allowed each client.
#[async_trait]
pub trait ConsentStore: Send + Sync {
    /// Stores `consent`, replacing any earlier consent of the same user for the same client.
    async fn save_consent(&self, consent: &Consent) -> Result<(), StoreError>;

    /// The consent `user_id` gave `client_id`, if any.
    async fn consent(
        &self,
        user_id: UserId,
        client_id: &str,
    ) -> Result<Option<Consent>, StoreError>;

    /// Withdraws the consent `user_id` gave `client_id`; `false` if there was none.
    async fn revoke_consent(&self, user_id: UserId, client_id: &str) -> Result<bool, StoreError>;
}

/// The grant behind each session an authorization code started.
#[async_trait]
pub trait OAuthGrantStore: Send + Sync {
    /// Stores `grant`. [`StoreError::Conflict`] when its session already has one.
    async fn insert_grant(&self, grant: &OAuthGrant) -> Result<(), StoreError>;

    /// The grant of session `session_id`, if it has one (sessions of first-party logins
    /// have none).
    async fn grant(&self, session_id: SessionId) -> Result<Option<OAuthGrant>, StoreError>;

    /// Deletes grants whose `expires_at` is before `now`; returns how many.
    async fn purge_expired_grants(&self, now: SystemTime) -> Result<u64, StoreError>;
}
