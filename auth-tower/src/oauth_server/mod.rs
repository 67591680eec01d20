//! The OAuth 2.0 / OpenID Connect **authorization server** over HTTP (feature
//! `oauth-server`): framework-neutral handlers over auth-core's
//! [`OAuthServer`], a tower service for axum, and the
//! server's own sign-in session, login and consent pages.
//!
//! | route | method | answer |
//! |---|---|---|
//! | `/oauth/authorize` | `GET` | 302 to the client with `code` (or `error`), `state` and `iss` — or, with `response_mode=form_post`, a 200 page that posts them to the redirect URI; the login page; the consent page; or a 400 error page — **never** a redirect when the client or redirect URI cannot be trusted. `prompt=none` never renders a page other than a form post. |
//! | `/oauth/login` | `POST` form `username`, `password`, `csrf_token` + the authorization request | 303 back to `/oauth/authorize` without the `prompt=login` / `max_age` this sign-in satisfied, with the sign-in cookie; the login page again (401, 429) |
//! | `/oauth/consent` | `POST` form `decision=approve\|deny`, `csrf_token` + the authorization request | 303 to the client (code, or `access_denied`) |
//! | `/oauth/logout` | `POST` form `csrf_token` | ends the sign-in session |
//! | `/oauth/token` | `POST` form | RFC 6749 §5.1 JSON, or §5.2 errors (401 `invalid_client` with `WWW-Authenticate: Basic`); always `Cache-Control: no-store`. Over `AuthConfig::endpoint_limits.oauth_token` (60/min per client network): 429 with `Retry-After` and `{"error":"too_many_requests"}` — RFC 6749 defines no code for rate limiting |
//! | `/oauth/userinfo` | `GET`, `POST` with `Authorization: Bearer` | JSON claims, or RFC 6750 errors |
//! | `/oauth/revoke` | `POST` form (RFC 7009) | 200 empty |
//! | `/oauth/introspect` | `POST` form (RFC 7662), confidential clients | JSON |
//! | `/.well-known/oauth-authorization-server`, `/.well-known/openid-configuration` | `GET` | the metadata (RFC 8414 / OIDC discovery) |
//! | `/.well-known/jwks.json` | `GET` | the public keys |
//!
//! The grant routes' paths come from the server's
//! [`EndpointPaths`](auth_core::oauth_server::EndpointPaths), the login, consent and logout
//! paths from [`OAuthEndpointsConfig`]. Paths are matched as they are, so mount the service at
//! the root of the issuer URL (axum: [`OAuthEndpoints::into_router`] and `Router::merge`, or
//! `nest_service` under the issuer's path; actix-web, feature `actix`:
//! `App::new().configure(actix_config(endpoints))`).
//!
//! Browser apps (public clients) may call the token, userinfo and revocation endpoints from
//! script when their origin is in
//! [`cors_allowed_origins`](OAuthEndpointsConfig::cors_allowed_origins) (CORS without
//! credentials, preflight answered); the metadata and JWKS are readable from any origin.
//!
//! # The sign-in session
//! The login form signs the user in through [`AuthService::login`] (throttled per account and
//! IP, failures indistinguishable) and keeps the resulting auth-core session in a `__Host-`
//! cookie (Secure, HttpOnly, SameSite=Lax, Path=/) holding an opaque 256-bit reference — the
//! session's refresh token, stored only hashed, never rotated here. Each request resolves it
//! to the session's user; `auth_time` is the session's start. No user id travels in clear.
//!
//! `prompt=login` and `max_age=0` are never satisfied by a session that exists when the
//! request arrives, `max_age=N` only by one started at most `N` seconds before: otherwise the
//! login page is shown (or `login_required` answered to `prompt=none`), and the sign-in
//! completed there continues the request
//! ([`sign_in_continuation`](auth_core::oauth_server::sign_in_continuation)). There is no
//! freshness window.
//!
//! # CSRF and clickjacking
//! The login, consent and logout forms carry a random token that must equal a `__Host-`
//! cookie (SameSite=Strict, compared in constant time), and their posts must pass the Fetch
//! Metadata / `Origin` check (same origin as the issuer). The consent decision uses the
//! signed-in user from the cookie, never from the form. Every page carries
//! `X-Frame-Options: DENY`, `Content-Security-Policy: frame-ancestors 'none'` (and no script,
//! but for the form-post page's one fixed line that submits its form, allowed by its SHA-256
//! hash), `Cache-Control: no-store` and `Referrer-Policy: no-referrer`. Form bodies are
//! limited to [`max_body_bytes`](OAuthEndpointsConfig::max_body_bytes).
//!
//! # Example
//! ```
//! use std::sync::Arc;
//! use auth_core::flows::{AuthConfig, AuthService, RecordingMailer, Stores};
//! use auth_core::oauth_server::{OAuthServer, OAuthServerConfig, OAuthStores};
//! use auth_core::password::PasswordHasher;
//! use auth_core::token::{AccessTokenIssuer, Algorithm, IssuerConfig, KeySet, SigningKey};
//! use auth_core::{Clock, SystemClock};
//! use auth_tower::oauth_server::{OAuthEndpoints, OAuthEndpointsConfig};
//! use bytes::Bytes;
//! use http::Request;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let pem = std::fs::read("../auth-core/tests/keys/ed25519.pem")?;
//! let keys = KeySet::new(SigningKey::from_pem("as-1", Algorithm::EdDSA, &pem)?);
//! let clock: Arc<dyn Clock> = Arc::new(SystemClock);
//! let stores = Stores::in_memory();
//! let config = OAuthServerConfig::new("https://auth.example", "https://api.example");
//! let server = OAuthServer::new(config, stores.clone(), OAuthStores::in_memory(), &keys, clock.clone())?;
//! // The sign-in of the login page (its access tokens are not used).
//! let auth = AuthService::new(
//!     AuthConfig::default(),
//!     stores,
//!     AccessTokenIssuer::new(IssuerConfig::new("https://auth.example", "https://auth.example"), &keys),
//!     PasswordHasher::default(),
//!     clock,
//!     Arc::new(RecordingMailer::default()),
//! );
//! let endpoints = OAuthEndpoints::new(server, auth, OAuthEndpointsConfig::default())?;
//! // axum: Router::new().merge(endpoints.into_router())
//!
//! let response = endpoints
//!     .handle(Request::get("/.well-known/openid-configuration").body(Bytes::new())?)
//!     .await;
//! assert_eq!(response.status(), 200);
//! let metadata: serde_json::Value = serde_json::from_slice(response.body())?;
//! assert_eq!(metadata["token_endpoint"], "https://auth.example/oauth/token");
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "actix")]
mod actix;
mod config;
mod from_env;
mod handlers;
mod pages;
mod service;
mod session;

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use auth_core::flows::{AuthService, ClientInfo};
use auth_core::oauth_server::OAuthServer;
use auth_core::{Clock, SystemClock};
use bytes::Bytes;
use http::header::ALLOW;
use http::{HeaderValue, Method, Request, Response, StatusCode};

