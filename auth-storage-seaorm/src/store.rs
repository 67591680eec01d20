//! [`SeaOrmStore`]: one connection pool behind all seven store traits.

use std::time::{Duration, SystemTime};

use auth_core::flows::Stores;
use auth_core::oauth_server::OAuthStores;
use auth_core::store::{
    AuthorizationCodeStore, CeremonyStore, CounterStore, OAuthGrantStore, OneTimeTokenStore,
    PendingLoginStore, RevocationStore, SessionStore, StoreError, ThrottleStore,
};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr};
use sea_orm_migration::MigratorTrait;

use crate::{Migrator, Timeouts};

/// Every auth-core store trait on one SeaORM [`DatabaseConnection`] (SQLite, PostgreSQL or
/// MySQL/MariaDB).
///
/// Cheap to clone: the connection is a pool behind an `Arc`.
#[derive(Debug, Clone)]
pub struct SeaOrmStore {
    db: DatabaseConnection,
    /// Where login-throttle counters and the last-login time are written: `db` itself, except
    /// on a SQLite file opened by [`SeaOrmStore::connect`] (see [`SQLITE_COUNTER_CONNECTIONS`]).
    counters: DatabaseConnection,
}

/// The pool size [`SeaOrmStore::connect`] gives a SQLite *file* (an in-memory database keeps
/// one connection: each would see its own empty database). Reads then run beside the one
/// write SQLite allows at a time instead of queueing behind it; more connections than this add
/// memory (a page cache each) but no write throughput. A host can set its own with
/// [`SeaOrmStore::connect_options`].
pub const SQLITE_FILE_CONNECTIONS: u32 = 8;

/// The size of the second pool [`SeaOrmStore::connect`] opens on a SQLite *file* for the
/// writes that need not wait for the disk: login-throttle counters (reserve, release, clear)
/// and a user's last-login time.
///
/// **Why.** With sqlx's default `synchronous=FULL` every SQLite commit waits for an `fsync`
/// under the database's one write lock, and a password login makes seven such small writes
/// (three throttle reservations, three give-backs, the login time) beside the two that matter
/// (the new session with its refresh token, the audit event). These connections use
/// `synchronous=NORMAL`, which in WAL mode keeps every commit atomic and consistent and
/// durable across a crash of the process, and only leaves it to the *next* `FULL` commit (or
/// checkpoint) to reach the disk: the WAL is appended in order, so the session commit that
/// ends a login syncs the throttle writes before it too. What a power loss can take is the
/// counts and login times written since the last `FULL` commit — never a session, refresh
/// token, revocation, one-time token or audit event, which all stay on the `FULL` pool.
/// Forgetting a few seconds of failed-attempt counts on a power cut gives an attacker nothing
/// they could trigger. Other backends use the one pool for everything (PostgreSQL and MySQL
/// commit durably; see `benches/README.md` for what that costs).
pub const SQLITE_COUNTER_CONNECTIONS: u32 = 4;

/// How many rows [`SeaOrmStore::purge_expired`] deleted, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PurgeReport {
    /// Sessions past their absolute expiry (their refresh tokens went with them).
    pub sessions: u64,
    /// Revoked access tokens past their own expiry.
    pub revocations: u64,
    /// One-time tokens past their expiry.
    pub one_time_tokens: u64,
    /// Throttle counters whose window opened before `now - throttle_window` (closed).
    pub throttle_failures: u64,
    /// OAuth authorization codes past their expiry.
    pub authorization_codes: u64,
    /// OAuth grants past their session's absolute expiry.
    pub oauth_grants: u64,
    /// Pending social logins past their expiry (abandoned at the provider).
    pub pending_logins: u64,
    /// Rate-limit and quota counters past their expiry.
    pub counters: u64,
    /// Passkey and second-factor ceremonies past their expiry (abandoned).
    pub ceremonies: u64,
}

