//! The login flow: `start` (authorization URL with state, PKCE S256 and nonce, bound to the
//! browser) and `callback` (state first, then everything else).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use auth_core::ErrorChain;
use auth_core::{Clock, SystemClock};
use oauth2::PkceCodeChallenge;
use url::Url;

use crate::error::{ConfigError, LoginError, clip, clip_code};
use crate::http::HttpClient;
use crate::login_options::LoginOptions;
use crate::pending::{PendingLogin, PendingLoginStore};
use crate::profile::ProviderProfile;
use crate::provider::{AuthorizationParams, CodeExchange, OAuthProvider};
use crate::secret::{SecretHash, SecretValue, ct_str_eq, random_secret};

/// The query parameters of a callback, as received. Build it from the request's query string
/// (never from a body the attacker's page could post).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CallbackParams {
    /// `code`.
    pub code: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `error` (e.g. `access_denied`).
    pub error: Option<String>,
    /// `error_description`.
    pub error_description: Option<String>,
    /// `iss` (RFC 9207), when the provider sends it.
    pub iss: Option<String>,
}

impl CallbackParams {
    /// Reads the parameters from `query` (the callback URL's query string, without `?`).
    /// Repeated parameters are refused by keeping none of them.
    pub fn from_query(query: &str) -> Self {
        let mut seen: HashMap<String, Option<String>> = HashMap::new();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            seen.entry(name.into_owned())
                .and_modify(|slot| *slot = None)
                .or_insert_with(|| Some(value.into_owned()));
        }
        let mut take = |name: &str| seen.remove(name).flatten();
        Self {
            code: take("code"),
            state: take("state"),
            error: take("error"),
            error_description: take("error_description"),
            iss: take("iss"),
        }
    }
}

/// What `start` gives the HTTP layer.
#[non_exhaustive]
pub struct LoginStart {
    /// Where to redirect the browser (302).
    pub authorization_url: Url,
    /// The browser binding: set it as a cookie (`__Host-` prefix, `Secure`, `HttpOnly`,
    /// `SameSite=Lax` so it comes back on the provider's top-level redirect, `Max-Age` =
    /// [`LoginStart::expires_in`]) and pass it back to [`LoginFlow::callback`].
    pub browser_binding: SecretValue,
    /// How long the login stays valid.
    pub expires_in: Duration,
}

impl fmt::Debug for LoginStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL carries the state: not secret once sent to the browser, but it is a
        // single-use credential of this login, so it is not logged either.
        f.debug_struct("LoginStart")
            .field("authorization_url", &"[redacted]")
            .field("browser_binding", &self.browser_binding)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// Social login for a set of providers.
///
/// [`start`](Self::start) makes a fresh `state` (256 bits), PKCE S256 verifier and — for OIDC
/// — `nonce`, stores them with the provider's name and a hash of a browser-binding value in the
/// [`PendingLoginStore`], and returns the authorization URL and the binding for a cookie.
///
/// [`callback`](Self::callback) checks, in order: `state` present; it names a pending login
/// (which is consumed — a replay finds nothing); not expired; the binding cookie matches; the
/// login was started with *this* provider (mix-up) and any `iss` is the provider's (RFC
/// 9207); then handles `error`, then exchanges the code and returns the profile.
#[derive(Debug, Clone)]
pub struct LoginFlow {
    providers: Arc<HashMap<String, Arc<dyn OAuthProvider>>>,
    store: Arc<dyn PendingLoginStore>,
    http: HttpClient,
    clock: Arc<dyn Clock>,
    ttl: Duration,
}

impl LoginFlow {
    /// The default time a user has to finish logging in at the provider: 10 minutes.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(600);

    /// A flow with no providers yet, storing pending logins in `store`.
    pub fn new(store: Arc<dyn PendingLoginStore>, http: HttpClient) -> Self {
        Self {
            providers: Arc::default(),
            store,
            http,
            clock: Arc::new(SystemClock),
            ttl: Self::DEFAULT_TTL,
        }
    }

