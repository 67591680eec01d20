//! Social login routes (feature `providers`): `GET /oauth/{provider}` starts a login at the
//! provider, `GET /oauth/{provider}/callback` completes it through auth-providers'
//! [`LoginFlow`] and auth-core's
//! [`complete_social_login`](auth_core::flows::AuthService::complete_social_login).
//!
//! # Cookie mode only
//! After the callback the session is established the way cookie mode does it — the refresh
//! token in the `__Host-` HttpOnly cookie, a fresh CSRF cookie — and the browser is sent
//! (303) to [`SocialLoginConfig::post_login_url`], **with no token in the URL**; the page then calls
//! `POST /refresh` (with the CSRF header) for an access token.
//!
//! Bearer mode is refused at configuration time ([`SocialLoginSetupError::BearerMode`]) rather than
//! served with a one-time login code: auth-core's social-login flow creates the session and
//! its token pair in one step, and its `LoginCode` one-time tokens can only name a user, so a
//! code would have to park a live refresh token (or a not-yet-created account's profile)
//! somewhere outside auth-core's stores. A redirect login is a browser affair anyway; native
//! apps run the provider's login themselves (AppAuth, PKCE) and browsers use cookie mode.

use std::fmt;
use std::time::Duration;

use auth_core::ErrorChain;
use auth_core::flows::{AuthError, Endpoint};
use auth_providers::{CallbackParams, HttpError, LoginError, LoginFlow, LoginOptions, Prompt};
use bytes::Bytes;
use http::header::{COOKIE, LOCATION, RETRY_AFTER};
use http::{HeaderValue, Response, StatusCode};

use super::response::{add_cookie, auth_error, error_response, host_cookie_same_site, respond};
use super::{AuthEndpoints, EndpointRequest, TokenDelivery};
use crate::credentials::single_cookie;
use crate::rejection::retry_after_value;

/// Configuration of the social login routes: where the browser goes afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct SocialLoginConfig {
    /// Where the browser is sent (303) after a successful login; the page there calls
    /// `POST /refresh` for an access token. A path (`/app`) or an absolute `https://` URL.
    /// Defaults to `/`.
    pub post_login_url: String,
    /// Where the browser is sent (303) after a failed login, with `?error=<code>` appended
    /// (see [`SocialLoginConfig::error_url`] for the codes). `None` (the default) answers the
    /// failure itself with a JSON `{"error","error_description"}` body (400, or 502 when the
    /// provider is unreachable, 500 for a server fault).
    ///
    /// The codes are generic and never carry the provider's text:
    /// `access_denied` (the user cancelled at the provider), `login_failed` (a state, browser,
    /// code, token or profile check failed), `account_exists` (an account has this
    /// provider-verified email but may not be linked automatically: sign in and link),
    /// `email_not_verified` (the provider has not verified the email it shared: nothing is
    /// created or linked on such an address, whether or not an account has it),
    /// `account_disabled`, `email_required` (the provider shared no email),
    /// `temporarily_unavailable` (the provider did not answer), `server_error`.
    pub error_url: Option<String>,
    /// Name of the cookie binding a login to the browser that started it (HttpOnly, Secure,
    /// `SameSite=Lax` so that it comes back on the provider's redirect, lives as long as the
    /// pending login). Must start with `__Host-`. Defaults to `__Host-oauth`.
    pub binding_cookie: String,
}

impl Default for SocialLoginConfig {
    fn default() -> Self {
        Self {
            post_login_url: "/".to_owned(),
            error_url: None,
            binding_cookie: "__Host-oauth".to_owned(),
        }
    }
}

impl SocialLoginConfig {
    /// Sets [`SocialLoginConfig::post_login_url`].
    pub fn post_login_url(mut self, url: impl Into<String>) -> Self {
        self.post_login_url = url.into();
        self
    }

    /// Sets [`SocialLoginConfig::error_url`].
    pub fn error_url(mut self, url: impl Into<String>) -> Self {
        self.error_url = Some(url.into());
        self
    }
}

