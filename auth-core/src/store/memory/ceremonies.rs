//! [`MemoryCeremonyStore`]: passkey and second-factor ceremonies, bounded and in expiry order.

use std::fmt;
use std::time::SystemTime;

use async_trait::async_trait;

use super::count;
use super::expiring::ExpiringMap;
use crate::store::{Ceremony, CeremonyPurpose, CeremonyStore, SecretHash, StoreError};

/// An in-memory [`CeremonyStore`] for one instance (or sticky sessions).
///
/// Built like [`MemoryPendingLoginStore`](super::MemoryPendingLoginStore): ceremonies are
/// indexed by id hash and in expiry order, every put first drops the expired ones (each in
/// O(log n)), and at most `capacity` wait at once (default 100 000). When full, a put **evicts
/// the ceremony closest to expiry** instead of refusing the new one: a passkey sign-in starts
/// unauthenticated, so refusing would let a flood of started-and-abandoned sign-ins block
/// everyone's; evicting means a flood can only push out other pending ceremonies (their users
/// start again), as fast as the host's per-IP limits on the start endpoint allow.
///
/// Clones share the same ceremonies; see the [module docs](super) for the rest.
#[derive(Clone)]
pub struct MemoryCeremonyStore {
    ceremonies: ExpiringMap<Ceremony>,
}

impl MemoryCeremonyStore {
    /// The default capacity.
    pub const DEFAULT_CAPACITY: usize = ExpiringMap::<Ceremony>::DEFAULT_CAPACITY;

    /// An empty store holding at most [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY) ceremonies.
    pub fn new() -> Self {
        Self {
            ceremonies: ExpiringMap::new(),
        }
    }

    /// The same store holding at most `capacity` ceremonies (at least one: a store that could
    /// hold none would refuse every ceremony).
    pub fn with_capacity(self, capacity: usize) -> Self {
        Self {
            ceremonies: self.ceremonies.with_capacity(capacity),
        }
    }

    /// How many ceremonies are waiting (expired ones included until a put or purge drops them).
    pub fn len(&self) -> usize {
        self.ceremonies.len()
    }

    /// Whether no ceremony is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for MemoryCeremonyStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryCeremonyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryCeremonyStore")
            .field("pending", &self.len())
            .field("capacity", &self.ceremonies.capacity())
            .finish()
    }
}

#[async_trait]
impl CeremonyStore for MemoryCeremonyStore {
    async fn put_ceremony(
        &self,
        id: &SecretHash,
        ceremony: Ceremony,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        let expires_at = ceremony.expires_at;
        self.ceremonies
            .put(id, ceremony, expires_at, now, "ceremony")
    }

    async fn take_ceremony(
        &self,
        id: &SecretHash,
        purpose: CeremonyPurpose,
        now: SystemTime,
    ) -> Result<Option<Ceremony>, StoreError> {
        // Removed whatever it is for (fail closed), then judged.
        let ceremony = self.ceremonies.take(id, now);
        Ok(ceremony.filter(|ceremony| ceremony.purpose == purpose))
    }

    async fn purge_expired_ceremonies(&self, now: SystemTime) -> Result<u64, StoreError> {
        Ok(count(self.ceremonies.purge_expired(now)))
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::store::SecretValue;

    const PURPOSE: CeremonyPurpose = CeremonyPurpose::PasskeyAuthentication;

    fn at(unix: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(unix)
    }

    fn ceremony(expires: u64) -> Ceremony {
        Ceremony::new(PURPOSE, None, SecretValue::new("{}"), at(expires))
    }

    async fn put(store: &MemoryCeremonyStore, id: &str, expires: u64, now: u64) {
        store
            .put_ceremony(&SecretHash::of(id), ceremony(expires), at(now))
            .await
            .expect("a put must succeed");
    }

    async fn taken(store: &MemoryCeremonyStore, id: &str, now: u64) -> bool {
        store
            .take_ceremony(&SecretHash::of(id), PURPOSE, at(now))
            .await
            .unwrap()
            .is_some()
    }

    // A flood of unauthenticated passkey sign-in starts must not block a fresh one: a full
    // store pushes out the ceremony closest to expiry.
    #[tokio::test]
    async fn start_flood_full_store_still_accepts_a_fresh_ceremony() {
        let store = MemoryCeremonyStore::new().with_capacity(3);
        for (attacker, expires) in [("a2", 1_200), ("a1", 1_100), ("a3", 1_300)] {
            put(&store, attacker, expires, 1_000).await;
        }
        put(&store, "victim", 1_600, 1_000).await;
        assert_eq!(store.len(), 3);
        assert!(taken(&store, "victim", 1_000).await);
        assert!(!taken(&store, "a1", 1_000).await);
        assert!(taken(&store, "a2", 1_000).await);
        assert!(taken(&store, "a3", 1_000).await);
    }

    #[tokio::test]
    async fn expired_ceremonies_are_evicted_on_put_and_indexes_stay_in_step() {
        let store = MemoryCeremonyStore::new().with_capacity(10);
        put(&store, "a", 1_100, 1_000).await;
        put(&store, "b", 1_150, 1_000).await;
        put(&store, "c", 1_500, 1_000).await;
        put(&store, "d", 1_300, 1_200).await;
        assert_eq!(store.len(), 2);
        assert!(taken(&store, "c", 1_200).await);
        assert!(store.ceremonies.indexes_in_step());
    }

    #[test]
    fn debug_shows_counts_only() {
        let text = format!("{:?}", MemoryCeremonyStore::new());
        assert_eq!(text, "MemoryCeremonyStore { pending: 0, capacity: 100000 }");
    }
}
