//! The answers the endpoints share: `no-store` headers, JSON bodies, the one mapping of
//! [`OAuthError`] to a response, redirects, cookies and the failure pages of browser steps.

use std::time::Duration;

use auth_core::ErrorChain;
use auth_core::oauth_server::{NO_STORE_HEADERS, OAuthError};
use bytes::Bytes;
use http::header::{
    CONTENT_TYPE, LOCATION, REFERRER_POLICY, RETRY_AFTER, SET_COOKIE, WWW_AUTHENTICATE,
};
use http::{HeaderName, HeaderValue, Response, StatusCode};
use serde::Serialize;

use crate::oauth_server::pages;
use crate::oauth_server::{OAuthEndpoints, plain_error};
use crate::rejection::retry_after_value;

/// `Cache-Control: no-store` and `Pragma: no-cache`.
pub(in crate::oauth_server) fn no_store(response: &mut Response<Bytes>) {
    for (name, value) in NO_STORE_HEADERS {
        if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
            response
                .headers_mut()
                .insert(name, HeaderValue::from_static(value));
        }
    }
}

pub(super) fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Bytes> {
    match serde_json::to_vec(value) {
        Ok(body) => {
            let mut response = Response::new(Bytes::from(body));
            *response.status_mut() = status;
            no_store(&mut response);
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(error) => {
            tracing::error!(error = %ErrorChain::new(&error), "response serialization failed");
            plain_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "the server could not complete the request",
            )
        }
    }
}

/// The one mapping of [`OAuthError`] to a response (RFC 6749 §5.2): a store that could not
/// be reached in time is 503 `temporarily_unavailable` with `Retry-After: retry_after`.
pub(super) fn oauth_error(error: &OAuthError, retry_after: Duration) -> Response<Bytes> {
    if error.is_unavailable() {
        tracing::warn!(
            error = %ErrorChain::new(error),
            "oauth store unreachable; answering 503"
        );
    } else if error.status_code() >= 500 {
        tracing::error!(
            error = %ErrorChain::new(error),
            "oauth request failed"
        );
    } else {
        tracing::debug!(%error, "oauth request refused");
    }
    let status =
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = json(status, &error.body());
    if let Some(challenge) = error.www_authenticate() {
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
    }
    if error.is_unavailable() {
        response
            .headers_mut()
            .insert(RETRY_AFTER, retry_after_value(retry_after));
    }
    response
}

pub(super) fn add_cookie(response: &mut Response<Bytes>, cookie: &str) {
    match HeaderValue::from_str(cookie) {
        Ok(value) => {
            response.headers_mut().append(SET_COOKIE, value);
        }
        Err(_) => tracing::error!("a cookie value is not a valid header value; not set"),
    }
}

pub(super) fn redirect(status: StatusCode, location: &str) -> Response<Bytes> {
    let Ok(location) = HeaderValue::from_str(location) else {
        tracing::error!("a redirect location is not a valid header value");
        return server_error_page();
    };
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(LOCATION, location);
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    no_store(&mut response);
    response
}

pub(super) fn server_error_page() -> Response<Bytes> {
    pages::message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The server could not complete the request. Try again later.",
    )
}

/// The page for a failed browser step: 503 with `Retry-After` when a store could not be
/// reached in time (`unavailable`), the generic 500 page otherwise.
pub(super) fn failure_page(unavailable: bool, retry_after: Duration) -> Response<Bytes> {
    if !unavailable {
        return server_error_page();
    }
    let mut response = pages::message(
        StatusCode::SERVICE_UNAVAILABLE,
        "Temporarily unavailable",
        "The server is temporarily unavailable. Try again in a moment.",
    );
    response
        .headers_mut()
        .insert(RETRY_AFTER, retry_after_value(retry_after));
    response
}

impl OAuthEndpoints {
    /// [`failure_page`] with the configured `Retry-After`.
    pub(super) fn failure_page(&self, unavailable: bool) -> Response<Bytes> {
        failure_page(unavailable, self.inner.config.outage_retry_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_step_that_cannot_reach_its_store_gets_a_503_page_with_retry_after() {
        let page = failure_page(true, Duration::from_secs(3));
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(page.headers()[RETRY_AFTER], "3");
        let other = failure_page(false, Duration::from_secs(3));
        assert_eq!(other.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(other.headers().get(RETRY_AFTER).is_none());
    }
}
