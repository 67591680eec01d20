//! Counters of recent failures, for temporary throttling (never a permanent lock-out).

use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::StoreError;

/// Failure counters per key (`"account:<email>"`, `"ip:<address>"`, …) over a sliding window.
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Records one failure for `key` at `now` and returns how many failures `key` has in
    /// `(now - window, now]`, this one included. Atomic under concurrency: N concurrent calls
    /// are all counted.
    async fn record_failure(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<u32, StoreError>;

    /// How many failures `key` has in `(now - window, now]`.
    async fn failures(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<u32, StoreError>;

    /// Forgets `key`'s failures (after a successful login).
    async fn clear_failures(&self, key: &str) -> Result<(), StoreError>;

    /// Deletes failures older than `now - window` for every key; returns how many.
    async fn purge_old_failures(
        &self,
        now: SystemTime,
        window: Duration,
    ) -> Result<u64, StoreError>;
}
