//! Pending logins: what `start` remembers until the provider redirects back — the PKCE
//! verifier, the OIDC nonce, which provider, which browser, and until when.

use std::collections::{BTreeMap, HashMap};
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
    /// The store holds as many pending logins as it may; try again later. (The in-memory
    /// store never answers this: it evicts the login closest to expiry instead.)
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
/// Logins are indexed twice: by `state` hash (for [`take`](PendingLoginStore::take)) and in
/// expiry order (a `BTreeMap` keyed by `(expires_at, insertion number)`). Every `put` first
/// drops the logins that have expired, each in O(log n), so the work is proportional to what
/// is removed, never to what waits.
///
/// At most `capacity` logins wait at once (default 100 000), so a flood of started-and-abandoned
/// logins cannot exhaust memory. When the store is full, `put` **evicts the login closest to
/// expiry** instead of refusing the new one: `start` is unauthenticated, so refusing would let
/// anyone who opens enough `GET /auth/oauth/{provider}` requests block every user's social
/// login until the flood expires. Evicting the oldest means a flood can only push out other
/// pending logins (the victim retries), and how fast it can do that is bounded by the per-IP
/// limits the host puts in front of `start`. `put` never returns [`PendingStoreError::Full`].
#[derive(Clone)]
pub struct MemoryPendingLoginStore {
    inner: Arc<Mutex<Pending>>,
    clock: Arc<dyn Clock>,
    capacity: usize,
}

/// The two indexes, always updated together inside one critical section.
#[derive(Default)]
struct Pending {
    /// The logins by `state` hash, with their key in `by_expiry`.
    by_state: HashMap<SecretHash, (ExpiryKey, PendingLogin)>,
    /// The same logins in expiry order (ties broken by insertion order).
    by_expiry: BTreeMap<ExpiryKey, SecretHash>,
    /// The next insertion number.
    next: u64,
}

/// Position of a login in expiry order: when it expires, then when it was stored.
type ExpiryKey = (SystemTime, u64);

impl Pending {
    fn remove(&mut self, state: &SecretHash) -> Option<PendingLogin> {
        let (key, login) = self.by_state.remove(state)?;
        self.by_expiry.remove(&key);
        Some(login)
    }

    /// Removes the login closest to expiry (O(log n)).
    fn pop_oldest(&mut self) -> Option<(ExpiryKey, SecretHash)> {
        let (key, state) = self.by_expiry.pop_first()?;
        self.by_state.remove(&state);
        Some((key, state))
    }

    /// Removes every login expired at `now`, oldest first.
    fn purge_expired(&mut self, now: SystemTime) {
        while self
            .by_expiry
            .first_key_value()
            .is_some_and(|((expires_at, _), _)| *expires_at <= now)
        {
            self.pop_oldest();
        }
    }

    fn insert(&mut self, state: SecretHash, login: PendingLogin) {
        // A second login under the same state (a 256-bit collision, or a caller's bug)
        // replaces the first; its expiry entry must go with it.
        self.remove(&state);
        let key = (login.expires_at, self.next);
        self.next = self.next.wrapping_add(1);
        self.by_expiry.insert(key, state);
        self.by_state.insert(state, (key, login));
    }
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

    /// The same store holding at most `capacity` pending logins (at least one: a store that
    /// could hold none would refuse every login).
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    /// How many logins are waiting.
    pub fn len(&self) -> usize {
        self.lock().by_state.len()
    }

