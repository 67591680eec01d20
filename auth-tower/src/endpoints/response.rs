//! Building endpoint responses: JSON, `no-store`, cookies, and the one mapping from
//! [`AuthError`] to a response.

use std::time::Duration;

use auth_core::ErrorChain;
use auth_core::flows::AuthError;
use bytes::Bytes;
use http::header::{
    CACHE_CONTROL, CONTENT_TYPE, HeaderValue, PRAGMA, RETRY_AFTER, SET_COOKIE, WWW_AUTHENTICATE,
};
use http::{Response, StatusCode};
use serde::Serialize;

use crate::rejection::{AuthRejection, json_error, retry_after_value};

/// Every endpoint answer: `Cache-Control: no-store` (token responses must not be cached,
/// RFC 6749 §5.1; the others hold personal data).
pub(super) fn respond(status: StatusCode, body: Bytes) -> Response<Bytes> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    if !response.body().is_empty() {
        response
            .headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    response
}

pub(super) fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Bytes> {
    match serde_json::to_vec(value) {
        Ok(body) => respond(status, Bytes::from(body)),
        Err(error) => {
            tracing::error!(error = %ErrorChain::new(&error), "response serialization failed");
            error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "internal server error",
            )
        }
    }
}

pub(super) fn no_content() -> Response<Bytes> {
    respond(StatusCode::NO_CONTENT, Bytes::new())
}

pub(super) fn error_response(
    status: StatusCode,
    error: &str,
    description: &str,
) -> Response<Bytes> {
    respond(status, json_error(error, description))
}

/// Why an endpoint refused before or besides the flows.
#[derive(Debug)]
pub(super) enum Failure {
    /// A flow refused or failed.
    Auth(AuthError),
    /// The access token was missing, bad or revoked.
    Rejection(AuthRejection),
    /// Not JSON, or not the JSON this endpoint takes.
    MalformedBody,
    /// A body without `Content-Type: application/json`.
    UnsupportedMediaType,
    /// Body over the limit.
    PayloadTooLarge,
    /// CSRF check failed (cookie mode).
    Csrf,
    /// A request that is well-formed JSON but lacks something (a token without `sid`, …).
    InvalidRequest(&'static str),
}

impl From<AuthError> for Failure {
    fn from(error: AuthError) -> Self {
        Self::Auth(error)
    }
}

impl From<AuthRejection> for Failure {
    fn from(rejection: AuthRejection) -> Self {
        Self::Rejection(rejection)
    }
}

impl Failure {
    /// The response; `retry_after` is the `Retry-After` of a 503 (a store unreachable in
    /// time).
    pub(super) fn into_response(self, realm: &str, retry_after: Duration) -> Response<Bytes> {
        match self {
            Self::Auth(error) => auth_error(&error, realm, retry_after),
            Self::Rejection(rejection) => {
                let response = rejection.into_response::<Bytes>();
                let (parts, body) = response.into_parts();
                let mut response = respond(parts.status, body);
                for name in [WWW_AUTHENTICATE, RETRY_AFTER] {
                    if let Some(value) = parts.headers.get(&name) {
                        response.headers_mut().insert(name, value.clone());
                    }
                }
                response
            }
            Self::MalformedBody => error_response(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "the request body is not the JSON this endpoint takes",
            ),
            Self::UnsupportedMediaType => error_response(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "invalid_request",
                "the request body must be application/json",
            ),
            Self::PayloadTooLarge => error_response(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request",
                "the request body is too large",
            ),
            Self::Csrf => error_response(
                StatusCode::FORBIDDEN,
                "csrf_check_failed",
                "the request failed the cross-site request forgery check",
            ),
            Self::InvalidRequest(description) => {
                error_response(StatusCode::BAD_REQUEST, "invalid_request", description)
            }
        }
    }
}

/// The one mapping of [`AuthError`] to a response: auth-core's `status_code()` and
/// `error_code()`, its client-safe `Display` as the description (a fixed text for 5xx,
/// whose cause goes to the log), `Retry-After` when throttled (429), when a store could not be
/// reached in time (503, `retry_after`) or when password hashing is at capacity (503, the
/// hasher's drain estimate, [`AuthError::Busy`]), a `Bearer` challenge on 401.
pub(super) fn auth_error(error: &AuthError, realm: &str, retry_after: Duration) -> Response<Bytes> {
    let status =
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let description = if error.is_unavailable() {
        // An outage is expected to pass: a warning, with the cause, not an error per request.
        tracing::warn!(error = %ErrorChain::new(error), "store unreachable; answering 503");
        "the service is temporarily unavailable; try again later".to_owned()
    } else if error.is_server_error() {
        tracing::error!(error = %ErrorChain::new(error), "auth flow failed");
        "internal server error".to_owned()
    } else {
        tracing::debug!(%error, "auth flow refused");
        error.to_string()
    };
    let mut response = error_response(status, error.error_code(), &description);
    let headers = response.headers_mut();
    if let AuthError::Throttled { retry_after } = error {
        headers.insert(RETRY_AFTER, HeaderValue::from(retry_after.as_secs().max(1)));
    }
    if error.is_unavailable() {
        headers.insert(RETRY_AFTER, retry_after_value(retry_after));
    }
    // 503: the password hashing queue is full; the client retries after the drain estimate.
    if let AuthError::Busy { retry_after } = error {
        headers.insert(RETRY_AFTER, HeaderValue::from(retry_after.as_secs().max(1)));
    }
    if status == StatusCode::UNAUTHORIZED {
        let challenge = match error {
            // Refused credentials, not a refused token: a bare challenge (RFC 6750 §3.1).
            AuthError::InvalidCredentials
            | AuthError::SecondFactorRequired(_)
            | AuthError::InvalidSecondFactor { .. } => format!("Bearer realm=\"{realm}\""),
            // RFC 9470 §3: the token is fine, the sign-in behind it too old.
            AuthError::ReauthenticationRequired { max_age } => format!(
                "Bearer realm=\"{realm}\", error=\"insufficient_user_authentication\", max_age=\"{}\"",
                max_age.as_secs()
            ),
            _ => format!("Bearer realm=\"{realm}\", error=\"invalid_token\""),
        };
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            headers.insert(WWW_AUTHENTICATE, value);
        }
    }
    response
}

