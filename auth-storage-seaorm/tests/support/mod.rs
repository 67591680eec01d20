//! Throwaway databases for the integration tests: SQLite always, PostgreSQL and MariaDB/MySQL
//! when `AUTH_TEST_POSTGRES_URL` / `AUTH_TEST_MYSQL_URL` are set (`.ci/run` sets them).
//!
//! Every test gets its own PostgreSQL schema or MySQL database, named
//! `auth_test_<unix seconds>_<random>`, dropped by [`TestDb::drop_all`] at the end. A test that
//! panics before that leaves its schema (and an RLS test its role) behind; the next run drops
//! any such schema or role older than an hour, so nothing accumulates.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_storage_seaorm::SeaOrmStore;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

pub const POSTGRES_URL: &str = "AUTH_TEST_POSTGRES_URL";
pub const MYSQL_URL: &str = "AUTH_TEST_MYSQL_URL";
const PREFIX: &str = "auth_test_";
const STALE_AFTER: Duration = Duration::from_secs(3600);

/// Says, where the test output shows it, that a test did not run.
#[allow(clippy::print_stderr)] // the notice is the point: a skipped test must say so
pub fn skip(test: &str, variable: &str) {
    eprintln!("SKIPPED {test}: set {variable} to run it against a real server");
}

fn random_hex() -> String {
    let mut bytes = [0u8; 6];
    getrandom::getrandom(&mut bytes).expect("OS randomness");
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unix_seconds(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

fn unique_name() -> String {
    format!(
        "{PREFIX}{}_{}",
        unix_seconds(SystemTime::now()),
        random_hex()
    )
}

/// Whether `name` is one of ours and older than [`STALE_AFTER`].
fn is_stale(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(PREFIX) else {
        return false;
    };
    let created = rest
        .split('_')
        .next()
        .and_then(|secs| secs.parse::<u64>().ok());
    let cutoff = unix_seconds(SystemTime::now()).saturating_sub(STALE_AFTER.as_secs());
    created.is_some_and(|created| created < cutoff)
}

/// A database a test owns, and what to drop when it is done.
pub struct TestDb {
    pub url: String,
    pub store: SeaOrmStore,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Memory,
    PostgresSchema {
        admin: DatabaseConnection,
        schema: String,
    },
    MysqlDatabase {
        admin: DatabaseConnection,
        database: String,
    },
}

impl TestDb {
    /// SQLite in memory, migrated.
    pub async fn sqlite_memory() -> Self {
        let url = "sqlite::memory:".to_owned();
        let store = SeaOrmStore::connect(&url).await.expect("sqlite in memory");
        store.migrate().await.expect("migrations");
        Self {
            url,
            store,
            cleanup: Cleanup::Memory,
        }
    }

    /// A SQLite file in the temp dir (WAL, several connections), migrated.
    pub async fn sqlite_file() -> Self {
        let path = std::env::temp_dir().join(format!("{}.sqlite3", unique_name()));
        let url = format!("sqlite://{}", path.display());
        let store = SeaOrmStore::connect(&url).await.expect("sqlite file");
        store.migrate().await.expect("migrations");
        Self {
            url,
            store,
            cleanup: Cleanup::File(path),
        }
    }

    /// A fresh schema on the PostgreSQL server at `$AUTH_TEST_POSTGRES_URL`, migrated.
    pub async fn postgres(test: &str) -> Option<Self> {
        let Ok(base) = std::env::var(POSTGRES_URL) else {
            skip(test, POSTGRES_URL);
            return None;
        };
        let admin = Database::connect(&base)
            .await
            .expect("PostgreSQL reachable");
        drop_stale_postgres_schemas(&admin).await;
        let schema = unique_name();
        admin
            .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("create schema");
        let mut options = SeaOrmStore::connect_options(&base);
        options.set_schema_search_path(schema.clone());
        let store = SeaOrmStore::new(Database::connect(options).await.expect("connect"));
        store.migrate().await.expect("migrations");
        Some(Self {
            url: base,
            store,
            cleanup: Cleanup::PostgresSchema { admin, schema },
        })
    }

    /// A fresh database on the MySQL/MariaDB server at `$AUTH_TEST_MYSQL_URL`, migrated.
    pub async fn mysql(test: &str) -> Option<Self> {
        let Ok(base) = std::env::var(MYSQL_URL) else {
            skip(test, MYSQL_URL);
            return None;
        };
        let admin = Database::connect(&base).await.expect("MySQL reachable");
        drop_stale_mysql_databases(&admin).await;
        let database = unique_name();
        admin
            .execute_unprepared(&format!("CREATE DATABASE {database} CHARACTER SET utf8mb4"))
            .await
            .expect("create database");
        let url = with_database(&base, &database);
        let store = SeaOrmStore::connect(&url).await.expect("connect");
        store.migrate().await.expect("migrations");
        Some(Self {
            url,
            store,
            cleanup: Cleanup::MysqlDatabase { admin, database },
        })
    }

    /// For PostgreSQL: the schema this test owns.
    pub fn schema(&self) -> Option<&str> {
        match &self.cleanup {
            Cleanup::PostgresSchema { schema, .. } => Some(schema),
            _ => None,
        }
    }

    /// Drops what this test created.
    pub async fn drop_all(self) {
        let Self { store, cleanup, .. } = self;
        store.connection().clone().close().await.ok();
        match cleanup {
            Cleanup::Memory => {}
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    std::fs::remove_file(file).ok();
                }
            }
            Cleanup::PostgresSchema { admin, schema } => {
                admin
                    .execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .await
                    .expect("drop schema");
            }
            Cleanup::MysqlDatabase { admin, database } => {
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {database}"))
                    .await
                    .expect("drop database");
            }
        }
    }
}

