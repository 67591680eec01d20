//! The store operations behind refresh and login, on SQLite (a WAL file, the embedded default)
//! and — when `AUTH_BENCH_POSTGRES_URL` (or else `AUTH_TEST_POSTGRES_URL`) is set — PostgreSQL,
//! through `auth-storage-seaorm`.
//!
//! * `refresh_rotation/*/atomic`: `SessionStore::rotate_refresh_token`. On PostgreSQL one
//!   statement (a data-modifying `WITH`) locks, decides, writes and returns the outcome: one
//!   round trip. On SQLite one conditional `UPDATE` decides, then the session read, the session
//!   update and the successor insert, in one transaction.
//! * `refresh_rotation/*/naive_select_then_update` — **the baseline**: what hand-rolled code
//!   usually does — read the token and its session, check them in Rust, then update
//!   unconditionally and insert the successor (in a transaction too, as an ORM session would):
//!   seven round trips. It is *racy*: two concurrent refreshes can both pass the read and both
//!   rotate. It is here to show what the atomic version costs, measured in the same run on the
//!   same database.
//! * `refresh_rotation/postgres/previous_transaction`: the statements PostgreSQL ran until the
//!   one-statement rotation (and SQLite and MySQL still run) — `BEGIN`, the conditional claim,
//!   the session read, the session update, the insert, `COMMIT` — to show what the single
//!   statement saves over the same atomic decision.
//! * `refresh_rotation/postgres_no_commit_flush/*`: the same three on PostgreSQL connections
//!   with `synchronous_commit = off` — not a setting for an auth store, but it takes the
//!   commit's WAL flush (the same one flush for every variant, and on a slow disk most of the
//!   time) out of the measurement, leaving what the statements themselves cost.
//! * `login_store_ops/*`: the store calls of one successful password login, in the order
//!   `AuthService::login` makes them (user by email, two throttle reads, clear failures,
//!   record login, create session, audit event) — the login's cost without the password hash.
//!
//! Each iteration rotates the chain's current token into a fresh one, so every rotation is a
//! real success, never the cheap refusal path.

use std::cell::RefCell;
use std::hint::black_box;
use std::time::{Duration, SystemTime};

use auth_core::opaque::{OpaqueToken, TokenHash};
use auth_core::store::{
    AuditEvent, AuditKind, AuditStore, RefreshTokenRecord, Rotation, Session, SessionId,
    SessionKind, SessionStore, ThrottleStore, User, UserId, UserStore,
};
use auth_storage_seaorm::SeaOrmStore;
use auth_storage_seaorm::entity::{refresh_token, session};
use auth_storage_seaorm::sea_orm::sea_query::{Expr, ExprTrait as _, Query};
use auth_storage_seaorm::sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, Database, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};
use criterion::{Criterion, criterion_group, criterion_main};
use tokio::runtime::Runtime;

const DAY: Duration = Duration::from_secs(86_400);
const WINDOW: Duration = Duration::from_secs(15 * 60);
const IDLE_MICROS: i64 = 14 * 86_400 * 1_000_000;

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn fresh_hash() -> TokenHash {
    OpaqueToken::generate().expect("randomness").hash()
}

fn micros(at: SystemTime) -> i64 {
    i64::try_from(
        at.duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_micros(),
    )
    .unwrap()
}

/// A database to measure on, and how to clean it up.
struct Target {
    name: &'static str,
    store: SeaOrmStore,
    cleanup: Option<(auth_storage_seaorm::sea_orm::DatabaseConnection, String)>,
    file: Option<std::path::PathBuf>,
    /// PostgreSQL only: the same schema on connections with `synchronous_commit = off`, so
    /// the rotation group also shows the statements' cost without the commit's WAL flush.
    no_flush: Option<SeaOrmStore>,
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}{nanos}")
}