/// Why [`AuthEndpoints::with_providers`] refused its configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SocialLoginSetupError {
    /// The endpoints deliver tokens in bearer mode. Social login ends in a browser redirect,
    /// and tokens never go into a redirect URL: configure
    /// [`EndpointsConfig::cookie_mode`](super::EndpointsConfig::cookie_mode) for the browser
    /// front-end (native apps run the provider login themselves).
    #[error(
        "social login needs cookie mode (EndpointsConfig::cookie_mode()): tokens are never put \
         in a redirect URL, and bearer mode has no cookie to carry the session"
    )]
    BearerMode,
    /// A redirect target is neither a local path (`/…`, not `//…`) nor an absolute
    /// `https://` URL, or is not a valid header value.
    #[error("{0} must be a local path (\"/app\") or an absolute https:// URL")]
    InvalidUrl(&'static str),
    /// The binding cookie's name does not start with `__Host-` or is not a valid cookie name.
    #[error("the OAuth binding cookie name must start with __Host- and be a valid cookie name")]
    InvalidCookieName,
}

/// The login flow and its configuration, as the endpoints hold them.
#[derive(Clone)]
pub(super) struct OAuth {
    flow: LoginFlow,
    config: SocialLoginConfig,
}

impl fmt::Debug for OAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth")
            .field("providers", &self.flow.provider_names().collect::<Vec<_>>())
            .field("config", &self.config)
            .finish()
    }
}

fn valid_target(url: &str) -> bool {
    let local = url.starts_with('/') && !url.starts_with("//") && !url.starts_with("/\\");
    let absolute = url
        .strip_prefix("https://")
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    (local || absolute) && HeaderValue::from_str(url).is_ok()
}

fn valid_cookie_name(name: &str) -> bool {
    name.starts_with("__Host-")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// What went wrong, as the browser may learn it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    AccessDenied,
    LoginFailed,
    AccountExists,
    EmailNotVerified,
    AccountDisabled,
    EmailRequired,
    Unavailable,
    /// Try again after this long: the provider's JWKS is backing off after a failed fetch,
    /// or a store could not be reached in time. 503 with `Retry-After`.
    RetryLater(Duration),
    ServerError,
}