impl SeaOrmStore {
    /// A store on an existing connection (run [`SeaOrmStore::migrate`] or [`Migrator`] first).
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            counters: db.clone(),
            db,
        }
    }

    /// Connects to `url` with [`SeaOrmStore::connect_options`] (the default [`Timeouts`]:
    /// a call waits at most 2 s for a connection).
    ///
    /// `sqlite://auth.db` (created if missing), `sqlite::memory:`,
    /// `postgres://user@host/db`, `mysql://user@host/db`.
    ///
    /// # Errors
    ///
    /// The [`DbErr`] of a URL for a backend this build lacks (features `sqlite`, `postgres`,
    /// `mysql`), a malformed URL or an unreachable server. The error never holds the URL's
    /// password: sea-orm echoes the connection string in some of these, and they are rebuilt
    /// with it redacted ([`redact_url`](crate::redact_url) does the same for your logs).
    pub async fn connect(url: &str) -> Result<Self, DbErr> {
        Self::connect_with(url, Timeouts::default()).await
    }

    /// [`SeaOrmStore::connect`] with your own [`Timeouts`].
    ///
    /// # Errors
    ///
    /// As [`SeaOrmStore::connect`]; an unreachable server fails after `timeouts.acquire`.
    pub async fn connect_with(url: &str, timeouts: Timeouts) -> Result<Self, DbErr> {
        let connect = |options| async move {
            Database::connect(options)
                .await
                .map_err(|error| crate::redact::redact_connect_error(url, error))
        };
        let db = connect(Self::connect_options_with(url, timeouts)).await?;
        let counters = match Self::counter_connect_options_with(url, timeouts) {
            Some(options) => connect(options).await?,
            None => db.clone(),
        };
        Ok(Self { db, counters })
    }

    /// The connection settings [`SeaOrmStore::connect`] uses, for a host that wants to adjust
    /// them (pool size, timeouts) before connecting: [`connect_options_with`] and the default
    /// [`Timeouts`].
    ///
    /// [`connect_options_with`]: SeaOrmStore::connect_options_with
    pub fn connect_options(url: &str) -> ConnectOptions {
        Self::connect_options_with(url, Timeouts::default())
    }

    /// The connection settings for `url` with `timeouts`:
    ///
    /// * the [`Timeouts`]: acquire (and connect) bound, PostgreSQL `statement_timeout`;
    /// * statement logging off (sqlx logs every statement at `info` otherwise);
    /// * SQLite files: created if missing, WAL journal, 5 s busy timeout, foreign keys on, and
    ///   up to [`SQLITE_FILE_CONNECTIONS`](crate::SQLITE_FILE_CONNECTIONS) connections, so reads go on beside a write
    ///   (sea-orm's default for SQLite is a single connection);
    /// * SQLite in memory (`:memory:` or `mode=memory`): one connection that is never
    ///   closed — each connection would otherwise see its own empty database.
    pub fn connect_options_with(url: &str, timeouts: Timeouts) -> ConnectOptions {
        let mut options = ConnectOptions::new(url.to_owned());
        options.sqlx_logging(false);
        timeouts.apply(&mut options);
        if url.starts_with("sqlite:") {
            if !is_sqlite_file(url) {
                options
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None::<Duration>)
                    .max_lifetime(None::<Duration>);
            } else {
                // sea-orm gives SQLite one connection unless told otherwise: every read would
                // queue behind the write in flight, its fsync included. In WAL mode readers
                // run beside the one writer; writers wait for each other (busy timeout).
                options.max_connections(SQLITE_FILE_CONNECTIONS);
                #[cfg(feature = "sqlite")]
                options.map_sqlx_sqlite_opts(|sqlite| {
                    use sea_orm::sqlx::sqlite::SqliteJournalMode;
                    sqlite
                        .create_if_missing(true)
                        .journal_mode(SqliteJournalMode::Wal)
                        .busy_timeout(Duration::from_secs(5))
                        .foreign_keys(true)
                });
            }
        }
        options
    }

    /// The settings of the pool [`SeaOrmStore::connect_with`] opens beside the main one on a
    /// SQLite file, for throttle counters and login times: the main settings with
    /// [`SQLITE_COUNTER_CONNECTIONS`] connections and `synchronous=NORMAL` (see there for
    /// why that loses nothing that matters). `None` for every other URL (one pool).
    fn counter_connect_options_with(url: &str, timeouts: Timeouts) -> Option<ConnectOptions> {
        if !is_sqlite_file(url) {
            return None;
        }
        let mut options = Self::connect_options_with(url, timeouts);
        options.max_connections(SQLITE_COUNTER_CONNECTIONS);
        #[cfg(feature = "sqlite")]
        options.map_sqlx_sqlite_opts(|sqlite| {
            sqlite.synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
        });
        Some(options)
    }

    /// Applies every pending migration of this crate (idempotent). The versions are kept
    /// in `auth_seaql_migrations`; see [`Migrator`].
    ///
    /// # Errors
    ///
    /// The [`DbErr`] of a failed migration; it leaves earlier migrations applied.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.db, None).await
    }

    /// The connection, for the host's own queries (and the
    /// [row-level-security helper](crate::rls)).
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Where this store writes login-throttle counters and last-login times:
    /// [`connection`](Self::connection) itself, except on a SQLite file opened by
    /// [`SeaOrmStore::connect`], where it is a second pool whose commits do not wait for the
    /// disk (see [`SQLITE_COUNTER_CONNECTIONS`] for what that can and cannot lose). A host may
    /// use it for counters of its own with the same trade-off; never for sessions, tokens or
    /// anything a revocation depends on.
    pub fn counter_connection(&self) -> &DatabaseConnection {
        &self.counters
    }

    /// Which database this store talks to.
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// This store behind every trait object of an auth-core
    /// [`AuthService`](auth_core::flows::AuthService).
    pub fn into_stores(self) -> Stores {
        Stores::from_one(self)
    }

    /// This store behind every trait object of an auth-core
    /// [`OAuthServer`](auth_core::oauth_server::OAuthServer) (clients, authorization codes,
    /// consents, grants); pass [`into_stores`](Self::into_stores) of a clone beside it.
    pub fn into_oauth_stores(self) -> OAuthStores {
        OAuthStores::from_one(self)
    }

    /// Deletes what has expired at `now`: sessions past their absolute expiry (and their
    /// tokens), expired refresh tokens, revoked-token entries past the token's own expiry,
    /// expired one-time tokens, expired OAuth authorization codes and grants, pending social
    /// logins past their expiry (abandoned at the provider), rate-limit and quota counters past
    /// their expiry, abandoned passkey and second-factor ceremonies, and throttle counters whose
    /// window opened more than `throttle_window` ago (pass
    /// the longest window your [`AuthConfig`](auth_core::flows::AuthConfig) uses). Rows still
    /// needed — rotated refresh tokens of live sessions, which is how a replay is recognised,
    /// and audit events — stay.
    ///
    /// Run it from a periodic task; each table is purged on its own, so a failure part-way
    /// leaves the rest for the next run.
    ///
    /// # Errors
    ///
    /// The first table whose purge failed, as a [`StoreError`].
    pub async fn purge_expired(
        &self,
        now: SystemTime,
        throttle_window: Duration,
    ) -> Result<PurgeReport, StoreError> {
        let report = PurgeReport {
            sessions: self.purge_expired_sessions(now).await?,
            revocations: self.purge_expired_revocations(now).await?,
            one_time_tokens: self.purge_expired_one_time_tokens(now).await?,
            throttle_failures: self.purge_old_failures(now, throttle_window).await?,
            authorization_codes: self.purge_expired_authorization_codes(now).await?,
            oauth_grants: self.purge_expired_grants(now).await?,
            pending_logins: self.purge_expired_pending_logins(now).await?,
            counters: self.purge_expired_counters(now).await?,
            ceremonies: self.purge_expired_ceremonies(now).await?,
        };
        tracing::debug!(?report, "purged expired auth rows");
        Ok(report)
    }
}

/// Whether `url` names a SQLite *file* (not an in-memory database, which must stay on one
/// connection: each connection would see its own empty database).
fn is_sqlite_file(url: &str) -> bool {
    url.starts_with("sqlite:") && !url.contains(":memory:") && !url.contains("mode=memory")
}
