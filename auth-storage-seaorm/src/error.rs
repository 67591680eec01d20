//! How database errors become [`StoreError`]s.

use auth_core::store::StoreError;
use sea_orm::{DbErr, SqlErr};

/// A time outside what a `BIGINT` of microseconds holds (about ±292 000 years).
#[derive(Debug, thiserror::Error)]
#[error("time is out of the storable range")]
pub struct TimeOutOfRange;

/// A stored row that does not decode (written outside the stores, or by a newer schema).
#[derive(Debug, thiserror::Error)]
#[error("stored row is corrupt: {0}")]
pub struct CorruptRow(pub &'static str);

/// Any database failure, as [`StoreError::Backend`]. The [`DbErr`] is kept as the source,
/// for logs and for callers that want to tell a lost connection
/// ([`DbErr::ConnectionAcquire`], [`DbErr::Conn`]) from the rest.
pub(crate) fn backend(error: DbErr) -> StoreError {
    StoreError::backend(error)
}

/// A uniqueness violation as [`StoreError::Conflict`] naming `what`; anything else as
/// [`StoreError::Backend`].
pub(crate) fn conflict_or_backend(error: DbErr, what: &'static str) -> StoreError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict(what),
        _ => backend(error),
    }
}

/// For the users table, which has three unique keys: which one broke. The index names
/// (PostgreSQL, MySQL) and column names (SQLite) all contain the field's name.
pub(crate) fn user_conflict_or_backend(error: DbErr) -> StoreError {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(message)) => {
            if message.contains("username") {
                StoreError::Conflict("username")
            } else if message.contains("email") {
                StoreError::Conflict("email")
            } else {
                StoreError::Conflict("user")
            }
        }
        _ => backend(error),
    }
}

/// Whether `error` (from a store) means the database could not be reached: the pool could
/// not hand out a connection, or the connection broke. Useful for health checks and retries;
/// the flows refuse either way.
pub fn is_connection_error(error: &StoreError) -> bool {
    let StoreError::Backend(source) = error else {
        return false;
    };
    matches!(
        source.downcast_ref::<DbErr>(),
        Some(DbErr::ConnectionAcquire(_) | DbErr::Conn(_))
    )
}
