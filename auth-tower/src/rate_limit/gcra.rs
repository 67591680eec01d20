//! The in-process limiter: one keyed GCRA (`governor`) per limit, with bounded memory.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota as GovernorQuota, RateLimiter};

use super::key::Subject;
use super::limit::Limit;

type Keyed =
    RateLimiter<Subject, DefaultKeyedStateStore<Subject>, DefaultClock, StateInformationMiddleware>;

/// How often (in checks) the limiter looks at its size.
const SIZE_CHECK_EVERY: u64 = 1_024;

/// What one check decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GcraOutcome {
    /// Let through; `remaining` more fit right now, the bucket is full again in `reset` s.
    Allowed { remaining: u64, reset: u64 },
    /// Refused; the next request fits in `retry_after` seconds (at least 1).
    Refused { retry_after: u64 },
}

/// A keyed GCRA for one [`Limit`].
pub(crate) struct Gcra {
    /// `None` for a limit of 0 (refuses everything; governor cannot express it).
    limiter: Option<Keyed>,
    limit: Limit,
    checks: AtomicU64,
    max_keys: usize,
}

impl fmt::Debug for Gcra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gcra")
            .field("limit", &self.limit)
            .field("max_keys", &self.max_keys)
            .finish_non_exhaustive()
    }
}

impl Gcra {
    /// A limiter for `limit` that prunes itself once it tracks more than `max_keys` keys.
    pub(crate) fn new(limit: Limit, max_keys: usize) -> Self {
        let limiter = NonZeroU32::new(limit.max()).and_then(|max| {
            let interval = limit.window() / max.get();
            GovernorQuota::with_period(interval.max(Duration::from_nanos(1)))
                .map(|quota| RateLimiter::dashmap(quota.allow_burst(max)).with_middleware())
        });
        Self {
            limiter,
            limit,
            checks: AtomicU64::new(0),
            max_keys,
        }
    }

    /// Counts one request for `key`.
    pub(crate) fn check(&self, key: &Subject) -> GcraOutcome {
        let Some(limiter) = &self.limiter else {
            return GcraOutcome::Refused {
                retry_after: self.limit.window_seconds(),
            };
        };
        self.bound_memory(limiter);
        match limiter.check_key(key) {
            Ok(snapshot) => {
                let remaining = u64::from(snapshot.remaining_burst_capacity());
                let used = u64::from(self.limit.max()).saturating_sub(remaining);
                // The bucket refills one unit per window / max.
                let reset = (self.limit.window().as_nanos() * u128::from(used))
                    .div_ceil(u128::from(self.limit.max()) * 1_000_000_000);
                GcraOutcome::Allowed {
                    remaining,
                    reset: u64::try_from(reset).unwrap_or(u64::MAX),
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(limiter.clock().now());
                let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                GcraOutcome::Refused {
                    retry_after: seconds.max(1),
                }
            }
        }
    }

    /// Keys whose bucket has refilled carry no information; drop them when the map grows
    /// past `max_keys`. Looked at every [`SIZE_CHECK_EVERY`] checks so the hot path stays one
    /// atomic increment. Keys still inside their window are kept (dropping them would reset
    /// their count), so memory is bounded by the distinct keys seen in one window.
    fn bound_memory(&self, limiter: &Keyed) {
        let checks = self.checks.fetch_add(1, Ordering::Relaxed);
        if checks % SIZE_CHECK_EVERY == SIZE_CHECK_EVERY - 1 && limiter.len() > self.max_keys {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// How many keys are tracked.
    #[cfg(test)]
    pub(crate) fn tracked_keys(&self) -> usize {
        self.limiter.as_ref().map_or(0, Keyed::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_of_max_passes_and_the_next_is_refused() {
        let gcra = Gcra::new(Limit::per_minute(3), 100);
        let key = Subject::User("alice".to_owned());
        assert_eq!(
            gcra.check(&key),
            GcraOutcome::Allowed {
                remaining: 2,
                reset: 20
            }
        );
        assert_eq!(
            gcra.check(&key),
            GcraOutcome::Allowed {
                remaining: 1,
                reset: 40
            }
        );
        assert_eq!(
            gcra.check(&key),
            GcraOutcome::Allowed {
                remaining: 0,
                reset: 60
            }
        );
        let GcraOutcome::Refused { retry_after } = gcra.check(&key) else {
            panic!("the fourth request in a minute must be refused");
        };
        assert!((1..=20).contains(&retry_after), "{retry_after}");
    }

    #[test]
    fn a_limit_of_zero_refuses_everything() {
        let gcra = Gcra::new(Limit::per_minute(0), 100);
        assert_eq!(
            gcra.check(&Subject::Unknown),
            GcraOutcome::Refused { retry_after: 60 }
        );
    }

    #[test]
    fn memory_is_pruned_of_refilled_keys_past_the_bound() {
        // A 1-second window: keys seen long enough ago have refilled and may go.
        let gcra = Gcra::new(Limit::per_second(1_000_000), 10);
        for i in 0..(SIZE_CHECK_EVERY - 1) {
            let _ = gcra.check(&Subject::User(format!("k{i}")));
        }
        assert_eq!(gcra.tracked_keys(), 1_023);
        // A bucket of 1 000 000/s refills in a microsecond, so by now nearly every key has
        // (no sleeping: only the last few checked could still be inside theirs).
        let _ = gcra.check(&Subject::Unknown);
        assert!(gcra.tracked_keys() < 100, "{}", gcra.tracked_keys());
    }
}
