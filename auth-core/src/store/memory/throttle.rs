//! [`MemoryThrottleStore`]: one attempt counter per key.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::{count, lock};
use crate::store::{Reservation, StoreError, ThrottleStore};

/// An in-memory [`ThrottleStore`].
///
/// One counter per key; [`reserve`](ThrottleStore::reserve) decides and counts inside one
/// critical section, so concurrent attempts can never exceed the limit. Closed windows are
/// dropped only by [`clear_failures`](ThrottleStore::clear_failures) and
/// [`purge_old_failures`](ThrottleStore::purge_old_failures), which a long-running process
/// should call periodically. Clones share the same counters; see the [module docs](super) for
/// the rest.
#[derive(Clone, Default)]
pub struct MemoryThrottleStore {
    inner: Arc<Mutex<HashMap<String, Counter>>>,
}

/// A key's current window: when it opened and how many attempts it holds.
#[derive(Debug, Clone, Copy)]
struct Counter {
    opened: SystemTime,
    attempts: u32,
}

impl Counter {
    /// Whether the window is still open at `now` (`opened + window > now`).
    fn is_open(&self, now: SystemTime, window: Duration) -> bool {
        self.opened
            .checked_add(window)
            .is_none_or(|closes| closes > now)
    }

    /// How long until the window closes (at most `window`, if the clock went back).
    fn retry_after(&self, now: SystemTime, window: Duration) -> Duration {
        let closes = self.opened.checked_add(window);
        closes
            .and_then(|closes| closes.duration_since(now).ok())
            .unwrap_or(window)
            .min(window)
    }
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

#[async_trait]
impl ThrottleStore for MemoryThrottleStore {
    async fn reserve(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
        max: u32,
    ) -> Result<Reservation, StoreError> {
        if max == 0 {
            return Ok(Reservation::Refused {
                retry_after: window,
            });
        }
        // One critical section: the decision and the count cannot be separated.
        let mut keys = lock(&self.inner);
        let counter = keys.entry(key.to_owned()).or_insert(Counter {
            opened: now,
            attempts: 0,
        });
        if !counter.is_open(now, window) {
            *counter = Counter {
                opened: now,
                attempts: 0,
            };
        }
        if counter.attempts < max {
            counter.attempts += 1;
            Ok(Reservation::Granted)
        } else {
            Ok(Reservation::Refused {
                retry_after: counter.retry_after(now, window),
            })
        }
    }

    async fn release(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<(), StoreError> {
        if let Some(counter) = lock(&self.inner).get_mut(key)
            && counter.is_open(now, window)
        {
            counter.attempts = counter.attempts.saturating_sub(1);
        }
        Ok(())
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        let nested = format!("{key}:");
        lock(&self.inner).retain(|other, _| other != key && !other.starts_with(&nested));
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
        let before = keys.len();
        keys.retain(|_, counter| counter.opened >= cutoff);
        Ok(count(before - keys.len()))
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    #[test]
    fn a_window_closes_exactly_window_after_it_opened() {
        let base = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let minute = Duration::from_secs(60);
        let counter = Counter {
            opened: base,
            attempts: 1,
        };
        assert!(counter.is_open(base + Duration::from_secs(59), minute));
        assert!(!counter.is_open(base + minute, minute));
        assert!(counter.is_open(base + minute, Duration::MAX));
        assert_eq!(
            counter.retry_after(base + Duration::from_secs(20), minute),
            Duration::from_secs(40)
        );
        // A clock that went back never asks for more than one window.
        assert_eq!(counter.retry_after(base - minute, minute), minute);
    }

    #[test]
    fn concurrent_reservations_grant_exactly_max() {
        let store = MemoryThrottleStore::new();
        let base = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("a runtime builds");
        let granted = runtime.block_on(async {
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..50 {
                let store = store.clone();
                tasks.spawn(async move {
                    store
                        .reserve("ip:192.0.2.1", base, Duration::from_secs(60), 5)
                        .await
                });
            }
            let mut granted = 0;
            while let Some(joined) = tasks.join_next().await {
                granted += usize::from(joined.expect("task ran").expect("reserve").is_granted());
            }
            granted
        });
        assert_eq!(granted, 5);
    }
}
