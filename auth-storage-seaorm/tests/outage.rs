//! The database going away mid-test: the stores answer with
//! [`StoreError::Unavailable`] within their bound (never sqlx's 30 s default, no panic, no
//! "allow"), concurrent calls do not queue behind each other, and the same store works again
//! once the database is back. The database sits behind auth-core's cuttable TCP proxy — the
//! server itself is never touched, so other tests keep running.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use auth_core::store::{SessionStore, StoreError, User, UserId, UserStore};
use auth_core::testkit::{OutageProxy, upstream_of};
use auth_storage_seaorm::{SeaOrmStore, is_connection_error};

use support::TestDb;

/// Far above the default 2 s acquire bound, far below sqlx's 30 s default: a call that takes
/// longer is hanging, which is the bug (this is not a speed assertion).
const HANG: Duration = Duration::from_secs(10);

/// How many calls run at once during the outage (more than the pool's connections).
const CONCURRENT: usize = 20;

async fn outage_is_unavailable_within_the_bound_and_the_store_recovers(
    db: TestDb,
    url_for_store: &str,
) {
    let upstream = upstream_of(url_for_store).expect("an IP:port URL, e.g. 127.0.0.1:5432");
    let mut proxy = OutageProxy::start(upstream).await.expect("start the proxy");
    // The library's defaults: the bound under test is the one every host gets.
    let mut options =
        SeaOrmStore::connect_options(&OutageProxy::url_for(url_for_store, proxy.addr()));
    if let Some(schema) = db.schema() {
        options.set_schema_search_path(schema.to_owned());
    }
    let store = Arc::new(SeaOrmStore::new(
        sea_orm::Database::connect(options)
            .await
            .expect("connect through the proxy"),
    ));

    let now = SystemTime::now();
    let email = format!("outage-{}@example.test", UserId::generate().unwrap());
    let user = User::new(UserId::generate().unwrap(), &email, now);
    store.insert_user(&user).await.expect("insert while up");

    proxy.take_down().await;
    for _ in 0..2 {
        let started = Instant::now();
        let lookup = store.user_by_id(user.id).await;
        let Err(error) = lookup else {
            panic!("a lookup during the outage must fail, got {lookup:?}");
        };
        assert!(
            started.elapsed() < HANG,
            "an outage must answer within the acquire bound, took {:?}",
            started.elapsed()
        );
        assert!(
            error.is_unavailable(),
            "an unreachable database is Unavailable (503), not Backend (500): {error:?}"
        );
        assert!(
            is_connection_error(&error),
            "recognisable as a lost connection: {error:?}"
        );
        // Fail closed: a session lookup errs rather than answering "no such session".
        assert!(matches!(
            store.active_sessions(user.id, now).await,
            Err(StoreError::Unavailable(_))
        ));
    }

    // No pile-up: many calls at once each fail within the bound, not one bound after another.
    let started = Instant::now();
    let calls: Vec<_> = (0..CONCURRENT)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move { store.user_by_id(user.id).await })
        })
        .collect();
    for call in calls {
        let result = call.await.expect("no panic");
        assert!(
            matches!(result, Err(StoreError::Unavailable(_))),
            "every concurrent call fails as unavailable: {result:?}"
        );
    }
    assert!(
        started.elapsed() < HANG,
        "{CONCURRENT} concurrent calls during an outage took {:?}: they queued",
        started.elapsed()
    );

    proxy.bring_back().await.expect("rebind the same port");
    let mut recovered = None;
    for _ in 0..50 {
        match store.user_by_id(user.id).await {
            Ok(found) => {
                recovered = found;
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    // Times come back at microsecond precision; the identity of the row is what matters here.
    assert_eq!(
        recovered.map(|found| (found.id, found.email)),
        Some((user.id, user.email)),
        "the same store works again once the database is back"
    );

    store.connection().clone().close().await.ok();
    proxy.take_down().await;
    db.drop_all().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_is_unavailable_within_the_bound_and_the_store_recovers() {
    if let Some(db) = TestDb::postgres("postgres_outage_is_unavailable_within_the_bound").await {
        let url = db.url.clone();
        outage_is_unavailable_within_the_bound_and_the_store_recovers(db, &url).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_outage_is_unavailable_within_the_bound_and_the_store_recovers() {
    if let Some(db) = TestDb::mysql("mysql_outage_is_unavailable_within_the_bound").await {
        let url = db.url.clone();
        outage_is_unavailable_within_the_bound_and_the_store_recovers(db, &url).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_sqlite_pool_is_unavailable_not_a_panic() {
    let db = TestDb::sqlite_file().await;
    let store = db.store.clone();
    store.connection().clone().close().await.expect("close");
    let lookup = store.user_by_email("nobody@example.test").await;
    // A closed pool will not hand out connections again: the same answer as an outage.
    assert!(
        matches!(lookup, Err(StoreError::Unavailable(_))),
        "got {lookup:?}"
    );
    db.drop_all().await;
}
