//! Shared test helpers: the machine's Redis (skipped with a notice when
//! `AUTH_TEST_REDIS_URL` is unset), a fresh key prefix per test so runs and other users of
//! the same Redis never see each other's keys, and a TCP proxy that can cut the connection.

#![allow(dead_code)] // each test file uses some of these

use std::sync::Arc;

use auth_storage_redis::redis::AsyncCommands;
use auth_storage_redis::{RedisConfig, RedisStore};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

/// The Redis URL, or `None` (with a printed notice) when the test must be skipped.
pub fn redis_url(test: &str) -> Option<String> {
    match std::env::var("AUTH_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            #[allow(clippy::print_stderr)] // the notice is the point
            {
                eprintln!("skipping {test}: AUTH_TEST_REDIS_URL is not set");
            }
            None
        }
    }
}

/// A prefix no other run uses.
pub fn fresh_prefix() -> String {
    format!(
        "auth-test:{}:",
        auth_core::store::UserId::generate().unwrap().0.simple()
    )
}

/// A store on `url` under a fresh prefix.
pub async fn store_at(url: &str, prefix: &str) -> RedisStore {
    RedisStore::connect_with(url, RedisConfig::default().key_prefix(prefix))
        .await
        .expect("connect to AUTH_TEST_REDIS_URL")
}

/// Deletes every key under `prefix` (the conformance kit leaves keys that live for days in
/// Redis time, because its clock is in 2001 and its windows are days long).
pub async fn delete_prefix(url: &str, prefix: &str) {
    let client = auth_storage_redis::redis::Client::open(url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let pattern = format!("{prefix}*");
    let keys: Vec<String> = {
        let mut iter = connection.scan_match::<_, String>(&pattern).await.unwrap();
        let mut keys = Vec::new();
        while let Some(key) = futures_util::StreamExt::next(&mut iter).await {
            keys.push(key.unwrap());
        }
        keys
    };
    for chunk in keys.chunks(200) {
        let _: () = connection.del(chunk).await.unwrap();
    }
}

/// A TCP proxy in front of Redis that can cut every connection (and refuse new ones, or
/// accept them and never answer).
pub struct Proxy {
    pub url: String,
    mode: Arc<std::sync::Mutex<Mode>>,
    stalled: Arc<std::sync::atomic::AtomicBool>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Forward,
    Refuse,
    BlackHole,
}

impl Proxy {
    /// A proxy to the Redis at `redis_url` (`redis://host:port`).
    pub async fn start(redis_url: &str) -> Self {
        let upstream = url::Url::parse(redis_url).unwrap();
        let upstream = format!(
            "{}:{}",
            upstream.host_str().unwrap(),
            upstream.port().unwrap_or(6379)
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("redis://{}", listener.local_addr().unwrap());
        let mode = Arc::new(std::sync::Mutex::new(Mode::Forward));
        let stalled = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let connections: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let accept = tokio::spawn({
            let mode = mode.clone();
            let stalled = stalled.clone();
            let connections = connections.clone();
            async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    let current = *mode.lock().unwrap();
                    let task = match current {
                        Mode::Refuse => continue, // dropped: closed at once
                        Mode::BlackHole => tokio::spawn(async move {
                            // Read and never answer.
                            let mut sink = [0u8; 1024];
                            while client.read(&mut sink).await.is_ok_and(|n| n > 0) {}
                        }),
                        Mode::Forward => {
                            let upstream = upstream.clone();
                            let stalled = stalled.clone();
                            tokio::spawn(async move {
                                if let Ok(server) = TcpStream::connect(&upstream).await {
                                    let (client_read, client_write) = client.into_split();
                                    let (server_read, server_write) = server.into_split();
                                    tokio::join!(
                                        forward(client_read, server_write, stalled.clone()),
                                        forward(server_read, client_write, stalled),
                                    );
                                }
                            })
                        }
                    };
                    connections.lock().await.push(task);
                }
            }
        });
        Self {
            url,
            mode,
            stalled,
            connections,
            accept,
        }
    }

    async fn set(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
        for task in self.connections.lock().await.drain(..) {
            task.abort();
        }
    }

    /// Closes every connection and refuses new ones.
    pub async fn cut(&self) {
        self.set(Mode::Refuse).await;
    }

    /// Closes every connection; new ones are accepted and never answered.
    pub async fn black_hole(&self) {
        self.set(Mode::BlackHole).await;
    }

    /// Keeps every connection open but forwards nothing any more (a network partition that
    /// closes nothing); new connections are accepted and never answered.
    pub async fn stall(&self) {
        *self.mode.lock().unwrap() = Mode::BlackHole;
        self.stalled
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Forwards again.
    pub async fn restore(&self) {
        *self.mode.lock().unwrap() = Mode::Forward;
        self.stalled
            .store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Whether `condition` holds within `deadline`, polled every 20 ms.
pub async fn eventually(
    deadline: std::time::Duration,
    mut condition: impl AsyncFnMut() -> bool,
) -> bool {
    let until = tokio::time::Instant::now() + deadline;
    loop {
        if condition().await {
            return true;
        }
        if tokio::time::Instant::now() >= until {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Copies `from` to `to`, dropping what arrives while `stalled` (the bytes are lost, as in a
/// partition).
async fn forward(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    stalled: Arc<std::sync::atomic::AtomicBool>,
) {
    let mut buffer = [0u8; 8192];
    loop {
        match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => {
                if stalled.load(std::sync::atomic::Ordering::SeqCst) {
                    continue;
                }
                if to.write_all(&buffer[..read]).await.is_err() {
                    return;
                }
            }
        }
    }
}
