//! [`Limit`] (requests per window) and [`Quota`] (units per calendar period).

use std::time::Duration;

use super::period::Period;

/// At most `max` requests per `window`, per key.
///
/// In-process (the default) this is a GCRA ("leaky bucket as a meter", the `governor` crate):
/// a burst of `max` at once, then one more every `window / max`. With a shared
/// [`CounterStore`](auth_core::store::CounterStore) it is a fixed window named in the counter's
/// key, so several instances share one count.
///
/// ```
/// use auth_tower::rate_limit::Limit;
///
/// let api = Limit::per_minute(100);
/// assert_eq!(api.max(), 100);
/// assert_eq!(api.window_seconds(), 60);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limit {
    max: u32,
    window: Duration,
}

impl Limit {
    /// `max` requests per second.
    pub const fn per_second(max: u32) -> Self {
        Self::new(max, Duration::from_secs(1))
    }

    /// `max` requests per minute.
    pub const fn per_minute(max: u32) -> Self {
        Self::new(max, Duration::from_secs(60))
    }

    /// `max` requests per hour.
    pub const fn per_hour(max: u32) -> Self {
        Self::new(max, Duration::from_secs(3600))
    }

    /// `max` requests per `window`. The window is counted in whole seconds (the unit of the
    /// `RateLimit` headers and of shared windows): below one second it is one second, and a
    /// fraction of a second is dropped. `max == 0` refuses every request.
    pub const fn new(max: u32, window: Duration) -> Self {
        let seconds = if window.as_secs() == 0 {
            1
        } else {
            window.as_secs()
        };
        Self {
            max,
            window: Duration::from_secs(seconds),
        }
    }

    /// The most requests per window.
    pub const fn max(&self) -> u32 {
        self.max
    }

    /// The window.
    pub const fn window(&self) -> Duration {
        self.window
    }

    /// The window in whole seconds (at least 1).
    pub const fn window_seconds(&self) -> u64 {
        self.window.as_secs()
    }
}

/// At most `max` units per calendar [`Period`] (UTC), per key: seed 002's "100 images a
/// month on the free plan".
///
/// Consumed through [`CounterStore::add`](auth_core::store::CounterStore::add), one unit per
/// request the rate limit let through, in one atomic step: N concurrent requests never use
/// more than `max`.
///
/// ```
/// use auth_tower::rate_limit::{Period, Quota};
///
/// let free = Quota::monthly(100);
/// assert_eq!(free.period(), Period::Monthly);
/// assert_eq!(Quota::daily(10).max(), 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quota {
    max: u64,
    period: Period,
}

impl Quota {
    /// `max` units per calendar day (UTC).
    pub const fn daily(max: u64) -> Self {
        Self {
            max,
            period: Period::Daily,
        }
    }

    /// `max` units per calendar month (UTC).
    pub const fn monthly(max: u64) -> Self {
        Self {
            max,
            period: Period::Monthly,
        }
    }

    /// The most units per period.
    pub const fn max(&self) -> u64 {
        self.max
    }

    /// The period.
    pub const fn period(&self) -> Period {
        self.period
    }
}
