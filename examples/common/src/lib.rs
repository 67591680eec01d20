//! # example-common
//!
//! What the two example hosts (`axum-app`, `actix-app`) share, so that each `main.rs` is
//! only its framework's wiring. Not published.
//!
//! ## Overview
//!
//! * [`Settings::from_env`] — every environment variable the examples read, checked at
//!   start with errors that say what to fix ([`StartError`]).
//! * [`keys::load_signing_key`] — `JWT_SECRET_KEY` (HS256, ≥ 32 bytes), a PEM file named by
//!   `JWT_PRIVATE_KEY_FILE` (the algorithm follows the key), or — only here, for local
//!   development — a random key generated once into a 0600 file, with a loud warning.
//!   Libraries never do this (DESIGN.md).
//! * [`Example::build`] — SQLite by default (`DATABASE_URL` for PostgreSQL or MySQL),
//!   migrations applied, auth-core's service, an [`Authenticator`](auth_tower::Authenticator)
//!   with the revocation check, and auth-tower's endpoints in cookie mode.
//! * [`DemoPage`] — the HTML page at `/`, with a hash-based Content-Security-Policy.
//! * [`providers`] — the social-login providers the environment configures: one button
//!   each, and the [`LoginFlow`](auth_providers::LoginFlow) behind auth-tower's
//!   `/auth/oauth/{provider}` routes.
//! * [`cli`] — `grant EMAIL --role admin --plan pro`, to try the guarded routes.
//! * `testing` (feature `e2e`) — the end-to-end harness both examples' tests run: start the
//!   binary, drive it over HTTP, and drive the demo page in headless Chromium.
//!
//! ## Quick start
//!
//! ```
//! use example_common::{Settings, me_body};
//!
//! let settings = Settings::from_vars("demo", |name| match name {
//!     "PORT" => Some("8080".to_owned()),
//!     _ => None,
//! })?;
//! assert_eq!(settings.port, 8080);
//! assert_eq!(settings.database_url, "sqlite://demo.db");
//!
//! let short = Settings::from_vars("demo", |name| {
//!     (name == "JWT_SECRET_KEY").then(|| "short".to_owned())
//! });
//! assert!(short.unwrap_err().to_string().contains("at least 32 bytes"));
//! # let _ = me_body;
//! # Ok::<(), example_common::StartError>(())
//! ```
//!
//! ## Feature flags
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `e2e` | no | the `testing` module: process harness, HTTP scenarios, a minimal WebDriver client |

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))] // doc_auto_cfg was merged into doc_cfg (Rust 1.92)

mod app;
pub mod cli;
mod config;
mod error;
pub mod keys;
mod page;
pub mod providers;
#[cfg(feature = "e2e")]
pub mod testing;

pub use app::{Example, open_redis, open_store, open_store_with, plan_tiers};
pub use config::{KeySource, Settings};
pub use error::StartError;
pub use page::DemoPage;

pub use auth_core;
pub use auth_tower;

/// The body of `GET /api/me`: who the access token says the caller is.
pub fn me_body(user: &auth_tower::AuthContext) -> serde_json::Value {
    let claims = user.claims();
    serde_json::json!({
        "sub": claims.sub,
        "session_id": claims.sid,
        "roles": claims.roles,
        "permissions": claims.permissions,
        "plan": claims.plan,
        "expires_at": claims.exp,
    })
}

/// Logs to stderr, `RUST_LOG` filtering (default `info`), colours only on a terminal.
pub fn init_tracing() {
    use std::io::IsTerminal as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Binds `127.0.0.1:PORT` (loopback only: the examples are for one machine) and logs the
/// URL — the line the end-to-end tests wait for.
///
/// # Errors
///
/// [`StartError::Bind`] when the port is taken.
pub fn bind(settings: &Settings) -> Result<std::net::TcpListener, StartError> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], settings.port));
    let listener = std::net::TcpListener::bind(addr).map_err(|source| StartError::Bind {
        addr: addr.to_string(),
        source,
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|source| StartError::Bind {
            addr: addr.to_string(),
            source,
        })?;
    Ok(listener)
}

/// Logs where the server listens, once it accepts connections.
pub fn announce(app_name: &str, addr: std::net::SocketAddr) {
    tracing::info!("{app_name} listening on http://{addr} — open it in a browser for the demo");
}
