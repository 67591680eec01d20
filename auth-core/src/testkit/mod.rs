//! The conformance test-kit: the behaviour the [store traits](crate::store) promise, as checks
//! any implementation can run against itself — ours ([`store::memory`](crate::store::memory))
//! and yours (a store on your own database).
//!
//! Enable it for your tests only:
//!
//! ```toml
//! [dev-dependencies]
//! auth-core = { version = "0.1", features = ["testkit"] }
//! ```
//!
//! There is one function per trait ([`user_store_conformance`], [`identity_store_conformance`],
//! [`session_store_conformance`], [`revocation_store_conformance`],
//! [`one_time_token_store_conformance`], [`throttle_store_conformance`],
//! [`audit_store_conformance`]), and [`run_all`] to run them all over the same [`Stores`]
//! bundle an [`AuthService`](crate::flows::AuthService) is built from. The OAuth
//! authorization server's stores have theirs too ([`oauth_client_store_conformance`],
//! [`authorization_code_store_conformance`], [`consent_store_conformance`],
//! [`oauth_grant_store_conformance`]), run together by [`run_all_oauth`]. Pending social logins
//! (kept by auth-providers' login flow) have [`pending_login_store_conformance`], second
//! factors (TOTP records and recovery codes) [`second_factor_store_conformance`], passkey and
//! second-factor ceremonies [`ceremony_store_conformance`], passkeys
//! [`passkey_store_conformance`], and the
//! rate-limit and quota counters [`counter_store_conformance`]; a store that answers the
//! revocation check's reads in one call, [`token_status_store_conformance`]. Each
//! function's docs list what it checks.
//!
//! For outages there is [`OutageProxy`]: a TCP proxy in front of your database that a test
//! cuts and restores, to check that your store fails fast with
//! [`StoreError::Unavailable`](crate::store::StoreError::Unavailable) and recovers.
//!
//! # How a check fails
//!
//! This module is a test harness: a violation **panics** (`assert!`, `panic!`) with a message
//! naming the trait method and the rule broken, e.g. *"SessionStore::rotate_refresh_token of a
//! token that was already rotated must return AlreadyRotated …"*, which fails the `#[test]`
//! that called it. A store returning `Err` where the check expects success panics too, with the
//! error. Never call these functions outside tests.
//!
//! # What the checks need
//!
//! * **A Tokio runtime.** The concurrency checks spawn 50 tasks with [`tokio::spawn`], start
//!   them together on a barrier, and expect exactly one winner of each race (one rotation, one
//!   consume, one insert of an email) and no lost update. Use a multi-thread runtime with at
//!   least two workers (`#[tokio::test(flavor = "multi_thread", worker_threads = 2)]`) so the
//!   tasks really run in parallel; on a current-thread runtime they only interleave at `.await`
//!   points, which finds fewer races.
//! * **Shareable stores.** The checks take an [`Arc`] of the store, because the concurrent tasks
//!   each hold one. Pass `Arc::new(your_store)` or an `Arc<dyn Trait>`.
//! * **A user store for the other stores.** Sessions, identities, one-time tokens and audit
//!   events belong to users, so those checks take a `&dyn UserStore` and create their users
//!   through it first: backends with foreign keys to a users table pass unchanged.
//!
//! # What the checks do to your data
//!
//! * **They never assume an empty store.** Every row they create has fresh random ids, emails
//!   (`testkit-<32 hex digits>@example.test`), throttle keys (`testkit:<hex>`) and `jti`s
//!   (`testkit-<hex>`), and every assertion is about those rows only, so the same database can
//!   run the kit again and again, beside other data.
//! * **Their rows stay.** The traits have no delete for users, sessions or audit events, so
//!   the rows the checks create accumulate. Use a throwaway database or schema.
//! * **Times are in 2001.** Stores never read the clock (times are passed in), so every time
//!   the checks pass is an offset from 2001-09-09T01:46:40Z (Unix time 1 000 000 000). The purge
//!   checks purge at one day before that instant, so they delete only rows that expired in 2001
//!   — never live data, and never a row another check (or another run) still relies on, since
//!   those all expire on or after that instant.
//! * **Purges are global.** A purge check asserts that the count returned is at least the
//!   number of rows it expired itself. If another purge runs against the same database at the
//!   same moment it may delete those rows first and make that assertion fail, so run one suite
//!   at a time per database (one test calling [`run_all`], or `--test-threads=1`).
//!
//! # Example
//!
//! A store of your own (here one that delegates to the in-memory one; yours would talk to your
//! database) checked on its own, then together with the in-memory stores for the other traits:
//!
//! ```
//! use std::sync::Arc;
//! use std::time::SystemTime;
//!
//! use auth_core::flows::Stores;
//! use auth_core::store::memory::MemoryUserStore;
//! use auth_core::store::{StoreError, User, UserId, UserStore, UserUpdate};
//! use auth_core::testkit;
//!
//! /// Your implementation.
//! #[derive(Debug, Default)]
//! struct MyUserStore(MemoryUserStore);
//!
//! #[auth_core::async_trait]
//! impl UserStore for MyUserStore {
//!     async fn insert_user(&self, user: &User) -> Result<(), StoreError> {
//!         self.0.insert_user(user).await
//!     }
//!     async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError> {
//!         self.0.user_by_id(id).await
//!     }
//!     async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
//!         self.0.user_by_email(email).await
//!     }
//!     async fn user_by_username(&self, name: &str) -> Result<Option<User>, StoreError> {
//!         self.0.user_by_username(name).await
//!     }
//!     async fn update_user(&self, user: &User) -> Result<(), StoreError> {
//!         self.0.update_user(user).await
//!     }
//!     async fn delete_user(&self, id: UserId) -> Result<bool, StoreError> {
//!         self.0.delete_user(id).await
//!     }
//!     async fn update_user_fields(
//!         &self,
//!         id: UserId,
//!         update: &UserUpdate,
//!     ) -> Result<bool, StoreError> {
//!         self.0.update_user_fields(id, update).await
//!     }
//!     async fn record_login(&self, id: UserId, at: SystemTime) -> Result<(), StoreError> {
//!         self.0.record_login(id, at).await
//!     }
//! }
//!
//! // In your tests: `#[tokio::test(flavor = "multi_thread", worker_threads = 2)]`.
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let runtime = tokio::runtime::Builder::new_multi_thread()
//! #     .worker_threads(2)
//! #     .enable_all()
//! #     .build()?;
//! # runtime.block_on(async {
//! // One trait on its own:
//! testkit::user_store_conformance(Arc::new(MyUserStore::default())).await;
//!
//! // Everything, with your store in place of the in-memory one (with a store type that
//! // implements all seven traits, `Stores::from_one(store)`):
//! let mut stores = Stores::in_memory();
//! stores.users = Arc::new(MyUserStore::default());
//! testkit::run_all(&stores).await;
//! # });
//! # Ok(())
//! # }
//! ```

