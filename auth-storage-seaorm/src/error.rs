//! How database errors become [`StoreError`]s.

use auth_core::store::StoreError;
use sea_orm::{DbErr, RuntimeErr, SqlErr, sqlx};

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
/// not hand out a connection, or the connection broke (I/O, TLS or protocol failure, a closed
/// pool). Useful for health checks and retries; the flows refuse either way.
pub fn is_connection_error(error: &StoreError) -> bool {
    let StoreError::Backend(source) = error else {
        return false;
    };
    match source.downcast_ref::<DbErr>() {
        Some(DbErr::ConnectionAcquire(_)) => true,
        Some(DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime)) => {
            is_connection_failure(runtime)
        }
        _ => false,
    }
}

fn is_connection_failure(error: &RuntimeErr) -> bool {
    match error {
        RuntimeErr::SqlxError(error) => matches!(
            **error,
            sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::Protocol(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn runtime(error: sqlx::Error) -> RuntimeErr {
        RuntimeErr::SqlxError(Arc::new(error))
    }

    #[test]
    fn lost_connections_are_recognised_and_other_failures_are_not() {
        let broken_pipe = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        for lost in [
            DbErr::ConnectionAcquire(sea_orm::error::ConnAcquireErr::Timeout),
            DbErr::Query(runtime(sqlx::Error::Io(broken_pipe))),
            DbErr::Exec(runtime(sqlx::Error::PoolClosed)),
        ] {
            assert!(is_connection_error(&backend(lost)));
        }
        for other in [
            DbErr::Query(runtime(sqlx::Error::RowNotFound)),
            DbErr::Custom("constraint".into()),
        ] {
            assert!(!is_connection_error(&backend(other)));
        }
        assert!(!is_connection_error(&StoreError::Conflict("email")));
    }
}