#[cfg(feature = "actix")]
pub use actix::actix_config;
pub use config::{OAuthEndpointsConfig, OAuthEndpointsError};
pub use service::{OAuthFuture, OAuthService};

use crate::body::peer_ip;
use crate::rejection::{clean_realm, json_error};

/// The authorization server's HTTP endpoints over an [`OAuthServer`] and the
/// [`AuthService`] that signs users in on its login page (give both the same stores). Cheap
/// to clone. See the [module docs](self).
#[derive(Clone)]
pub struct OAuthEndpoints {
    inner: Arc<Inner>,
}

struct Inner {
    server: OAuthServer,
    auth: AuthService,
    config: OAuthEndpointsConfig,
    clock: Arc<dyn Clock>,
    /// The issuer's `scheme://authority`, for the `Origin` check.
    origin: String,
    /// The issuer without a trailing `/`: the base of the absolute URLs in pages and
    /// redirects.
    base: String,
    realm: Arc<str>,
}

impl fmt::Debug for OAuthEndpoints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthEndpoints")
            .field("server", &self.inner.server)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Which endpoint a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    Authorize,
    Login,
    Consent,
    Logout,
    Token,
    UserInfo,
    Revoke,
    Introspect,
    Metadata,
    Jwks,
}

impl Route {
    fn allows(self, method: &Method) -> bool {
        match self {
            Self::Authorize | Self::Metadata | Self::Jwks => method == Method::GET,
            Self::UserInfo => method == Method::GET || method == Method::POST,
            _ => method == Method::POST,
        }
    }