use std::sync::Arc;

use crate::flows::Stores;

mod audit;
mod ceremonies;
mod counters;
mod exact_match;
mod identities;
mod oauth;
mod one_time;
mod outage;
mod passkeys;
mod pending_logins;
mod revocations;
mod second_factors;
mod sessions;
mod support;
mod throttle;
mod token_status;
mod user_fields;
mod users;

pub use audit::audit_store_conformance;
pub use ceremonies::ceremony_store_conformance;
pub use counters::counter_store_conformance;
pub use identities::identity_store_conformance;
pub use oauth::{
    authorization_code_store_conformance, consent_store_conformance,
    oauth_client_store_conformance, oauth_grant_store_conformance, run_all_oauth,
};
pub use one_time::one_time_token_store_conformance;
pub use outage::{OutageProxy, upstream_of};
pub use passkeys::passkey_store_conformance;
pub use pending_logins::pending_login_store_conformance;
pub use revocations::revocation_store_conformance;
pub use second_factors::second_factor_store_conformance;
pub use sessions::session_store_conformance;
pub use throttle::throttle_store_conformance;
pub use token_status::token_status_store_conformance;
pub use users::user_store_conformance;

/// Runs every check against `stores`, one trait after another (users first; the other checks
/// create their users through `stores.users`). Panics on the first violation; see the
/// [module docs](self) for what the checks need and do.
pub async fn run_all(stores: &Stores) {
    let users = &*stores.users;
    user_store_conformance(Arc::clone(&stores.users)).await;
    identity_store_conformance(Arc::clone(&stores.identities), users).await;
    session_store_conformance(Arc::clone(&stores.sessions), users).await;
    revocation_store_conformance(Arc::clone(&stores.revocations)).await;
    one_time_token_store_conformance(Arc::clone(&stores.one_time_tokens), users).await;
    throttle_store_conformance(Arc::clone(&stores.throttle)).await;
    audit_store_conformance(Arc::clone(&stores.audit), users).await;
}