/// `base` (a `mysql://…/db` URL) pointed at `database` instead.
pub fn with_database(base: &str, database: &str) -> String {
    let (without_query, query) = match base.split_once('?') {
        Some((url, query)) => (url, Some(query)),
        None => (base, None),
    };
    let authority_end = without_query
        .find("://")
        .map(|scheme| scheme + 3)
        .and_then(|start| without_query[start..].find('/').map(|slash| start + slash))
        .unwrap_or(without_query.len());
    let mut url = format!("{}/{database}", &without_query[..authority_end]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

async fn names(admin: &DatabaseConnection, sql: &str) -> Vec<String> {
    let rows = admin
        .query_all_raw(Statement::from_string(admin.get_database_backend(), sql))
        .await
        .expect("list test schemas");
    rows.iter()
        .filter_map(|row| row.try_get_by_index::<String>(0).ok())
        .collect()
}

async fn drop_stale_postgres_schemas(admin: &DatabaseConnection) {
    assert_eq!(admin.get_database_backend(), DbBackend::Postgres);
    let sql = "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'auth\\_test\\_%'";
    for schema in names(admin, sql)
        .await
        .into_iter()
        .filter(|name| is_stale(name))
    {
        admin
            .execute_unprepared(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .await
            .ok();
    }
    // Roles a test created for its schema (`<schema>_app`, the RLS tests); their grants went
    // with the schema.
    let sql = "SELECT rolname::text FROM pg_roles WHERE rolname LIKE 'auth\\_test\\_%'";
    for role in names(admin, sql)
        .await
        .into_iter()
        .filter(|name| is_stale(name))
    {
        admin
            .execute_unprepared(&format!("DROP ROLE IF EXISTS {role}"))
            .await
            .ok();
    }
}

async fn drop_stale_mysql_databases(admin: &DatabaseConnection) {
    let sql = "SELECT CAST(schema_name AS CHAR) FROM information_schema.schemata \
               WHERE schema_name LIKE 'auth\\_test\\_%'";
    for database in names(admin, sql)
        .await
        .into_iter()
        .filter(|name| is_stale(name))
    {
        admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {database}"))
            .await
            .ok();
    }
}