/// A `Set-Cookie` value for a `__Host-` cookie: Secure, Path=/, SameSite=Strict, no Domain;
/// HttpOnly when `http_only`. `max_age` zero deletes it.
pub(super) fn host_cookie(name: &str, value: &str, max_age: Duration, http_only: bool) -> String {
    host_cookie_same_site(name, value, max_age, http_only, "Strict")
}

/// [`host_cookie`] with another `SameSite` value (`Lax` for the OAuth browser binding, which
/// must come back on the provider's top-level redirect).
pub(super) fn host_cookie_same_site(
    name: &str,
    value: &str,
    max_age: Duration,
    http_only: bool,
    same_site: &str,
) -> String {
    let mut cookie = format!(
        "{name}={value}; Path=/; Max-Age={}; Secure; SameSite={same_site}",
        max_age.as_secs()
    );
    if http_only {
        cookie.push_str("; HttpOnly");
    }
    cookie
}

pub(super) fn add_cookie(response: &mut Response<Bytes>, cookie: &str) {
    match HeaderValue::from_str(cookie) {
        Ok(value) => {
            response.headers_mut().append(SET_COOKIE, value);
        }
        Err(_) => tracing::error!("a cookie value is not a valid header value; not set"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Issue 14: a full password-hashing queue answers 503 with `Retry-After` and a code the
    // client can act on — not a 500 that hides it, nor a request left waiting.
    #[test]
    fn busy_hashing_answers_503_with_retry_after() {
        let response = auth_error(
            &AuthError::Busy {
                retry_after: Duration::from_secs(3),
            },
            "api",
            Duration::from_secs(9),
        );
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[RETRY_AFTER], "3");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store");
        assert!(response.headers().get(WWW_AUTHENTICATE).is_none());
        let body: serde_json::Value = serde_json::from_slice(response.body()).expect("json");
        assert_eq!(body["error"], "temporarily_unavailable");
        assert_eq!(
            body["error_description"],
            "the server is busy; try again shortly"
        );

        // Below a second still asks for one (Retry-After counts whole seconds).
        let response = auth_error(
            &AuthError::Busy {
                retry_after: Duration::from_millis(200),
            },
            "api",
            Duration::from_secs(9),
        );
        assert_eq!(response.headers()[RETRY_AFTER], "1");
    }
}
