//! Why [`RedisStore::connect`](crate::RedisStore::connect) failed, told without the password.

use std::time::Duration;

pub(crate) use auth_core::redact::{mask_url_in as mask, redact_url};

/// Why [`RedisStore::connect`](crate::RedisStore::connect) failed. The URL in it has its
/// password replaced by `***`, and the password never appears in the detail either, so the
/// error can be logged as is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// The URL is not a Redis URL the client understands.
    #[error("invalid Redis URL {url}: {detail}")]
    InvalidUrl {
        /// The URL, password redacted.
        url: String,
        /// What is wrong with it.
        detail: String,
    },
    /// Redis refused the connection, the handshake (`AUTH`, `SELECT`) failed, or it answered
    /// with an error.
    #[error("could not connect to Redis at {url}: {detail}")]
    Failed {
        /// The URL, password redacted.
        url: String,
        /// The client's error.
        detail: String,
    },
    /// No connection within [`RedisConfig::timeout`](crate::RedisConfig::timeout).
    #[error("no connection to Redis at {url} within {timeout:?}")]
    TimedOut {
        /// The URL, password redacted.
        url: String,
        /// The bound that passed.
        timeout: Duration,
    },
}
