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

/// Any database failure: [`StoreError::Unavailable`] when the database could not be reached
/// within its bound (see [`is_unreachable`]), [`StoreError::Backend`] for everything else.
/// The [`DbErr`] is kept as the source, for logs.
///
/// The split is what lets a host answer an outage with 503 and `Retry-After` (the client
/// may retry, nothing is wrong with its request) and keep 500 for failures a retry will
/// not cure (a constraint the store did not map, a corrupt row, a schema mismatch).
pub(crate) fn backend(error: DbErr) -> StoreError {
    if is_unreachable(&error) {
        StoreError::unavailable(error)
    } else {
        StoreError::backend(error)
    }
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
/// not hand out a connection within the acquire timeout, the connection broke (I/O, TLS or
/// protocol failure, a closed pool), or a statement ran into its timeout. Every such error
/// is a [`StoreError::Unavailable`] (see [`StoreError::is_unavailable`]); this also checks
/// that it came from this crate's database. The flows refuse either way (fail closed).
pub fn is_connection_error(error: &StoreError) -> bool {
    let StoreError::Unavailable(source) = error else {
        return false;
    };
    source.downcast_ref::<DbErr>().is_some_and(is_unreachable)
}

/// Whether `error` means "not reachable within the bound" rather than "the database said no".
fn is_unreachable(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime) => {
            is_connection_failure(runtime)
        }
        _ => false,
    }
}

/// The PostgreSQL SQLSTATE `query_canceled`: what `statement_timeout` raises.
const PG_QUERY_CANCELED: &str = "57014";

/// MySQL `ER_QUERY_TIMEOUT` (`max_execution_time`) and MariaDB `ER_STATEMENT_TIMEOUT`
/// (`max_statement_time`): a host may set either; their SQLSTATE is the generic `HY000`, so
/// the server's error number is what tells them apart.
#[cfg(feature = "mysql")]
const MYSQL_TIMEOUT_NUMBERS: [u16; 2] = [3024, 1969];

/// Whether the server cancelled the statement because it ran past its timeout.
fn is_statement_timeout(error: &dyn sqlx::error::DatabaseError) -> bool {
    if error.code().as_deref() == Some(PG_QUERY_CANCELED) {
        return true;
    }
    #[cfg(feature = "mysql")]
    if let Some(mysql) = error.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return MYSQL_TIMEOUT_NUMBERS.contains(&mysql.number());
    }
    false
}

fn is_connection_failure(error: &RuntimeErr) -> bool {
    match error {
        RuntimeErr::SqlxError(error) => match &**error {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => true,
            sqlx::Error::Database(database) => is_statement_timeout(database.as_ref()),
            _ => false,
        },
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
            let error = backend(lost);
            assert!(error.is_unavailable(), "{error:?}");
            assert!(is_connection_error(&error));
        }
        for other in [
            DbErr::Query(runtime(sqlx::Error::RowNotFound)),
            DbErr::Custom("constraint".into()),
        ] {
            let error = backend(other);
            assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
            assert!(!is_connection_error(&error));
        }
        assert!(!is_connection_error(&StoreError::Conflict("email")));
    }
}