impl Outcome {
    fn code(self) -> &'static str {
        match self {
            Self::AccessDenied => "access_denied",
            Self::LoginFailed => "login_failed",
            Self::AccountExists => "account_exists",
            Self::EmailNotVerified => "email_not_verified",
            Self::AccountDisabled => "account_disabled",
            Self::EmailRequired => "email_required",
            Self::Unavailable | Self::RetryLater(_) => "temporarily_unavailable",
            Self::ServerError => "server_error",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            Self::Unavailable => StatusCode::BAD_GATEWAY,
            Self::RetryLater(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn description(self) -> &'static str {
        match self {
            Self::AccessDenied => "the login was cancelled at the provider",
            Self::LoginFailed => "the login could not be completed; start again",
            Self::AccountExists => {
                "an account with this email exists; sign in to it and link the provider"
            }
            Self::EmailNotVerified => {
                "the provider has not verified this email address; verify it there, or sign up \
                 with a password and link the provider"
            }
            Self::AccountDisabled => "account disabled",
            Self::EmailRequired => "the provider did not share an email address",
            Self::Unavailable => "the provider is unavailable; try again later",
            Self::RetryLater(_) => "the service is temporarily unavailable; try again later",
            Self::ServerError => "internal server error",
        }
    }

    /// `outage_retry_after`: the `Retry-After` when the pending-login store could not be
    /// reached in time.
    fn of_login(error: &LoginError, outage_retry_after: Duration) -> Self {
        match error {
            LoginError::ProviderDenied { error, .. } if error == "access_denied" => {
                Self::AccessDenied
            }
            LoginError::Unavailable(HttpError::BackingOff { retry_in, .. }) => {
                Self::RetryLater(*retry_in)
            }
            LoginError::Unavailable(_) => Self::Unavailable,
            LoginError::StoreUnavailable => Self::RetryLater(outage_retry_after),
            LoginError::Store(_) | LoginError::Random | LoginError::Config(_) => Self::ServerError,
            _ => Self::LoginFailed,
        }
    }

    /// `outage_retry_after`: the `Retry-After` when a store could not be reached in time.
    fn of_auth(error: &AuthError, outage_retry_after: Duration) -> Self {
        match error {
            // The provider vouched for the address: its owner may learn that it has an
            // account here.
            AuthError::EmailTaken | AuthError::IdentityInUse => Self::AccountExists,
            // Refused for every unverified address, account or not: it reveals nothing, and
            // tells the user what to do instead of a bare "login failed".
            AuthError::EmailNotVerifiedByProvider => Self::EmailNotVerified,
            AuthError::AccountDisabled => Self::AccountDisabled,
            AuthError::ProviderEmailMissing => Self::EmailRequired,
            error if error.is_unavailable() => Self::RetryLater(outage_retry_after),
            error if error.is_server_error() => Self::ServerError,
            _ => Self::LoginFailed,
        }
    }
}

impl AuthEndpoints {
    /// Adds the social login routes `GET /oauth/{provider}` and
    /// `GET /oauth/{provider}/callback` for `flow`'s providers (build the flow once with
    /// `LoginFlow::new(…).with_provider(…)`; each provider's redirect URI must be
    /// `https://<your host><mount point>/oauth/<name>/callback`).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use auth_core::flows::{AuthConfig, AuthService, RecordingMailer, Stores};
    /// # use auth_core::password::PasswordHasher;
    /// # use auth_core::token::*;
    /// # use auth_core::SystemClock;
    /// use auth_providers::{Credentials, ClientSecret, HttpClient, LoginFlow,
    ///     MemoryPendingLoginStore, Provider};
    /// use auth_tower::{Authenticator, AuthEndpoints, EndpointsConfig, SocialLoginConfig, SocialLoginSetupError};
    /// # let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[7; 32])?);
    /// # let issuer = AccessTokenIssuer::new(IssuerConfig::new("iss", "api"), &keys);
    /// # let verifier = AccessTokenVerifier::new(VerifierConfig::new("iss", "api"), &keys);
    /// # let service = AuthService::new(AuthConfig::default(), Stores::in_memory(), issuer,
    /// #     PasswordHasher::insecure_fast_for_tests(), Arc::new(SystemClock),
    /// #     Arc::new(RecordingMailer::default()));
    /// let google = Provider::google(Credentials::new(
    ///     "client-id",
    ///     ClientSecret::new("from-your-secret-store"),
    ///     "https://app.example/auth/oauth/google/callback".parse()?,
    /// ));
    /// let flow = LoginFlow::new(Arc::new(MemoryPendingLoginStore::new()), HttpClient::new()?)
    ///     .with_provider(google)?;
    /// # let stores = service.stores();
    /// # let revocation = auth_core::revocation::RevocationChecker::new(Default::default(),
    /// #     stores.users.clone(), stores.sessions.clone(), stores.revocations.clone());
    /// let authenticator = Authenticator::new(verifier).with_revocation(revocation);
    /// let endpoints = AuthEndpoints::new(service.clone(), authenticator.clone(),
    ///         EndpointsConfig::cookie_mode())?
    ///     .with_providers(flow.clone(), SocialLoginConfig::default().post_login_url("/app"))?;
    /// // axum: Router::new().nest_service("/auth", endpoints.into_service())
    ///
    /// // Bearer mode has no cookie to carry the session: refused, not silently degraded.
    /// let bearer = AuthEndpoints::new(service, authenticator, EndpointsConfig::default())?;
    /// assert_eq!(bearer.with_providers(flow, SocialLoginConfig::default()).unwrap_err(),
    ///     SocialLoginSetupError::BearerMode);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`SocialLoginSetupError::BearerMode`] unless the endpoints are in cookie mode (see the
    /// module docs for why); [`SocialLoginSetupError::InvalidUrl`] and
    /// [`SocialLoginSetupError::InvalidCookieName`] for a bad [`SocialLoginConfig`].
    pub fn with_providers(
        self,
        flow: LoginFlow,
        config: SocialLoginConfig,
    ) -> Result<Self, SocialLoginSetupError> {
        if self.inner.config.token_delivery != TokenDelivery::Cookie {
            return Err(SocialLoginSetupError::BearerMode);
        }
        if !valid_target(&config.post_login_url) {
            return Err(SocialLoginSetupError::InvalidUrl("post_login_url"));
        }
        if config
            .error_url
            .as_deref()
            .is_some_and(|url| !valid_target(url))
        {
            return Err(SocialLoginSetupError::InvalidUrl("error_url"));
        }
        if !valid_cookie_name(&config.binding_cookie) {
            return Err(SocialLoginSetupError::InvalidCookieName);
        }
        let mut inner = self.inner.duplicate();
        inner.oauth = Some(OAuth { flow, config });
        Ok(Self {
            inner: std::sync::Arc::new(inner),
        })
    }

