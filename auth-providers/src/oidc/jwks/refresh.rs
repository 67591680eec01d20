//! When a [`JwksCache`](super::JwksCache) may fetch, and how concurrent callers share one
//! fetch.
//!
//! The state sits behind a short `std` mutex that is never held across the network call: the
//! first caller that needs a fetch *leads* a flight (it fetches, then publishes the outcome on a
//! `watch` channel); every caller arriving meanwhile *joins* it and waits for that outcome. After
//! a failed fetch the cache backs off (exponentially, capped) and keeps serving the last good
//! keys for a bounded time, so an unreachable provider costs one fetch per backoff period — not
//! one per request.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use auth_core::ErrorChain;
use auth_core::token::VerificationKey;
use tokio::sync::watch;
use url::Url;

use super::JwksConfig;
use crate::error::HttpError;

/// What a flight ends with; the keys themselves are read from the state.
pub(super) type Outcome = Result<(), HttpError>;

/// The cache's mutable part.
#[derive(Debug, Default)]
pub(super) struct State {
    /// The last good key set.
    pub(super) keys: Arc<[VerificationKey]>,
    /// When the last good key set was fetched.
    fetched_at: Option<SystemTime>,
    /// When the last fetch (good or not) started: the rate limit of refreshes asked for by
    /// tokens (unknown `kid`, signature failure).
    last_attempt: Option<SystemTime>,
    /// Failed fetches since the last good one.
    failures: u32,
    /// No fetch before this, after a failure.
    retry_at: Option<SystemTime>,
    /// The fetch in flight, if any.
    in_flight: Option<watch::Receiver<Option<Outcome>>>,
}

/// `now - then`, or zero when the clock went backwards (then counts as "just now").
fn age(now: SystemTime, then: SystemTime) -> Duration {
    now.duration_since(then).unwrap_or_default()
}

impl State {
    /// The keys, if fetched less than `max_age` ago.
    pub(super) fn fresh_keys(
        &self,
        now: SystemTime,
        config: &JwksConfig,
    ) -> Option<Arc<[VerificationKey]>> {
        self.fetched_at
            .filter(|at| age(now, *at) < config.max_age)
            .map(|_| self.keys.clone())
    }

    /// The last good keys while they may still stand in for a failed refresh: fetched less than
    /// `max_age + stale_if_error` ago.
    pub(super) fn usable_keys(
        &self,
        now: SystemTime,
        config: &JwksConfig,
    ) -> Option<Arc<[VerificationKey]>> {
        let bound = config.max_age.saturating_add(config.stale_if_error);
        self.fetched_at
            .filter(|at| age(now, *at) < bound)
            .map(|_| self.keys.clone())
    }

    /// How long until the backoff after a failed fetch ends; `None` when a fetch may start.
    pub(super) fn backoff_left(&self, now: SystemTime) -> Option<Duration> {
        self.retry_at
            .and_then(|at| at.duration_since(now).ok())
            .filter(|left| !left.is_zero())
    }

    /// Whether the last fetch started less than `interval` ago.
    pub(super) fn attempted_within(&self, now: SystemTime, interval: Duration) -> bool {
        self.last_attempt.is_some_and(|at| age(now, at) < interval)
    }

    /// Whether a fetch is in flight.
    pub(super) fn in_flight(&self) -> bool {
        self.in_flight.is_some()
    }
}

/// The delay before the fetch after the `failures`-th failure in a row: `retry_backoff`,
/// doubled for each further failure, at most `max_retry_backoff`.
pub(super) fn backoff(config: &JwksConfig, failures: u32) -> Duration {
    let factor = 1u32
        .checked_shl(failures.saturating_sub(1))
        .unwrap_or(u32::MAX);
    config
        .retry_backoff
        .saturating_mul(factor)
        .min(config.max_retry_backoff)
}

/// Locks the state; a panic elsewhere while it was held leaves it consistent (every write is a
/// single assignment), so a poisoned lock is used as is.
pub(super) fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A caller's part in a fetch.
pub(super) enum Flight<'a> {
    /// Another caller is fetching: wait for its outcome.
    Join(watch::Receiver<Option<Outcome>>),
    /// This caller fetches, then [`Lead::land`]s.
    Lead(Lead<'a>),
}

/// Joins the fetch in flight, or starts one (recording the attempt). Called under the lock, so
/// two callers can never both lead.
pub(super) fn take_off<'a>(
    cell: &'a Mutex<State>,
    state: &mut State,
    now: SystemTime,
) -> Flight<'a> {
    if let Some(receiver) = &state.in_flight {
        return Flight::Join(receiver.clone());
    }
    let (sender, receiver) = watch::channel(None);
    state.in_flight = Some(receiver);
    state.last_attempt = Some(now);
    Flight::Lead(Lead {
        cell,
        sender: Some(sender),
    })
}

/// Waits for the leader's outcome; `None` when the leader was dropped before it finished (its
/// request was cancelled): the caller decides again, and may lead the next flight.
pub(super) async fn join(mut receiver: watch::Receiver<Option<Outcome>>) -> Option<Outcome> {
    receiver
        .wait_for(Option::is_some)
        .await
        .ok()
        .and_then(|outcome| outcome.clone())
}

/// The leader of a flight. Dropped without landing (its caller's future was cancelled
/// mid-fetch), it clears the flight so that joiners retry instead of waiting forever.
pub(super) struct Lead<'a> {
    cell: &'a Mutex<State>,
    sender: Option<watch::Sender<Option<Outcome>>>,
}

impl Lead<'_> {
    /// Records the fetch's result at `now` and wakes the joiners; a failure is logged with
    /// `url` and the backoff it starts.
    pub(super) fn land(
        mut self,
        fetched: Result<Arc<[VerificationKey]>, HttpError>,
        now: SystemTime,
        config: &JwksConfig,
        url: &Url,
    ) -> Outcome {
        let outcome = {
            let mut state = lock(self.cell);
            state.in_flight = None;
            match fetched {
                Ok(keys) => {
                    state.keys = keys;
                    state.fetched_at = Some(now);
                    state.failures = 0;
                    state.retry_at = None;
                    Ok(())
                }
                Err(error) => {
                    state.failures = state.failures.saturating_add(1);
                    let delay = backoff(config, state.failures);
                    state.retry_at = now.checked_add(delay);
                    tracing::warn!(
                        error = %ErrorChain::new(&error),
                        %url,
                        failures = state.failures,
                        retry_in_secs = delay.as_secs(),
                        "JWKS fetch failed; backing off"
                    );
                    Err(error)
                }
            }
        };
        if let Some(sender) = self.sender.take() {
            // No receiver left is fine: nobody was waiting.
            let _ = sender.send(Some(outcome.clone()));
        }
        outcome
    }
}

impl Drop for Lead<'_> {
    fn drop(&mut self) {
        if self.sender.is_some() {
            lock(self.cell).in_flight = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let config = JwksConfig {
            retry_backoff: Duration::from_secs(5),
            max_retry_backoff: Duration::from_secs(60),
            ..JwksConfig::default()
        };
        let delays: Vec<u64> = (1..=6).map(|n| backoff(&config, n).as_secs()).collect();
        assert_eq!(delays, [5, 10, 20, 40, 60, 60]);
        assert_eq!(backoff(&config, u32::MAX), Duration::from_secs(60));
    }
}
