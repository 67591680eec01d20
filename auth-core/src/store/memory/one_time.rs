//! [`MemoryOneTimeTokenStore`]: single-use tokens keyed by hash.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use async_trait::async_trait;

use super::{count, lock};
use crate::opaque::TokenHash;
use crate::store::{OneTimePurpose, OneTimeToken, OneTimeTokenStore, StoreError, UserId};

/// An in-memory [`OneTimeTokenStore`].
///
/// A voided token (an older one when a newer is issued, or one passed to
/// [`void_one_time_tokens`](OneTimeTokenStore::void_one_time_tokens)) is deleted: the traits
/// pass no time to record as its `used_at`, and nothing reads it afterwards. Used tokens stay
/// until they expire and are purged. Issuing a token whose hash is taken is a
/// [`StoreError::Conflict`] and voids nothing. Clones share the same tokens; see the
/// [module docs](super) for the rest.
#[derive(Clone, Default)]
pub struct MemoryOneTimeTokenStore {
    inner: Arc<Mutex<HashMap<TokenHash, OneTimeToken>>>,
}

impl MemoryOneTimeTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryOneTimeTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tokens = lock(&self.inner).len();
        f.debug_struct("MemoryOneTimeTokenStore")
            .field("tokens", &tokens)
            .finish()
    }
}

/// Whether `token` is an unused token of `user_id` for `purpose` (what voiding removes).
fn is_unused_for(token: &OneTimeToken, user_id: UserId, purpose: OneTimePurpose) -> bool {
    token.user_id == user_id && token.purpose == purpose && token.used_at.is_none()
}

#[async_trait]
impl OneTimeTokenStore for MemoryOneTimeTokenStore {
    async fn issue_one_time_token(&self, token: &OneTimeToken) -> Result<(), StoreError> {
        let mut tokens = lock(&self.inner);
        if tokens.contains_key(&token.hash) {
            return Err(StoreError::Conflict("one-time token"));
        }
        tokens.retain(|_, other| !is_unused_for(other, token.user_id, token.purpose));
        tokens.insert(token.hash, token.clone());
        Ok(())
    }

    async fn consume_one_time_token(
        &self,
        hash: &TokenHash,
        purpose: OneTimePurpose,
        now: SystemTime,
    ) -> Result<Option<OneTimeToken>, StoreError> {
        let mut tokens = lock(&self.inner);
        match tokens.get_mut(hash) {
            Some(token)
                if token.purpose == purpose
                    && token.used_at.is_none()
                    && now < token.expires_at =>
            {
                token.used_at = Some(now);
                Ok(Some(token.clone()))
            }
            Some(_) | None => Ok(None),
        }
    }

    async fn void_one_time_tokens(
        &self,
        user_id: UserId,
        purpose: OneTimePurpose,
    ) -> Result<u64, StoreError> {
        let mut tokens = lock(&self.inner);
        let before = tokens.len();
        tokens.retain(|_, token| !is_unused_for(token, user_id, purpose));
        Ok(count(before - tokens.len()))
    }

    async fn purge_expired_one_time_tokens(&self, now: SystemTime) -> Result<u64, StoreError> {
        let mut tokens = lock(&self.inner);
        let before = tokens.len();
        tokens.retain(|_, token| token.expires_at >= now);
        Ok(count(before - tokens.len()))
    }
}
