//! The ready-made auth API as framework-neutral handlers: [`AuthEndpoints::handle`] takes an
//! [`EndpointRequest`] (method, path below the mount point, headers, body, peer address) and
//! answers with an `http::Response<Bytes>`. Adapters: [`EndpointsService`] (tower, for axum's
//! `nest_service`) and, with the `actix` feature, `actix::endpoints_scope`.
//!
//! | route | auth | body | answer |
//! |---|---|---|---|
//! | `POST /signup` | – | `{"email","password"}` | 201 token response; with `SignupMode::EnumerationSafe`, 202 `{"status":"accepted"}` whether or not the address is taken |
//! | `POST /login` | – | `{"email","password"}` (email or username); bearer mode may add the device's `"refresh_token"` | 200 token response; 401 `second_factor_required` with `{"challenge","methods","expires_in"}` when the account has TOTP |
//! | `POST /refresh` | refresh token | bearer mode `{"refresh_token"}`; cookie mode: cookie + CSRF header | 200 token response |
//! | `POST /logout` | access token | – | 204 |
//! | `POST /logout-all` | access token | – | 200 `{"sessions_ended"}` |
//! | `GET /me` | access token | – | 200 the account |
//! | `GET /sessions` | access token | – | 200 the active sessions |
//! | `DELETE /sessions/{id}` | access token | – | 204 |
//! | `POST /password/change` | access token | `{"current_password","new_password"}` | 204 |
//! | `POST /login/second-factor` | – | `{"challenge","code"}` or `{"challenge","recovery_code"}` | 200 token response; 401 `invalid_second_factor` with the next `challenge` while attempts remain |
//! | `GET /second-factors` | access token | – | 200 `{"totp","recovery_codes_left"}` |
//! | `POST /totp/enroll` | access token, sign-in ≤ 10 min old | – | 200 `{"otpauth_uri","manual_key","qr_svg"}` |
//! | `POST /totp/confirm` | access token, sign-in ≤ 10 min old | `{"code"}` | 200 `{"recovery_codes",…}` + a new access token (`amr` with `otp mfa`) |
//! | `DELETE /totp` | access token, sign-in ≤ 10 min old | – | 204 |
//! | `POST /recovery-codes` | access token, sign-in ≤ 10 min old | – | 200 `{"recovery_codes"}` (the old ones stop working) |
//! | `POST /reauthenticate` | access token | `{"password"}`, `{"code"}` (TOTP) or `{"passkey":{"ceremony","credential"}}` | 200 `{"access_token","token_type","expires_in"}` with a fresh `auth_time` (step-up, RFC 9470) |
//! | `POST /reauthenticate/passkey` | access token | – | 200 `{"ceremony","options"}` to step up with a passkey (feature `passkey`) |
//! | `POST /password/forgot` | – | `{"email"}` | 202 (whether or not the account exists) |
//! | `POST /password/reset` | – | `{"token","new_password"}` | 204 |
//! | `POST /email/verify` | – | `{"token"}` | 204 |
//! | `GET /oauth/{provider}` | – | – | 302 to the provider, browser-binding cookie (feature `providers`) |
//! | `GET /oauth/{provider}/callback` | binding cookie | query from the provider | 303 to the post-login URL, session cookies (feature `providers`) |
//! | `POST /passkeys/register/start` | access token | – | 200 `{"ceremony","options"}` (sign-in ≤ 10 min old, else 401 `insufficient_user_authentication`; feature `passkey`) |
//! | `POST /passkeys/register/finish` | access token | `{"ceremony","credential","name"}` | 201 the passkey `{"id","name","created_at","last_used_at","backup_eligible","backup_state"}` |
//! | `GET /passkeys` | access token | – | 200 the account's passkeys |
//! | `PATCH /passkeys/{id}` | access token | `{"name"}` | 204 |
//! | `DELETE /passkeys/{id}` | access token | – | 204; 409 `last_sign_in_method` for the account's last way in |
//! | `POST /passkey/login/start` | – | `{}` or `{"email"}` | 200 `{"ceremony","options"}` |
//! | `POST /passkey/login/finish` | – | `{"ceremony","credential"}` | 200 token response (`amr` `hwk`/`swk`, `user`, `mfa`) |
//! | `POST /passkey/signup/start` | – | `{"email"}` | 200 `{"ceremony","options"}` (404 `not_enabled` in the enumeration-safe signup mode) |
//! | `POST /passkey/signup/finish` | – | `{"ceremony","credential","name"?}` | 201 token response: an account without a password, signed in |
//!
//! A token response is `{"access_token","token_type":"Bearer","expires_in","refresh_token"}`
//! (no `refresh_token` in cookie mode). Every answer has `Cache-Control: no-store`; errors
//! are `{"error","error_description"}` from auth-core's one mapping.
//!
//! # CSRF (cookie mode)
//! Two independent defences:
//! 1. **Origin / Fetch Metadata** on every `POST`/`DELETE`: `Sec-Fetch-Site`, when sent, must
//!    be `same-origin` (or `none`); `Origin`, when sent, must be in
//!    [`EndpointsConfig::allowed_origins`] (or be `https://` + `Host` when that list is empty).
//! 2. **Double-submit token** wherever a cookie is the credential (`POST /refresh`, and any
//!    request whose access token came from a cookie): login, signup and refresh set a random
//!    `__Host-csrf` cookie (not HttpOnly); the request must echo it in `X-CSRF-Token`
//!    (compared in constant time). A cross-site page can neither read the cookie nor set the
//!    header. Bodies must be `application/json`, which HTML forms cannot send.
//!
//! # Throttling
//! Login and password change are throttled by auth-core, counting each attempt before the
//! password is checked: per account from the client's network (IPv4 address, IPv6 /64), per
//! account from anywhere under a higher ceiling, and per client network (see
//! `auth_core::flows::AuthConfig`). A login that presents the refresh token of a live
//! session of the same account — the refresh cookie in cookie mode, `"refresh_token"` in the
//! body in bearer mode — is not counted on the account-wide ceiling
//! (`AuthService::login_on_device`), so strangers cannot lock out the owner's device.
//!
//! Every unauthenticated route (signup, password forgot and reset, email verify, refresh,
//! the social-login start) is limited per client network before its work, on by default
//! (`AuthConfig::endpoint_limits`): 429 `too_many_attempts` with `Retry-After`.
//!
//! The client address is the peer address unless
//! [`EndpointsConfig::dangerous_trust_proxy_header`] says a proxy header is trustworthy.
//!
//! # Social login (feature `providers`)
//! `AuthEndpoints::with_providers(flow, SocialLoginConfig)` adds `GET /oauth/{provider}` and
//! `GET /oauth/{provider}/callback` for an auth-providers `LoginFlow`. Cookie mode only: after
//! the callback the refresh token goes into the `__Host-` cookie with a fresh CSRF cookie, and
//! the browser is redirected (303) to `SocialLoginConfig::post_login_url` with no token in the URL;
//! the page then calls `POST /refresh`. An account with TOTP gets no session yet: the
//! challenge goes into the HttpOnly [`SECOND_FACTOR_COOKIE`] and the browser to
//! `post_login_url?second_factor=required`; the page posts the code to
//! `POST /login/second-factor` (no `challenge` in the body). Failures redirect to `SocialLoginConfig::error_url` with a
//! generic `error=` code, or answer JSON. Unknown providers are 404.

