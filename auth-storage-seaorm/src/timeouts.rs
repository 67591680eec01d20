//! [`Timeouts`]: how long a store call may wait for the database before it gives up.

use std::time::Duration;

use sea_orm::ConnectOptions;

/// Bounds on how long a store call waits for the database, so that an outage answers within
/// seconds ([`StoreError::Unavailable`](auth_core::store::StoreError::Unavailable), which
/// hosts turn into 503 with `Retry-After`) instead of piling requests up behind sqlx's
/// 30-second default.
///
/// [`SeaOrmStore::connect`](crate::SeaOrmStore::connect) uses [`Timeouts::default`];
/// [`SeaOrmStore::connect_with`](crate::SeaOrmStore::connect_with) takes your own.
///
/// ```
/// use std::time::Duration;
/// use auth_storage_seaorm::Timeouts;
///
/// let mut timeouts = Timeouts::default();
/// timeouts.acquire = Duration::from_secs(5);
/// timeouts.statement = None; // e.g. behind PgBouncer in transaction mode
/// assert_eq!(Timeouts::default().acquire, Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct Timeouts {
    /// How long a call waits for a pooled connection, **including** opening a new one (TCP
    /// connect, TLS, authentication): sqlx bounds both with this one timeout, so it is also
    /// the connect timeout. While the database is down every call fails after at most this
    /// long, each on its own (they do not queue behind one another). Defaults to
    /// [`Timeouts::DEFAULT_ACQUIRE`] (2 s).
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "auth_core::config_serde::duration")
    )]
    pub acquire: Duration,
    /// PostgreSQL only: the server-side `statement_timeout` of every connection, sent as a
    /// startup parameter (no extra round trip). It bounds a statement stuck behind a lock or
    /// a hung server-side operation; a statement that runs into it fails as unavailable.
    /// Defaults to [`Timeouts::DEFAULT_STATEMENT`] (5 s), ample for the stores' one-row
    /// statements. `None` keeps the server's setting: needed behind PgBouncer in transaction
    /// mode (which refuses the `options` startup parameter unless told to ignore it), and for
    /// a periodic [`purge_expired`](crate::SeaOrmStore::purge_expired) of a very large
    /// backlog or [`migrate`](crate::SeaOrmStore::migrate) of big tables, which may need
    /// longer (give that task its own store).
    ///
    /// Not applied on MySQL/MariaDB: they spell it differently (`max_execution_time`, SELECT
    /// only, vs `max_statement_time`) and setting it costs a statement per new connection;
    /// set it on the server if you want it — its errors are recognised as unavailable too.
    /// SQLite has no server to wait for (its busy timeout is 5 s).
    #[cfg_attr(
        feature = "serde",
        serde(
            default,
            deserialize_with = "auth_core::config_serde::optional_duration"
        )
    )]
    pub statement: Option<Duration>,
}

impl Timeouts {
    /// The default [`acquire`](Self::acquire) bound: 2 s.
    pub const DEFAULT_ACQUIRE: Duration = Duration::from_secs(2);
    /// The default PostgreSQL [`statement`](Self::statement) timeout: 5 s.
    pub const DEFAULT_STATEMENT: Duration = Duration::from_secs(5);

    /// Writes these bounds into `options`.
    pub fn apply(&self, options: &mut ConnectOptions) {
        // sea-orm maps both to sqlx's one acquire timeout; setting both keeps them equal
        // whichever it applies last.
        options
            .connect_timeout(self.acquire)
            .acquire_timeout(self.acquire);
        if let Some(statement) = self.statement
            && is_postgres(options.get_url())
        {
            options.statement_timeout(statement);
        }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            acquire: Self::DEFAULT_ACQUIRE,
            statement: Some(Self::DEFAULT_STATEMENT),
        }
    }
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres:") || url.starts_with("postgresql:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_bound_every_wait() {
        let mut options = ConnectOptions::new("postgres://u@127.0.0.1/db");
        Timeouts::default().apply(&mut options);
        assert_eq!(options.get_acquire_timeout(), Some(Duration::from_secs(2)));
        assert_eq!(options.get_connect_timeout(), Some(Duration::from_secs(2)));
        assert_eq!(
            options.get_statement_timeout(),
            Some(Duration::from_secs(5))
        );
    }

    #[test]
    fn statement_timeout_is_postgres_only_and_can_be_left_to_the_server() {
        let mut mysql = ConnectOptions::new("mysql://u@127.0.0.1/db");
        Timeouts::default().apply(&mut mysql);
        assert_eq!(mysql.get_statement_timeout(), None);
        assert_eq!(mysql.get_acquire_timeout(), Some(Duration::from_secs(2)));

        let mut postgres = ConnectOptions::new("postgresql://u@127.0.0.1/db");
        let timeouts = Timeouts {
            statement: None,
            ..Timeouts::default()
        };
        timeouts.apply(&mut postgres);
        assert_eq!(postgres.get_statement_timeout(), None);
    }
}

#[cfg(all(test, feature = "serde"))]
mod serde_tests {
    use super::*;

    #[test]
    fn a_config_file_keeps_the_defaults_it_leaves_out_and_names_a_misspelt_field() {
        let read: Timeouts =
            serde_json::from_str(r#"{ "acquire": "5s", "statement": null }"#).unwrap();
        assert_eq!(read.acquire, Duration::from_secs(5));
        assert_eq!(read.statement, None);
        let error = serde_json::from_str::<Timeouts>(r#"{ "aquire": "5s" }"#).unwrap_err();
        assert!(error.to_string().contains("unknown field"), "{error}");
    }
}
