//! # auth-tower
//!
//! HTTP glue for [`auth_core`]: a tower [`AuthLayer`] that authenticates requests, [`Guard`]s
//! that authorize them, axum extractors (feature `axum`), an actix-web middleware and
//! extractors (feature `actix`; actix is not tower-based), and the ready-made auth endpoints
//! ([`AuthEndpoints`]) — the one-line Rust equivalents of the seeds' FastAPI dependencies
//! (`get_current_user` → [`AuthContext`], `require_admin` → `Guard::role("admin")`,
//! `require_group` → [`Guard::permission`]/[`Policy`]) and routers (`/auth/login`, …).
//!
//! ## Overview
//!
//! * [`Authenticator`] — the framework-neutral check: the token from `Authorization: Bearer`
//!   (default) and/or a configured cookie, **never the query string**; verified by
//!   auth-core's strict [`AccessTokenVerifier`](auth_core::token::AccessTokenVerifier); then
//!   the [`RevocationChecker`](auth_core::revocation::RevocationChecker) when enabled (fails
//!   closed when its store is down). Success gives an [`AuthContext`] (claims with the host's
//!   custom claims, `sid`, roles, …). Remembers verified tokens (on by default, bounded,
//!   [`Authenticator::with_token_cache`] / [`Authenticator::without_token_cache`]) so that
//!   the token a client sends on every request skips the HMAC/signature check and the claims
//!   parse after the first time; the cache is keyed by the token's exact text, expiry is
//!   re-checked on every hit and revocation still runs every time.
//! * [`AuthLayer`] — required or optional ([`Mode`]); puts the [`AuthContext`] into the
//!   request extensions. Rejections per RFC 6750 ([`AuthRejection`]): 401 with
//!   `WWW-Authenticate: Bearer realm="…"` and no error without credentials,
//!   `error="invalid_token"` for bad ones, 400 `invalid_request` for malformed or duplicated
//!   ones, a JSON body `{"error","error_description"}` with nothing that helps an attacker.
//!   Cheap `Clone`, `poll_ready` forwarded.
//! * [`Guard`] / [`GuardLayer`] / [`Policy`] + [`Require`] — role, permission, plan tier,
//!   scope, tenant or custom predicate; 403 `insufficient_scope`; as layers on sub-routers or
//!   as extractors.
//! * [`AuthEndpoints`] — signup, login, refresh, logout, logout-all, me, sessions (list,
//!   end), password change/forgot/reset, email verification; bearer or cookie delivery
//!   ([`TokenDelivery`]) with CSRF protection, body size limit, `Cache-Control: no-store`,
//!   throttling by peer IP. See [`endpoints`] for routes and the CSRF design.
//! * [`RateLimitLayer`] — rate limits and usage quotas for any route
//!   ([`rate_limit`]): per client IP (IPv6 by /64), user or API client; per plan tier;
//!   daily or monthly quotas consumed atomically through auth-core's `CounterStore`;
//!   `RateLimit-Policy`/`RateLimit` fields on every response, 429 with `Retry-After`, 503
//!   when the counter store fails. In process (GCRA, `governor`) or shared by every instance.
//!   With `actix`, `rate_limit::RateLimitMiddleware`.
//! * Social login (feature `providers`) — `GET /oauth/{provider}` and
//!   `GET /oauth/{provider}/callback` on the same endpoints, through auth-providers'
//!   `LoginFlow` (`AuthEndpoints::with_providers`): the session lands in the `__Host-`
//!   cookies and the browser is sent to your page with no token in the URL; the page calls
//!   `POST /refresh`. Cookie mode only.
//! * `oauth_server::OAuthEndpoints` (feature `oauth-server`) — the OAuth 2.0 / OpenID Connect
//!   authorization server over HTTP around auth-core's
//!   [`OAuthServer`](auth_core::oauth_server::OAuthServer): authorize with login and consent
//!   pages that cannot be framed, token, userinfo, revoke, introspect, metadata, discovery and
//!   JWKS; its own sign-in session in an opaque `__Host-` cookie, CSRF tokens on every form.
//!   See the `oauth_server` module for routes and the security design.
//!
//! ## Quick start
//!
//! ```
//! use std::convert::Infallible;
//! use auth_core::token::{AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier,
//!     Algorithm, IssuerConfig, KeySet, SigningKey, VerifierConfig};
//! use auth_tower::{AuthContext, AuthLayer, Authenticator};
//! use bytes::Bytes;
//! use http::{Request, Response};
//! use http_body_util::Full;
//! use tower::{ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let keys = KeySet::new(SigningKey::generate_hmac("k1", Algorithm::HS256)?);
//! let issuer = AccessTokenIssuer::new(IssuerConfig::new("https://auth.example", "api"), &keys);
//! let verifier =
//!     AccessTokenVerifier::new(VerifierConfig::new("https://auth.example", "api"), &keys);
//!
//! // Any tower service; the layer puts the caller into the request extensions.
//! let service = ServiceBuilder::new()
//!     .layer(AuthLayer::required(Authenticator::new(verifier).realm("example")))
//!     .service_fn(|request: Request<()>| async move {
//!         let user = request.extensions().get::<AuthContext>().expect("authenticated");
//!         Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(user.subject().to_owned()))))
//!     });
//!
//! let token = issuer.issue(&AccessTokenRequest::new("user-1"))?.token;
//! let request = Request::get("/").header("authorization", format!("Bearer {}", token.secret()));
//! let response = service.clone().oneshot(request.body(())?).await?;
//! assert_eq!(response.status(), 200);
//!
//! let anonymous = service.oneshot(Request::get("/").body(())?).await?;
//! assert_eq!(anonymous.status(), 401);
//! assert_eq!(anonymous.headers()["www-authenticate"], "Bearer realm=\"example\"");
//! # Ok(())
//! # }
//! ```
//!
//! ### Protect an axum router in ten lines
//!
//! ```no_run
//! # #[cfg(feature = "axum")]
//! # async fn example(service: auth_core::flows::AuthService)
//! #     -> Result<(), Box<dyn std::error::Error>> {
//! use auth_tower::{AuthContext, AuthEndpoints, EndpointsConfig, Guard};
//! use axum::{Router, routing::get};
//!
//! let endpoints = AuthEndpoints::for_service(service, EndpointsConfig::default());
//! let api = Router::new()
//!     .route("/me", get(|user: AuthContext| async move { user.subject().to_owned() }))
//!     .route("/admin", get(|| async { "admin only" }).layer(Guard::role("admin").layer()));
//! // `api` behind AuthLayer::required; signup, login, refresh … at /auth, outside it.
//! let app = endpoints.protect(api, "/auth")?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await?;
//! # Ok(())
//! # }
//! ```
//!
//! The parts stay public: `AuthLayer::required(Authenticator::new(verifier)
//! .with_revocation(checker))` over your routes and `nest_service("/auth",
//! endpoints.into_service())` beside them is what `protect` does.
//!
//! ### The same for actix-web
//!
//! ```no_run
//! # #[cfg(feature = "actix")]
//! # async fn example(auth: auth_tower::Authenticator, endpoints: auth_tower::AuthEndpoints)
//! #     -> std::io::Result<()> {
//! use actix_web::{App, HttpServer, web};
//! use auth_tower::actix::{AuthMiddleware, GuardMiddleware, endpoints_scope};
//! use auth_tower::{AuthContext, Guard};
//!
//! HttpServer::new(move || {
//!     App::new().service(endpoints_scope(endpoints.clone(), "/auth")).service(
//!         web::scope("/api")
//!             .wrap(AuthMiddleware::required(auth.clone()))
//!             .route("/me", web::get().to(|user: AuthContext| async move { user.subject().to_owned() }))
//!             .service(web::resource("/admin").wrap(GuardMiddleware::new(Guard::role("admin")))
//!                 .to(|| async { "admin only" })),
//!     )
//! })
//! .bind(("127.0.0.1", 8080))?
//! .run()
//! .await
//! # }
//! ```
//!
//! ## Feature flags
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `aws_lc_rs` | yes | auth-core signs and verifies with aws-lc-rs |
//! | `rust_crypto` | no | auth-core signs and verifies with the pure-Rust RustCrypto crates |
//! | `axum` | no | axum 0.8 extractors ([`AuthContext`], `Option<AuthContext>`, [`Require`]), `IntoResponse` for [`AuthRejection`], peer address from `ConnectInfo` |
//! | `actix` | no | actix-web 4 middleware ([`actix::AuthMiddleware`], [`actix::GuardMiddleware`]), `FromRequest` extractors, [`actix::endpoints_scope`] |
//! | `providers` | no | social login routes on [`AuthEndpoints`] through [auth-providers](https://docs.rs/auth-providers) (`with_providers`, `SocialLoginConfig`) |
//! | `oauth-server` | no | the authorization-server endpoints: `oauth_server::OAuthEndpoints`, its tower `OAuthService`, with `axum` `OAuthEndpoints::into_router`, with `actix` `oauth_server::actix_config` |
//! | `openapi` | no | OpenAPI 3.1 documents (utoipa) of the ready endpoints, `AuthEndpoints::openapi` and (with `oauth-server`) `OAuthEndpoints::openapi`, and `openapi::OpenApiService` to serve one at a path of the host's choice |
//! | `passkey` | no | the passkey routes on [`AuthEndpoints`] (register, list, rename, delete, passkey login, passkey-only signup) over auth-core's `passkey` feature; the service needs `AuthServiceBuilder::passkeys`. Links OpenSSL (`libssl-dev`, `pkg-config`) |
//! | `serde` | no | `Deserialize` for [`EndpointsConfig`], `OAuthEndpointsConfig`, `SocialLoginConfig` and [`CredentialConfig`]: a field left out keeps its default, an unknown one is an error, origins and header names are checked as they are read, trusting a proxy header is spelt `dangerous_trust_proxy_header` |
//!
//! The `actix` feature needs Rust 1.89 (actix-web's own minimum).
//!
//! ## Security notes
//!
//! * Tokens are never read from the query string, never logged, never echoed.
//! * Bad credentials are refused in optional mode too: a broken token is never silently
//!   treated as anonymous.
//! * A revocation store failure refuses the request, it never lets it through: 500, or
//!   **503 with `Retry-After`** when the store could not be reached in time.
//!
//! ## When a store is down
//!
//! A store that cannot be reached within its bound
//! ([`StoreError::Unavailable`](auth_core::store::StoreError::Unavailable); the SeaORM store
//! gives up after 2 s instead of hanging) is answered with `503 Service Unavailable`,
//! `Retry-After` (whole seconds, [`DEFAULT_OUTAGE_RETRY_AFTER`] unless configured with
//! [`Authenticator::with_outage_retry_after`] or
//! `OAuthEndpointsConfig::outage_retry_after`) and
//! `{"error": "temporarily_unavailable", "error_description": "… try again later"}`: by the
//! authenticate layer and extractors (the revocation check), every [`AuthEndpoints`] route,
//! social login (also while the provider's JWKS backs off after a failed fetch, with its
//! back-off as `Retry-After`), and the OAuth server's token, revocation, introspection and
//! userinfo endpoints and its pages. Each request fails on its own bound — they do not queue
//! — and the same process serves them again once the store is back. Other server failures
//! stay `500 server_error`.
//! * Cookie mode: `__Host-` cookies (Secure, HttpOnly for the refresh token, SameSite=Strict,
//!   Path=/), Origin/Fetch-Metadata checks on every state-changing request and a
//!   double-submit token wherever a cookie is the credential.
//! * Per-IP throttling and rate limits use the TCP peer address; a proxy header is trusted
//!   only through [`EndpointsConfig::dangerous_trust_proxy_header`] (and, for the rate-limit
//!   layer, [`RateLimitLayer::client_ip`]).
//! * Rate limits and quotas fail closed: a counter store that fails answers 503, unless a
//!   host chose [`RateLimitLayer::dangerous_fail_open`].
//! * Social login: `state` (single use), PKCE and the browser-binding cookie are checked by
//!   auth-providers before anything else; accounts are linked by email only when the provider
//!   verified it; tokens never appear in a redirect URL, and failures reach the browser as a
//!   generic code, never the provider's text.

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))] // doc_auto_cfg was merged into doc_cfg (Rust 1.92)