mod config;
mod from_env;
// `pub(crate)` for the OpenAPI document (feature `openapi`), which derives its bodies' schemas
// from the request and response types defined here.
pub(crate) mod handlers;
#[cfg(feature = "passkey")]
pub(crate) mod passkeys;
mod response;
pub(crate) mod second_factor;
#[cfg(feature = "providers")]
mod social_login;
pub(crate) mod step_up;
mod tower_service;

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use auth_core::flows::{AuthService, ClientInfo};
use auth_core::{Clock, SystemClock};
use bytes::Bytes;
use http::header::{ALLOW, HOST, ORIGIN};
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode};

pub use config::{ClientIpSource, EndpointsConfig, EndpointsError, TokenDelivery};
pub use second_factor::SECOND_FACTOR_COOKIE;
#[cfg(feature = "providers")]
pub use social_login::{SocialLoginConfig, SocialLoginSetupError};
pub use tower_service::{EndpointsFuture, EndpointsService};

use crate::authenticator::{AcceptedTokens, Authenticator};
use crate::credentials::single_cookie;
use response::{Failure, error_response};

/// The TCP peer address of a request, for hosts that are neither axum (whose `ConnectInfo`
/// is read directly) nor actix: insert it into the request extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

/// One request to the endpoints, framework-neutral.
#[derive(Debug)]
#[non_exhaustive]
pub struct EndpointRequest {
    /// The method.
    pub method: Method,
    /// The path below the mount point, e.g. `/login`.
    pub path: String,
    /// The raw query string, without `?` (read only by the OAuth callback; tokens are never
    /// taken from it).
    pub query: Option<String>,
    /// The headers.
    pub headers: HeaderMap,
    /// The whole body (adapters stop reading at the size limit).
    pub body: Bytes,
    /// The TCP peer's IP address, if known.
    pub peer_ip: Option<IpAddr>,
}