    /// The names of the social-login providers these endpoints serve, for the OpenAPI
    /// document (which lists exactly the routes that answer).
    #[cfg(feature = "openapi")]
    pub(crate) fn social_providers(&self) -> Vec<String> {
        self.inner.oauth.as_ref().map_or_else(Vec::new, |oauth| {
            oauth.flow.provider_names().map(str::to_owned).collect()
        })
    }

    /// The flow, if `provider` is one of its providers.
    fn oauth_for(&self, provider: &str) -> Option<&OAuth> {
        self.inner
            .oauth
            .as_ref()
            .filter(|oauth| oauth.flow.provider_names().any(|name| name == provider))
    }

    /// `GET /oauth/{provider}`: 302 to the provider, with the browser-binding cookie.
    pub(super) async fn oauth_start(
        &self,
        request: &EndpointRequest,
        provider: &str,
    ) -> Response<Bytes> {
        let Some(oauth) = self.oauth_for(provider) else {
            return not_found();
        };
        // Before a pending login is parked: each one takes room in a bounded store.
        let client = self.client_info(request);
        if let Err(error) = self
            .inner
            .service
            .reserve_endpoint(Endpoint::SocialStart, &client)
            .await
        {
            let authenticator = &self.inner.authenticator;
            return auth_error(
                &error,
                authenticator.realm_name(),
                authenticator.outage_retry_after(),
            );
        }
        let Some(options) = login_options(request.query.as_deref()) else {
            tracing::info!(
                provider,
                "social login start refused: malformed login_hint or prompt"
            );
            return oauth.failure(Outcome::LoginFailed);
        };
        let start = match oauth.flow.start_with(provider, &options).await {
            Ok(start) => start,
            Err(error @ LoginError::InvalidOptions(_)) => {
                tracing::info!(%error, provider, "social login start refused");
                return oauth.failure(Outcome::LoginFailed);
            }
            Err(error) => {
                tracing::error!(error = %ErrorChain::new(&error), provider, "social login could not start");
                let retry_after = self.inner.authenticator.outage_retry_after();
                return oauth.failure(Outcome::of_login(&error, retry_after));
            }
        };
        let Ok(location) = HeaderValue::from_str(start.authorization_url.as_str()) else {
            tracing::error!(
                provider,
                "the authorization URL is not a valid header value"
            );
            return oauth.failure(Outcome::ServerError);
        };
        let mut response = respond(StatusCode::FOUND, Bytes::new());
        response.headers_mut().insert(LOCATION, location);
        add_cookie(
            &mut response,
            &host_cookie_same_site(
                &oauth.config.binding_cookie,
                start.browser_binding.expose_secret(),
                start.expires_in,
                true,
                "Lax",
            ),
        );
        response
    }

    /// `GET /oauth/{provider}/callback`: checks the callback (auth-providers), signs the
    /// user in (auth-core), sets the session cookies and sends the browser on — never with a
    /// token in the URL. The binding cookie is cleared whatever the outcome.
    pub(super) async fn oauth_callback(
        &self,
        request: &EndpointRequest,
        provider: &str,
    ) -> Response<Bytes> {
        let Some(oauth) = self.oauth_for(provider) else {
            return not_found();
        };
        let mut response = self.complete_oauth(oauth, request, provider).await;
        add_cookie(
            &mut response,
            &host_cookie_same_site(
                &oauth.config.binding_cookie,
                "",
                Duration::ZERO,
                true,
                "Lax",
            ),
        );
        response
    }

