//! Conversions between auth-core's records and the column types (see [`crate::entity`]).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_core::store::{SessionId, StoreError, UserId};
use sea_orm::DbErr;

use crate::error::{CorruptRow, TimeOutOfRange, backend};

/// Microseconds since the Unix epoch; [`TimeOutOfRange`] beyond ±292 000 years.
pub(crate) fn micros(at: SystemTime) -> Result<i64, StoreError> {
    let out_of_range = || StoreError::backend(TimeOutOfRange);
    match at.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_micros()).map_err(|_| out_of_range()),
        Err(before) => i64::try_from(before.duration().as_micros())
            .map(|micros| -micros)
            .map_err(|_| out_of_range()),
    }
}

/// The instant `micros` microseconds after (or before) the epoch.
pub(crate) fn time(micros: i64) -> SystemTime {
    let offset = Duration::from_micros(micros.unsigned_abs());
    if micros >= 0 {
        UNIX_EPOCH + offset
    } else {
        UNIX_EPOCH - offset
    }
}

pub(crate) fn opt_micros(at: Option<SystemTime>) -> Result<Option<i64>, StoreError> {
    at.map(micros).transpose()
}

pub(crate) fn user_id(text: &str) -> Result<UserId, StoreError> {
    UserId::parse(text).ok_or_else(|| corrupt("user id is not a UUID"))
}

pub(crate) fn session_id(text: &str) -> Result<SessionId, StoreError> {
    SessionId::parse(text).ok_or_else(|| corrupt("session id is not a UUID"))
}

pub(crate) fn list_to_json(list: &[String]) -> Result<String, StoreError> {
    serde_json::to_string(list).map_err(StoreError::backend)
}

pub(crate) fn list_from_json(text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|_| corrupt("role or permission list is not a JSON array"))
}

/// A row that cannot be turned back into a record: someone wrote it outside the stores.
pub(crate) fn corrupt(what: &'static str) -> StoreError {
    StoreError::backend(CorruptRow(what))
}

/// Shorthand for mapping a database error that has no special meaning.
pub(crate) fn db(error: DbErr) -> StoreError {
    backend(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_at_microsecond_precision_on_both_sides_of_the_epoch() {
        for at in [
            UNIX_EPOCH,
            UNIX_EPOCH + Duration::from_micros(1_000_000_000_123_456),
            UNIX_EPOCH - Duration::from_micros(86_400_000_001),
        ] {
            assert_eq!(time(micros(at).unwrap()), at);
        }
    }

    #[test]
    fn sub_microsecond_parts_are_truncated_toward_the_past() {
        let at = UNIX_EPOCH + Duration::new(10, 999);
        assert_eq!(micros(at).unwrap(), 10_000_000);
    }

    #[test]
    fn a_time_beyond_the_column_range_is_an_error_not_a_wrap() {
        let far = UNIX_EPOCH + Duration::from_secs(u64::MAX / 2);
        assert!(matches!(micros(far), Err(StoreError::Backend(_))));
    }
}
