//! The one error type every store returns.

use std::error::Error as StdError;

/// Why a store operation failed.
///
/// A store answers "not there" with `Ok(None)` / `Ok(false)`; `Err` is for a uniqueness
/// conflict the caller must handle, or for infrastructure failure. Callers treat
/// [`StoreError::Backend`] and [`StoreError::Unavailable`] as "refuse", never as "allow"
/// (fail closed); hosts answer `Unavailable` with 503 and `Retry-After`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A uniqueness rule was broken: the email or username is taken, the provider identity is
    /// already linked, the id already exists.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// The record to update does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The backing store failed (connection lost, timeout, constraint the store did not map,
    /// …). The source is for logs only; it never reaches a client.
    #[error("storage backend failure")]
    Backend(#[source] Box<dyn StdError + Send + Sync>),
    /// The backing store could not be reached within its bound (connection refused or lost,
    /// no pooled connection free before the acquire timeout, a command timed out): a
    /// transient outage, worth retrying later. The source is for logs only.
    #[error("storage backend unavailable")]
    Unavailable(#[source] Box<dyn StdError + Send + Sync>),
}

impl StoreError {
    /// Wraps a backend error.
    pub fn backend(error: impl StdError + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(error))
    }

    /// Wraps the error of a backend that could not be reached in time.
    pub fn unavailable(error: impl StdError + Send + Sync + 'static) -> Self {
        Self::Unavailable(Box::new(error))
    }

    /// Whether this is a transient outage ([`StoreError::Unavailable`]) that a client may
    /// retry later.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}
