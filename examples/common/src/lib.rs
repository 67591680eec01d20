//! # example-common
//!
//! What the two example hosts (`axum-app`, `actix-app`) share, so that each `main.rs` is
//! only its framework's wiring. Not published.
//!
//! ## Overview
//!
//! * [`ExampleVars`] — the process environment over the examples' no-setup defaults. The
//!   examples parse no settings themselves: each library part reads its own variables
//!   (`AuthServiceBuilder::from_vars`, `SeaOrmStore::from_vars`, `EndpointsConfig::from_vars`,
//!   `LoginFlow::from_vars`, `RedisStore::from_vars`), and [`StartError`] passes on their
//!   errors, which name the variable to fix.
//! * [`keys::dev_secret`] — only here, for local development: with neither `JWT_SECRET_KEY`
//!   nor `JWT_PRIVATE_KEY_FILE` set, a random key generated once into a 0600 file, with a
//!   loud warning. Libraries never do this (docs/design.md). Without `MFA_ENCRYPTION_KEY`,
//!   the key TOTP secrets are encrypted under is [derived](keys::dev_mfa_key) from it
//!   ([`ExampleVars::mfa_key`]).
//! * [`Example::build`] — SQLite by default (`DATABASE_URL` for PostgreSQL or MySQL),
//!   migrations applied, auth-core's service, an [`Authenticator`](auth_tower::Authenticator)
//!   with the revocation check, and auth-tower's endpoints in cookie mode with every
//!   social-login provider the environment configures; second factors (TOTP, recovery
//!   codes) and passkeys (`PASSKEY_RP_ID`, `PASSKEY_ORIGINS`); Redis for the state several
//!   instances share when `REDIS_URL` is set.
//! * [`DemoPage`] — the HTML page at `/`, with a hash-based Content-Security-Policy.
//! * [`cli`] — `grant EMAIL --role admin --plan pro`, to try the guarded routes.
//! * `testing` (feature `e2e`) — the end-to-end harness both examples' tests run: start the
//!   binary, drive it over HTTP, and drive the demo page in headless Chromium (with a
//!   WebDriver virtual authenticator for the passkey flows).
//!
//! ## Quick start
//!
//! ```
//! use example_common::{ExampleVars, me_body};
//!
//! let vars = ExampleVars::from_lookup("demo", |name| match name {
//!     "PORT" => Some("8080".to_owned()),
//!     "JWT_SECRET_KEY" => Some("an HMAC secret of at least 32 bytes!".to_owned()),
//!     _ => None,
//! })?;
//! assert_eq!(vars.port()?, 8080);
//! assert_eq!(vars.get("DATABASE_URL").as_deref(), Some("sqlite://demo.db"));
//! # let _ = me_body;
//! # Ok::<(), example_common::StartError>(())
//! ```
//!
//! ## Feature flags
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `passkey` | yes | passkeys on the demo page (auth-tower's `passkey` routes, `PASSKEY_*` variables); links OpenSSL |
//! | `e2e` | no | the `testing` module: process harness, HTTP scenarios, a minimal WebDriver client |

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))] // doc_auto_cfg was merged into doc_cfg (Rust 1.92)

mod app;
pub mod cli;
mod error;
pub mod keys;
mod page;
mod shared;
#[cfg(feature = "e2e")]
pub mod testing;
mod vars;

pub use app::{Example, open_store, plan_tiers};
pub use error::StartError;
pub use page::DemoPage;
pub use vars::ExampleVars;

pub use auth_core;
pub use auth_tower;

/// The body of `GET /api/me`: who the access token says the caller is, and how and when they
/// signed in (`amr`: RFC 8176 methods such as `pwd`, `otp`, `hwk`, `mfa`; `auth_time`;
/// `acr`).
pub fn me_body(user: &auth_tower::AuthContext) -> serde_json::Value {
    let claims = user.claims();
    serde_json::json!({
        "sub": claims.sub,
        "session_id": claims.sid,
        "roles": claims.roles,
        "permissions": claims.permissions,
        "plan": claims.plan,
        "amr": claims.amr,
        "auth_time": claims.auth_time,
        "acr": claims.acr,
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
pub fn bind(vars: &ExampleVars) -> Result<std::net::TcpListener, StartError> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], vars.port()?));
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