#[cfg(feature = "actix")]
pub mod actix;
mod authenticator;
#[cfg(feature = "axum")]
pub mod axum;
mod body;
mod client;
#[cfg(feature = "serde")]
mod config_serde;
mod context;
mod credentials;
pub mod endpoints;
mod guard;
pub mod layer;
#[cfg(feature = "oauth-server")]
pub mod oauth_server;
#[cfg(feature = "openapi")]
pub mod openapi;
mod origin;
pub mod rate_limit;
mod rejection;
mod token_cache;

pub use authenticator::{
    AcceptedTokens, Authenticator, CustomClaims, DEFAULT_TOKEN_CACHE_CAPACITY,
};
pub use context::{AuthContext, CredentialSource};
pub use credentials::{CredentialConfig, CredentialError};
pub use endpoints::{
    AuthEndpoints, EndpointsConfig, EndpointsError, EndpointsService, SECOND_FACTOR_COOKIE,
    TokenDelivery,
};
#[cfg(feature = "providers")]
pub use endpoints::{SocialLoginConfig, SocialLoginSetupError};
pub use guard::{Guard, Policy, Require};
pub use layer::{AuthLayer, AuthLayerService, GuardLayer, Mode};
pub use rate_limit::{RateLimitLayer, RateLimitService};
pub use rejection::{AuthRejection, DEFAULT_OUTAGE_RETRY_AFTER, DEFAULT_REALM, RejectionReason};

pub use auth_core;
/// The social-login crate the OAuth routes run on (feature `providers`).
#[cfg(feature = "providers")]
pub use auth_providers;
/// The OpenAPI types the documents are built from (feature `openapi`).
#[cfg(feature = "openapi")]
pub use utoipa;
