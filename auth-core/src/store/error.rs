//! The one error type every store returns.

use std::error::Error as StdError;

/// Why a store operation failed.
///
/// A store answers "not there" with `Ok(None)` / `Ok(false)`; `Err` is for a uniqueness
/// conflict the caller must handle, or for infrastructure failure. Callers treat
/// [`StoreError::Backend`] as "refuse", never as "allow" (fail closed).
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
}

impl StoreError {
    /// Wraps a backend error.
    pub fn backend(error: impl StdError + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(error))
    }
}
