//! Pending logins: what `start` remembers until the provider redirects back — the PKCE
//! verifier, the OIDC nonce, which provider, which browser, and until when.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use auth_core::{Clock, SystemClock, async_trait};

use crate::secret::{SecretHash, SecretValue};

/// One login between `start` and its callback. Not `Clone`: it is consumed once.
#[derive(Debug)]
#[non_exhaustive]
pub struct PendingLogin {
    /// The provider the login was started with.
    pub provider: String,
    /// The PKCE code verifier (RFC 7636), sent with the code exchange.
    pub pkce_verifier: SecretValue,
    /// The OIDC nonce sent in the authorization request, for providers that use one.
    pub nonce: Option<SecretValue>,
    /// SHA-256 of the browser-binding value handed to the browser in a cookie.
    pub browser_binding: SecretHash,
    /// When the login stops being accepted.
    pub expires_at: SystemTime,
}

impl PendingLogin {
    /// A pending login (for store implementations that load one back).
    pub fn new(
        provider: impl Into<String>,
        pkce_verifier: SecretValue,
        nonce: Option<SecretValue>,
        browser_binding: SecretHash,
        expires_at: SystemTime,
    ) -> Self {
        Self {
            provider: provider.into(),
            pkce_verifier,
            nonce,
            browser_binding,
            expires_at,
        }
    }
}

/// Why a pending-login store failed (an infrastructure fault, never a refused login).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PendingStoreError {
    /// The store holds as many pending logins as it may; try again later.
    #[error("too many pending logins")]
    Full,
    /// The backing storage failed.
    #[error("pending-login storage failed: {0}")]
    Backend(String),
}

/// Where pending logins wait for their callback, keyed by the SHA-256 of their `state`.
///
/// Implement it on your shared storage (a database table, Redis with a TTL) when several
/// instances serve callbacks. The contract:
/// * [`take`](Self::take) is **consume-once**: of any number of concurrent calls with one key,
///   at most one returns the login (a replayed callback finds nothing);
/// * logins past `expires_at` may be dropped at any time (the flow checks expiry itself too).
#[async_trait]
pub trait PendingLoginStore: Debug + Send + Sync + 'static {
    /// Stores `login` under `state`.
    async fn put(&self, state: SecretHash, login: PendingLogin) -> Result<(), PendingStoreError>;

    /// Removes and returns the login under `state`, if any.
    async fn take(&self, state: &SecretHash) -> Result<Option<PendingLogin>, PendingStoreError>;
}

/// An in-process [`PendingLoginStore`] for one instance (or sticky sessions).
///
/// Expired logins are purged on every `put`; at most `capacity` logins wait at once (default
/// 100 000), so a flood of started-and-abandoned logins cannot exhaust memory.
#[derive(Debug, Clone)]
pub struct MemoryPendingLoginStore {
    inner: Arc<Mutex<HashMap<SecretHash, PendingLogin>>>,
    clock: Arc<dyn Clock>,
    capacity: usize,
}

impl MemoryPendingLoginStore {
    /// The default capacity.
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// An empty store reading the system clock.
    pub fn new() -> Self {
        Self {
            inner: Arc::default(),
            clock: Arc::new(SystemClock),
            capacity: Self::DEFAULT_CAPACITY,
        }
    }

    /// The same store reading time from `clock` (for purging).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The same store holding at most `capacity` pending logins.
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// How many logins are waiting.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no login is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SecretHash, PendingLogin>> {
        // A panic while holding the lock cannot leave the map inconsistent (each operation
        // is one insert or remove), so a poisoned lock is still safe to use.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Default for MemoryPendingLoginStore {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl PendingLoginStore for MemoryPendingLoginStore {
    async fn put(&self, state: SecretHash, login: PendingLogin) -> Result<(), PendingStoreError> {
        let now = self.clock.now();
        let mut map = self.lock();
        map.retain(|_, pending| pending.expires_at > now);
        if map.len() >= self.capacity {
            return Err(PendingStoreError::Full);
        }
        map.insert(state, login);
        Ok(())
    }

    async fn take(&self, state: &SecretHash) -> Result<Option<PendingLogin>, PendingStoreError> {
        Ok(self.lock().remove(state))
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use auth_core::ManualClock;

    use super::*;

    fn login(expires: u64) -> PendingLogin {
        PendingLogin::new(
            "google",
            SecretValue::new("v"),
            None,
            SecretHash::of("b"),
            UNIX_EPOCH + Duration::from_secs(expires),
        )
    }

    #[tokio::test]
    async fn take_consumes_once() {
        let store = MemoryPendingLoginStore::new();
        store
            .put(SecretHash::of("s"), login(u64::MAX / 2))
            .await
            .unwrap();
        assert!(store.take(&SecretHash::of("s")).await.unwrap().is_some());
        assert!(store.take(&SecretHash::of("s")).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn expired_logins_are_purged_and_capacity_is_enforced() {
        let clock = ManualClock::at_unix(1_000);
        let store = MemoryPendingLoginStore::new()
            .with_clock(Arc::new(clock.clone()))
            .with_capacity(2);
        store.put(SecretHash::of("a"), login(1_100)).await.unwrap();
        store.put(SecretHash::of("b"), login(1_100)).await.unwrap();
        assert!(matches!(
            store.put(SecretHash::of("c"), login(1_100)).await,
            Err(PendingStoreError::Full)
        ));
        clock.set_unix(1_200);
        store.put(SecretHash::of("c"), login(1_300)).await.unwrap();
        assert_eq!(store.len(), 1);
    }
}
