//! [`MemoryCounterStore`]: rate-limit and quota counters in one map.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use async_trait::async_trait;

use super::{count, lock};
use crate::store::{Count, CounterStore, StoreError};

/// An in-memory [`CounterStore`].
///
/// Every addition is one critical section. Expired counters are swept whenever the map has
/// doubled since the last sweep, so a flood of one-off keys (a counter per client address)
/// costs memory for at most one window, without a background task; nothing is ever refused
/// because the map is large. Clones share the same counters.
#[derive(Clone, Default)]
pub struct MemoryCounterStore {
    inner: Arc<Mutex<Counters>>,
}

#[derive(Default)]
struct Counters {
    counters: HashMap<String, Counter>,
    /// The map's size after the last sweep; the next sweep runs at twice this (at least 1 024).
    swept_at: usize,
}

#[derive(Debug, Clone, Copy)]
struct Counter {
    used: u64,
    expires_at: SystemTime,
}

impl Counters {
    fn sweep(&mut self, now: SystemTime) -> usize {
        let before = self.counters.len();
        self.counters.retain(|_, counter| counter.expires_at > now);
        self.swept_at = self.counters.len();
        before - self.counters.len()
    }
}

impl MemoryCounterStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryCounterStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keys name users and addresses: print only how many there are.
        let counters = lock(&self.inner).counters.len();
        f.debug_struct("MemoryCounterStore")
            .field("counters", &counters)
            .finish()
    }
}

#[async_trait]
impl CounterStore for MemoryCounterStore {
    async fn add(
        &self,
        key: &str,
        cost: u64,
        limit: u64,
        expires_at: SystemTime,
        now: SystemTime,
    ) -> Result<Count, StoreError> {
        let mut inner = lock(&self.inner);
        if inner.counters.len() >= (inner.swept_at * 2).max(1_024) {
            inner.sweep(now);
        }
        let live = inner
            .counters
            .get(key)
            .filter(|counter| counter.expires_at > now)
            .map_or(0, |counter| counter.used);
        let Some(next) = live.checked_add(cost).filter(|next| *next <= limit) else {
            return Ok(Count {
                allowed: false,
                used: live,
            });
        };
        if cost > 0 {
            let counter = inner.counters.entry(key.to_owned()).or_insert(Counter {
                used: 0,
                expires_at,
            });
            if counter.expires_at <= now {
                counter.expires_at = expires_at;
            }
            counter.used = next;
        }
        Ok(Count {
            allowed: true,
            used: next,
        })
    }

    async fn purge_expired_counters(&self, now: SystemTime) -> Result<u64, StoreError> {
        Ok(count(lock(&self.inner).sweep(now)))
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[tokio::test]
    async fn a_flood_of_one_off_keys_is_swept_without_refusing_anyone() {
        let store = MemoryCounterStore::new();
        let base = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        for n in 0..5_000 {
            let now = base + Duration::from_secs(n);
            let count = store
                .add(
                    &format!("rate:{n}"),
                    1,
                    1,
                    now + Duration::from_secs(1),
                    now,
                )
                .await
                .expect("add");
            assert!(count.allowed);
        }
        // Only counters still live at the last sweep remain: far fewer than were created.
        let left = lock(&store.inner).counters.len();
        assert!(left < 2_100, "expired counters were never swept: {left}");
    }
}
