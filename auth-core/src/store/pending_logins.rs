//! Pending social logins: what a login's start remembers until the provider redirects back.

use std::fmt::Debug;
use std::time::SystemTime;

use async_trait::async_trait;

use super::{PendingLogin, SecretHash, StoreError};

/// Where pending social logins wait for their callback, keyed by the SHA-256 of their `state`.
///
/// Put it on shared storage (a database table, Redis with a TTL) when several instances serve
/// callbacks: a login started on one instance must complete on another. The contract:
/// * [`take_pending_login`](Self::take_pending_login) is **consume-once**: of any number of
///   concurrent calls with one state, at most one returns the login (a replayed callback
///   finds nothing), and it never returns a login whose `expires_at` is not after `now`;
/// * a state that is already pending is a [`StoreError::Conflict`] (states are 256 random
///   bits, so this only happens through a bug);
/// * logins past `expires_at` may be dropped at any time.
///
/// `Debug` is required so flows holding a `dyn PendingLoginStore` can derive it; print counts,
/// never the records.
#[async_trait]
pub trait PendingLoginStore: Debug + Send + Sync + 'static {
    /// Stores `login` under `state`.
    async fn put_pending_login(
        &self,
        state: &SecretHash,
        login: PendingLogin,
        now: SystemTime,
    ) -> Result<(), StoreError>;

    /// Removes and returns the login under `state`, if there is one and it is unexpired at
    /// `now`. An expired login is removed too, and answers `None`.
    async fn take_pending_login(
        &self,
        state: &SecretHash,
        now: SystemTime,
    ) -> Result<Option<PendingLogin>, StoreError>;

    /// Deletes logins that expired at or before `now`; returns how many.
    async fn purge_expired_pending_logins(&self, now: SystemTime) -> Result<u64, StoreError>;
}
