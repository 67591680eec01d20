//! Usage counters for rate limits and quotas: add to a counter within a limit, atomically.
//!
//! The caller names the window in the key (`"rate:ip:192.0.2.0:29301220"` for the 29 301 220th
//! minute, `"quota:user:<id>:2026-12"` for a calendar month) and says when the counter may be
//! forgotten (the window's end). A store then only has to add within a limit, in one atomic
//! step, and drop counters past their expiry — which every backend can do in one conditional
//! statement or script.

use std::time::SystemTime;

use async_trait::async_trait;

use super::StoreError;

/// What [`CounterStore::add`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a refused addition must refuse the request"]
pub struct Count {
    /// Whether `cost` was added (the counter stayed within the limit).
    pub allowed: bool,
    /// The counter's value after the call: with the cost when allowed, unchanged when not.
    pub used: u64,
}

impl Count {
    /// How much of `limit` is left after this call.
    pub fn remaining(self, limit: u64) -> u64 {
        limit.saturating_sub(self.used)
    }
}

/// Named counters, each living until its expiry, for rate limits and usage quotas.
///
/// Semantics every implementation keeps (the conformance kit's `counter_store_conformance`,
/// feature `testkit`, checks them):
///
/// * A counter that does not exist, or whose `expires_at` is not after `now`, counts as 0;
///   the first addition to it creates it with the `expires_at` of that call. Later calls do
///   not move its expiry (windows are fixed; the window is in the key).
/// * [`add`](CounterStore::add) adds `cost` only if the result stays at or below `limit`;
///   otherwise it changes nothing and answers `allowed: false`. `cost == 0` reads: allowed
///   when the counter is at or below `limit`.
/// * Atomic: N concurrent additions of 1 with `limit = L` allow exactly `min(N, L)`, and with
///   `L ≥ N` none is lost.
#[async_trait]
pub trait CounterStore: Send + Sync {
    /// Atomically adds `cost` to `key` at `now` if the total stays within `limit`. A new (or
    /// expired) counter starts at 0 and expires at `expires_at`. Must be one atomic decision
    /// (one critical section, one conditional statement, one script).
    async fn add(
        &self,
        key: &str,
        cost: u64,
        limit: u64,
        expires_at: SystemTime,
        now: SystemTime,
    ) -> Result<Count, StoreError>;

    /// Deletes counters that expired at or before `now`; returns how many.
    async fn purge_expired_counters(&self, now: SystemTime) -> Result<u64, StoreError>;
}
