//! [`AuthRejection`]: the RFC 6750 answer when a request is not authenticated or not allowed.

use std::sync::Arc;
use std::time::Duration;

use auth_core::ErrorChain;
use auth_core::authz::Forbidden;
use auth_core::revocation::RevocationError;
use auth_core::token::TokenError;
use auth_core::{BearerErrorCode, ToBearerError};
use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderValue, Response, StatusCode};

use crate::credentials::CredentialError;

/// The realm used when none is configured.
pub const DEFAULT_REALM: &str = "api";

/// The `Retry-After` of a 503 when a store could not be reached in time, unless configured
/// otherwise ([`Authenticator::with_outage_retry_after`](crate::Authenticator::with_outage_retry_after),
/// `oauth_server::OAuthEndpointsConfig::outage_retry_after`):
/// 2 seconds, about the stores' own bound on waiting for the database.
pub const DEFAULT_OUTAGE_RETRY_AFTER: Duration = Duration::from_secs(2);

/// Why a request was refused. The variants carry the cause for logs; clients see only the
/// RFC 6750 code and a fixed description (see [`AuthRejection`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RejectionReason {
    /// The request carries no credentials (or only another scheme's). HTTP 401 with a bare
    /// `Bearer realm="…"` challenge and no error code (RFC 6750 §3.1).
    #[error("no credentials")]
    MissingCredentials,
    /// The credentials could not be read: two `Authorization` headers, a malformed bearer
    /// value, a duplicated cookie, or a token sent by two methods. HTTP 400 `invalid_request`.
    #[error(transparent)]
    InvalidRequest(#[from] CredentialError),
    /// The token failed verification (signature, expiry, issuer, audience, type, …).
    /// HTTP 401 `invalid_token`.
    #[error(transparent)]
    InvalidToken(TokenError),
    /// The token verified but no longer stands: its session ended, its user was cut off or
    /// disabled, or it was revoked by `jti`. HTTP 401 `invalid_token`.
    #[error(transparent)]
    Revoked(RevocationError),
    /// The token is valid but a guard refused it. HTTP 403 `insufficient_scope`.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// A server-side failure: the revocation store could not answer (the request is refused
    /// — fail closed), or a token could not be verified for a reason that is not the
    /// client's. HTTP 500 without a challenge.
    #[error("authentication unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The revocation check's store could not be reached in time (a database or Redis
    /// outage, [`StoreError::Unavailable`](auth_core::store::StoreError::Unavailable)): the
    /// request is refused — fail closed — but the client may retry. HTTP 503 with
    /// `Retry-After`, without a challenge.
    #[error("authentication temporarily unavailable")]
    TemporarilyUnavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<TokenError> for RejectionReason {
    fn from(error: TokenError) -> Self {
        match error.bearer_error() {
            Some(_) => Self::InvalidToken(error),
            None => Self::Unavailable(Box::new(error)),
        }
    }
}

impl From<RevocationError> for RejectionReason {
    fn from(error: RevocationError) -> Self {
        match error.bearer_error() {
            Some(_) => Self::Revoked(error),
            None if error.is_unavailable() => Self::TemporarilyUnavailable(Box::new(error)),
            None => Self::Unavailable(Box::new(error)),
        }
    }
}

impl RejectionReason {
    /// The RFC 6750 code, through auth-core's one mapping ([`ToBearerError`]); `None` for
    /// missing credentials (no code, by RFC 6750 §3.1) and for server-side failures.
    pub fn bearer_error(&self) -> Option<BearerErrorCode> {
        match self {
            Self::MissingCredentials | Self::Unavailable(_) | Self::TemporarilyUnavailable(_) => {
                None
            }
            Self::InvalidRequest(_) => Some(BearerErrorCode::InvalidRequest),
            Self::InvalidToken(error) => error.bearer_error(),
            Self::Revoked(error) => error.bearer_error(),
            Self::Forbidden(error) => error.bearer_error(),
        }
    }

    /// Whether this is a server-side failure (5xx) rather than a refused credential.
    pub fn is_server_error(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::TemporarilyUnavailable(_))
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match (self, self.bearer_error()) {
            (Self::MissingCredentials, _) => StatusCode::UNAUTHORIZED,
            (Self::TemporarilyUnavailable(_), _) => StatusCode::SERVICE_UNAVAILABLE,
            (_, Some(code)) => {
                StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::UNAUTHORIZED)
            }
            (_, None) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The answer to a request that is not authenticated or not allowed, per RFC 6750 §3:
///
/// | reason | status | `WWW-Authenticate` | body `error` |
/// |---|---|---|---|
/// | no credentials | 401 | `Bearer realm="…"` | `unauthorized` |
/// | malformed / duplicated credentials | 400 | `Bearer realm="…", error="invalid_request"` | `invalid_request` |
/// | bad, expired or revoked token | 401 | `Bearer realm="…", error="invalid_token"` | `invalid_token` |
/// | a guard refused | 403 | `Bearer realm="…", error="insufficient_scope"` | `insufficient_scope` |
/// | a step-up guard refused (RFC 9470) | 401 | `Bearer realm="…", error="insufficient_user_authentication"` with `acr_values="…"` and/or `max_age="…"` | `insufficient_user_authentication` |
/// | revocation store unreachable in time | 503 + `Retry-After` | none | `temporarily_unavailable` |
/// | other server-side failure | 500 | none | `server_error` |
///
/// The JSON body is `{"error": …, "error_description": …}` with a fixed description per code:
/// nothing about which check failed (that goes to `tracing` at debug level). Responses carry
/// `Cache-Control: no-store`.
#[derive(Debug)]
pub struct AuthRejection {
    reason: RejectionReason,
    realm: Arc<str>,
    retry_after: Duration,
}

impl AuthRejection {
    /// A rejection for `reason` in `realm` (a 503 says [`DEFAULT_OUTAGE_RETRY_AFTER`]; see
    /// [`with_retry_after`](Self::with_retry_after)).
    pub fn new(reason: impl Into<RejectionReason>, realm: Arc<str>) -> Self {
        Self {
            reason: reason.into(),
            realm,
            retry_after: DEFAULT_OUTAGE_RETRY_AFTER,
        }
    }

    /// The `Retry-After` to send if this is a 503 (rounded up to whole seconds, at least 1).
    pub fn with_retry_after(mut self, retry_after: Duration) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// The `Retry-After` value, for a 503 only.
    pub fn retry_after(&self) -> Option<HeaderValue> {
        matches!(self.reason, RejectionReason::TemporarilyUnavailable(_))
            .then(|| retry_after_value(self.retry_after))
    }

    /// A rejection for missing credentials in `realm`.
    pub fn missing(realm: Arc<str>) -> Self {
        Self::new(RejectionReason::MissingCredentials, realm)
    }

    /// Why the request was refused (for logs).
    pub fn reason(&self) -> &RejectionReason {
        &self.reason
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.reason.status()
    }

    /// The `WWW-Authenticate` value, or `None` for server-side failures.
    pub fn www_authenticate(&self) -> Option<HeaderValue> {
        if self.reason.is_server_error() {
            return None;
        }
        let mut value = match self.reason.bearer_error() {
            None => format!("Bearer realm=\"{}\"", self.realm),
            Some(code) => format!(
                "Bearer realm=\"{}\", error=\"{}\"",
                self.realm,
                code.as_str()
            ),
        };
        // RFC 9470 §3: what would satisfy the resource, so the client can ask the
        // authorization server for exactly that sign-in.
        if let RejectionReason::Forbidden(forbidden) = &self.reason
            && let Some(step_up) = forbidden.step_up()
        {
            if let Some(acr_values) = &step_up.acr_values {
                value.push_str(&format!(", acr_values=\"{}\"", quoted_string(acr_values)));
            }
            if let Some(max_age) = step_up.max_age {
                value.push_str(&format!(", max_age=\"{max_age}\""));
            }
        }
        HeaderValue::from_str(&value).ok()
    }

    /// The JSON body.
    pub fn body(&self) -> Bytes {
        let (error, description) = match self.reason.bearer_error() {
            _ if matches!(self.reason, RejectionReason::TemporarilyUnavailable(_)) => (
                "temporarily_unavailable",
                "authentication is temporarily unavailable; try again later",
            ),
            _ if matches!(self.reason, RejectionReason::Unavailable(_)) => {
                ("server_error", "the request could not be authenticated")
            }
            None => ("unauthorized", "authentication is required"),
            Some(BearerErrorCode::InvalidRequest) => {
                ("invalid_request", "the request's credentials are malformed")
            }
            Some(BearerErrorCode::InsufficientScope) => (
                "insufficient_scope",
                "the access token does not allow this request",
            ),
            Some(BearerErrorCode::InsufficientUserAuthentication) => (
                "insufficient_user_authentication",
                "a stronger or more recent sign-in is required",
            ),
            Some(_) => ("invalid_token", "the access token is invalid or expired"),
        };
        json_error(error, description)
    }

    /// The whole response, with a body of any type that can be made from [`Bytes`].
    pub fn into_response<B: From<Bytes>>(self) -> Response<B> {
        self.log();
        let mut response = Response::new(B::from(self.body()));
        *response.status_mut() = self.status();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(challenge) = self.www_authenticate() {
            headers.insert(WWW_AUTHENTICATE, challenge);
        }
        if let Some(retry_after) = self.retry_after() {
            headers.insert(RETRY_AFTER, retry_after);
        }
        response
    }

    pub(crate) fn log(&self) {
        match &self.reason {
            RejectionReason::Unavailable(error) => {
                tracing::error!(error = %ErrorChain::new(error.as_ref()), "authentication failed on the server side; refusing");
            }
            RejectionReason::TemporarilyUnavailable(error) => {
                tracing::warn!(error = %ErrorChain::new(error.as_ref()), "revocation store unreachable; answering 503");
            }
            reason => tracing::debug!(%reason, "request refused"),
        }
    }
}

impl std::fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.reason, f)
    }
}

