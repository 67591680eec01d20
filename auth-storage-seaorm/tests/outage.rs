//! The database going away mid-test: the stores answer with a typed error (no panic, no
//! "allow"), and work again once it is back. The database sits behind a TCP proxy the test
//! can cut — the server itself is never touched, so other tests keep running.

mod support;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use auth_core::store::{SessionStore, StoreError, User, UserId, UserStore};
use auth_storage_seaorm::{SeaOrmStore, is_connection_error};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use support::TestDb;

/// A loopback TCP proxy to `upstream` that can be taken down (closing every live
/// connection, refusing new ones) and brought back on the same port.
struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    up: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (up, _) = watch::channel(true);
        let mut proxy = Self {
            addr,
            upstream,
            up,
            task: None,
        };
        proxy.task = Some(proxy.serve(listener));
        proxy
    }

    fn serve(&self, listener: TcpListener) -> JoinHandle<()> {
        let upstream = self.upstream;
        let up = self.up.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let mut down = up.subscribe();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (mut client, mut server) = (client, server);
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = down.wait_for(|up| !*up) => {}
                    }
                });
            }
        })
    }

    /// Closes every connection and stops listening.
    async fn take_down(&mut self) {
        self.up.send_replace(false);
        if let Some(task) = self.task.take() {
            task.abort();
            task.await.ok();
        }
    }

    /// Listens again on the same port.
    async fn bring_back(&mut self) {
        self.up.send_replace(true);
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("rebind the same port");
        self.task = Some(self.serve(listener));
    }
}

fn host_port(url: &str) -> SocketAddr {
    let rest = url.split_once("://").expect("scheme").1;
    let host = rest.split_once('@').map_or(rest, |(_, host)| host);
    let host = host.split(['/', '?']).next().expect("host");
    host.parse().expect("an IP:port URL, e.g. 127.0.0.1:5432")
}

/// `url` with its `host:port` replaced by `addr`.
fn via(url: &str, addr: SocketAddr) -> String {
    url.replacen(&host_port(url).to_string(), &addr.to_string(), 1)
}

async fn outage_is_a_typed_error_and_the_store_recovers(db: TestDb, url_for_store: &str) {
    let mut proxy = Proxy::start(host_port(url_for_store)).await;
    let mut options = SeaOrmStore::connect_options(&via(url_for_store, proxy.addr));
    // Short, so the outage answers in seconds rather than the default 30.
    options
        .acquire_timeout(Duration::from_secs(1))
        .connect_timeout(Duration::from_secs(1));
    if let Some(schema) = db.schema() {
        options.set_schema_search_path(schema.to_owned());
    }
    let store = Arc::new(SeaOrmStore::new(
        sea_orm::Database::connect(options)
            .await
            .expect("connect through the proxy"),
    ));

    let now = SystemTime::now();
    let user = User::new(UserId::generate().unwrap(), "outage@example.test", now);
    store.insert_user(&user).await.expect("insert while up");

    proxy.take_down().await;
    for _ in 0..2 {
        let lookup = store.user_by_id(user.id).await;
        let Err(error) = lookup else {
            panic!("a lookup during the outage must fail, got {lookup:?}");
        };
        assert!(
            matches!(error, StoreError::Backend(_)),
            "typed backend error: {error:?}"
        );
        assert!(
            is_connection_error(&error),
            "recognisable as a lost connection: {error:?}"
        );
        // Fail closed: a session lookup errs rather than answering "no such session".
        assert!(store.active_sessions(user.id, now).await.is_err());
    }

    proxy.bring_back().await;
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
async fn postgres_outage_is_a_typed_error_and_the_store_recovers() {
    if let Some(db) =
        TestDb::postgres("postgres_outage_is_a_typed_error_and_the_store_recovers").await
    {
        let url = db.url.clone();
        outage_is_a_typed_error_and_the_store_recovers(db, &url).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_outage_is_a_typed_error_and_the_store_recovers() {
    if let Some(db) = TestDb::mysql("mysql_outage_is_a_typed_error_and_the_store_recovers").await {
        let url = db.url.clone();
        outage_is_a_typed_error_and_the_store_recovers(db, &url).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_sqlite_pool_is_a_typed_error_not_a_panic() {
    let db = TestDb::sqlite_file().await;
    let store = db.store.clone();
    store.connection().clone().close().await.expect("close");
    let lookup = store.user_by_email("nobody@example.test").await;
    assert!(
        matches!(lookup, Err(StoreError::Backend(_))),
        "got {lookup:?}"
    );
    db.drop_all().await;
}
