//! Redis storage for [auth-core](auth_core): the state several instances of a service must
//! share that is short-lived and hot — revoked access tokens, throttle and rate-limit
//! counters, usage quotas, social logins between start and callback — and a publish/subscribe
//! channel that drops every instance's revocation cache at once.
//!
//! # Overview
//!
//! [`RedisStore`] implements these auth-core store traits, each passing its conformance check
//! (`auth_core::testkit`):
//!
//! | trait | keys (after the prefix) | lives until |
//! |---|---|---|
//! | [`RevocationStore`](auth_core::store::RevocationStore) | `revoked:jti:<sha256(jti)>` | the token's `exp` + [`RedisConfig::revocation_grace`] |
//! | [`ThrottleStore`](auth_core::store::ThrottleStore) | `throttle:key:<key>` (hash: opened, attempts) | the window's end |
//! | [`CounterStore`](auth_core::store::CounterStore) | `counter:key:<sha256(key)>` (hash: used, expiry) | the counter's `expires_at` |
//! | [`PendingLoginStore`](auth_core::store::PendingLoginStore) | `pending:state:<sha256(state)>` (JSON) | the login's `expires_at` |
//! | [`CeremonyStore`](auth_core::store::CeremonyStore) | `ceremony:id:<sha256(token)>` (JSON) | the ceremony's `expires_at` |
//!
//! Each has a sorted-set index (`throttle:opened`, `throttle:names`, `counter:expiry`,
//! `revoked:expiry`, `pending:expiry`, `ceremony:expiry`) so the `purge_*` methods can count what they delete;
//! Redis expires the entries by itself, so purging only keeps the indexes small — run it
//! now and then, as with the SQL stores. Every decision that must be atomic is one Lua script:
//! a throttle reservation counts before it checks, a counter adds within its limit, a pending
//! login or a passkey ceremony is written with `SET NX` and taken with `GETDEL`. Times come from the caller (the
//! flows' clock): a key's time to live is its expiry minus the `now` passed in. The one
//! exception is a revoked `jti`, whose method is given no `now`: it lives until its `exp` by
//! the system clock, plus the grace.
//!
//! [`RedisInvalidation`] carries [`Invalidation`](auth_core::revocation::Invalidation)s
//! between instances on `<prefix>revocation`, so hosts can cache "not revoked" for seconds
//! and still see a logout on every instance at once.
//!
//! **Not stored here:** users, sessions, refresh tokens, identities, one-time tokens, audit
//! events and OAuth records stay in SQL (auth-storage-seaorm): they are durable records,
//! and Redis is a cache that may lose data on a restart. Losing what this crate keeps is
//! bounded: throttles and counters start over, pending social logins must be started again,
//! and a revoked `jti` is forgotten (its session revocation, kept in SQL, still refuses the
//! token). Redis Cluster is not supported (the scripts touch index keys in other slots);
//! use a single primary, with replicas or Sentinel for failover.
//!
//! # Timeouts
//!
//! Every command is bounded by [`RedisConfig::timeout`] (default 2 s): a Redis that is down
//! or slow makes calls fail with
//! [`StoreError::Unavailable`](auth_core::store::StoreError::Unavailable) in that time
//! (hosts answer 503 with `Retry-After`), never hang; the connection reconnects by itself.
//!
//! # Quick start
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use std::time::{Duration, SystemTime};
//! use auth_core::store::ThrottleStore;
//! use auth_storage_redis::{RedisConfig, RedisStore};
//!
//! let config = RedisConfig::default()
//!     .key_prefix("myapp:auth:")
//!     .timeout(Duration::from_secs(1));
//! let redis = RedisStore::connect_with("redis://127.0.0.1:6379", config).await?;
//! let now = SystemTime::now();
//! let attempt = redis
//!     .reserve("login:user:42", now, Duration::from_secs(900), 5)
//!     .await?;
//! assert!(attempt.is_granted());
//! # Ok(()) }
//! ```
//!
//! The configuration itself needs no Redis:
//!
//! ```
//! use std::time::Duration;
//! use auth_storage_redis::RedisConfig;
//!
//! let config = RedisConfig::default();
//! assert_eq!(config.key_prefix, "auth:");
//! assert_eq!(config.timeout, Duration::from_secs(2));
//! ```
//!
//! # Feature flags
//!
//! | flag | default | what |
//! |---|---|---|
//! | `aws_lc_rs` | yes | auth-core's crypto backend: aws-lc-rs |
//! | `rust_crypto` | no | auth-core's crypto backend: the pure-Rust RustCrypto crates |
//! | `serde` | no | `Deserialize` for [`RedisConfig`] (durations as `"2s"`), to read it from a config file |

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod ceremonies;
mod config;
mod connect;
mod counters;
mod from_env;
mod invalidation;
mod keys;
mod pending_logins;
mod purge;
mod revocations;
mod single_use;
mod store;
mod throttle;

pub use config::RedisConfig;
pub use connect::ConnectError;
pub use invalidation::{RedisInvalidation, Subscription};
/// The Redis client this crate is built on.
pub use redis;
pub use store::RedisStore;
