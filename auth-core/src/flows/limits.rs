//! Request limits of the unauthenticated endpoints ([`EndpointLimits`]), counted per client
//! network in the [`ThrottleStore`](crate::store::ThrottleStore) before any work is done.
//!
//! One home for the rule: the flows that serve these endpoints ([`signup`], password forgot
//! and reset, email verification, refresh) reserve their own slot, so a host that calls
//! [`AuthService`] directly is limited exactly like one behind auth-tower; the two routes
//! whose work is not an `AuthService` flow (the OAuth server's token endpoint, the start of a
//! social login) call [`AuthService::reserve_endpoint`].
//!
//! [`signup`]: AuthService::signup_with

use std::time::{Duration, SystemTime};

use sha2::{Digest as _, Sha256};

use super::service::client_network;
use super::{AuthError, AuthService, ClientInfo, ThrottleLimit};
use crate::store::Reservation;

/// How many requests one client network (an IPv4 address, an IPv6 /64) may make to one
/// endpoint within a window — or, deliberately, no limit.
///
/// Unlike the password throttles, every request counts, successful or not: these limits
/// bound work (a hash, a mail, a database write), not guesses.
///
/// ```
/// use std::time::Duration;
/// use auth_core::flows::RouteLimit;
///
/// let limit = RouteLimit::new(10, Duration::from_secs(3600));
/// assert_eq!(limit.limit().map(|l| l.max_failures), Some(10));
/// assert_eq!(RouteLimit::insecure_unlimited().limit(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RouteLimit(Option<ThrottleLimit>);

impl RouteLimit {
    /// At most `max_requests` requests per client network within `window` (a fixed window
    /// opened by the first request). Zero refuses every request.
    pub const fn new(max_requests: u32, window: Duration) -> Self {
        Self(Some(ThrottleLimit::new(max_requests, window)))
    }

    /// No limit on this endpoint.
    ///
    /// # Security
    /// An unlimited unauthenticated endpoint lets anyone spend your hashing pool, your mail
    /// reputation or your database on it. Choose this only when something in front of the
    /// service (a gateway, auth-tower's rate-limit layer) already limits the route.
    pub const fn insecure_unlimited() -> Self {
        Self(None)
    }

    /// The limit, or `None` when [unlimited](Self::insecure_unlimited).
    pub const fn limit(&self) -> Option<ThrottleLimit> {
        self.0
    }
}

/// With the feature `serde`: `{ "max_requests": 10, "window": "1h" }`, or the string
/// `"insecure_unlimited"` — spelt out, so that no missing or empty value lifts a limit.
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for RouteLimit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Limited {
            max_requests: u32,
            #[serde(deserialize_with = "crate::config_serde::duration")]
            window: Duration,
        }
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Written {
            Limited(Limited),
            Keyword(String),
        }
        match Written::deserialize(deserializer) {
            Ok(Written::Limited(Limited {
                max_requests,
                window,
            })) => Ok(Self::new(max_requests, window)),
            Ok(Written::Keyword(keyword)) if keyword == "insecure_unlimited" => {
                Ok(Self::insecure_unlimited())
            }
            _ => Err(serde::de::Error::custom(
                r#"a route limit is { "max_requests": N, "window": "1h" } or "insecure_unlimited""#,
            )),
        }
    }
}

/// The unauthenticated endpoints that [`EndpointLimits`] covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /signup` ([`AuthService::signup_with`], [`AuthService::register`]).
    Signup,
    /// `POST /password/forgot` ([`AuthService::request_password_reset`]).
    PasswordForgot,
    /// `POST /password/reset` ([`AuthService::reset_password`]).
    PasswordReset,
    /// `POST /email/verify` ([`AuthService::verify_email`]).
    EmailVerify,
    /// `POST /refresh` ([`AuthService::refresh`]).
    Refresh,
    /// The OAuth authorization server's token endpoint (every grant).
    OAuthToken,
    /// `GET /oauth/{provider}`: the start of a social login.
    SocialStart,
    /// `POST /passkey/login/start` and `/passkey/login/finish`, and the finish of a
    /// passkey-only signup (`AuthService::start_passkey_login` …; feature `passkey`).
    PasskeyLogin,
}

impl Endpoint {
    /// A stable name, used in throttling keys and traces.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Signup => "signup",
            Self::PasswordForgot => "password_forgot",
            Self::PasswordReset => "password_reset",
            Self::EmailVerify => "email_verify",
            Self::Refresh => "refresh",
            Self::OAuthToken => "oauth_token",
            Self::SocialStart => "social_start",
            Self::PasskeyLogin => "passkey_login",
        }
    }
}