    /// Whether no login is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        // Each operation updates both indexes without anything that can panic in between,
        // so a lock poisoned by a panic elsewhere still guards consistent data.
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

impl Debug for MemoryPendingLoginStore {
    // Counts only: the map holds PKCE verifiers and nonces (redacted anyway) and its size is
    // all an operator needs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryPendingLoginStore")
            .field("pending", &self.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

#[async_trait]
impl PendingLoginStore for MemoryPendingLoginStore {
    async fn put(&self, state: SecretHash, login: PendingLogin) -> Result<(), PendingStoreError> {
        let now = self.clock.now();
        let mut pending = self.lock();
        pending.purge_expired(now);
        while pending.by_state.len() >= self.capacity && !pending.by_state.contains_key(&state) {
            if pending.pop_oldest().is_none() {
                break;
            }
            tracing::debug!("pending-login store full: evicted the login closest to expiry");
        }
        pending.insert(state, login);
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

    fn store_at(unix: u64, capacity: usize) -> (ManualClock, MemoryPendingLoginStore) {
        let clock = ManualClock::at_unix(unix);
        let store = MemoryPendingLoginStore::new()
            .with_clock(Arc::new(clock.clone()))
            .with_capacity(capacity);
        (clock, store)
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

    // Issue 14 (start flood DoS): 100 000 unauthenticated `GET /auth/oauth/{provider}` used to
    // fill the store and make every user's social login fail until they expired. A full store
    // must still accept a fresh login, pushing out the one closest to expiry.
    #[tokio::test]
    async fn start_flood_full_store_still_accepts_a_fresh_login() {
        let (_clock, store) = store_at(1_000, 3);
        for (attacker, expires) in [("a1", 1_100), ("a2", 1_200), ("a3", 1_300)] {
            store
                .put(SecretHash::of(attacker), login(expires))
                .await
                .unwrap();
        }
        store
            .put(SecretHash::of("victim"), login(1_600))
            .await
            .expect("a full store must not refuse a fresh login");
        assert_eq!(store.len(), 3);
        assert!(
            store
                .take(&SecretHash::of("victim"))
                .await
                .unwrap()
                .is_some()
        );
        // The evicted one is the login closest to expiry, not a random or newer one.
        assert!(store.take(&SecretHash::of("a1")).await.unwrap().is_none());
        assert!(store.take(&SecretHash::of("a2")).await.unwrap().is_some());
        assert!(store.take(&SecretHash::of("a3")).await.unwrap().is_some());
    }

    // Expired logins are dropped by the next `put` (oldest first), not kept until capacity.
    #[tokio::test]
    async fn expired_logins_are_purged_on_put() {
        let (clock, store) = store_at(1_000, 10);
        store.put(SecretHash::of("a"), login(1_100)).await.unwrap();
        store.put(SecretHash::of("b"), login(1_150)).await.unwrap();
        store.put(SecretHash::of("c"), login(1_500)).await.unwrap();
        clock.set_unix(1_200);
        store.put(SecretHash::of("d"), login(1_300)).await.unwrap();
        assert_eq!(store.len(), 2);
        assert!(store.take(&SecretHash::of("a")).await.unwrap().is_none());
        assert!(store.take(&SecretHash::of("b")).await.unwrap().is_none());
        assert!(store.take(&SecretHash::of("c")).await.unwrap().is_some());
        assert!(store.take(&SecretHash::of("d")).await.unwrap().is_some());
        assert!(store.is_empty());
    }

    // Both indexes stay in step: a taken or replaced login leaves no stale expiry entry that
    // a later eviction could count against the capacity.
    #[tokio::test]
    async fn take_and_replace_keep_the_expiry_index_in_step() {
        let (_clock, store) = store_at(1_000, 2);
        store.put(SecretHash::of("a"), login(1_100)).await.unwrap();
        store.put(SecretHash::of("a"), login(1_900)).await.unwrap();
        store.put(SecretHash::of("b"), login(1_200)).await.unwrap();
        assert!(store.take(&SecretHash::of("b")).await.unwrap().is_some());
        store.put(SecretHash::of("c"), login(1_300)).await.unwrap();
        assert_eq!(store.len(), 2);
        let inner = store.lock();
        assert_eq!(inner.by_expiry.len(), inner.by_state.len());
    }

    // Consume-once under concurrency: of 50 tasks taking one state, exactly one gets it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn replayed_callback_concurrent_take_has_one_winner() {
        let store = MemoryPendingLoginStore::new();
        store
            .put(SecretHash::of("s"), login(u64::MAX / 2))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..50)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.take(&SecretHash::of("s")).await })
            })
            .collect();
        let mut winners = 0;
        for task in tasks {
            if task.await.unwrap().unwrap().is_some() {
                winners += 1;
            }
        }
        assert_eq!(winners, 1);
    }

    #[test]
    fn debug_shows_counts_only() {
        let text = format!("{:?}", MemoryPendingLoginStore::new());
        assert_eq!(
            text,
            "MemoryPendingLoginStore { pending: 0, capacity: 100000 }"
        );
    }
}
