//! Two hello-world HTTP servers on loopback for `benches/load/rate_limit.sh`: the bare axum
//! route, and the same router behind auth-tower's `RateLimitLayer` (in-process GCRA keyed by
//! the peer address, a limit the load never reaches, `RateLimit` fields on every response).
//! The layer wraps the whole router, as a host applies one limit to an app with tower;
//! `Router::layer` would add axum's own per-route boxing (about 0.45 µs a request here, paid
//! by any layer) to what is measured.
//! Prints `ready` on stdout once both listen, then serves until killed.
//!
//! Usage: `rate_limit_server [bare limited]` (ports; default 38091 38092);
//! `LOAD_WORKERS` sets the runtime's worker threads (default 1; 0 = a current-thread runtime).

use std::io::Write as _;
use std::net::SocketAddr;

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
        [] => [38091, 38092],
        [a, b] => [*a, *b],
        _ => return Err("usage: rate_limit_server [bare limited]".into()),
    };
    let workers = std::env::var("LOAD_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(1);
    let runtime = if workers == 0 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()?
    };
    runtime.block_on(serve(ports))
}

async fn serve([bare, limited]: [u16; 2]) -> Result<(), Box<dyn std::error::Error>> {
    let bare_app = axum::Router::new().route("/hello", axum::routing::get(hello));
    let limited_app = RateLimitLayer::new(Limit::per_second(1_000_000_000))
        .name("api")
        .layer(axum::Router::new().route("/hello", axum::routing::get(hello)));
    let listen =
        |port: u16| tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)));
    let (bare_listener, limited_listener) = (listen(bare).await?, listen(limited).await?);

    let mut stdout = std::io::stdout();
    writeln!(stdout, "ready")?;
    stdout.flush()?;

    let bare_app = bare_app.into_make_service_with_connect_info::<SocketAddr>();
    let limited_app =
        axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<SocketAddr>(
            limited_app,
        );
    let bare = tokio::spawn(async move { axum::serve(bare_listener, bare_app).await });
    let limited = tokio::spawn(async move { axum::serve(limited_listener, limited_app).await });
    let (bare, limited) = tokio::join!(bare, limited);
    bare??;
    limited??;
    Ok(())
}
