//! Attempt counters per key, for temporary throttling (never a permanent lock-out).
//!
//! **Count before you check.** A flow [reserves](ThrottleStore::reserve) an attempt *before*
//! the expensive or secret-dependent step (a password verification); the reservation is one
//! atomic conditional write whose result decides, so N concurrent attempts on one key get at
//! most `max` grants — there is no "read the count, work, then record" window to race through.
//! A failed attempt keeps its reservation (it *is* the failure); a successful one
//! [releases](ThrottleStore::release) it or [clears](ThrottleStore::clear_failures) the key.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::StoreError;

/// What [`ThrottleStore::reserve`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a refused reservation must refuse the attempt"]
pub enum Reservation {
    /// One attempt was counted for the key; go on with the check.
    Granted,
    /// The key has used its attempts in its current window; nothing was counted.
    Refused {
        /// Time until the key's current window ends and attempts are granted again.
        retry_after: Duration,
    },
}

impl Reservation {
    /// Whether the attempt may go on.
    pub fn is_granted(self) -> bool {
        matches!(self, Self::Granted)
    }
}

/// Attempt counters per key (`"login:user:<id>"`, `"login:ip:<network>"`, …), each over a
/// fixed window that opens at the key's first attempt.
///
/// Semantics every implementation keeps (the conformance kit's
/// `throttle_store_conformance`, feature `testkit`, checks them):
///
/// * A key's window opens at the first reservation made when it has none open, and lasts
///   `window`: it is open at `now` while `opened + window > now`.
/// * Within an open window at most `max` reservations are granted (minus those released);
///   further ones are refused, not counted, with `retry_after = opened + window - now`.
/// * The first reservation at or after `opened + window` opens a new window counting 1.
/// * Atomic: N concurrent reservations on one key grant exactly `min(N, max)`.
///
/// A window anchored at the first attempt bounds a key to `max` attempts per window and to
/// fewer than `2 × max` in any span of one window's length (a burst at the end of one window
/// and the start of the next); that is the price of deciding with one conditional write on
/// every SQL backend.
#[async_trait]
pub trait ThrottleStore: Send + Sync {
    /// Atomically counts one attempt for `key` at `now` if its open window (of length
    /// `window`) has fewer than `max` attempts, and says whether it did. `max == 0` refuses
    /// everything. Must be a single atomic decision (one critical section, one conditional
    /// statement, one script): never a read followed by a write.
    async fn reserve(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
        max: u32,
    ) -> Result<Reservation, StoreError>;

    /// Gives back one granted reservation of `key` (the attempt succeeded and must not count
    /// as a failure). Does nothing when `key` has no open window at `now` or no attempts in it.
    async fn release(&self, key: &str, now: SystemTime, window: Duration)
    -> Result<(), StoreError>;

    /// Forgets `key` and every key nested under it — those that start with `key` followed
    /// by `:` (`login:user:<id>` clears `login:user:<id>:net:<network>` too) — after a
    /// successful login, or a password reset that must lift the account's throttling on
    /// every network. Characters in `key` are matched literally (no wildcards).
    async fn clear_failures(&self, key: &str) -> Result<(), StoreError>;

    /// Deletes every key whose window opened before `now - window` (closed windows); returns
    /// how many. Pass the longest window any flow uses.
    async fn purge_old_failures(
        &self,
        now: SystemTime,
        window: Duration,
    ) -> Result<u64, StoreError>;
}