    /// Registers a provider under its [`name`](OAuthProvider::name) (see
    /// [`add_provider`](Self::add_provider) for what is refused).
    pub fn with_provider(mut self, provider: impl OAuthProvider) -> Result<Self, ConfigError> {
        self.add_provider(Arc::new(provider))?;
        Ok(self)
    }

    /// Registers a shared provider; refuses a name already registered, and a provider whose
    /// [`check_config`](OAuthProvider::check_config) fails (for [`Provider`](crate::Provider):
    /// an issuer or endpoint that is not `https`, or plain `http` to a loopback host).
    pub fn add_provider(&mut self, provider: Arc<dyn OAuthProvider>) -> Result<(), ConfigError> {
        provider.check_config()?;
        let name = provider.name().to_owned();
        let providers = Arc::make_mut(&mut self.providers);
        if providers.contains_key(&name) {
            return Err(ConfigError::DuplicateProvider(name));
        }
        providers.insert(name, provider);
        Ok(())
    }

    /// Reads time from `clock` (expiry of pending logins and id_tokens).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets how long a login may take (default [`LoginFlow::DEFAULT_TTL`]).
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The names of the registered providers.
    pub fn provider_names(&self) -> impl Iterator<Item = &str> {
        self.providers.keys().map(String::as_str)
    }

    /// The HTTP client.
    pub fn http(&self) -> &HttpClient {
        &self.http
    }

    /// Starts a login with `provider`, with nothing but the provider's registration.
    pub async fn start(&self, provider: &str) -> Result<LoginStart, LoginError> {
        self.start_with(provider, &LoginOptions::default()).await
    }

    /// Starts a login with `provider`, asking for this login's own `login_hint`, `prompt` or
    /// extra scopes ([`LoginOptions`]) — one registered provider serves every variant.
    ///
    /// # Errors
    /// [`LoginError::InvalidOptions`] (before anything is stored), and as
    /// [`start`](Self::start).
    #[tracing::instrument(skip_all, fields(provider = provider))]
    pub async fn start_with(
        &self,
        provider: &str,
        options: &LoginOptions,
    ) -> Result<LoginStart, LoginError> {
        options.check()?;
        let provider = self
            .providers
            .get(provider)
            .ok_or(LoginError::UnknownProvider)?;
        let state = random_secret()?;
        let binding = random_secret()?;
        let nonce = if provider.uses_nonce() {
            Some(random_secret()?)
        } else {
            None
        };
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let url = provider.authorization_url(&AuthorizationParams {
            state: state.expose_secret(),
            pkce_challenge: challenge.as_str(),
            nonce: nonce.as_ref().map(SecretValue::expose_secret),
            options,
        })?;
        let login = PendingLogin::new(
            provider.name(),
            SecretValue::new(verifier.secret().clone()),
            nonce,
            SecretHash::of(binding.expose_secret()),
            self.clock.now() + self.ttl,
        );
        self.store
            .put_pending_login(
                &SecretHash::of(state.expose_secret()),
                login,
                self.clock.now(),
            )
            .await
            .map_err(store_error)?;
        Ok(LoginStart {
            authorization_url: url,
            browser_binding: binding,
            expires_in: self.ttl,
        })
    }

    /// Completes a login at `provider`'s callback. `browser_binding` is the cookie set at
    /// start (`None` when the browser sent none).
    #[tracing::instrument(skip_all, fields(provider = provider))]
    pub async fn callback(
        &self,
        provider: &str,
        params: &CallbackParams,
        browser_binding: Option<&str>,
    ) -> Result<ProviderProfile, LoginError> {
        let result = self.check_callback(provider, params, browser_binding).await;
        match &result {
            Ok(_) => tracing::info!("social login callback accepted"),
            Err(error) => {
                tracing::warn!(error = %ErrorChain::new(&error), "social login callback refused")
            }
        }
        result
    }

