//! The one mapping from authorization-server failures to RFC 6749 error codes and HTTP
//! statuses.

use std::fmt;

use serde::Serialize;

use crate::error::{BearerErrorCode, ToBearerError};
use crate::store::StoreError;
use crate::token::{KeyError, TokenError};

/// An OAuth 2.0 error code (RFC 6749 §4.1.2.1 and §5.2, OpenID Connect Core §3.1.2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OAuthErrorCode {
    /// `invalid_request`: a parameter is missing, repeated, malformed or unsupported.
    InvalidRequest,
    /// `invalid_client`: client authentication failed (unknown client, wrong secret, no
    /// credentials, a method the client may not use).
    InvalidClient,
    /// `invalid_grant`: the code or refresh token is invalid, expired, used, revoked, or
    /// issued to another client or redirect URI, or the PKCE verifier does not match.
    InvalidGrant,
    /// `unauthorized_client`: the client may not use this grant or response type.
    UnauthorizedClient,
    /// `unsupported_grant_type`: the grant type is not supported (`password`, `implicit`,
    /// `client_credentials`, anything else).
    UnsupportedGrantType,
    /// `invalid_scope`: the scope is empty, unknown, beyond what the client may ask, or wider
    /// than the grant.
    InvalidScope,
    /// `unsupported_response_type`: only `code` is supported.
    UnsupportedResponseType,
    /// `access_denied`: the user declined.
    AccessDenied,
    /// `server_error`: the server failed (a store, the random generator, signing).
    ServerError,
    /// `temporarily_unavailable`: a store could not be reached in time; try again later
    /// (RFC 6749 §4.1.2.1; on the token endpoint with HTTP 503 and `Retry-After`).
    TemporarilyUnavailable,
    /// `login_required`: `prompt=none`, and the user is not signed in.
    LoginRequired,
    /// `consent_required`: `prompt=none`, and the user has not consented.
    ConsentRequired,
    /// `request_not_supported`: the request carries a `request` object, which this server
    /// does not support (OpenID Connect Core §6.1, §3.1.2.6).
    RequestNotSupported,
    /// `request_uri_not_supported`: the request carries a `request_uri`, which this server
    /// does not support (OpenID Connect Core §6.2, §3.1.2.6).
    RequestUriNotSupported,
}

impl OAuthErrorCode {
    /// The code as it appears on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::AccessDenied => "access_denied",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::LoginRequired => "login_required",
            Self::ConsentRequired => "consent_required",
            Self::RequestNotSupported => "request_not_supported",
            Self::RequestUriNotSupported => "request_uri_not_supported",
        }
    }
}

