//! Why a login, a configuration or a remote verification failed.
//!
//! No variant carries a token, a code, a secret or a provider's raw response body: `Display` is
//! safe to log. It is still more than an end user should see; show them a generic message.

use std::time::Duration;

use auth_core::token::TokenError;

/// Why an outbound HTTP call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The call did not complete within the configured timeout.
    #[error("{0} did not answer in time")]
    Timeout(&'static str),
    /// The connection failed (DNS, refused, TLS, reset).
    #[error("{0} is unreachable")]
    Unreachable(&'static str),
    /// The server answered with an unexpected HTTP status.
    #[error("{endpoint} answered HTTP {status}")]
    Status {
        /// Which endpoint (`"token endpoint"`, `"userinfo endpoint"`, …).
        endpoint: &'static str,
        /// The status code.
        status: u16,
    },
    /// The body is not the JSON expected, or is larger than allowed.
    #[error("{endpoint} answered with an invalid body: {reason}")]
    InvalidBody {
        /// Which endpoint.
        endpoint: &'static str,
        /// What was wrong.
        reason: &'static str,
    },
    /// The URL is neither `https` nor plain `http` to a loopback host, so the call was not
    /// made. Configuration refuses such URLs first ([`ConfigError::InsecureUrl`]); this is the
    /// last check before a request leaves.
    #[error("{0} is not an https URL; the call was not made")]
    InsecureUrl(&'static str),
    /// A recent call to this endpoint failed and the caller is backing off: no call was made,
    /// and none will be before `retry_in` has passed (answer 503 with `Retry-After`).
    #[error("{endpoint} failed recently; not called again for {secs} s", secs = .retry_in.as_secs())]
    BackingOff {
        /// Which endpoint.
        endpoint: &'static str,
        /// How long until the next call may be made.
        retry_in: Duration,
    },
}

/// Why an `id_token` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenError {
    /// The token is malformed, names an unknown key, or its signature does not verify.
    #[error("id_token signature check failed: {0}")]
    Signature(TokenError),
    /// The key's algorithm is not on the allow-list.
    #[error("id_token algorithm is not allowed")]
    AlgorithmNotAllowed,
    /// The keys could not be fetched.
    #[error("id_token keys unavailable: {0}")]
    Keys(HttpError),
    /// A required claim is absent, or a claim has the wrong JSON type (a date that is not a
    /// non-negative number, RFC 7519 §2).
    #[error("id_token claim `{0}` is missing or invalid")]
    InvalidClaim(&'static str),
    /// `iss` is not exactly the provider's issuer.
    #[error("id_token issuer is not the provider's")]
    WrongIssuer,
    /// `aud` does not contain our client id.
    #[error("id_token audience does not include this client")]
    WrongAudience,
    /// `azp` is present (or required, with several audiences) and is not our client id.
    #[error("id_token authorized party is not this client")]
    WrongAuthorizedParty,
    /// `exp` has passed (beyond the leeway).
    #[error("id_token has expired")]
    Expired,
    /// `iat` is in the future (beyond the leeway).
    #[error("id_token was issued in the future")]
    IssuedInFuture,
    /// `nbf` is in the future (beyond the leeway).
    #[error("id_token is not valid yet")]
    NotYetValid,
    /// `nonce` is missing or differs from the one sent with this login.
    #[error("id_token nonce does not match this login")]
    NonceMismatch,
    /// `at_hash` is present and does not match the access token.
    #[error("id_token at_hash does not match the access token")]
    AtHashMismatch,
}

/// Why a login could not start or complete.
///
/// Every variant but [`LoginError::Store`], [`LoginError::StoreUnavailable`],
/// [`LoginError::Random`] and the `Unavailable` cases is a refused login (answer 400 or
/// redirect to the login page with a generic message); those are server-side or upstream
/// faults.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// The [`LoginOptions`](crate::LoginOptions) of a login are not ones a provider can be
    /// sent (the text says which rule; it never echoes the value).
    #[error("invalid login options: {0}")]
    InvalidOptions(&'static str),
    /// No provider with this name is registered.
    #[error("unknown provider")]
    UnknownProvider,
    /// The callback carries no `state`.
    #[error("the callback has no state")]
    MissingState,
    /// The `state` matches no pending login: forged, from another site, already used (each
    /// state is consumed by its first callback), or expired.
    #[error("the state matches no pending login (forged, already used or expired)")]
    UnknownState,
    /// The pending login has expired, yet the store returned it. The stores of this family
    /// refuse an expired login themselves (the callback then answers
    /// [`UnknownState`](Self::UnknownState)); this catches a custom store that does not.
    #[error("the login took too long; start again")]
    ExpiredState,
    /// The browser presenting the callback is not the one that started the login (the binding
    /// cookie is missing or differs).
    #[error("the callback comes from another browser than the one that started the login")]
    BrowserMismatch,
    /// The callback reached one provider's endpoint with another provider's transaction, or
    /// carried an `iss` that is not the provider's (RFC 9207): an IdP mix-up attack.
    #[error("the callback belongs to another provider's login (mix-up)")]
    ProviderMismatch,
    /// The provider answered the authorization request with an `error`
    /// (`access_denied` when the user cancelled).
    #[error("the provider refused the login: {error}")]
    ProviderDenied {
        /// The `error` code, cut to 64 visible ASCII characters.
        error: String,
        /// The `error_description`, cut to 256 characters, if any.
        description: Option<String>,
    },
    /// The callback has neither `code` nor `error`.
    #[error("the callback has no authorization code")]
    MissingCode,
    /// The token endpoint refused the code with an OAuth error (`invalid_grant`, …), with any
    /// HTTP status — Naver and GitHub answer errors with HTTP 200.
    #[error("the token endpoint refused the code: {error}")]
    TokenRejected {
        /// The OAuth `error` code, cut to 64 visible ASCII characters.
        error: String,
        /// The `error_description`, cut to 256 characters, if any.
        description: Option<String>,
    },
    /// An endpoint of the provider failed (timeout, unreachable, HTTP error, unreadable body).
    #[error("the provider is unavailable: {0}")]
    Unavailable(HttpError),
    /// The provider's answer lacks what a login needs (no subject, an error envelope, …).
    #[error("the provider's profile is unusable: {0}")]
    InvalidProfile(&'static str),
    /// The `id_token` was refused.
    #[error(transparent)]
    IdToken(#[from] IdTokenError),
    /// The provider is misconfigured (an endpoint URL that does not parse, …).
    #[error("provider configuration error: {0}")]
    Config(&'static str),
    /// The pending-login store failed.
    #[error("pending-login store failure: {0}")]
    Store(String),
    /// The pending-login store could not be reached in time (auth-core's
    /// `StoreError::Unavailable`: a database or Redis outage). Expected to pass: answer
    /// `503 Service Unavailable` with `Retry-After`, as for the other stores.
    #[error("the pending-login store is unavailable; try again later")]
    StoreUnavailable,
    /// The operating system's random number generator failed.
    #[error("random number generator failure")]
    Random,
}

/// Why a provider could not be configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required environment variable is not set (or is empty).
    #[error("environment variable {0} is not set")]
    MissingEnv(&'static str),
    /// An environment variable or setting does not parse.
    #[error("{name} is invalid: {reason}")]
    Invalid {
        /// The variable or setting.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The HTTP client for provider and JWKS calls could not be built.
    #[error("the HTTP client could not be built: {0}")]
    HttpClient(HttpError),
    /// A provider with this name is already registered.
    #[error("provider {0} is registered twice")]
    DuplicateProvider(String),
    /// OIDC discovery failed.
    #[error("OIDC discovery failed: {0}")]
    Discovery(HttpError),
    /// The discovery document's `issuer` is not exactly the configured issuer
    /// (OIDC Discovery §4.3).
    #[error("the discovery document's issuer does not match the configured issuer")]
    IssuerMismatch,
    /// An issuer or endpoint URL — configured, or read from a discovery document — is
    /// neither `https` nor plain `http` to a loopback host (`127.0.0.0/8`, `[::1]`,
    /// `localhost`). Codes, secrets, tokens and signing keys would cross the network in clear.
    #[error("{field} must be an https URL (plain http is allowed only for loopback hosts)")]
    InsecureUrl {
        /// The setting, environment variable or discovery member that holds the URL (the URL
        /// itself is not repeated: its query or user info could hold a secret).
        field: String,
    },
}

/// Why a remote access token was not accepted by a resource server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteTokenError {
    /// The token was checked and refused (signature, claims, or inactive at introspection).
    /// Answer 401 `invalid_token`.
    #[error("token refused: {0}")]
    Rejected(TokenError),
    /// The introspection endpoint says the token is not active.
    #[error("token is not active")]
    Inactive,
    /// The authorization server (its JWKS or introspection endpoint) could not be reached or
    /// answered nonsense. The token was **not** accepted: answer 503, never fall back to
    /// reading the token unchecked.
    #[error("authorization server unavailable: {0}")]
    Unavailable(HttpError),
}

impl auth_core::ToBearerError for RemoteTokenError {
    fn bearer_error(&self) -> Option<auth_core::BearerErrorCode> {
        match self {
            Self::Rejected(_) | Self::Inactive => Some(auth_core::BearerErrorCode::InvalidToken),
            Self::Unavailable(_) => None,
        }
    }
}

/// Cuts untrusted provider text to `max` characters, without control characters.
pub(crate) fn clip(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// An OAuth error code: visible ASCII only (RFC 6749 §5.2), at most 64 characters.
pub(crate) fn clip_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(64)
        .collect()
}
