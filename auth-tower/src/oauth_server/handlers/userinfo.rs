//! The userinfo endpoint and its RFC 6750 error answers.

use auth_core::BearerErrorCode;
use auth_core::ErrorChain;
use auth_core::ToBearerError as _;
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use http::{HeaderValue, Request, Response, StatusCode};

use super::response::{json, no_store};
use crate::credentials::{CredentialConfig, extract};
use crate::oauth_server::{OAuthEndpoints, plain_error};
use crate::rejection::{AuthRejection, RejectionReason, json_error, retry_after_value};

impl OAuthEndpoints {
    pub(in crate::oauth_server) async fn userinfo(
        &self,
        request: &Request<Bytes>,
    ) -> Response<Bytes> {
        let realm = self.inner.realm.clone();
        let config = CredentialConfig::default();
        let found = extract(
            &config,
            request
                .headers()
                .get_all(AUTHORIZATION)
                .iter()
                .map(|value| value.as_bytes()),
            std::iter::empty(),
        );
        let candidate = match found {
            Ok(Some(candidate)) => candidate,
            Ok(None) => return AuthRejection::missing(realm).into_response(),
            Err(error) => {
                return AuthRejection::new(RejectionReason::from(error), realm).into_response();
            }
        };
        // Userinfo is not on the layer's hot path: check the token's syntax up front.
        if let Some(error) = candidate.syntax_error() {
            return AuthRejection::new(RejectionReason::from(error), realm).into_response();
        }
        let Ok(token) = std::str::from_utf8(candidate.token) else {
            let error = RejectionReason::from(crate::credentials::CredentialError::MalformedBearer);
            return AuthRejection::new(error, realm).into_response();
        };
        match self.inner.server.userinfo(token).await {
            Ok(info) => json(StatusCode::OK, &info),
            Err(error) if error.is_unavailable() => {
                tracing::warn!(error = %ErrorChain::new(&error), "userinfo store unreachable; answering 503");
                let mut response = plain_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the server is temporarily unavailable; try again later",
                );
                response.headers_mut().insert(
                    RETRY_AFTER,
                    retry_after_value(self.inner.config.outage_retry_after),
                );
                response
            }
            Err(error) => {
                let Some(code) = error.bearer_error() else {
                    tracing::error!(error = %ErrorChain::new(&error), "userinfo failed");
                    return plain_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "server_error",
                        "the server could not complete the request",
                    );
                };
                tracing::debug!(%error, "userinfo refused");
                bearer_error(&realm, code)
            }
        }
    }
}

/// An RFC 6750 §3.1 error answer of the userinfo endpoint.
fn bearer_error(realm: &str, code: BearerErrorCode) -> Response<Bytes> {
    let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
    let description = match code {
        BearerErrorCode::InsufficientScope => "the access token does not grant access to userinfo",
        BearerErrorCode::InvalidRequest => "the request's credentials are malformed",
        _ => "the access token is invalid or expired",
    };
    let mut response = Response::new(json_error(code.as_str(), description));
    *response.status_mut() = status;
    no_store(&mut response);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(challenge) = HeaderValue::from_str(&format!(
        "Bearer realm=\"{realm}\", error=\"{}\"",
        code.as_str()
    )) {
        headers.insert(WWW_AUTHENTICATE, challenge);
    }
    response
}
