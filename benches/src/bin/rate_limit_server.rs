//! Two hello-world HTTP servers on loopback for `benches/load/rate_limit.sh`: the bare axum
//! route, and the same router behind auth-tower's `RateLimitLayer` (in-process GCRA keyed by
//! the peer address, a limit the load never reaches, `RateLimit` fields on every response).
//! The layer wraps the whole router, as a host applies one limit to an app with tower;
//! `Router::layer` would add axum's own per-route boxing (about 0.45 µs a request here, paid
//! by any layer) to what is measured.
//! With `AUTH_TEST_REDIS_URL` set, a third server counts the same limit in Redis
//! (`RateLimitLayer::shared` over auth-storage-redis, one script call per request, as several
//! instances would share it), so the script can report what the shared mode costs.
//! Prints `ready` on stdout once all listen, then serves until killed.
//!
//! Usage: `rate_limit_server [bare limited [redis]]` (ports; default 38091 38092 38093);
//! `LOAD_WORKERS` sets the runtime's worker threads (default 1; 0 = a current-thread runtime).

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;

use auth_storage_redis::{RedisConfig, RedisStore};
use auth_tower::rate_limit::{Limit, RateLimitLayer};
use tower::Layer as _;

async fn hello() -> &'static str {
    "hello"
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ports: Vec<u16> = std::env::args()
        .skip(1)
        .map(|port| port.parse())
        .collect::<Result<_, _>>()?;
    let ports = match ports.as_slice() {
        [] => [38091, 38092, 38093],
        [a, b] => [*a, *b, 38093],
        [a, b, c] => [*a, *b, *c],
        _ => return Err("usage: rate_limit_server [bare limited [redis]]".into()),
    };
    let runtime = auth_benches::load_runtime()?;
    runtime.block_on(serve(ports))
}

fn router() -> axum::Router {
    axum::Router::new().route("/hello", axum::routing::get(hello))
}

/// A limit the load never reaches, so every request does the whole check.
fn layer() -> RateLimitLayer {
    RateLimitLayer::new(Limit::per_second(1_000_000_000)).name("api")
}

async fn serve([bare, limited, redis]: [u16; 3]) -> Result<(), Box<dyn std::error::Error>> {
    let limited_app = layer().layer(router());
    let listen =
        |port: u16| tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)));
    let (bare_listener, limited_listener) = (listen(bare).await?, listen(limited).await?);
    let redis_server = match std::env::var("AUTH_TEST_REDIS_URL") {
        Ok(url) => {
            // A prefix of this process's own, so runs never share (or leave) counters.
            let config = RedisConfig::default()
                .key_prefix(format!("rate-limit-bench-{}:", std::process::id()));
            let store = RedisStore::connect_with(&url, config).await?;
            let app = layer().shared(Arc::new(store)).layer(router());
            let app =
                axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
                    SocketAddr,
                >(app);
            let listener = listen(redis).await?;
            Some(tokio::spawn(
                async move { axum::serve(listener, app).await },
            ))
        }
        Err(_) => None,
    };

    let mut stdout = std::io::stdout();
    writeln!(stdout, "ready")?;
    stdout.flush()?;

    // Served the same way as the layered ones (the router as a plain tower `Service`), so
    // the only difference between the two is the layer.
    let bare_app = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
        SocketAddr,
    >(router());
    let limited_app =
        axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<SocketAddr>(
            limited_app,
        );
    let bare = tokio::spawn(async move { axum::serve(bare_listener, bare_app).await });
    let limited = tokio::spawn(async move { axum::serve(limited_listener, limited_app).await });
    let (bare, limited) = tokio::join!(bare, limited);
    bare??;
    limited??;
    if let Some(redis) = redis_server {
        redis.await??;
    }
    Ok(())
}
