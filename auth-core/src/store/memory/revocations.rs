//! [`MemoryRevocationStore`]: the access-token denylist as a map from `jti` to expiry.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use async_trait::async_trait;

use super::{count, lock};
use crate::store::{RevocationStore, RevokedAccessToken, StoreError};

/// An in-memory [`RevocationStore`].
///
/// Revoking a `jti` again keeps the later of the two expiries, so an entry is never purged
/// while either token could still be presented. Clones share the same denylist; see the
/// [module docs](super) for the rest.
#[derive(Clone, Default)]
pub struct MemoryRevocationStore {
    inner: Arc<Mutex<HashMap<String, SystemTime>>>,
}

impl MemoryRevocationStore {
    /// An empty denylist.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryRevocationStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let revoked = lock(&self.inner).len();
        f.debug_struct("MemoryRevocationStore")
            .field("revoked", &revoked)
            .finish()
    }
}

#[async_trait]
impl RevocationStore for MemoryRevocationStore {
    async fn revoke_access_token(&self, revoked: &RevokedAccessToken) -> Result<(), StoreError> {
        lock(&self.inner)
            .entry(revoked.jti.clone())
            .and_modify(|expires_at| *expires_at = (*expires_at).max(revoked.expires_at))
            .or_insert(revoked.expires_at);
        Ok(())
    }

    async fn is_access_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        Ok(lock(&self.inner).contains_key(jti))
    }

    async fn purge_expired_revocations(&self, now: SystemTime) -> Result<u64, StoreError> {
        let mut revoked = lock(&self.inner);
        let before = revoked.len();
        revoked.retain(|_, expires_at| *expires_at >= now);
        Ok(count(before - revoked.len()))
    }
}
