//! [`MemoryThrottleStore`]: failure times per key.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::{count, lock};
use crate::store::{StoreError, ThrottleStore};

/// An in-memory [`ThrottleStore`].
///
/// Keeps the time of every failure per key, so any window can be asked about later; failures
/// are forgotten only by [`clear_failures`](ThrottleStore::clear_failures) and
/// [`purge_old_failures`](ThrottleStore::purge_old_failures), which a long-running process
/// should call periodically. Clones share the same counters; see the [module docs](super) for
/// the rest.
#[derive(Clone, Default)]
pub struct MemoryThrottleStore {
    inner: Arc<Mutex<HashMap<String, Vec<SystemTime>>>>,
}

impl MemoryThrottleStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryThrottleStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keys name accounts and addresses: print only how many there are.
        let keys = lock(&self.inner).len();
        f.debug_struct("MemoryThrottleStore")
            .field("keys", &keys)
            .finish()
    }
}

/// How many of `failures` fall in `(now - window, now]`, saturating at `u32::MAX`.
fn in_window(failures: &[SystemTime], now: SystemTime, window: Duration) -> u32 {
    let after = now.checked_sub(window);
    let counted = failures
        .iter()
        .filter(|&&at| at <= now && after.is_none_or(|after| at > after))
        .count();
    u32::try_from(counted).unwrap_or(u32::MAX)
}

#[async_trait]
impl ThrottleStore for MemoryThrottleStore {
    async fn record_failure(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<u32, StoreError> {
        let mut keys = lock(&self.inner);
        let failures = keys.entry(key.to_owned()).or_default();
        failures.push(now);
        Ok(in_window(failures, now, window))
    }

    async fn failures(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<u32, StoreError> {
        Ok(lock(&self.inner)
            .get(key)
            .map_or(0, |failures| in_window(failures, now, window)))
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        lock(&self.inner).remove(key);
        Ok(())
    }

    async fn purge_old_failures(
        &self,
        now: SystemTime,
        window: Duration,
    ) -> Result<u64, StoreError> {
        let Some(cutoff) = now.checked_sub(window) else {
            return Ok(0); // the window reaches back before any representable time
        };
        let mut keys = lock(&self.inner);
        let mut purged = 0;
        keys.retain(|_, failures| {
            let before = failures.len();
            failures.retain(|&at| at >= cutoff);
            purged += before - failures.len();
            !failures.is_empty()
        });
        Ok(count(purged))
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    #[test]
    fn window_is_open_at_the_start_and_closed_at_now() {
        let base = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let failures = [base, base + Duration::from_secs(30)];
        let minute = Duration::from_secs(60);
        assert_eq!(in_window(&failures, base + minute, minute), 1);
        assert_eq!(
            in_window(&failures, base + Duration::from_secs(59), minute),
            2
        );
        assert_eq!(
            in_window(&failures, base + Duration::from_secs(29), minute),
            1
        );
        // A window longer than the time since the epoch counts everything up to now.
        assert_eq!(in_window(&failures, base + minute, Duration::MAX), 2);
    }

    #[test]
    fn concurrent_failures_each_get_their_own_count() {
        let store = MemoryThrottleStore::new();
        let base = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("a runtime builds");
        let mut counts = runtime.block_on(async {
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..50 {
                let store = store.clone();
                tasks.spawn(async move {
                    store
                        .record_failure("ip:192.0.2.1", base, Duration::from_secs(60))
                        .await
                });
            }
            let mut counts = Vec::new();
            while let Some(joined) = tasks.join_next().await {
                counts.push(joined.expect("task ran").expect("record_failure"));
            }
            counts
        });
        counts.sort_unstable();
        assert_eq!(counts, (1..=50).collect::<Vec<u32>>());
    }
}
