//! # auth-providers
//!
//! Social login and remote token verification for the auth crate family: presets for Google,
//! Kakao, Naver, Discord and GitHub, generic OpenID Connect (discovery, JWKS, id_token) and
//! generic OAuth2, and verification of another authorization server's access tokens for
//! resource servers.
//!
//! ## Overview
//!
//! * [`LoginFlow`] — `start` gives the authorization URL (fresh 256-bit `state`, PKCE S256
//!   always, `nonce` for OIDC) and a browser-binding value for a cookie; `callback` checks the
//!   `state` first (present, issued by us, unused, unexpired, same browser, same provider),
//!   then the provider's `error`, then exchanges the code through the [`oauth2`] crate and
//!   returns a normalized [`ProviderProfile`] (convertible into auth-core's
//!   [`SocialProfile`](auth_core::flows::SocialProfile)).
//! * [`Provider`] — the presets ([`Provider::google`], [`Provider::kakao`],
//!   [`Provider::naver`], [`Provider::discord`], [`Provider::github`], or
//!   [`Provider::from_env`] with the seeds' variable names), [`Provider::discover_oidc`] and
//!   [`Provider::oauth2`] with a [`UserInfoMapping`]. Every endpoint is overridable.
//!   Implement [`OAuthProvider`] for anything else.
//! * [`PendingLoginStore`] — where pending logins wait (consume-once): auth-core's trait,
//!   re-exported. In memory with [`MemoryPendingLoginStore`] (bounded; when full it evicts the
//!   login closest to expiry instead of refusing a new one), in a database with
//!   auth-storage-seaorm's `SeaOrmStore`, or your own shared storage.
//! * [`JwksCache`] — a provider's keys, refreshed after `max_age`, and on an unknown `kid` or a
//!   signature refused under a cached `kid` (keys regenerated under the same `kid`s) at most
//!   once per interval. Concurrent callers share one fetch and no lock is held across it;
//!   after a failed fetch it backs off (exponentially, capped) and keeps using the last good
//!   keys for up to `stale_if_error` (24 h) past `max_age`. id_tokens are verified through
//!   auth-core's keys (signature, algorithm allow-list, `iss`, `aud`, `azp`, `exp`, `iat`,
//!   `nonce`, `at_hash`).
//! * [`RemoteJwtVerifier`] and [`Introspector`] — a resource server trusting another
//!   authorization server, through its JWKS or RFC 7662 introspection. An unreachable server is
//!   an error ([`RemoteTokenError::Unavailable`]), never a reason to read a token unchecked;
//!   an introspection answer is believed only for the configured issuer (and audience), for
//!   an access token, with well-formed dates and an `exp` still ahead.
//! * [`HttpClient`] — the one HTTP client (reqwest 0.12, the version oauth2 5 uses): a timeout
//!   on every call, redirects not followed, bodies capped at 1 MiB; or the host's own client.
//!
//! Every issuer and endpoint must be `https`; plain `http` is accepted only for loopback hosts
//! (`127.0.0.0/8`, `[::1]`, `localhost`: local identity providers and tests). Configuration
//! refuses anything else with [`ConfigError::InsecureUrl`] naming the field — discovery
//! documents included — and the HTTP client refuses it again before a request leaves.
//! id_token and introspection dates are read by auth-core's
//! [`NumericDate`](auth_core::token::NumericDate) (RFC 7519 §2: fractions floored, strings
//! refused).
//!
//! ## Quick start
//!
//! ```
//! use std::sync::Arc;
//! use auth_providers::{CallbackParams, ClientSecret, Credentials, HttpClient, LoginError,
//!     LoginFlow, MemoryPendingLoginStore, Provider};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // In production: Provider::from_env(Preset::Google) reads GOOGLE_CLIENT_ID, … .
//! let google = Provider::google(Credentials::new(
//!     "client-id.apps.googleusercontent.com",
//!     ClientSecret::new("from-your-secret-store"),
//!     "https://app.example/oauth/google/callback".parse()?,
//! ));
//! let flow = LoginFlow::new(Arc::new(MemoryPendingLoginStore::new()), HttpClient::new()?)
//!     .with_provider(google)?;
//!
//! // GET /oauth/google: redirect to the URL, set the binding as a __Host- cookie.
//! let start = flow.start("google").await?;
//! let query: Vec<(String, String)> =
//!     start.authorization_url.query_pairs().into_owned().collect();
//! assert!(query.contains(&("code_challenge_method".into(), "S256".into())));
//! assert!(query.iter().any(|(name, _)| name == "nonce"));
//!
//! // GET /oauth/google/callback?code=…&state=…: a forged state is refused first.
//! let forged = CallbackParams::from_query("code=c&state=not-ours");
//! let refused = flow
//!     .callback("google", &forged, Some(start.browser_binding.expose_secret()))
//!     .await;
//! assert_eq!(refused.unwrap_err(), LoginError::UnknownState);
//! # Ok(())
//! # }
//! ```
//!
//! ## Feature flags
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `aws_lc_rs` | yes | auth-core verifies signatures with aws-lc-rs |
//! | `rust_crypto` | no | auth-core verifies signatures with the pure-Rust RustCrypto crates |
//! | `serde` | no | `Deserialize` for [`JwksConfig`] (durations as `"1h"`), to read it from a config file |
//!
//! TLS for outbound calls is rustls (through reqwest's `rustls-tls`).

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))] // doc_auto_cfg was merged into doc_cfg (Rust 1.92)

mod error;
mod flow;
mod from_env;
mod http;
mod https;
mod login_options;
mod oidc;
mod pending;
mod profile;
mod provider;
mod remote;
mod secret;

pub use error::{ConfigError, HttpError, IdTokenError, LoginError, RemoteTokenError};
pub use flow::{CallbackParams, LoginFlow, LoginStart};
pub use http::HttpClient;
pub use login_options::{LoginOptions, Prompt};
pub use oidc::jwks::{DEFAULT_ALGORITHMS, JwksCache, JwksConfig, JwksVerifyError};
pub use oidc::{ProviderMetadata, discover};
pub use pending::{MemoryPendingLoginStore, PendingLogin, PendingLoginStore, PendingStoreError};
pub use profile::ProviderProfile;
pub use provider::{
    AuthorizationParams, ClientAuth, CodeExchange, Credentials, Endpoints, OAuthProvider, Preset,
    Provider, UserInfoMapping,
};
pub use remote::{IntrospectedToken, Introspector, IntrospectorConfig, RemoteJwtVerifier};
pub use secret::{ClientSecret, SecretHash, SecretValue};

/// The core crate, re-exported so its types (`Clock`, `VerifierConfig`, …) need no version
/// matching.
pub use auth_core;
/// The OAuth2 crate the code exchange goes through.
pub use oauth2;
/// The HTTP client crate (0.12), for [`HttpClient::with_client`].
pub use reqwest;
/// The URL type used for endpoints.
pub use url;