    async fn check_callback(
        &self,
        provider_name: &str,
        params: &CallbackParams,
        browser_binding: Option<&str>,
    ) -> Result<ProviderProfile, LoginError> {
        // 1. The state, before anything else: no provider error, code or cookie is looked at
        //    for a callback that is not ours. An empty state (or the seed's "null") is missing.
        let state = params
            .state
            .as_deref()
            .filter(|state| !state.is_empty() && *state != "null")
            .ok_or(LoginError::MissingState)?;
        // 2. Consumed on first use: a replay, a state we never issued, or one that expired
        //    (the store refuses those itself) finds nothing.
        let now = self.clock.now();
        let login = self
            .store
            .take_pending_login(&SecretHash::of(state), now)
            .await
            .map_err(store_error)?
            .ok_or(LoginError::UnknownState)?;
        // A store of the host's own that ignored `now` must not revive an expired login.
        if now >= login.expires_at {
            return Err(LoginError::ExpiredState);
        }
        // 3. Bound to the browser that started it (login CSRF).
        let presented = browser_binding.map(SecretHash::of);
        if !presented.is_some_and(|hash| hash.ct_eq(&login.browser_binding)) {
            return Err(LoginError::BrowserMismatch);
        }
        // 4. Mix-up: the login must have been started with this provider, and an `iss`, when
        //    sent, must be this provider's.
        if !ct_str_eq(&login.provider, provider_name) {
            return Err(LoginError::ProviderMismatch);
        }
        let provider = self
            .providers
            .get(provider_name)
            .ok_or(LoginError::UnknownProvider)?;
        if let (Some(iss), Some(issuer)) = (params.iss.as_deref(), provider.issuer())
            && iss != issuer
        {
            return Err(LoginError::ProviderMismatch);
        }
        // 5. The provider's own refusal.
        if let Some(error) = params.error.as_deref() {
            return Err(LoginError::ProviderDenied {
                error: clip_code(error),
                description: params.error_description.as_deref().map(|d| clip(d, 256)),
            });
        }
        let code = params
            .code
            .as_deref()
            .filter(|code| !code.is_empty())
            .ok_or(LoginError::MissingCode)?;
        // 6. Exchange and profile.
        provider
            .complete(CodeExchange {
                code,
                pkce_verifier: &login.pkce_verifier,
                nonce: login.nonce.as_ref(),
                http: &self.http,
                clock: self.clock.as_ref(),
            })
            .await
    }
}

/// A pending-login store failure as the flow reports it; the cause (which never holds a
/// secret: the store errors carry no record) goes to the log.
fn store_error(error: auth_core::store::StoreError) -> LoginError {
    if error.is_unavailable() {
        // An outage is expected to pass: a warning, and a variant the host can answer 503.
        tracing::warn!(error = %ErrorChain::new(&error), "pending-login store unreachable");
        return LoginError::StoreUnavailable;
    }
    tracing::error!(error = %ErrorChain::new(&error), "pending-login store failed");
    LoginError::Store(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Issue 14: an unreachable pending-login store is told apart from a broken one, so the
    // host can answer 503 + Retry-After instead of 500.
    #[test]
    fn an_unreachable_pending_login_store_is_store_unavailable() {
        use auth_core::store::StoreError;
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(
            store_error(StoreError::unavailable(refused)),
            LoginError::StoreUnavailable
        );
        assert!(matches!(
            store_error(StoreError::backend(std::fmt::Error)),
            LoginError::Store(_)
        ));
    }

    #[test]
    fn callback_params_from_query() {
        let params = CallbackParams::from_query("code=abc&state=xyz&iss=https%3A%2F%2Fidp");
        assert_eq!(params.code.as_deref(), Some("abc"));
        assert_eq!(params.iss.as_deref(), Some("https://idp"));
        // a repeated parameter is ambiguous: dropped
        let twice = CallbackParams::from_query("state=a&state=b&code=c");
        assert_eq!(twice.state, None);
    }
}
