//! The connection: one multiplexed, self-reconnecting connection per store, every command
//! bounded in time.

use std::fmt;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_core::store::StoreError;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisError, RedisResult};

use crate::config::RedisConfig;
use crate::connect::{ConnectError, mask, redact_url};
use crate::keys::Keys;

/// auth-core's Redis-backed stores: [`RevocationStore`](auth_core::store::RevocationStore),
/// [`ThrottleStore`](auth_core::store::ThrottleStore),
/// [`CounterStore`](auth_core::store::CounterStore),
/// [`PendingLoginStore`](auth_core::store::PendingLoginStore) and
/// [`CeremonyStore`](auth_core::store::CeremonyStore), on one connection.
///
/// Cheap to clone (clones share the connection). The connection reconnects by itself after
/// Redis restarts; until then every call fails with
/// [`StoreError::Unavailable`] within [`RedisConfig::timeout`], never hangs.
#[derive(Clone)]
pub struct RedisStore {
    pub(crate) connection: ConnectionManager,
    /// For publish/subscribe, which needs a connection of its own.
    pub(crate) client: redis::Client,
    pub(crate) keys: Keys,
    pub(crate) timeout: Duration,
    pub(crate) revocation_grace: Duration,
}

impl RedisStore {
    /// Connects to `url` (`redis://[[user]:password@]host[:port][/db]`) with
    /// [`RedisConfig::default`].
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        Self::connect_with(url, RedisConfig::default()).await
    }

    /// Connects to `url` with `config`.
    pub async fn connect_with(url: &str, config: RedisConfig) -> Result<Self, ConnectError> {
        let client = redis::Client::open(url).map_err(|error| ConnectError::InvalidUrl {
            url: redact_url(url),
            detail: mask(url, &error.to_string()),
        })?;
        let manager = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(config.timeout))
            .set_response_timeout(Some(config.timeout))
            // Reconnection runs in the background; a call made meanwhile fails at once
            // (Unavailable) rather than waiting for it.
            .set_number_of_retries(1)
            .set_max_delay(config.timeout);
        let connect = ConnectionManager::new_with_config(client.clone(), manager);
        let connection = match tokio::time::timeout(config.timeout, connect).await {
            Ok(Ok(connection)) => connection,
            Ok(Err(error)) => {
                return Err(ConnectError::Failed {
                    url: redact_url(url),
                    detail: mask(url, &error.to_string()),
                });
            }
            Err(_) => {
                return Err(ConnectError::TimedOut {
                    url: redact_url(url),
                    timeout: config.timeout,
                });
            }
        };
        Ok(Self {
            connection,
            client,
            keys: Keys::new(&config.key_prefix),
            timeout: config.timeout,
            revocation_grace: config.revocation_grace,
        })
    }

    /// Runs one call on the connection, bounded by the configured timeout.
    pub(crate) async fn run<T, F, Fut>(&self, call: F) -> Result<T, StoreError>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        match tokio::time::timeout(self.timeout, call(self.connection.clone())).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(store_error(error)),
            Err(elapsed) => Err(StoreError::unavailable(elapsed)),
        }
    }
}

impl fmt::Debug for RedisStore {
    // By hand: the client's connection info holds the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("keys", &self.keys)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A transient outage (Redis unreachable, connection lost, no answer in time) is
/// `Unavailable` (503, retry later); anything else is `Backend`.
pub(crate) fn store_error(error: RedisError) -> StoreError {
    if error.is_timeout()
        || error.is_io_error()
        || error.is_connection_dropped()
        || error.is_connection_refusal()
    {
        StoreError::unavailable(error)
    } else {
        StoreError::backend(error)
    }
}

/// The largest integer a Lua number (a double) holds exactly. Times, windows and counts are
/// clamped to it before they reach a script.
pub(crate) const MAX_EXACT: u64 = (1 << 53) - 1;

/// `time` in milliseconds since the Unix epoch (0 before it), clamped to [`MAX_EXACT`].
pub(crate) fn millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, duration_millis)
}

/// `duration` in milliseconds, clamped to [`MAX_EXACT`].
pub(crate) fn duration_millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).map_or(MAX_EXACT, |ms| ms.min(MAX_EXACT))
}