impl EndpointRequest {
    /// A request with no headers, body or peer.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: None,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            peer_ip: None,
        }
    }

    /// Sets the raw query string (without `?`).
    pub fn query(mut self, query: Option<String>) -> Self {
        self.query = query;
        self
    }

    /// Sets the headers.
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.headers = headers;
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets the peer IP.
    pub fn peer_ip(mut self, ip: Option<IpAddr>) -> Self {
        self.peer_ip = ip;
        self
    }
}

/// Which endpoint a request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    Signup,
    Login,
    Refresh,
    Logout,
    LogoutAll,
    Me,
    Sessions,
    EndSession(String),
    PasswordChange,
    Reauthenticate,
    /// `POST /reauthenticate/passkey`.
    #[cfg(feature = "passkey")]
    ReauthenticatePasskey,
    /// `POST /login/second-factor`.
    SecondFactor,
    /// `GET /second-factors`.
    SecondFactors,
    /// `POST /totp/enroll`.
    TotpEnroll,
    /// `POST /totp/confirm`.
    TotpConfirm,
    /// `DELETE /totp`.
    TotpRemove,
    /// `POST /recovery-codes`.
    RecoveryCodes,
    PasswordForgot,
    PasswordReset,
    EmailVerify,
    /// `GET /oauth/{provider}`.
    #[cfg(feature = "providers")]
    OAuthStart(String),
    /// `GET /oauth/{provider}/callback`.
    #[cfg(feature = "providers")]
    OAuthCallback(String),
    /// `POST /passkeys/register/start`.
    #[cfg(feature = "passkey")]
    PasskeyRegisterStart,
    /// `POST /passkeys/register/finish`.
    #[cfg(feature = "passkey")]
    PasskeyRegisterFinish,
    /// `GET /passkeys`.
    #[cfg(feature = "passkey")]
    Passkeys,
    /// `PATCH /passkeys/{id}`.
    #[cfg(feature = "passkey")]
    RenamePasskey(String),
    /// `DELETE /passkeys/{id}`.
    #[cfg(feature = "passkey")]
    DeletePasskey(String),
    /// `POST /passkey/login/start`.
    #[cfg(feature = "passkey")]
    PasskeyLoginStart,
    /// `POST /passkey/login/finish`.
    #[cfg(feature = "passkey")]
    PasskeyLoginFinish,
    /// `POST /passkey/signup/start`.
    #[cfg(feature = "passkey")]
    PasskeySignupStart,
    /// `POST /passkey/signup/finish`.
    #[cfg(feature = "passkey")]
    PasskeySignupFinish,
}

/// Why a request matched no route.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum NoRoute {
    NotFound,
    MethodNotAllowed(&'static str),
}

