//! Links between accounts and provider identities (social login).

use async_trait::async_trait;

use super::{ProviderIdentity, StoreError, UserId};

/// Provider identities, unique by `(provider, subject)`.
#[async_trait]
pub trait IdentityStore: Send + Sync {
    /// Links `identity`. [`StoreError::Conflict`] when `(provider, subject)` is already linked
    /// (to anyone).
    async fn link_identity(&self, identity: &ProviderIdentity) -> Result<(), StoreError>;

    /// The identity `(provider, subject)`.
    async fn identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<ProviderIdentity>, StoreError>;

    /// Every identity linked to `user_id`, oldest first.
    async fn identities_for_user(
        &self,
        user_id: UserId,
    ) -> Result<Vec<ProviderIdentity>, StoreError>;

    /// Removes the link `(provider, subject)` of `user_id`; `false` when there was none.
    async fn unlink_identity(
        &self,
        user_id: UserId,
        provider: &str,
        subject: &str,
    ) -> Result<bool, StoreError>;
}
