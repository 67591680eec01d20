//! In-memory implementations of every store trait, for tests, examples and single-process
//! development servers.
//!
//! Each store keeps its data behind an `Arc<std::sync::Mutex<…>>`:
//!
//! * **Clones share data.** Cloning a store is cheap and gives another handle to the same
//!   records, so one store can be handed to several services or tasks.
//! * **Every operation is one critical section.** No method awaits while holding the lock, so
//!   each keeps the trait's atomicity promise: unique inserts, the refresh-token rotation,
//!   consuming a one-time token and counting a failure cannot interleave with another call.
//! * **A poisoned lock is recovered, not propagated.** Nothing inside a critical section can
//!   panic, so a lock can only be poisoned by a panic elsewhere while a guard was alive, and the
//!   data it guards is still consistent; the stores keep working instead of failing every call.
//! * **Nothing is durable or shared across processes.** Data lives as long as the last clone.
//!   Expired rows stay until the matching `purge_*` method runs, and the audit trail only grows,
//!   so a long-running development server should call the purge methods periodically.
//! * **Times are passed in.** No store reads the clock, exactly like the traits ask.
//!
//! `Debug` prints only counts: records hold password hashes, emails and client addresses.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use auth_core::store::memory::MemoryStores;
//! use auth_core::store::{User, UserId, UserStore};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! # runtime.block_on(async {
//! let stores = MemoryStores::new();
//! let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
//! let user = User::new(UserId::generate()?, "Kim@Example.com", now);
//! stores.users.insert_user(&user).await?;
//!
//! // A clone is another handle to the same data.
//! let users = stores.users.clone();
//! let found = users.user_by_email("kim@example.com").await?;
//! assert_eq!(found.map(|user| user.id), Some(user.id));
//! # Ok(())
//! # })
//! # }
//! ```

use std::sync::{Mutex, MutexGuard, PoisonError};

mod audit;
mod ceremonies;
mod counters;
mod expiring;
mod identities;
mod oauth;
mod one_time;
mod passkeys;
mod pending_logins;
mod revocations;
mod second_factors;
mod sessions;
mod throttle;
mod users;

pub use audit::MemoryAuditStore;
pub use ceremonies::MemoryCeremonyStore;
pub use counters::MemoryCounterStore;
pub use identities::MemoryIdentityStore;
pub use oauth::{
    MemoryAuthorizationCodeStore, MemoryConsentStore, MemoryOAuthClientStore, MemoryOAuthGrantStore,
};
pub use one_time::MemoryOneTimeTokenStore;
pub use passkeys::MemoryPasskeyStore;
pub use pending_logins::MemoryPendingLoginStore;
pub use revocations::MemoryRevocationStore;
pub use second_factors::MemorySecondFactorStore;
pub use sessions::MemorySessionStore;
pub use throttle::MemoryThrottleStore;
pub use users::MemoryUserStore;

/// One in-memory store of each kind, for wiring everything up in a test or an example.
///
/// The fields are ordinary stores: clone one out to hand it to whatever needs that trait.
/// Cloning the bundle clones every handle (the data is shared, not copied).
#[derive(Debug, Clone, Default)]
pub struct MemoryStores {
    /// Accounts ([`UserStore`](super::UserStore)).
    pub users: MemoryUserStore,
    /// Provider links ([`IdentityStore`](super::IdentityStore)).
    pub identities: MemoryIdentityStore,
    /// Sessions and refresh tokens ([`SessionStore`](super::SessionStore)).
    pub sessions: MemorySessionStore,
    /// Revoked access tokens ([`RevocationStore`](super::RevocationStore)).
    pub revocations: MemoryRevocationStore,
    /// Reset, verification and login codes ([`OneTimeTokenStore`](super::OneTimeTokenStore)).
    pub one_time_tokens: MemoryOneTimeTokenStore,
    /// Failure counters ([`ThrottleStore`](super::ThrottleStore)).
    pub throttle: MemoryThrottleStore,
    /// The audit trail ([`AuditStore`](super::AuditStore)).
    pub audit: MemoryAuditStore,
}

impl MemoryStores {
    /// Seven empty stores.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Locks `mutex`, recovering the data if a panic elsewhere poisoned it (see the module docs:
/// no critical section in this module can panic half-way through an update).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A number of rows as the `u64` the traits return (saturating; `usize` fits on every target
/// Rust supports today).
fn count(rows: usize) -> u64 {
    u64::try_from(rows).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::lock;

    /// Poisons `mutex` by panicking on another thread while holding its guard.
    pub(super) fn poison<T: Send + 'static>(mutex: Arc<Mutex<T>>) {
        let result = std::thread::spawn(move || {
            let _guard = mutex.lock();
            panic!("deliberate panic to poison the store's lock");
        })
        .join();
        assert!(result.is_err(), "the poisoning thread must have panicked");
    }

    #[test]
    fn lock_recovers_a_poisoned_mutex() {
        let mutex = Arc::new(Mutex::new(1));
        poison(Arc::clone(&mutex));
        assert!(mutex.is_poisoned());
        *lock(&mutex) += 1;
        assert_eq!(*lock(&mutex), 2);
    }

    #[test]
    fn debug_of_the_bundle_shows_counts_only() {
        let stores = super::MemoryStores::new();
        let text = format!("{stores:?}");
        assert!(text.contains("MemoryUserStore { users: 0 }"), "{text}");
        assert!(
            text.contains("MemorySessionStore { sessions: 0, refresh_tokens: 0 }"),
            "{text}"
        );
    }
}
