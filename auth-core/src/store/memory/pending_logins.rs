//! [`MemoryPendingLoginStore`]: pending social logins, bounded and in expiry order.

use std::fmt;
use std::time::SystemTime;

use async_trait::async_trait;

use super::count;
use super::expiring::ExpiringMap;
use crate::store::{PendingLogin, PendingLoginStore, SecretHash, StoreError};

/// An in-memory [`PendingLoginStore`] for one instance (or sticky sessions).
///
/// Logins are indexed twice: by `state` hash (for
/// [`take_pending_login`](PendingLoginStore::take_pending_login)) and in expiry order (a
/// `BTreeMap` keyed by `(expires_at, insertion number)`). Every put first drops the logins
/// that have expired, each in O(log n), so its work is proportional to what it removes, never
/// to what waits.
///
/// At most `capacity` logins wait at once (default 100 000), so a flood of started-and-abandoned
/// logins cannot exhaust memory. When the store is full, a put **evicts the login closest to
/// expiry** instead of refusing the new one: a login's start is unauthenticated, so refusing
/// would let anyone who opens enough `GET /auth/oauth/{provider}` requests block every user's
/// social login until the flood expires. Evicting the oldest means a flood can only push out
/// other pending logins (their users start again), and how fast it can do that is bounded by
/// the per-IP limits the host puts in front of the start endpoint.
///
/// Clones share the same logins; see the [module docs](super) for the rest.
#[derive(Clone)]
pub struct MemoryPendingLoginStore {
    logins: ExpiringMap<PendingLogin>,
}

impl MemoryPendingLoginStore {
    /// The default capacity.
    pub const DEFAULT_CAPACITY: usize = ExpiringMap::<PendingLogin>::DEFAULT_CAPACITY;

    /// An empty store holding at most [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY) logins.
    pub fn new() -> Self {
        Self {
            logins: ExpiringMap::new(),
        }
    }

    /// The same store holding at most `capacity` pending logins (at least one: a store that
    /// could hold none would refuse every login).
    pub fn with_capacity(self, capacity: usize) -> Self {
        Self {
            logins: self.logins.with_capacity(capacity),
        }
    }

    /// How many logins are waiting (expired ones included until a put or purge drops them).
    pub fn len(&self) -> usize {
        self.logins.len()
    }

    /// Whether no login is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for MemoryPendingLoginStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryPendingLoginStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryPendingLoginStore")
            .field("pending", &self.len())
            .field("capacity", &self.logins.capacity())
            .finish()
    }
}

#[async_trait]
impl PendingLoginStore for MemoryPendingLoginStore {
    async fn put_pending_login(
        &self,
        state: &SecretHash,
        login: PendingLogin,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        let expires_at = login.expires_at;
        self.logins
            .put(state, login, expires_at, now, "pending login")
    }

    async fn take_pending_login(
        &self,
        state: &SecretHash,
        now: SystemTime,
    ) -> Result<Option<PendingLogin>, StoreError> {
        Ok(self.logins.take(state, now))
    }

    async fn purge_expired_pending_logins(&self, now: SystemTime) -> Result<u64, StoreError> {
        Ok(count(self.logins.purge_expired(now)))
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::store::SecretValue;

    fn at(unix: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(unix)
    }

    fn login(expires: u64) -> PendingLogin {
        PendingLogin::new(
            "google",
            SecretValue::new("v"),
            None,
            SecretHash::of("b"),
            at(expires),
        )
    }

    async fn put(store: &MemoryPendingLoginStore, state: &str, expires: u64, now: u64) {
        store
            .put_pending_login(&SecretHash::of(state), login(expires), at(now))
            .await
            .expect("a put must succeed");
    }

    async fn taken(store: &MemoryPendingLoginStore, state: &str, now: u64) -> bool {
        store
            .take_pending_login(&SecretHash::of(state), at(now))
            .await
            .unwrap()
            .is_some()
    }

    // Issue 14 (start-flood DoS): 100 000 unauthenticated `GET /auth/oauth/{provider}` used to
    // fill the store and make every user's social login fail until they expired. A full store
    // must still accept a fresh login, pushing out the one closest to expiry.
    #[tokio::test]
    async fn start_flood_full_store_still_accepts_a_fresh_login() {
        let store = MemoryPendingLoginStore::new().with_capacity(3);
        for (attacker, expires) in [("a2", 1_200), ("a1", 1_100), ("a3", 1_300)] {
            put(&store, attacker, expires, 1_000).await;
        }
        put(&store, "victim", 1_600, 1_000).await;
        assert_eq!(store.len(), 3);
        assert!(taken(&store, "victim", 1_000).await);
        // The evicted one is the login closest to expiry, not a random or newer one.
        assert!(!taken(&store, "a1", 1_000).await);
        assert!(taken(&store, "a2", 1_000).await);
        assert!(taken(&store, "a3", 1_000).await);
    }

    // Expired logins are dropped by the next put (oldest first), not kept until capacity.
    #[tokio::test]
    async fn expired_logins_are_evicted_on_put() {
        let store = MemoryPendingLoginStore::new().with_capacity(10);
        put(&store, "a", 1_100, 1_000).await;
        put(&store, "b", 1_150, 1_000).await;
        put(&store, "c", 1_500, 1_000).await;
        put(&store, "d", 1_300, 1_200).await;
        assert_eq!(store.len(), 2);
        assert!(store.logins.indexes_in_step());
    }

    // Both indexes stay in step: a taken login leaves no stale expiry entry that a later
    // eviction would pop instead of a real login.
    #[tokio::test]
    async fn take_keeps_the_expiry_index_in_step() {
        let store = MemoryPendingLoginStore::new().with_capacity(2);
        put(&store, "a", 1_100, 1_000).await;
        put(&store, "b", 1_200, 1_000).await;
        assert!(taken(&store, "a", 1_000).await);
        put(&store, "c", 1_300, 1_000).await;
        assert_eq!(store.len(), 2);
        assert!(taken(&store, "b", 1_000).await);
        assert!(taken(&store, "c", 1_000).await);
        assert!(store.is_empty() && store.logins.indexes_in_step());
    }

    #[tokio::test]
    async fn a_state_already_pending_is_a_conflict_and_keeps_the_first() {
        let store = MemoryPendingLoginStore::new();
        put(&store, "s", 1_100, 1_000).await;
        let again = store
            .put_pending_login(&SecretHash::of("s"), login(1_900), at(1_000))
            .await;
        assert!(matches!(again, Err(StoreError::Conflict(_))));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn debug_shows_counts_only() {
        let text = format!("{:?}", MemoryPendingLoginStore::new());
        assert_eq!(
            text,
            "MemoryPendingLoginStore { pending: 0, capacity: 100000 }"
        );
    }
}