async fn targets() -> Vec<Target> {
    let path = std::env::temp_dir().join(format!("{}.sqlite3", unique("auth_bench_")));
    let sqlite = SeaOrmStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("sqlite");
    sqlite.migrate().await.expect("migrate");
    let mut targets = vec![Target {
        name: "sqlite",
        store: sqlite,
        cleanup: None,
        file: Some(path),
        no_flush: None,
    }];

    match std::env::var("AUTH_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("AUTH_TEST_POSTGRES_URL"))
    {
        Ok(url) => {
            let admin = Database::connect(&url).await.expect("PostgreSQL");
            // Same clock-based naming as the tests, so their stale-schema sweep removes a
            // schema left by an interrupted bench run.
            let schema = format!(
                "auth_test_{}_bench",
                SystemTime::now()
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .unwrap()
                    .as_secs()
            );
            admin
                .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
                .await
                .expect("schema");
            let mut options = SeaOrmStore::connect_options(&url);
            options.set_schema_search_path(schema.clone());
            let store =
                SeaOrmStore::new(Database::connect(options.clone()).await.expect("connect"));
            store.migrate().await.expect("migrate");
            // Measurement only: an auth store keeps `synchronous_commit = on` (a crash must
            // not bring a rotated refresh token back).
            options.map_sqlx_postgres_opts(|pg| pg.options([("synchronous_commit", "off")]));
            let no_flush = SeaOrmStore::new(Database::connect(options).await.expect("connect"));
            targets.push(Target {
                name: "postgres",
                store,
                cleanup: Some((admin, schema)),
                file: None,
                no_flush: Some(no_flush),
            });
        }
        Err(_) => {
            #[allow(clippy::print_stderr)] // a skipped measurement must say so
            {
                eprintln!(
                    "storage bench: AUTH_BENCH_POSTGRES_URL and AUTH_TEST_POSTGRES_URL unset; \
                     PostgreSQL skipped"
                );
            }
        }
    }
    targets
}

async fn cleanup(target: Target) {
    target.store.connection().clone().close().await.ok();
    if let Some(no_flush) = target.no_flush {
        no_flush.connection().clone().close().await.ok();
    }
    if let Some((admin, schema)) = target.cleanup {
        admin
            .execute_unprepared(&format!("DROP SCHEMA {schema} CASCADE"))
            .await
            .ok();
    }
    if let Some(path) = target.file {
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.clone().into_os_string();
            file.push(suffix);
            std::fs::remove_file(file).ok();
        }
    }
}

/// A user with one session whose current refresh token is returned.
async fn session_chain(store: &SeaOrmStore, now: SystemTime) -> TokenHash {
    let user = User::new(
        UserId::generate().unwrap(),
        &format!("{}@bench.test", unique("u")),
        now,
    );
    store.insert_user(&user).await.expect("user");
    let session = Session {
        id: SessionId::generate().unwrap(),
        kind: SessionKind::FirstParty,
        user_id: user.id,
        created_at: now,
        last_used_at: now,
        expires_at: now + 30 * DAY,
        idle_expires_at: now + 14 * DAY,
        auth_time: now,
        amr: Vec::new(),
        acr: None,
        ip: None,
        user_agent: None,
        device_name: None,
        revoked_at: None,
        revoke_reason: None,
    };
    let first = fresh_hash();
    let record = RefreshTokenRecord::new(first, session.id, now, session.expires_at);
    store
        .create_session(&session, &record)
        .await
        .expect("session");
    first
}