impl Route {
    pub(crate) fn parse(method: &Method, path: &str) -> Result<Self, NoRoute> {
        // `/passkeys/{id}` takes two methods.
        #[cfg(feature = "passkey")]
        if let Some(id) = path.strip_prefix("/passkeys/")
            && !id.is_empty()
            && !id.contains('/')
        {
            return match *method {
                Method::PATCH => Ok(Self::RenamePasskey(id.to_owned())),
                Method::DELETE => Ok(Self::DeletePasskey(id.to_owned())),
                _ => Err(NoRoute::MethodNotAllowed("PATCH, DELETE")),
            };
        }
        let (route, allowed) = match path {
            "/signup" => (Self::Signup, "POST"),
            "/login" => (Self::Login, "POST"),
            "/refresh" => (Self::Refresh, "POST"),
            "/logout" => (Self::Logout, "POST"),
            "/logout-all" => (Self::LogoutAll, "POST"),
            "/me" => (Self::Me, "GET"),
            "/sessions" => (Self::Sessions, "GET"),
            "/password/change" => (Self::PasswordChange, "POST"),
            "/reauthenticate" => (Self::Reauthenticate, "POST"),
            #[cfg(feature = "passkey")]
            "/reauthenticate/passkey" => (Self::ReauthenticatePasskey, "POST"),
            "/login/second-factor" => (Self::SecondFactor, "POST"),
            "/second-factors" => (Self::SecondFactors, "GET"),
            "/totp/enroll" => (Self::TotpEnroll, "POST"),
            "/totp/confirm" => (Self::TotpConfirm, "POST"),
            "/totp" => (Self::TotpRemove, "DELETE"),
            "/recovery-codes" => (Self::RecoveryCodes, "POST"),
            "/password/forgot" => (Self::PasswordForgot, "POST"),
            "/password/reset" => (Self::PasswordReset, "POST"),
            "/email/verify" => (Self::EmailVerify, "POST"),
            #[cfg(feature = "passkey")]
            "/passkeys/register/start" => (Self::PasskeyRegisterStart, "POST"),
            #[cfg(feature = "passkey")]
            "/passkeys/register/finish" => (Self::PasskeyRegisterFinish, "POST"),
            #[cfg(feature = "passkey")]
            "/passkeys" => (Self::Passkeys, "GET"),
            #[cfg(feature = "passkey")]
            "/passkey/login/start" => (Self::PasskeyLoginStart, "POST"),
            #[cfg(feature = "passkey")]
            "/passkey/login/finish" => (Self::PasskeyLoginFinish, "POST"),
            #[cfg(feature = "passkey")]
            "/passkey/signup/start" => (Self::PasskeySignupStart, "POST"),
            #[cfg(feature = "passkey")]
            "/passkey/signup/finish" => (Self::PasskeySignupFinish, "POST"),
            other => match other.strip_prefix("/sessions/") {
                Some(id) if !id.is_empty() && !id.contains('/') => {
                    (Self::EndSession(id.to_owned()), "DELETE")
                }
                #[cfg(feature = "providers")]
                None => match other.strip_prefix("/oauth/").map(|rest| rest.split('/')) {
                    Some(mut segments) => {
                        match (segments.next(), segments.next(), segments.next()) {
                            (Some(name), None, None) if !name.is_empty() => {
                                (Self::OAuthStart(name.to_owned()), "GET")
                            }
                            (Some(name), Some("callback"), None) if !name.is_empty() => {
                                (Self::OAuthCallback(name.to_owned()), "GET")
                            }
                            _ => return Err(NoRoute::NotFound),
                        }
                    }
                    None => return Err(NoRoute::NotFound),
                },
                _ => return Err(NoRoute::NotFound),
            },
        };
        if method.as_str() == allowed {
            Ok(route)
        } else {
            Err(NoRoute::MethodNotAllowed(allowed))
        }
    }
}