    async fn complete_oauth(
        &self,
        oauth: &OAuth,
        request: &EndpointRequest,
        provider: &str,
    ) -> Response<Bytes> {
        // A binding cookie sent twice is no binding: the flow then refuses the browser.
        let binding = single_cookie(
            request.headers.get_all(COOKIE).iter().map(|v| v.as_bytes()),
            &oauth.config.binding_cookie,
        )
        .ok()
        .flatten()
        .and_then(|value| std::str::from_utf8(value).ok());
        let params = CallbackParams::from_query(request.query.as_deref().unwrap_or_default());
        let profile = match oauth.flow.callback(provider, &params, binding).await {
            Ok(profile) => profile,
            // auth-providers has logged the refusal (its Display carries no secret).
            Err(error) => {
                let retry_after = self.inner.authenticator.outage_retry_after();
                return oauth.failure(Outcome::of_login(&error, retry_after));
            }
        };
        let client = self.client_info(request);
        let pair = match self
            .inner
            .service
            .complete_social_login(profile.into_social_profile(), &client)
            .await
        {
            Ok(pair) => pair,
            Err(auth_core::flows::AuthError::SecondFactorRequired(challenge)) => {
                tracing::info!(provider, "social login needs a second factor");
                return self.second_factor_redirect(&challenge, &oauth.config.post_login_url);
            }
            Err(error) => {
                if error.is_server_error() {
                    tracing::error!(error = %ErrorChain::new(&error), provider, "social login completion failed");
                } else {
                    tracing::info!(%error, provider, "social login refused");
                }
                let retry_after = self.inner.authenticator.outage_retry_after();
                return oauth.failure(Outcome::of_auth(&error, retry_after));
            }
        };
        let mut response = oauth.redirect(&oauth.config.post_login_url);
        if self.set_session_cookies(&mut response, &pair).is_err() {
            tracing::error!(
                provider,
                "no CSRF token could be generated after social login"
            );
            return oauth.failure(Outcome::ServerError);
        }
        tracing::info!(provider, "social login completed");
        response
    }
}

impl OAuth {
    /// 303 See Other to `target` (checked at configuration time), `no-store`.
    fn redirect(&self, target: &str) -> Response<Bytes> {
        let mut response = respond(StatusCode::SEE_OTHER, Bytes::new());
        match HeaderValue::from_str(target) {
            Ok(location) => {
                response.headers_mut().insert(LOCATION, location);
                response
            }
            Err(_) => error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "internal server error",
            ),
        }
    }

    /// The failure page: a redirect to the error URL with a generic code, or a JSON error.
    fn failure(&self, outcome: Outcome) -> Response<Bytes> {
        match &self.config.error_url {
            Some(url) => {
                let separator = if url.contains('?') { '&' } else { '?' };
                self.redirect(&format!("{url}{separator}error={}", outcome.code()))
            }
            None => {
                let mut response =
                    error_response(outcome.status(), outcome.code(), outcome.description());
                if let Outcome::RetryLater(retry_after) = outcome {
                    response
                        .headers_mut()
                        .insert(RETRY_AFTER, retry_after_value(retry_after));
                }
                response
            }
        }
    }
}