/// The per-client-network limit of every unauthenticated endpoint, plus the per-address cap
/// of password-reset mails. On by default; a refused request is
/// [`AuthError::Throttled`] (429 with `Retry-After`) and does none of the endpoint's work.
///
/// A request whose [`ClientInfo`] carries no IP is not limited per network (there is nothing
/// to key it by); hosts behind a proxy must tell auth-tower where the client address is.
///
/// Why these defaults: each is well above what one person (or one office behind one NAT)
/// does by hand, and well below what makes the work add up.
///
/// | field | default | why |
/// |---|---|---|
/// | [`signup`](Self::signup) | 10 / hour | each signup is an argon2 hash and an account row |
/// | [`password_forgot`](Self::password_forgot) | 5 / hour | each may send a mail |
/// | [`password_forgot_per_address`](Self::password_forgot_per_address) | 3 / hour per address | the mailbox owner is the one being bothered, from any network |
/// | [`password_reset`](Self::password_reset) | 10 / 15 min | an argon2 hash each; a user needs one or two |
/// | [`email_verify`](Self::email_verify) | 10 / 15 min | a user clicks one link |
/// | [`refresh`](Self::refresh) | 60 / min | a page refreshes once per access-token lifetime; tabs and retries add a few |
/// | [`oauth_token`](Self::oauth_token) | 60 / min | machine clients; a client-credentials secret is hashed on each |
/// | [`social_start`](Self::social_start) | 30 / min | each parks a pending login in a bounded store |
/// | [`passkey_login`](Self::passkey_login) | 60 / min | each start stores a ceremony, each finish looks one up and checks a signature; a sign-in is two requests |
///
/// ```
/// use std::time::Duration;
/// use auth_core::flows::{AuthConfig, RouteLimit};
///
/// let mut config = AuthConfig::default();
/// config.endpoint_limits.signup = RouteLimit::new(100, Duration::from_secs(3600));
/// // The gateway in front already limits refresh:
/// config.endpoint_limits.refresh = RouteLimit::insecure_unlimited();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct EndpointLimits {
    /// `POST /signup`. Defaults to 10 per hour.
    pub signup: RouteLimit,
    /// `POST /password/forgot`, per client network. Defaults to 5 per hour.
    pub password_forgot: RouteLimit,
    /// `POST /password/forgot`, per email address asked about (whether or not an account
    /// has it — so that the count reveals nothing), from every network together. Defaults
    /// to 3 per hour. See also
    /// [`AuthConfig::password_reset_cooldown`](super::AuthConfig::password_reset_cooldown).
    pub password_forgot_per_address: RouteLimit,
    /// `POST /password/reset`. Defaults to 10 per 15 minutes.
    pub password_reset: RouteLimit,
    /// `POST /email/verify`. Defaults to 10 per 15 minutes.
    pub email_verify: RouteLimit,
    /// `POST /refresh`. Defaults to 60 per minute.
    pub refresh: RouteLimit,
    /// The OAuth server's token endpoint. Defaults to 60 per minute.
    pub oauth_token: RouteLimit,
    /// `GET /oauth/{provider}`. Defaults to 30 per minute.
    pub social_start: RouteLimit,
    /// The passkey sign-in requests (start and finish) and the finish of a passkey-only
    /// signup (its start counts under [`signup`](Self::signup)). Defaults to 60 per minute.
    pub passkey_login: RouteLimit,
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

impl EndpointLimits {
    /// Every endpoint [unlimited](RouteLimit::insecure_unlimited).
    ///
    /// # Security
    /// Only for load tests, or behind a gateway that limits every one of these routes.
    pub fn insecure_unlimited() -> Self {
        let off = RouteLimit::insecure_unlimited();
        Self {
            signup: off,
            password_forgot: off,
            password_forgot_per_address: off,
            password_reset: off,
            email_verify: off,
            refresh: off,
            oauth_token: off,
            social_start: off,
            passkey_login: off,
        }
    }

    /// The per-network limit of `endpoint`.
    pub fn of(&self, endpoint: Endpoint) -> RouteLimit {
        match endpoint {
            Endpoint::Signup => self.signup,
            Endpoint::PasswordForgot => self.password_forgot,
            Endpoint::PasswordReset => self.password_reset,
            Endpoint::EmailVerify => self.email_verify,
            Endpoint::Refresh => self.refresh,
            Endpoint::OAuthToken => self.oauth_token,
            Endpoint::SocialStart => self.social_start,
            Endpoint::PasskeyLogin => self.passkey_login,
        }
    }

