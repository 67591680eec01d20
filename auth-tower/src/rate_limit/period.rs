//! [`Period`]: calendar days and months in UTC, named so a counter's key says which one it is.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

const DAY: u64 = 86_400;

/// A calendar period in UTC: quotas reset at its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Period {
    /// From 00:00 UTC to the next 00:00 UTC.
    Daily,
    /// From the 1st at 00:00 UTC to the 1st of the next month.
    Monthly,
}

/// The period `now` falls in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CurrentPeriod {
    /// `2026-12` or `2026-12-01`: the part of the counter's key that names the period.
    pub(crate) label: String,
    /// When the period ends (the counter may be forgotten then).
    pub(crate) ends_at: SystemTime,
    /// Its whole length in seconds (the `w` of the `RateLimit-Policy` header).
    pub(crate) length: u64,
    /// Seconds from `now` to its end, at least 1 (the `t` of the `RateLimit` header).
    pub(crate) left: u64,
}

impl Period {
    /// The name used in the `RateLimit` headers.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Monthly => "monthly",
        }
    }

    /// The period containing `now` (times before 1970 count as 1970-01-01).
    pub(crate) fn current(self, now: SystemTime) -> CurrentPeriod {
        let seconds = now
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs();
        let day = seconds / DAY;
        let (year, month, date) = civil_from_days(day);
        let (label, start_day, end_day) = match self {
            Self::Daily => (format!("{year:04}-{month:02}-{date:02}"), day, day + 1),
            Self::Monthly => {
                let (next_year, next_month) = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
                (
                    format!("{year:04}-{month:02}"),
                    days_from_civil(year, month, 1),
                    days_from_civil(next_year, next_month, 1),
                )
            }
        };
        let end = end_day * DAY;
        CurrentPeriod {
            label,
            ends_at: UNIX_EPOCH + Duration::from_secs(end),
            length: (end_day - start_day) * DAY,
            left: end.saturating_sub(seconds).max(1),
        }
    }
}

/// (year, month 1–12, day 1–31) of a day number since 1970-01-01 (proleptic Gregorian;
/// H. Hinnant's `civil_from_days`, restricted to days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let date = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, date)
}

/// Days since 1970-01-01 of a date on or after it (the inverse of [`civil_from_days`]).
fn days_from_civil(year: u64, month: u64, date: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year / 400;
    let year_of_era = year - era * 400;
    let month_from_march = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * month_from_march + 2) / 5 + date - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn months_are_calendar_months_in_utc() {
        // 2026-12-01T02:30:00Z
        let now = at(1_796_092_200);
        let month = Period::Monthly.current(now);
        assert_eq!(month.label, "2026-12");
        // Ends 2027-01-01T00:00:00Z, after 31 days.
        assert_eq!(month.ends_at, at(1_798_761_600));
        assert_eq!(month.length, 31 * DAY);
        assert_eq!(month.left, 1_798_761_600 - 1_796_092_200);
    }

    #[test]
    fn february_of_a_leap_year_has_29_days() {
        // 2028-02-10T00:00:00Z
        let month = Period::Monthly.current(at(1_833_753_600));
        assert_eq!(month.label, "2028-02");
        assert_eq!(month.length, 29 * DAY);
    }

    #[test]
    fn days_end_at_midnight_utc() {
        let day = Period::Daily.current(at(1_796_092_200));
        assert_eq!(day.label, "2026-12-01");
        assert_eq!(day.ends_at, at(1_796_169_600));
        assert_eq!(day.length, DAY);
        // The last second of a day still has one second left, never zero.
        assert_eq!(Period::Daily.current(at(1_796_169_599)).left, 1);
    }

    #[test]
    fn the_date_helpers_are_inverse() {
        for day in [0, 59, 60, 365, 10_957, 20_788, 20_877, 47_482] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }
}