impl std::error::Error for AuthRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.reason)
    }
}

/// `value` made safe inside a quoted-string: `"` and `\` are dropped, and so is anything not
/// printable ASCII (the host's `acr` names are URIs or short tokens).
fn quoted_string(value: &str) -> String {
    value
        .chars()
        .filter(|c| (' '..='~').contains(c) && !matches!(c, '"' | '\\'))
        .collect()
}

/// A `Retry-After` of whole seconds, rounded up and at least 1 (`Retry-After: 0` would
/// invite an immediate retry storm).
pub(crate) fn retry_after_value(retry_after: Duration) -> HeaderValue {
    let secs = retry_after
        .as_secs()
        .saturating_add(u64::from(retry_after.subsec_nanos() > 0));
    HeaderValue::from(secs.max(1))
}

/// `{"error": error, "error_description": description}`.
pub(crate) fn json_error(error: &str, description: &str) -> Bytes {
    #[derive(serde::Serialize)]
    struct Body<'a> {
        error: &'a str,
        error_description: &'a str,
    }
    serde_json::to_vec(&Body {
        error,
        error_description: description,
    })
    .map(Bytes::from)
    .unwrap_or_else(|_| Bytes::from_static(b"{\"error\":\"server_error\"}"))
}

/// A realm safe inside a quoted-string: `"`, `\` and control characters are dropped.
pub(crate) fn clean_realm(realm: &str) -> Arc<str> {
    let cleaned: String = realm
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\' && c.is_ascii())
        .collect();
    if cleaned.is_empty() {
        Arc::from(DEFAULT_REALM)
    } else {
        Arc::from(cleaned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Claims of a token from a password sign-in with no `auth_time`.
    fn password_only_claims() -> auth_core::token::Claims {
        use auth_core::token::{
            AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier, Algorithm, AuthMethod,
            IssuerConfig, KeySet, SigningKey, VerifierConfig,
        };
        let keys = KeySet::new(SigningKey::hmac("k", Algorithm::HS256, &[7; 32]).unwrap());
        let mut request = AccessTokenRequest::new("u");
        request.amr = AuthMethod::amr(["pwd"]);
        let token = AccessTokenIssuer::new(IssuerConfig::new("i", "a"), &keys)
            .issue(&request)
            .unwrap();
        AccessTokenVerifier::new(VerifierConfig::new("i", "a"), &keys)
            .verify(token.token.secret())
            .unwrap()
    }

    #[test]
    fn step_up_challenge_follows_rfc_9470_section_3() {
        use auth_core::authz::Requirement;
        let realm: Arc<str> = Arc::from("shop");
        let claims = password_only_claims();
        let too_old = Requirement::authenticated_within(Duration::from_secs(300))
            .check(&claims)
            .unwrap_err();
        let rejection = AuthRejection::new(too_old, realm.clone());
        assert_eq!(rejection.status(), 401);
        assert_eq!(
            rejection.www_authenticate().unwrap(),
            "Bearer realm=\"shop\", error=\"insufficient_user_authentication\", max_age=\"300\""
        );
        let body: serde_json::Value = serde_json::from_slice(&rejection.body()).unwrap();
        assert_eq!(body["error"], "insufficient_user_authentication");

        let weak = Requirement::MultiFactor {
            acr: Some("urn:example:\"mfa\"".into()),
        }
        .check(&claims)
        .unwrap_err();
        assert_eq!(
            AuthRejection::new(weak, realm).www_authenticate().unwrap(),
            "Bearer realm=\"shop\", error=\"insufficient_user_authentication\", acr_values=\"urn:example:mfa\"",
            "quotes in a host's acr name cannot break out of the quoted-string"
        );
    }

    #[test]
    fn challenges_follow_rfc_6750() {
        let realm: Arc<str> = Arc::from("shop");
        let missing = AuthRejection::missing(realm.clone());
        assert_eq!(missing.status(), 401);
        assert_eq!(missing.www_authenticate().unwrap(), "Bearer realm=\"shop\"");
        let bad = AuthRejection::new(TokenError::Expired, realm.clone());
        assert_eq!(bad.status(), 401);
        assert_eq!(
            bad.www_authenticate().unwrap(),
            "Bearer realm=\"shop\", error=\"invalid_token\""
        );
        let malformed = AuthRejection::new(CredentialError::DuplicateAuthorization, realm.clone());
        assert_eq!(malformed.status(), 400);
        let forbidden = AuthRejection::new(Forbidden::WrongTenant, realm.clone());
        assert_eq!(forbidden.status(), 403);
        assert_eq!(
            forbidden.www_authenticate().unwrap(),
            "Bearer realm=\"shop\", error=\"insufficient_scope\""
        );
        let crypto = AuthRejection::new(TokenError::Crypto("verifying"), realm);
        assert_eq!(crypto.status(), 500);
        assert!(crypto.www_authenticate().is_none());
    }

    #[test]
    fn an_unreachable_revocation_store_is_503_with_retry_after_and_other_failures_500() {
        use auth_core::store::StoreError;
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let outage = RevocationError::Unavailable(StoreError::unavailable(refused));
        let rejection = AuthRejection::new(outage, Arc::from("r"))
            .with_retry_after(Duration::from_millis(4500));
        let response = rejection.into_response::<Bytes>();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[RETRY_AFTER], "5", "rounded up");
        assert!(response.headers().get(WWW_AUTHENTICATE).is_none());
        let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(body["error"], "temporarily_unavailable");

        let broken = RevocationError::Unavailable(StoreError::backend(std::fmt::Error));
        let response = AuthRejection::new(broken, Arc::from("r")).into_response::<Bytes>();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.headers().get(RETRY_AFTER).is_none());
        assert_eq!(retry_after_value(Duration::ZERO), "1");
    }

    #[test]
    fn realm_cannot_break_out_of_its_quotes() {
        assert_eq!(&*clean_realm("a\"b\\c\r\nd"), "abcd");
        assert_eq!(&*clean_realm("\""), DEFAULT_REALM);
    }

    #[test]
    fn body_says_nothing_about_the_check() {
        let body = AuthRejection::new(TokenError::WrongAudience, Arc::from("r")).body();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains("\"error\":\"invalid_token\""));
        assert!(!text.contains("audience"));
    }
}