impl fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `WWW-Authenticate` value sent with every `invalid_client` answer (RFC 6749 §5.2: the
/// 401 names the scheme clients authenticate with).
pub const CLIENT_AUTH_CHALLENGE: &str = "Basic realm=\"oauth\", charset=\"UTF-8\"";

/// Why the token, revocation or introspection endpoint refused a request, or failed.
///
/// The descriptions are fixed texts, safe to send as `error_description`: they never carry a
/// code, token, secret or client input. Infrastructure failures ([`Store`](Self::Store),
/// [`Token`](Self::Token), [`Random`](Self::Random)) answer `500 server_error` — except a
/// store that could not be reached in time ([`StoreError::Unavailable`]), which answers
/// `503 temporarily_unavailable` (see [`is_unavailable`](Self::is_unavailable)); their cause
/// is for logs. [`status_code`](Self::status_code), [`error_code`](Self::error_code),
/// [`www_authenticate`](Self::www_authenticate) and [`body`](Self::body) are the one mapping
/// to an HTTP response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthError {
    /// A required parameter is missing, a parameter is repeated or malformed, or the client
    /// used two authentication methods at once. 400 `invalid_request`.
    #[error("invalid request: {0}")]
    InvalidRequest(&'static str),
    /// Client authentication failed: unknown client, wrong secret, malformed `Authorization`
    /// header, no credentials, or a confidential client without its secret. 401
    /// `invalid_client` with [`CLIENT_AUTH_CHALLENGE`].
    #[error("client authentication failed")]
    InvalidClient,
    /// The code or refresh token is malformed, unknown, expired, used (a replayed code also
    /// revokes what it issued), revoked, or bound to another client or redirect URI; or the
    /// PKCE verifier is missing or wrong. 400 `invalid_grant`.
    #[error("invalid grant: {0}")]
    InvalidGrant(&'static str),
    /// The client is not registered for this grant type. 400 `unauthorized_client`.
    #[error("unauthorized client: {0}")]
    UnauthorizedClient(&'static str),
    /// The grant type is not `authorization_code` or `refresh_token`. 400
    /// `unsupported_grant_type`.
    #[error("unsupported grant type")]
    UnsupportedGrantType,
    /// A refresh asked for a scope wider than its grant. 400 `invalid_scope`.
    #[error("invalid scope: {0}")]
    InvalidScope(&'static str),
    /// A store failed; the request is refused (fail closed). 500 `server_error`, or 503
    /// `temporarily_unavailable` when the store could not be reached in time.
    #[error("storage failure")]
    Store(#[source] StoreError),
    /// A token could not be signed. 500 `server_error`.
    #[error("token signing failure")]
    Token(#[source] TokenError),
    /// The operating system's random number generator failed. 500 `server_error`.
    #[error("random number generator failure")]
    Random,
}

impl OAuthError {
    /// The RFC 6749 error code.
    pub fn error_code(&self) -> OAuthErrorCode {
        match self {
            Self::InvalidRequest(_) => OAuthErrorCode::InvalidRequest,
            Self::InvalidClient => OAuthErrorCode::InvalidClient,
            Self::InvalidGrant(_) => OAuthErrorCode::InvalidGrant,
            Self::UnauthorizedClient(_) => OAuthErrorCode::UnauthorizedClient,
            Self::UnsupportedGrantType => OAuthErrorCode::UnsupportedGrantType,
            Self::InvalidScope(_) => OAuthErrorCode::InvalidScope,
            Self::Store(error) if error.is_unavailable() => OAuthErrorCode::TemporarilyUnavailable,
            Self::Store(_) | Self::Token(_) | Self::Random => OAuthErrorCode::ServerError,
        }
    }

    /// The HTTP status: 401 for `invalid_client`, 500 for `server_error`, 503 for
    /// `temporarily_unavailable`, 400 otherwise.
    pub fn status_code(&self) -> u16 {
        match self.error_code() {
            OAuthErrorCode::InvalidClient => 401,
            OAuthErrorCode::ServerError => 500,
            OAuthErrorCode::TemporarilyUnavailable => 503,
            _ => 400,
        }
    }

    /// Whether a store could not be reached in time ([`StoreError::Unavailable`]): a
    /// transient outage. Answer 503 with `Retry-After`; the client may try again.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Store(error) if error.is_unavailable())
    }

    /// The `WWW-Authenticate` header to send, if any ([`CLIENT_AUTH_CHALLENGE`] with
    /// `invalid_client`).
    pub fn www_authenticate(&self) -> Option<&'static str> {
        matches!(self, Self::InvalidClient).then_some(CLIENT_AUTH_CHALLENGE)
    }

    /// The `error_description`: a fixed text without any client input or secret.
    pub fn description(&self) -> &'static str {
        match self {
            Self::InvalidRequest(why)
            | Self::InvalidGrant(why)
            | Self::UnauthorizedClient(why)
            | Self::InvalidScope(why) => why,
            Self::InvalidClient => "client authentication failed",
            Self::UnsupportedGrantType => {
                "only the authorization_code and refresh_token grants are supported"
            }
            Self::Store(error) if error.is_unavailable() => {
                "the server is temporarily unavailable; try again later"
            }
            Self::Store(_) | Self::Token(_) | Self::Random => {
                "the server could not complete the request"
            }
        }
    }

    /// The JSON body of RFC 6749 §5.2: `{"error", "error_description"}`.
    pub fn body(&self) -> OAuthErrorBody {
        OAuthErrorBody {
            error: self.error_code().as_str(),
            error_description: self.description(),
        }
    }
}

impl From<StoreError> for OAuthError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

impl From<TokenError> for OAuthError {
    fn from(error: TokenError) -> Self {
        Self::Token(error)
    }
}

/// The JSON error body of the token, revocation and introspection endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OAuthErrorBody {
    /// The RFC 6749 code.
    pub error: &'static str,
    /// A fixed, human-readable text.
    pub error_description: &'static str,
}

/// Why the userinfo endpoint refused a request (RFC 6750 §3.1 errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UserInfoError {
    /// The access token is missing, malformed, expired, revoked, from another issuer, or its
    /// user is gone or disabled. 401 `invalid_token`.
    #[error("invalid access token")]
    InvalidToken,
    /// The token holds none of the scopes that open the userinfo endpoint
    /// ([`UserInfoScopes::access`](super::UserInfoScopes::access)). 403 `insufficient_scope`.
    #[error("the access token does not grant access to userinfo")]
    InsufficientScope,
    /// A store failed; the request is refused (fail closed). 500, or 503 when the store
    /// could not be reached in time ([`is_unavailable`](Self::is_unavailable)).
    #[error("storage failure")]
    Store(#[source] StoreError),
}

impl UserInfoError {
    /// Whether a store could not be reached in time ([`StoreError::Unavailable`]): answer
    /// 503 with `Retry-After`.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Store(error) if error.is_unavailable())
    }
}

impl ToBearerError for UserInfoError {
    fn bearer_error(&self) -> Option<BearerErrorCode> {
        match self {
            Self::InvalidToken => Some(BearerErrorCode::InvalidToken),
            Self::InsufficientScope => Some(BearerErrorCode::InsufficientScope),
            Self::Store(_) => None,
        }
    }
}

/// Why a client could not be registered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// The `client_id` is empty, longer than 128 bytes, or has characters outside
    /// `A–Z a–z 0–9 - _ . ~`.
    #[error("invalid client_id: {0}")]
    InvalidClientId(&'static str),
    /// The client has no redirect URI.
    #[error("a client needs at least one redirect URI")]
    NoRedirectUri,
    /// A redirect URI is refused: not absolute, not `https` (only loopback `http` is allowed,
    /// RFC 8252 §7.3), with a fragment, a wildcard, user info, whitespace or control
    /// characters, or longer than 2000 bytes.
    #[error("invalid redirect URI: {0}")]
    InvalidRedirectUri(&'static str),
    /// A scope the client asks to be allowed is not one the server supports.
    #[error("the server does not support a requested scope")]
    UnsupportedScope,
    /// The client needs at least one grant type.
    #[error("a client needs at least one grant type")]
    NoGrantType,
    /// The client name is empty or longer than 200 characters.
    #[error("invalid client name")]
    InvalidName,
    /// A client secret provided by the host is shorter than 32 bytes (or longer than 512).
    #[error("a client secret must be at least 32 bytes of random text")]
    WeakSecret,
    /// A secret was provided for a public client, which cannot keep one.
    #[error("a public client has no secret")]
    SecretForPublicClient,
    /// The random number generator failed while generating an id or secret.
    #[error("random number generator failure")]
    Random,
    /// The store refused (a taken `client_id` is [`StoreError::Conflict`]) or failed.
    #[error("storage failure")]
    Store(#[source] StoreError),
}

impl From<StoreError> for RegistrationError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

/// Why an [`OAuthServer`](super::OAuthServer) could not be built from its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthConfigError {
    /// The issuer is not an absolute `https` URL without query or fragment (`http` only for
    /// `localhost` / `127.0.0.1`, for development).
    #[error("the issuer must be an https URL without query or fragment (set the issuer URL)")]
    InvalidIssuer,
    /// The authorization-code lifetime is zero or longer than 10 minutes.
    #[error("the authorization code lifetime must be between 1 second and 10 minutes")]
    InvalidCodeTtl,
    /// A token lifetime is zero.
    #[error("token lifetimes must be positive")]
    InvalidTokenTtl,
    /// No scope is supported.
    #[error("at least one scope must be supported")]
    NoScopes,
    /// An endpoint path does not start with `/`.
    #[error("endpoint paths must start with '/'")]
    InvalidEndpointPath,
    /// The active signing key is an HMAC secret: id_tokens and access tokens must be
    /// verifiable by clients and resource servers through the JWKS, so the authorization
    /// server needs an asymmetric key (RS256, PS256, ES256, EdDSA, …).
    #[error("the authorization server needs an asymmetric signing key (load a PEM key)")]
    SymmetricSigningKey,
    /// The signing key could not be used.
    #[error("invalid signing key")]
    Key(#[source] KeyError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_codes_and_challenge_follow_rfc_6749() {
        let invalid_client = OAuthError::InvalidClient;
        assert_eq!(invalid_client.status_code(), 401);
        assert_eq!(
            invalid_client.www_authenticate(),
            Some(CLIENT_AUTH_CHALLENGE)
        );
        assert_eq!(invalid_client.body().error, "invalid_client");
        let grant = OAuthError::InvalidGrant("x");
        assert_eq!(
            (grant.status_code(), grant.body().error),
            (400, "invalid_grant")
        );
        assert_eq!(grant.www_authenticate(), None);
        assert_eq!(
            OAuthError::UnsupportedGrantType.body().error,
            "unsupported_grant_type"
        );
        let store = OAuthError::Store(StoreError::NotFound("x"));
        assert_eq!(
            (store.status_code(), store.body().error),
            (500, "server_error")
        );
        let outage = OAuthError::Store(StoreError::unavailable(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused,
        )));
        assert_eq!(
            (outage.status_code(), outage.body().error),
            (503, "temporarily_unavailable")
        );
        assert!(outage.is_unavailable() && !store.is_unavailable());
        assert_eq!(
            serde_json::to_value(OAuthError::InvalidScope("too wide").body()).unwrap(),
            serde_json::json!({"error": "invalid_scope", "error_description": "too wide"})
        );
    }

    #[test]
    fn userinfo_errors_map_to_rfc_6750() {
        assert_eq!(
            UserInfoError::InvalidToken.bearer_error(),
            Some(BearerErrorCode::InvalidToken)
        );
        assert_eq!(
            UserInfoError::InsufficientScope.bearer_error(),
            Some(BearerErrorCode::InsufficientScope)
        );
        assert_eq!(
            UserInfoError::Store(StoreError::NotFound("x")).bearer_error(),
            None
        );
    }
}