fn not_found() -> Response<Bytes> {
    error_response(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_targets() {
        for good in ["/", "/app?x=1", "https://app.example/welcome"] {
            assert!(valid_target(good), "{good}");
        }
        // Protocol-relative and backslash paths are open redirects in some browsers.
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "http://app.example",
            "https://",
            "javascript:alert(1)",
            "app",
            "/a\nb",
        ] {
            assert!(!valid_target(bad), "{bad}");
        }
    }

    #[test]
    fn cookie_names() {
        assert!(valid_cookie_name("__Host-oauth"));
        assert!(!valid_cookie_name("oauth"));
        assert!(!valid_cookie_name("__Host-a;b"));
        assert!(!valid_cookie_name("__Host-a b"));
    }

    #[test]
    fn outcomes_carry_no_provider_detail() {
        let denied = LoginError::ProviderDenied {
            error: "access_denied".into(),
            description: Some("secret detail".into()),
        };
        assert_eq!(
            Outcome::of_login(&denied, Duration::ZERO),
            Outcome::AccessDenied
        );
        let other = LoginError::ProviderDenied {
            error: "server_error".into(),
            description: None,
        };
        assert_eq!(
            Outcome::of_login(&other, Duration::ZERO),
            Outcome::LoginFailed
        );
        assert_eq!(
            Outcome::of_auth(&AuthError::EmailNotVerifiedByProvider, Duration::ZERO).code(),
            "email_not_verified"
        );
        assert_eq!(
            Outcome::of_login(&LoginError::Store("down".into()), Duration::ZERO).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn a_backing_off_jwks_and_an_unreachable_store_are_503_retry_later() {
        let backing_off = LoginError::Unavailable(HttpError::BackingOff {
            endpoint: "jwks",
            retry_in: Duration::from_secs(7),
        });
        let outcome = Outcome::of_login(&backing_off, Duration::from_secs(3));
        assert_eq!(outcome, Outcome::RetryLater(Duration::from_secs(7)));
        // Issue 14: a pending-login store outage (database or Redis) is 503 with the
        // configured Retry-After, like every other store's — it used to be a 500.
        assert_eq!(
            Outcome::of_login(&LoginError::StoreUnavailable, Duration::from_secs(3)),
            Outcome::RetryLater(Duration::from_secs(3))
        );
        assert_eq!(
            (outcome.status(), outcome.code()),
            (StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable")
        );
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let outage = AuthError::Store(auth_core::store::StoreError::unavailable(refused));
        assert_eq!(
            Outcome::of_auth(&outage, Duration::from_secs(3)),
            Outcome::RetryLater(Duration::from_secs(3))
        );
        let broken = AuthError::Store(auth_core::store::StoreError::backend(std::fmt::Error));
        assert_eq!(
            Outcome::of_auth(&broken, Duration::ZERO),
            Outcome::ServerError
        );
    }
}

/// `login_hint` and `prompt` from the start route's query (`GET /oauth/google?login_hint=…
/// &prompt=select_account`): the page that links to the login may say who is signing in or
/// ask for the account picker, with one registered provider. Extra scopes are not read from
/// the query — what the application asks a provider for is the host's choice
/// (`LoginFlow::start_with`). `None` for a repeated parameter or an unknown `prompt`; other
/// parameters are ignored.
fn login_options(query: Option<&str>) -> Option<LoginOptions> {
    let mut options = LoginOptions::new();
    let pairs = auth_providers::url::form_urlencoded::parse(query.unwrap_or_default().as_bytes());
    for (name, value) in pairs {
        match &*name {
            "login_hint" if options.login_hint.is_none() => {
                options = options.login_hint(value.into_owned());
            }
            "prompt" if options.prompt.is_none() => {
                options = options.prompt(Prompt::parse(&value)?);
            }
            "login_hint" | "prompt" => return None,
            _ => {}
        }
    }
    Some(options)
}

#[cfg(test)]
mod login_options_tests {
    use super::*;

    #[test]
    fn the_start_query_gives_login_hint_and_prompt_once_each() {
        let options = login_options(Some(
            "login_hint=kim%40example.com&prompt=select_account&x=1",
        ))
        .expect("valid");
        assert_eq!(options.login_hint.as_deref(), Some("kim@example.com"));
        assert_eq!(options.prompt, Some(Prompt::SelectAccount));
        assert_eq!(login_options(None), Some(LoginOptions::new()));
        assert_eq!(login_options(Some("prompt=always")), None);
        assert_eq!(login_options(Some("prompt=login&prompt=none")), None);
        assert_eq!(login_options(Some("login_hint=a&login_hint=b")), None);
        assert_eq!(
            login_options(Some("scope=admin")).map(|options| options.extra_scopes),
            Some(Vec::new()),
            "scopes are the host's choice, never the query's"
        );
    }
}