/// The ready-made auth endpoints over an [`AuthService`]. Cheap to clone.
///
/// ```
/// use std::sync::Arc;
/// use auth_core::flows::{AuthService, RecordingMailer, Stores};
/// use auth_core::token::{Algorithm, KeySet, SigningKey};
/// use auth_tower::{AuthEndpoints, AuthLayer, EndpointsConfig};
///
/// let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[7; 32])?);
/// let service = AuthService::builder(keys, Stores::in_memory())
///     .issuer("https://auth.example.com", "https://api.example.com")
///     .mailer(Arc::new(RecordingMailer::default()))
///     .build()?;
/// let endpoints = AuthEndpoints::for_service(service, EndpointsConfig::cookie_mode());
/// // The same verification and revocation check for the host's own routes:
/// let layer = AuthLayer::required(endpoints.authenticator().clone());
/// // axum: Router::new().route(…).layer(layer).nest_service("/auth", endpoints.into_service())
/// # let _ = layer;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// The parts stay available for hosts that build them themselves
/// ([`AuthEndpoints::new`] with an [`Authenticator`] carrying a revocation check).
#[derive(Clone)]
pub struct AuthEndpoints {
    inner: Arc<Inner>,
}

struct Inner {
    service: AuthService,
    authenticator: Authenticator,
    config: EndpointsConfig,
    clock: Arc<dyn Clock>,
    #[cfg(feature = "providers")]
    oauth: Option<social_login::OAuth>,
}

impl Inner {
    fn duplicate(&self) -> Self {
        Self {
            service: self.service.clone(),
            authenticator: self.authenticator.clone(),
            config: self.config.clone(),
            clock: self.clock.clone(),
            #[cfg(feature = "providers")]
            oauth: self.oauth.clone(),
        }
    }
}

impl fmt::Debug for AuthEndpoints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("AuthEndpoints");
        debug
            .field("service", &self.inner.service)
            .field("authenticator", &self.inner.authenticator)
            .field("config", &self.inner.config);
        #[cfg(feature = "providers")]
        debug.field("oauth", &self.inner.oauth);
        debug.finish()
    }
}

impl AuthEndpoints {
    /// Endpoints running `service`'s flows, authenticating signed-in routes with
    /// `authenticator`, which must carry the revocation check
    /// ([`Authenticator::with_revocation`]) so that logout takes effect.
    ///
    /// The endpoints accept first-party access tokens only, whatever the authenticator was
    /// set to accept ([`AcceptedTokens::FirstParty`]): an OAuth client's token, even one
    /// issued with the same keys, issuer and audience, never acts on the user's account here.
    ///
    /// # Errors
    /// [`EndpointsError::NoRevocationCheck`] when the authenticator has no revocation check.
    pub fn new(
        service: AuthService,
        authenticator: Authenticator,
        config: EndpointsConfig,
    ) -> Result<Self, EndpointsError> {
        if !authenticator.checks_revocation() {
            return Err(EndpointsError::NoRevocationCheck);
        }
        Ok(Self::dangerous_without_revocation_check(
            service,
            authenticator,
            config,
        ))
    }

    /// Endpoints running `service`'s flows, authenticating signed-in routes with
    /// [`Authenticator::for_service`] (the service's verifier and revocation checker) and
    /// reading the service's clock. Hand [`authenticator`](Self::authenticator) to the
    /// host's [`AuthLayer`](crate::AuthLayer) so its routes check tokens the same way.
    pub fn for_service(service: AuthService, config: EndpointsConfig) -> Self {
        let authenticator = Authenticator::for_service(&service);
        let clock = service.clock();
        Self::dangerous_without_revocation_check(service, authenticator, config).with_clock(clock)
    }

    /// The authenticator these endpoints use for signed-in routes (first-party tokens only,
    /// with the revocation check). Clones share the revocation cache, so a logout here
    /// reaches the host's routes at once.
    pub fn authenticator(&self) -> &Authenticator {
        &self.inner.authenticator
    }