    /// The longest window of any limit here: pass at least this (and the password
    /// throttles' windows) to [`ThrottleStore::purge_old_failures`](crate::store::ThrottleStore::purge_old_failures).
    pub fn longest_window(&self) -> Duration {
        [
            self.signup,
            self.password_forgot,
            self.password_forgot_per_address,
            self.password_reset,
            self.email_verify,
            self.refresh,
            self.oauth_token,
            self.social_start,
            self.passkey_login,
        ]
        .iter()
        .filter_map(RouteLimit::limit)
        .map(|limit| limit.window)
        .max()
        .unwrap_or(Duration::ZERO)
    }
}

impl Default for EndpointLimits {
    fn default() -> Self {
        Self {
            signup: RouteLimit::new(10, HOUR),
            password_forgot: RouteLimit::new(5, HOUR),
            password_forgot_per_address: RouteLimit::new(3, HOUR),
            password_reset: RouteLimit::new(10, 15 * MINUTE),
            email_verify: RouteLimit::new(10, 15 * MINUTE),
            refresh: RouteLimit::new(60, MINUTE),
            oauth_token: RouteLimit::new(60, MINUTE),
            social_start: RouteLimit::new(30, MINUTE),
            passkey_login: RouteLimit::new(60, MINUTE),
        }
    }
}

impl AuthService {
    /// Reserves one request to `endpoint` for `client`'s network under
    /// [`AuthConfig::endpoint_limits`](super::AuthConfig::endpoint_limits) — call it before
    /// doing the endpoint's work. The flows behind signup, password forgot and reset, email
    /// verification and refresh call it themselves; auth-tower calls it for the OAuth token
    /// endpoint and the start of a social login. A host serving such a route itself calls it
    /// the same way.
    ///
    /// A client without an IP, and an [unlimited](RouteLimit::insecure_unlimited) endpoint,
    /// always pass. The reservation is atomic in the
    /// [`ThrottleStore`](crate::store::ThrottleStore) (shared by every instance when the
    /// store is), so N concurrent requests get at most the limit through.
    ///
    /// # Errors
    /// [`AuthError::Throttled`] with the time until the window closes; [`AuthError::Store`]
    /// when the store fails (fail closed).
    pub async fn reserve_endpoint(
        &self,
        endpoint: Endpoint,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let Some((key, limit)) = self.endpoint_key(endpoint, client) else {
            return Ok(());
        };
        self.reserve_key(&key, limit, endpoint.name(), self.now())
            .await
    }

    /// Gives back the slot [`reserve_endpoint`](Self::reserve_endpoint) took for `client`
    /// when the request was refused before doing its work for a reason that is not the
    /// client's — a full password-hashing queue ([`AuthError::Busy`]) — so that retrying
    /// after `Retry-After` does not use up the client's limit.
    pub(super) async fn release_endpoint(
        &self,
        endpoint: Endpoint,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let Some((key, limit)) = self.endpoint_key(endpoint, client) else {
            return Ok(());
        };
        self.inner
            .stores
            .throttle
            .release(&key, self.now(), limit.window)
            .await?;
        Ok(())
    }

    /// Hashes a new password for a request reserved under `endpoint`: when the hashing queue
    /// is full ([`AuthError::Busy`]) nothing was done, so the slot is given back
    /// ([`release_endpoint`](Self::release_endpoint)) before the refusal is returned.
    pub(super) async fn hash_password_under(
        &self,
        password: crate::password::Password,
        endpoint: Endpoint,
        client: &ClientInfo,
    ) -> Result<String, AuthError> {
        match self.hash_password(password).await {
            Err(busy @ AuthError::Busy { .. }) => {
                self.release_endpoint(endpoint, client).await?;
                Err(busy)
            }
            outcome => outcome,
        }
    }

    /// The throttle key and limit of `endpoint` for `client`, or `None` when nothing limits
    /// it (an unlimited endpoint, a client without an IP).
    fn endpoint_key(
        &self,
        endpoint: Endpoint,
        client: &ClientInfo,
    ) -> Option<(String, ThrottleLimit)> {
        let limit = self.inner.config.endpoint_limits.of(endpoint).limit()?;
        let ip = client.clean_ip()?;
        let key = format!("endpoint:{}:net:{}", endpoint.name(), client_network(&ip));
        Some((key, limit))
    }

