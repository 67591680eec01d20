//! [`ExpiringMap`]: single-use values under a secret's hash, bounded and kept in expiry
//! order — what the memory pending-login and ceremony stores are made of.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use super::lock;
use crate::store::{SecretHash, StoreError};

/// Values indexed twice: by key (for a consume-once take) and in expiry order (a `BTreeMap`
/// keyed by `(expires_at, insertion number)`). Every put first drops what has expired, each
/// in O(log n), so its work is proportional to what it removes, never to what waits.
///
/// At most `capacity` values wait at once. When full, a put **evicts the value closest to
/// expiry** instead of refusing the new one: the stores built on it hold what an
/// unauthenticated request starts (a social login, a passkey sign-in), so refusing would let
/// a flood of abandoned starts block everyone; evicting means a flood can only push out other
/// pending values (their users start again), as fast as the host's per-IP limits allow.
///
/// Clones share the same values.
pub(super) struct ExpiringMap<V> {
    inner: Arc<Mutex<Entries<V>>>,
    capacity: usize,
}

impl<V> Clone for ExpiringMap<V> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            capacity: self.capacity,
        }
    }
}

/// The two indexes, always updated together inside one critical section.
struct Entries<V> {
    /// The values by key, with their position in `by_expiry`.
    by_key: HashMap<SecretHash, (ExpiryKey, V)>,
    /// The same keys in expiry order (ties broken by insertion order).
    by_expiry: BTreeMap<ExpiryKey, SecretHash>,
    /// The next insertion number.
    next: u64,
}

/// Position of a value in expiry order: when it expires, then when it was stored.
type ExpiryKey = (SystemTime, u64);

impl<V> Entries<V> {
    fn remove(&mut self, key: &SecretHash) -> Option<(SystemTime, V)> {
        let (position, value) = self.by_key.remove(key)?;
        self.by_expiry.remove(&position);
        Some((position.0, value))
    }

    /// Removes the value closest to expiry (O(log n)); `false` when there is none.
    fn pop_oldest(&mut self) -> bool {
        match self.by_expiry.pop_first() {
            Some((_, key)) => {
                self.by_key.remove(&key);
                true
            }
            None => false,
        }
    }

    /// Removes every value expired at `now`, oldest first; returns how many.
    fn purge_expired(&mut self, now: SystemTime) -> usize {
        let mut purged = 0;
        while self
            .by_expiry
            .first_key_value()
            .is_some_and(|((expires_at, _), _)| *expires_at <= now)
        {
            self.pop_oldest();
            purged += 1;
        }
        purged
    }
}

impl<V> ExpiringMap<V> {
    /// The default capacity.
    pub(super) const DEFAULT_CAPACITY: usize = 100_000;

    /// An empty map holding at most [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY) values.
    pub(super) fn new() -> Self {
        Self {
            inner: Arc::new(Mutex::new(Entries {
                by_key: HashMap::new(),
                by_expiry: BTreeMap::new(),
                next: 0,
            })),
            capacity: Self::DEFAULT_CAPACITY,
        }
    }

    /// The same map holding at most `capacity` values (at least one: a map that could hold
    /// none would refuse everything).
    pub(super) fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// The most values it holds.
    pub(super) fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many values wait (expired ones included until a put or purge drops them).
    pub(super) fn len(&self) -> usize {
        lock(&self.inner).by_key.len()
    }

    /// Stores `value` under `key` until `expires_at`, after dropping what expired at `now`
    /// and, when full, the values closest to expiry. A key already waiting is a
    /// [`StoreError::Conflict`] naming `what`, and keeps the first value.
    pub(super) fn put(
        &self,
        key: &SecretHash,
        value: V,
        expires_at: SystemTime,
        now: SystemTime,
        what: &'static str,
    ) -> Result<(), StoreError> {
        let mut entries = lock(&self.inner);
        entries.purge_expired(now);
        if entries.by_key.contains_key(key) {
            return Err(StoreError::Conflict(what));
        }
        let mut evicted = 0_usize;
        while entries.by_key.len() >= self.capacity && entries.pop_oldest() {
            evicted += 1;
        }
        if evicted > 0 {
            tracing::debug!(
                evicted,
                what,
                "memory store full: evicted the entries closest to expiry"
            );
        }
        let position = (expires_at, entries.next);
        entries.next = entries.next.wrapping_add(1);
        entries.by_expiry.insert(position, *key);
        entries.by_key.insert(*key, (position, value));
        Ok(())
    }

    /// Removes the value under `key` and returns it if it is unexpired at `now`; an expired
    /// one is removed too, and answers `None`.
    pub(super) fn take(&self, key: &SecretHash, now: SystemTime) -> Option<V> {
        let (expires_at, value) = lock(&self.inner).remove(key)?;
        (now < expires_at).then_some(value)
    }

    /// Removes every value expired at `now`; returns how many.
    pub(super) fn purge_expired(&self, now: SystemTime) -> usize {
        lock(&self.inner).purge_expired(now)
    }

    /// Whether both indexes hold the same entries (for tests).
    #[cfg(test)]
    pub(super) fn indexes_in_step(&self) -> bool {
        let entries = lock(&self.inner);
        entries.by_key.len() == entries.by_expiry.len()
            && entries
                .by_expiry
                .values()
                .all(|key| entries.by_key.contains_key(key))
    }
}