    fn allowed(self) -> &'static str {
        match self {
            Self::Authorize | Self::Metadata | Self::Jwks => "GET",
            Self::UserInfo => "GET, POST",
            _ => "POST",
        }
    }
}

/// The well-known path of the RFC 8414 metadata.
pub const METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
/// The well-known path of the OpenID Connect discovery document (the same metadata).
pub const OPENID_CONFIGURATION_PATH: &str = "/.well-known/openid-configuration";

impl OAuthEndpoints {
    /// The endpoints of `server`, signing users in through `auth`.
    ///
    /// # Errors
    /// [`OAuthEndpointsError`] when the configuration is invalid (cookie names without
    /// `__Host-`, a path without a leading `/`, a zero limit).
    pub fn new(
        server: OAuthServer,
        auth: AuthService,
        config: OAuthEndpointsConfig,
    ) -> Result<Self, OAuthEndpointsError> {
        config.validate()?;
        let issuer = server.config().issuer.clone();
        Ok(Self {
            inner: Arc::new(Inner {
                origin: session::origin_of(&issuer),
                base: issuer.trim_end_matches('/').to_owned(),
                realm: clean_realm("oauth"),
                server,
                auth,
                config,
                clock: Arc::new(SystemClock),
            }),
        })
    }

    /// The same endpoints reading time from `clock` (sign-in session expiry, cookie
    /// lifetimes). Give it the server's clock.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        let inner = &self.inner;
        Self {
            inner: Arc::new(Inner {
                server: inner.server.clone(),
                auth: inner.auth.clone(),
                config: inner.config.clone(),
                clock,
                origin: inner.origin.clone(),
                base: inner.base.clone(),
                realm: inner.realm.clone(),
            }),
        }
    }

    /// The grant logic.
    pub fn server(&self) -> &OAuthServer {
        &self.inner.server
    }

    /// The configuration.
    pub fn config(&self) -> &OAuthEndpointsConfig {
        &self.inner.config
    }

    /// Every path these endpoints answer.
    pub fn paths(&self) -> Vec<String> {
        self.routes()
            .iter()
            .map(|(path, _)| (*path).to_owned())
            .collect()
    }

    /// Every path this instance serves, with its route: the one table that [`paths`](Self::paths),
    /// request routing and the OpenAPI document read.
    pub(crate) fn routes(&self) -> [(&str, Route); 11] {
        let paths = &self.inner.server.config().endpoints;
        let config = &self.inner.config;
        [
            (paths.authorization.as_str(), Route::Authorize),
            (config.login_path.as_str(), Route::Login),
            (config.consent_path.as_str(), Route::Consent),
            (config.logout_path.as_str(), Route::Logout),
            (paths.token.as_str(), Route::Token),
            (paths.userinfo.as_str(), Route::UserInfo),
            (paths.revocation.as_str(), Route::Revoke),
            (paths.introspection.as_str(), Route::Introspect),
            (METADATA_PATH, Route::Metadata),
            (OPENID_CONFIGURATION_PATH, Route::Metadata),
            (paths.jwks.as_str(), Route::Jwks),
        ]
    }

    /// The endpoints as a tower service.
    pub fn into_service(self) -> OAuthService {
        OAuthService::new(self)
    }

    /// The endpoints as an axum router with one route per path: `app.merge(router)`.
    #[cfg(feature = "axum")]
    pub fn into_router<S>(self) -> ::axum::Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        let paths = self.paths();
        let service = self.into_service();
        paths
            .into_iter()
            .fold(::axum::Router::new(), |router, path| {
                router.route_service(&path, service.clone())
            })
    }

    fn route(&self, path: &str) -> Option<Route> {
        self.routes()
            .into_iter()
            .find(|(served, _)| *served == path)
            .map(|(_, route)| route)
    }

    /// Answers one request whose body has been read (adapters stop at
    /// [`max_body_bytes`](OAuthEndpointsConfig::max_body_bytes)). The peer address, for login
    /// throttling, is taken from a [`PeerAddr`](crate::endpoints::PeerAddr) (or axum `ConnectInfo`) extension.
    pub async fn handle(&self, request: Request<Bytes>) -> Response<Bytes> {
        let Some(route) = self.route(request.uri().path()) else {
            return plain_error(StatusCode::NOT_FOUND, "not_found", "no such endpoint");
        };
        let cors_origin = self.cors_origin(route, request.headers());
        if request.method() == Method::OPTIONS
            && let Some(origin) = &cors_origin
        {
            return preflight(route, origin);
        }
        let mut response = self.dispatch(route, &request).await;
        if let Some(origin) = cors_origin {
            let headers = response.headers_mut();
            headers.insert(http::header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            headers.append(http::header::VARY, HeaderValue::from_static("origin"));
        }
        response
    }

    /// The request's `Origin`, when the route is one browser apps call from script and the
    /// origin is allowed ([`cors_allowed_origins`](OAuthEndpointsConfig::cors_allowed_origins)).
    fn cors_origin(&self, route: Route, headers: &http::HeaderMap) -> Option<HeaderValue> {
        if !matches!(route, Route::Token | Route::UserInfo | Route::Revoke) {
            return None;
        }
        let origin = headers.get(http::header::ORIGIN)?;
        self.inner
            .config
            .cors_allowed_origins
            .iter()
            .any(|allowed| allowed.as_bytes() == origin.as_bytes())
            .then(|| origin.clone())
    }

    async fn dispatch(&self, route: Route, request: &Request<Bytes>) -> Response<Bytes> {
        if !route.allows(request.method()) {
            let mut response = plain_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed",
            );
            response
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static(route.allowed()));
            return response;
        }
        if request.body().len() > self.inner.config.max_body_bytes {
            return self.payload_too_large();
        }
        match route {
            Route::Authorize => self.authorize(request).await,
            Route::Login => self.login(request).await,
            Route::Consent => self.consent(request).await,
            Route::Logout => self.logout(request).await,
            Route::Token => self.token(request).await,
            Route::UserInfo => self.userinfo(request).await,
            Route::Revoke => self.revoke(request).await,
            Route::Introspect => self.introspect(request).await,
            Route::Metadata => self.metadata(),
            Route::Jwks => self.jwks(),
        }
    }

    pub(crate) fn payload_too_large(&self) -> Response<Bytes> {
        plain_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_request",
            "the request body is too large",
        )
    }

    fn now(&self) -> SystemTime {
        self.inner.clock.now()
    }

    /// An absolute URL of one of the server's paths.
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.base)
    }

    /// The client as the login flow sees it: IP per
    /// [`client_ip`](OAuthEndpointsConfig::client_ip), user agent.
    fn client_info<B>(&self, request: &Request<B>) -> ClientInfo {
        crate::client::client_info(
            &self.inner.config.client_ip,
            request.headers(),
            peer_ip(request.extensions()),
        )
    }
}

/// The answer to a request whose body could not be read.
pub(crate) fn unreadable_body() -> Response<Bytes> {
    plain_error(
        http::StatusCode::BAD_REQUEST,
        "invalid_request",
        "the request body could not be read",
    )
}

/// The answer to a CORS preflight from an allowed origin: the route's methods, the
/// `Authorization` and `Content-Type` headers, no credentials.
fn preflight(route: Route, origin: &HeaderValue) -> Response<Bytes> {
    use http::header::{
        ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
        ACCESS_CONTROL_MAX_AGE, VARY,
    };
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    headers.insert(
        ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(route.allowed()),
    );
    headers.insert(
        ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("authorization, content-type"),
    );
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    headers.insert(VARY, HeaderValue::from_static("origin"));
    response
}

/// A JSON `{"error","error_description"}` answer with `Cache-Control: no-store`.
fn plain_error(status: StatusCode, error: &str, description: &str) -> Response<Bytes> {
    let mut response = Response::new(json_error(error, description));
    *response.status_mut() = status;
    handlers::no_store(&mut response);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