    /// Like [`new`](Self::new) without insisting on a revocation check.
    ///
    /// # Security
    /// Without the check, `POST /logout`, `/logout-all` and a password change answer success
    /// while the access tokens they were meant to end keep working until they expire (15
    /// minutes by default). Only for hosts that check revocation some other way before these
    /// endpoints see a request.
    pub fn dangerous_without_revocation_check(
        service: AuthService,
        authenticator: Authenticator,
        config: EndpointsConfig,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                service,
                authenticator: authenticator.accept(AcceptedTokens::FirstParty),
                config,
                clock: Arc::new(SystemClock),
                #[cfg(feature = "providers")]
                oauth: None,
            }),
        }
    }

    /// The same endpoints reading time from `clock` (cookie `Max-Age`s). Give it the
    /// service's clock.
    pub fn with_clock(self, clock: Arc<dyn Clock>) -> Self {
        let mut inner = self.inner.duplicate();
        inner.clock = clock;
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &EndpointsConfig {
        &self.inner.config
    }

    /// The endpoints as a tower service, for axum's `nest_service("/auth", …)`.
    pub fn into_service(self) -> EndpointsService {
        EndpointsService::new(self)
    }

    #[cfg(feature = "actix")]
    pub(crate) fn payload_too_large(&self) -> Response<Bytes> {
        Failure::PayloadTooLarge.into_response(
            self.inner.authenticator.realm_name(),
            self.inner.authenticator.outage_retry_after(),
        )
    }

    #[cfg(feature = "actix")]
    pub(crate) fn malformed_body(&self) -> Response<Bytes> {
        Failure::MalformedBody.into_response(
            self.inner.authenticator.realm_name(),
            self.inner.authenticator.outage_retry_after(),
        )
    }

    /// Answers one request.
    pub async fn handle(&self, request: EndpointRequest) -> Response<Bytes> {
        let realm = self.inner.authenticator.realm_name().to_owned();
        match self.dispatch(&request).await {
            Ok(response) => response,
            Err(failure) => {
                let clear = matches!(
                    &failure,
                    Failure::Auth(
                        auth_core::flows::AuthError::InvalidRefreshToken
                            | auth_core::flows::AuthError::RefreshTokenReused
                    )
                ) && self.cookie_mode();
                let retry_after = self.inner.authenticator.outage_retry_after();
                let mut response = failure.into_response(&realm, retry_after);
                if clear {
                    self.clear_cookies(&mut response);
                }
                response
            }
        }
    }

    async fn dispatch(&self, request: &EndpointRequest) -> Result<Response<Bytes>, Failure> {
        let route = match Route::parse(&request.method, &request.path) {
            Ok(route) => route,
            Err(NoRoute::NotFound) => {
                return Ok(error_response(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    "no such endpoint",
                ));
            }
            Err(NoRoute::MethodNotAllowed(allowed)) => {
                let mut response = error_response(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    "method not allowed",
                );
                response
                    .headers_mut()
                    .insert(ALLOW, HeaderValue::from_static(allowed));
                return Ok(response);
            }
        };
        if request.body.len() > self.inner.config.max_body_bytes {
            return Err(Failure::PayloadTooLarge);
        }
        if self.cookie_mode()
            && request.method != Method::GET
            && !self.origin_allowed(&request.headers)
        {
            tracing::info!("cross-site request refused by the origin check");
            return Err(Failure::Csrf);
        }
        match route {
            Route::Signup => self.signup(request).await,
            Route::Login => self.login(request).await,
            Route::Refresh => self.refresh(request).await,
            Route::Logout => self.logout(request).await,
            Route::LogoutAll => self.logout_all(request).await,
            Route::Me => self.me(request).await,
            Route::Sessions => self.sessions(request).await,
            Route::EndSession(id) => self.end_session(request, &id).await,
            Route::PasswordChange => self.password_change(request).await,
            Route::Reauthenticate => self.reauthenticate(request).await,
            #[cfg(feature = "passkey")]
            Route::ReauthenticatePasskey => self.reauthenticate_passkey_start(request).await,
            Route::SecondFactor => self.second_factor(request).await,
            Route::SecondFactors => self.second_factors(request).await,
            Route::TotpEnroll => self.totp_enroll(request).await,
            Route::TotpConfirm => self.totp_confirm(request).await,
            Route::TotpRemove => self.totp_remove(request).await,
            Route::RecoveryCodes => self.recovery_codes(request).await,
            Route::PasswordForgot => self.password_forgot(request).await,
            Route::PasswordReset => self.password_reset(request).await,
            Route::EmailVerify => self.email_verify(request).await,
            #[cfg(feature = "providers")]
            Route::OAuthStart(provider) => Ok(self.oauth_start(request, &provider).await),
            #[cfg(feature = "providers")]
            Route::OAuthCallback(provider) => Ok(self.oauth_callback(request, &provider).await),
            #[cfg(feature = "passkey")]
            Route::PasskeyRegisterStart => self.passkey_register_start(request).await,
            #[cfg(feature = "passkey")]
            Route::PasskeyRegisterFinish => self.passkey_register_finish(request).await,
            #[cfg(feature = "passkey")]
            Route::Passkeys => self.passkey_list(request).await,
            #[cfg(feature = "passkey")]
            Route::RenamePasskey(id) => self.passkey_rename(request, &id).await,
            #[cfg(feature = "passkey")]
            Route::DeletePasskey(id) => self.passkey_delete(request, &id).await,
            #[cfg(feature = "passkey")]
            Route::PasskeyLoginStart => self.passkey_login_start(request).await,
            #[cfg(feature = "passkey")]
            Route::PasskeyLoginFinish => self.passkey_login_finish(request).await,
            #[cfg(feature = "passkey")]
            Route::PasskeySignupStart => self.passkey_signup_start(request).await,
            #[cfg(feature = "passkey")]
            Route::PasskeySignupFinish => self.passkey_signup_finish(request).await,
        }
    }

    /// The flows (read by the OpenAPI document for the signup mode).
    #[cfg(feature = "openapi")]
    pub(crate) fn service(&self) -> &AuthService {
        &self.inner.service
    }

    pub(crate) fn cookie_mode(&self) -> bool {
        self.inner.config.token_delivery == TokenDelivery::Cookie
    }

    /// Defence 1 (cookie mode): Fetch Metadata and `Origin`.
    fn origin_allowed(&self, headers: &HeaderMap) -> bool {
        if let Some(site) = headers.get("sec-fetch-site")
            && site != "same-origin"
            && site != "none"
        {
            return false;
        }
        let Some(origin) = headers.get(ORIGIN) else {
            return true;
        };
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        let allowed = &self.inner.config.allowed_origins;
        if !allowed.is_empty() {
            return allowed.iter().any(|allowed| allowed == origin);
        }
        match headers.get(HOST).and_then(|host| host.to_str().ok()) {
            Some(host) => origin.strip_prefix("https://") == Some(host),
            None => false,
        }
    }

    /// Defence 2 (cookie mode): the double-submit token.
    fn csrf_token_matches(&self, headers: &HeaderMap) -> bool {
        use subtle::ConstantTimeEq as _;
        let config = &self.inner.config;
        let cookie = single_cookie(
            headers
                .get_all(http::header::COOKIE)
                .iter()
                .map(|v| v.as_bytes()),
            &config.csrf_cookie,
        );
        let Ok(Some(cookie)) = cookie else {
            return false;
        };
        let mut echoed = headers.get_all(&config.csrf_header).iter();
        let (Some(echoed), None) = (echoed.next(), echoed.next()) else {
            return false;
        };
        let echoed = echoed.as_bytes();
        !cookie.is_empty() && cookie.len() == echoed.len() && bool::from(cookie.ct_eq(echoed))
    }

    /// The client as the flows see it: IP per [`EndpointsConfig::client_ip`], user agent.
    fn client_info(&self, request: &EndpointRequest) -> ClientInfo {
        crate::client::client_info(
            &self.inner.config.client_ip,
            &request.headers,
            request.peer_ip,
        )
    }
}
