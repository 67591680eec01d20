//! The denylist of individually revoked access tokens.

use std::time::SystemTime;

use async_trait::async_trait;

use super::{RevokedAccessToken, StoreError};

/// Access tokens revoked by `jti` before their expiry.
#[async_trait]
pub trait RevocationStore: Send + Sync {
    /// Adds `revoked` to the denylist; revoking the same `jti` again is not an error.
    async fn revoke_access_token(&self, revoked: &RevokedAccessToken) -> Result<(), StoreError>;

    /// Whether `jti` is on the denylist.
    async fn is_access_token_revoked(&self, jti: &str) -> Result<bool, StoreError>;

    /// Deletes entries whose token expired before `now`; returns how many.
    async fn purge_expired_revocations(&self, now: SystemTime) -> Result<u64, StoreError>;
}
