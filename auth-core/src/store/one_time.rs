//! Single-use tokens: password reset, email verification, login codes.

use std::time::SystemTime;

use async_trait::async_trait;

use super::{OneTimePurpose, OneTimeToken, StoreError, UserId};
use crate::opaque::TokenHash;

/// One-time tokens, kept as hashes.
#[async_trait]
pub trait OneTimeTokenStore: Send + Sync {
    /// Stores `token` and, in the same atomic step, voids every other unused token of the same
    /// user and purpose (a newer reset link voids the older ones).
    async fn issue_one_time_token(&self, token: &OneTimeToken) -> Result<(), StoreError>;

    /// Atomically marks the token with `hash` as used at `now` and returns it — only if it has
    /// `purpose`, is unused and unexpired. Of concurrent calls with one hash, at most one gets
    /// `Some`.
    async fn consume_one_time_token(
        &self,
        hash: &TokenHash,
        purpose: OneTimePurpose,
        now: SystemTime,
    ) -> Result<Option<OneTimeToken>, StoreError>;

    /// Voids every unused token of `user_id` for `purpose` (e.g. after a password change).
    async fn void_one_time_tokens(
        &self,
        user_id: UserId,
        purpose: OneTimePurpose,
    ) -> Result<u64, StoreError>;

    /// Deletes tokens that expired before `now`; returns how many.
    async fn purge_expired_one_time_tokens(&self, now: SystemTime) -> Result<u64, StoreError>;
}
