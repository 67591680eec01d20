//! # auth-storage-seaorm
//!
//! Every [auth-core](auth_core) store trait on [SeaORM](sea_orm) 2: SQLite (the embedded
//! default — one file, no server), PostgreSQL and MySQL/MariaDB, with the schema as
//! sea-orm-migration migrations.
//!
//! ## Overview
//!
//! * [`SeaOrmStore`] — one connection pool behind all seven traits (`UserStore`,
//!   `IdentityStore`, `SessionStore`, `RevocationStore`, `OneTimeTokenStore`,
//!   `ThrottleStore`, `AuditStore`); [`SeaOrmStore::into_stores`] hands it to an
//!   [`AuthService`](auth_core::flows::AuthService). It passes auth-core's conformance
//!   test-kit on all three backends.
//! * [`SeaOrmStore::into_oauth_stores`] — the same pool behind auth-core's OAuth
//!   authorization-server stores (`OAuthClientStore`, `AuthorizationCodeStore`,
//!   `ConsentStore`, `OAuthGrantStore`) for an
//!   [`OAuthServer`](auth_core::oauth_server::OAuthServer); they pass the OAuth conformance
//!   checks on every backend, and an authorization code is redeemed by one conditional
//!   `UPDATE` (one winner among concurrent redemptions).
//! * **Pending social logins**: the same pool behind auth-core's
//!   [`PendingLoginStore`](auth_core::store::PendingLoginStore), for auth-providers'
//!   `LoginFlow`, so a login started on one instance completes on another. A take reads the
//!   row and one `DELETE … WHERE state_hash = ?` decides (only the caller whose delete
//!   removed the row gets the login); the `state` and browser binding are stored as SHA-256.
//! * **Passkeys and ceremonies**: the same pool behind auth-core's
//!   [`CeremonyStore`](auth_core::store::CeremonyStore) (table `auth_ceremonies`; taken like
//!   pending logins, so a ceremony is consumed once, and spent when presented for another
//!   purpose) and [`PasskeyStore`](auth_core::store::PasskeyStore) (table `auth_passkeys`,
//!   keyed by the SHA-256 of the credential id, so an id is unique across all users; rows go
//!   with their user).
//! * **Refresh rotation is one conditional write**: an `UPDATE … WHERE rotated_at IS NULL AND
//!   <session active>` decides, so of any number of concurrent refreshes with one token exactly
//!   one succeeds — on SQLite, PostgreSQL and MySQL alike. On PostgreSQL the whole rotation is
//!   **one statement, one round trip** (a data-modifying `WITH` that locks, decides, writes and
//!   returns the outcome). Writes that touch several rows (a session and its first token; a
//!   rotation on SQLite and MySQL; a new one-time token voiding the old ones; the purge) run in one
//!   transaction, so a failure leaves nothing half-written.
//! * **The revocation check in one query**: [`SeaOrmStore`] implements auth-core's
//!   [`TokenStatusStore`](auth_core::store::TokenStatusStore), reading a verified token's
//!   user, session and `jti` in one statement; build the checker with
//!   [`RevocationChecker::from_store`](auth_core::revocation::RevocationChecker::from_store)
//!   (`from_store(config, Arc::new(store.clone()))`) and an uncached token costs one round
//!   trip instead of three.
//! * **Rate-limit and quota counters**: the same pool behind auth-core's
//!   [`CounterStore`](auth_core::store::CounterStore) (table `auth_counters`): one conditional
//!   `UPDATE` (or, for a new key, one `INSERT … ON CONFLICT DO NOTHING`) decides each
//!   addition, so concurrent additions never pass the limit. Keys compare byte for byte on
//!   every backend and are at most 512 characters (a longer one is an error, never
//!   truncated into another key); purge them with
//!   [`purge_expired_counters`](auth_core::store::CounterStore::purge_expired_counters).
//! * **Second factors**: the same pool behind auth-core's
//!   [`SecondFactorStore`](auth_core::store::SecondFactorStore) (tables `auth_totp` and
//!   `auth_recovery_codes`, deleted with their user): recording a TOTP time step and using a
//!   recovery code are one conditional `UPDATE` each, so a code is accepted once even when
//!   two requests carry it at the same moment.
//! * [`migration`] — the schema ([`Migrator`], run by [`SeaOrmStore::migrate`]), with an index
//!   on every lookup column; versions are kept in their own `auth_seaql_migrations` table, so
//!   your own sea-orm `Migrator` on the same database is unaffected.
//! * **Exact lookups on every backend**: emails, username keys and `(provider, subject)` are
//!   compared byte for byte, as auth-core normalised them; on MySQL/MariaDB a migration gives
//!   those columns a binary collation (the default ones fold case and accents, so
//!   `alícé@example.com` would find `alice@example.com`).
//! * **Column-scoped user writes**: `UserStore::update_user_fields` is one `UPDATE` of only
//!   the columns asked for, so a flow never undoes a concurrent disable or cut-off.
//! * [`entity`] — the tables as SeaORM entities, for your own joins and reports.
//! * [`rls`] — PostgreSQL row-level security for multi-tenant hosts: run a unit of work after
//!   `SELECT set_config('app.current_user_id', $1, true)` (bound, transaction-local), and
//!   install policies on your tables; "no user" and "no tenant" match no row.
//! * [`SeaOrmStore::purge_expired`] — deletes expired sessions, tokens, revocations,
//!   throttle counters, abandoned pending logins and ceremonies; run it periodically.
//!
//! Tokens are never stored, only their SHA-256; times are `BIGINT` microseconds since the
//! epoch (so stored times are truncated to the microsecond).
//!
//! ## Quick start
//!
//! ```
//! use std::sync::Arc;
//!
//! use auth_core::flows::{AuthConfig, AuthService, ClientInfo, RecordingMailer};
//! use auth_core::password::{Password, PasswordHasher};
//! use auth_core::token::{AccessTokenIssuer, Algorithm, IssuerConfig, KeySet, SigningKey};
//! use auth_core::SystemClock;
//! use auth_storage_seaorm::SeaOrmStore;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // `sqlite://auth.db` for a file, or a `postgres://` / `mysql://` URL.
//! let store = SeaOrmStore::connect("sqlite::memory:").await?;
//! store.migrate().await?; // idempotent; run it at start-up
//!
//! let keys = KeySet::new(SigningKey::generate_hmac("k1", Algorithm::HS256)?);
//! let auth = AuthService::new(
//!     AuthConfig::default(),
//!     store.clone().into_stores(),
//!     AccessTokenIssuer::new(IssuerConfig::new("https://auth.example", "api"), &keys),
//!     PasswordHasher::default(),
//!     Arc::new(SystemClock),
//!     Arc::new(RecordingMailer::default()), // your mailer in production
//! );
//!
//! let client = ClientInfo::default();
//! let password = Password::new("mauve-tulip-orbit-42".to_owned());
//! let (user, tokens) = auth.signup("kim@example.com", password, &client).await?;
//! let refreshed = auth.refresh(tokens.refresh_token.secret(), &client).await?;
//! assert_eq!(refreshed.session_id, tokens.session_id);
//! # let _ = user; Ok(()) }
//! ```
//!
//! ## Connecting and migrating
//!
//! [`SeaOrmStore::connect`] applies settings that matter for an auth store (see
//! [`SeaOrmStore::connect_options`]): SQLite files in WAL mode with a busy timeout and foreign
//! keys on, in-memory SQLite on a single never-closed connection, and statement logging off.
//! A SQLite file also gets a small second pool for throttle counters and login times whose
//! commits skip the fsync ([`SQLITE_COUNTER_CONNECTIONS`] says what that can lose: counts,
//! never a session, token or revocation).
//! To tune the pool, start from those options:
//!
//! ```no_run
//! # async fn run() -> Result<(), sea_orm::DbErr> {
//! use auth_storage_seaorm::SeaOrmStore;
//!
//! let mut options = SeaOrmStore::connect_options("postgres://app@db.internal/app");
//! options.max_connections(20).acquire_timeout(std::time::Duration::from_secs(3));
//! let store = SeaOrmStore::new(sea_orm::Database::connect(options).await?);
//! store.migrate().await?;
//! # Ok(()) }
//! ```
//!
//! A host with its own migration runner runs [`Migrator`] (a `sea_orm_migration::MigratorTrait`)
//! instead of [`SeaOrmStore::migrate`]; the two are the same.
//!
//! ## When the database is down
//!
//! Every call is bounded ([`Timeouts`]): it waits at most 2 s for a pooled connection
//! (opening one included) — not sqlx's 30 s default — and on PostgreSQL a statement runs at
//! most 5 s (`statement_timeout`). A call that could not reach the database in time (no
//! connection before the acquire timeout, connection refused, reset or closed, I/O or TLS
//! failure, a statement timeout) returns
//! [`StoreError::Unavailable`](auth_core::store::StoreError::Unavailable); every other
//! failure [`StoreError::Backend`](auth_core::store::StoreError::Backend), both with the
//! [`DbErr`](sea_orm::DbErr) as their source (for logs). Never a panic, and never an answer
//! that would let a request through: auth-core's flows refuse. The pool reconnects by itself
//! once the server is back — no restart.
//!
//! What a client sees, through auth-tower: `503 Service Unavailable` with `Retry-After` and
//! `{"error": "temporarily_unavailable", …}` within about the acquire timeout, for every
//! request that needs the database (concurrent ones do not queue behind each other); 500
//! stays for failures a retry will not cure. [`is_connection_error`] tells a lost connection
//! of this crate apart (for health checks).
//!
//! ## Feature flags
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `sqlite` | yes | SQLite through sqlx (bundled, no system library) |
//! | `postgres` | no | PostgreSQL through sqlx, for the store and the [`rls`] helper |
//! | `mysql` | no | MySQL and MariaDB through sqlx |
//! | `rustls` | no | TLS to the database server with rustls |
//! | `aws_lc_rs` | yes | auth-core's crypto backend: aws-lc-rs |
//! | `rust_crypto` | no | auth-core's crypto backend: the RustCrypto crates |
//! | `serde` | no | `Deserialize` for [`Timeouts`] (durations as `"2s"`), to read it from a config file |
//! | `passkey` | no | auth-core's `passkey` feature (the passkey flows of `AuthService`), so a host needs one feature here; the store implements `PasskeyStore` either way. Links OpenSSL |

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))] // doc_auto_cfg was merged into doc_cfg (Rust 1.92)

#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
compile_error!("auth-storage-seaorm needs a database: enable `sqlite`, `postgres` or `mysql`");

mod audit;
mod ceremonies;
mod convert;
mod counters;
pub mod entity;
mod error;
mod from_env;
mod identities;
pub mod migration;
mod oauth;
mod one_time;
mod passkeys;
mod pending_logins;
mod redact;
mod revocations;
pub mod rls;
mod second_factors;
mod sessions;
mod store;
mod throttle;
mod timeouts;
mod token_status;
mod users;

pub use error::{CorruptRow, TimeOutOfRange, is_connection_error};
pub use migration::Migrator;
pub use redact::redact_url;
pub use store::{PurgeReport, SQLITE_COUNTER_CONNECTIONS, SQLITE_FILE_CONNECTIONS, SeaOrmStore};
pub use timeouts::Timeouts;

pub use sea_orm;
pub use sea_orm_migration;