    /// Reserves one slot of `key` under `limit`; refused → [`AuthError::Throttled`]. Logged
    /// (not audited: a flood of refusals must not become a flood of audit rows).
    pub(super) async fn reserve_key(
        &self,
        key: &str,
        limit: ThrottleLimit,
        name: &'static str,
        now: SystemTime,
    ) -> Result<(), AuthError> {
        match self
            .inner
            .stores
            .throttle
            .reserve(key, now, limit.window, limit.max_failures)
            .await?
        {
            Reservation::Granted => Ok(()),
            Reservation::Refused { retry_after } => {
                tracing::info!(throttled_by = name, "request throttled");
                Err(AuthError::Throttled { retry_after })
            }
        }
    }
}

/// A throttling key part for an email address: its SHA-256 in hex, so that throttle tables
/// hold no addresses and keys stay short whatever the input.
pub(super) fn address_key(normalized_email: &str) -> String {
    Sha256::digest(normalized_email.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let limits = EndpointLimits::default();
        assert_eq!(limits.signup, RouteLimit::new(10, HOUR));
        assert_eq!(limits.password_forgot, RouteLimit::new(5, HOUR));
        assert_eq!(limits.password_forgot_per_address, RouteLimit::new(3, HOUR));
        assert_eq!(limits.password_reset, RouteLimit::new(10, 15 * MINUTE));
        assert_eq!(limits.email_verify, RouteLimit::new(10, 15 * MINUTE));
        assert_eq!(limits.refresh, RouteLimit::new(60, MINUTE));
        assert_eq!(limits.oauth_token, RouteLimit::new(60, MINUTE));
        assert_eq!(limits.social_start, RouteLimit::new(30, MINUTE));
        assert_eq!(limits.passkey_login, RouteLimit::new(60, MINUTE));
        assert_eq!(limits.longest_window(), HOUR);
        assert_eq!(
            EndpointLimits::insecure_unlimited().longest_window(),
            Duration::ZERO
        );
    }

    #[test]
    fn address_keys_are_fixed_length_and_hide_the_address() {
        let key = address_key("kim@example.com");
        assert_eq!(key.len(), 64);
        assert!(!key.contains("kim"));
        assert_ne!(key, address_key("lee@example.com"));
    }
}

/// Count before you hash: the service counts its new-password hashes (a `cfg(test)`
/// counter), and these tests read the count — never the time.
#[cfg(test)]
mod hash_count_tests {
    use std::sync::atomic::Ordering;

    use super::super::test_support::{PASSWORD, service};
    use super::super::{SignupMode, SignupOutcome, SignupRequest};
    use super::*;
    use crate::password::Password;

    fn hashes(auth: &AuthService) -> usize {
        auth.inner.password_hashes.load(Ordering::SeqCst)
    }

    /// Hashing-pool exhaustion by signup: 30 concurrent signups of distinct addresses from
    /// one network run at most `signup` (10) argon2 hashes.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_signups_over_the_limit_hash_at_most_the_limit() {
        let (auth, _) = service();
        let client = ClientInfo::default().ip("203.0.113.7");
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..30 {
            let (auth, client) = (auth.clone(), client.clone());
            tasks.spawn(async move {
                let email = format!("u{n}@example.com");
                auth.signup(&email, Password::from(PASSWORD), &client)
                    .await
                    .map(drop)
            });
        }
        let mut refused = 0;
        while let Some(joined) = tasks.join_next().await {
            if let Err(error) = joined.expect("task ran") {
                assert!(matches!(error, AuthError::Throttled { .. }), "{error:?}");
                refused += 1;
            }
        }
        assert_eq!(refused, 20);
        assert_eq!(hashes(&auth), 10, "only the admitted signups hashed");
    }

    /// Timing oracle in the enumeration-safe signup: a taken address costs the same one
    /// hash a new one does.
    #[tokio::test]
    async fn enumeration_safe_signup_hashes_once_on_both_paths() {
        let (auth, _) = service();
        let mut config = auth.config().clone();
        config.signup_mode = SignupMode::EnumerationSafe;
        let auth = AuthService::new(
            config,
            auth.stores().clone(),
            auth.inner.issuer.clone(),
            auth.inner.hasher.clone(),
            auth.inner.clock.clone(),
            auth.inner.mailer.clone(),
        );
        let client = ClientInfo::default();
        for expected in 1..=2 {
            let outcome = auth
                .register(
                    SignupRequest::new("kim@example.com", Password::from(PASSWORD)),
                    &client,
                )
                .await
                .expect("accepted");
            assert!(matches!(outcome, SignupOutcome::VerificationSent));
            assert_eq!(hashes(&auth), expected);
        }
    }
}