/// **Baseline**: the naive select-then-update rotation, for comparison only (racy; see the
/// file docs). Seven round trips: `BEGIN`, two reads, two updates, an insert, `COMMIT`.
async fn naive_rotate(
    store: &SeaOrmStore,
    presented: &TokenHash,
    next: &TokenHash,
    now: SystemTime,
) -> Result<bool, DbErr> {
    let now_us = micros(now);
    let txn = store.connection().begin().await?;
    let Some(token) = refresh_token::Entity::find_by_id(presented.to_hex())
        .one(&txn)
        .await?
    else {
        return Ok(false);
    };
    let Some(session) = session::Entity::find_by_id(token.session_id.clone())
        .one(&txn)
        .await?
    else {
        return Ok(false);
    };
    let active = token.rotated_at.is_none()
        && token.expires_at > now_us
        && session.revoked_at.is_none()
        && session.expires_at > now_us
        && session.idle_expires_at > now_us;
    if !active {
        return Ok(false);
    }
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(now_us))
        .filter(refresh_token::Column::Hash.eq(presented.to_hex()))
        .exec(&txn)
        .await?;
    session::Entity::update_many()
        .col_expr(session::Column::LastUsedAt, Expr::value(now_us))
        .col_expr(
            session::Column::IdleExpiresAt,
            Expr::value(std::cmp::min(now_us + IDLE_MICROS, session.expires_at)),
        )
        .filter(session::Column::Id.eq(session.id.clone()))
        .exec(&txn)
        .await?;
    refresh_token::Entity::insert(refresh_token::ActiveModel {
        hash: Set(next.to_hex()),
        session_id: Set(session.id),
        issued_at: Set(now_us),
        rotated_at: Set(None),
        expires_at: Set(session.expires_at),
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// The rotation auth-storage-seaorm ran on PostgreSQL before the one-statement version (and
/// still runs on SQLite and MySQL): atomic, but six round trips.
async fn previous_rotate(
    store: &SeaOrmStore,
    presented: &TokenHash,
    next: &TokenHash,
    now: SystemTime,
) -> Result<bool, DbErr> {
    let now_us = micros(now);
    let txn = store.connection().begin().await?;
    let session_is_active = Query::select()
        .expr(Expr::val(1))
        .from(session::Entity)
        .and_where(
            Expr::col((session::Entity, session::Column::Id))
                .equals((refresh_token::Entity, refresh_token::Column::SessionId)),
        )
        .and_where(Expr::col((session::Entity, session::Column::Kind)).eq("first_party"))
        .and_where(Expr::col((session::Entity, session::Column::RevokedAt)).is_null())
        .and_where(Expr::col((session::Entity, session::Column::ExpiresAt)).gt(now_us))
        .and_where(Expr::col((session::Entity, session::Column::IdleExpiresAt)).gt(now_us))
        .to_owned();
    let claimed = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(now_us))
        .filter(refresh_token::Column::Hash.eq(presented.to_hex()))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .filter(refresh_token::Column::ExpiresAt.gt(now_us))
        .filter(Expr::exists(session_is_active))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(false);
    }
    let Some(session) = session::Entity::find()
        .filter(
            session::Column::Id.in_subquery(
                Query::select()
                    .column(refresh_token::Column::SessionId)
                    .from(refresh_token::Entity)
                    .and_where(refresh_token::Column::Hash.eq(presented.to_hex()))
                    .to_owned(),
            ),
        )
        .one(&txn)
        .await?
    else {
        return Ok(false);
    };
    session::Entity::update_many()
        .col_expr(session::Column::LastUsedAt, Expr::value(now_us))
        .col_expr(
            session::Column::IdleExpiresAt,
            Expr::value(std::cmp::min(now_us + IDLE_MICROS, session.expires_at)),
        )
        .filter(session::Column::Id.eq(session.id.clone()))
        .filter(session::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    refresh_token::Entity::insert(refresh_token::ActiveModel {
        hash: Set(next.to_hex()),
        session_id: Set(session.id),
        issued_at: Set(now_us),
        rotated_at: Set(None),
        expires_at: Set(session.expires_at),
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(true)
}

fn refresh_rotation(c: &mut Criterion, rt: &Runtime, targets: &[Target]) {
    let mut group = c.benchmark_group("refresh_rotation");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(4));
    let mut variants = Vec::new();
    for target in targets {
        variants.push((target.name.to_owned(), &target.store));
        if let Some(no_flush) = &target.no_flush {
            variants.push((format!("{}_no_commit_flush", target.name), no_flush));
        }
    }
    for (name, store) in variants {
        let now = SystemTime::now();

        let current = RefCell::new(rt.block_on(session_chain(store, now)));
        group.bench_function(format!("{name}/atomic"), |b| {
            b.iter(|| {
                let next = fresh_hash();
                let record = RefreshTokenRecord::new(
                    next,
                    SessionId::generate().unwrap(),
                    now,
                    now + 30 * DAY,
                );
                let presented = *current.borrow();
                let outcome = rt
                    .block_on(store.rotate_refresh_token(
                        &presented,
                        SessionKind::FirstParty,
                        &record,
                        now,
                        14 * DAY,
                    ))
                    .expect("rotation");
                assert!(
                    matches!(outcome, Rotation::Rotated(_)),
                    "every iteration rotates"
                );
                *current.borrow_mut() = next;
                black_box(outcome);
            });
        });

        let current = RefCell::new(rt.block_on(session_chain(store, now)));
        group.bench_function(format!("{name}/naive_select_then_update"), |b| {
            b.iter(|| {
                let next = fresh_hash();
                let presented = *current.borrow();
                let rotated = rt
                    .block_on(naive_rotate(store, &presented, &next, now))
                    .expect("rotation");
                assert!(rotated, "every iteration rotates");
                *current.borrow_mut() = next;
            });
        });

        if name.starts_with("postgres") {
            let current = RefCell::new(rt.block_on(session_chain(store, now)));
            group.bench_function(format!("{name}/previous_transaction"), |b| {
                b.iter(|| {
                    let next = fresh_hash();
                    let presented = *current.borrow();
                    let rotated = rt
                        .block_on(previous_rotate(store, &presented, &next, now))
                        .expect("rotation");
                    assert!(rotated, "every iteration rotates");
                    *current.borrow_mut() = next;
                });
            });
        }
    }
    group.finish();
}

fn login_store_ops(c: &mut Criterion, rt: &Runtime, targets: &[Target]) {
    let mut group = c.benchmark_group("login_store_ops");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(4));
    for target in targets {
        let store = &target.store;
        let now = SystemTime::now();
        let email = format!("{}@bench.test", unique("login"));
        let user = User::new(UserId::generate().unwrap(), &email, now);
        rt.block_on(store.insert_user(&user)).expect("user");
        // The login's three gates: account from this network, account-wide, the network.
        let ceiling_key = format!("login:user:{}", user.id);
        let account_key = format!("{ceiling_key}:net:203.0.113.7");
        let ip_key = "login:ip:203.0.113.7";
        group.bench_function(target.name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let found = store.user_by_email(&email).await.unwrap().expect("user");
                    // Reserved before the password check; a success gives them back.
                    for key in [account_key.as_str(), &ceiling_key, ip_key] {
                        let reserved = store.reserve(key, now, WINDOW, u32::MAX).await;
                        assert!(black_box(reserved.unwrap()).is_granted());
                    }
                    store.clear_failures(&account_key).await.unwrap();
                    store.release(&ceiling_key, now, WINDOW).await.unwrap();
                    store.release(ip_key, now, WINDOW).await.unwrap();
                    store.record_login(found.id, now).await.unwrap();
                    let session = Session {
                        id: SessionId::generate().unwrap(),
                        kind: SessionKind::FirstParty,
                        user_id: found.id,
                        created_at: now,
                        last_used_at: now,
                        expires_at: now + 30 * DAY,
                        idle_expires_at: now + 14 * DAY,
                        auth_time: now,
                        amr: Vec::new(),
                        acr: None,
                        ip: Some("203.0.113.7".into()),
                        user_agent: Some("bench/1.0".into()),
                        device_name: None,
                        revoked_at: None,
                        revoke_reason: None,
                    };
                    let token =
                        RefreshTokenRecord::new(fresh_hash(), session.id, now, session.expires_at);
                    store.create_session(&session, &token).await.unwrap();
                    let mut event = AuditEvent::new(AuditKind::Login, now, true);
                    event.user_id = Some(found.id);
                    event.session_id = Some(session.id);
                    store.record_event(&event).await.unwrap();
                });
            });
        });
    }
    group.finish();
}

fn storage(c: &mut Criterion) {
    let rt = runtime();
    let targets = rt.block_on(targets());
    refresh_rotation(c, &rt, &targets);
    login_store_ops(c, &rt, &targets);
    for target in targets {
        rt.block_on(cleanup(target));
    }
}

criterion_group!(benches, storage);
criterion_main!(benches);
