//! The token endpoint, behind its per-network request limit.

use std::time::Duration;

use auth_core::ErrorChain;
use auth_core::flows::{AuthError, Endpoint};
use auth_core::oauth_server::{OAuthError, TokenRequest};
use bytes::Bytes;
use http::header::RETRY_AFTER;
use http::{Request, Response, StatusCode};

use super::response::{json, oauth_error};
use crate::oauth_server::{OAuthEndpoints, plain_error};
use crate::rejection::retry_after_value;

/// 429 for a client over the token endpoint's limit (see [`OAuthEndpoints::token`]).
fn too_many_requests(retry_after: Duration) -> Response<Bytes> {
    let mut response = plain_error(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
        "too many requests; try again later",
    );
    response
        .headers_mut()
        .insert(RETRY_AFTER, retry_after_value(retry_after));
    response
}

impl OAuthEndpoints {
    /// `POST /token`, after one request is reserved for the client's network under
    /// [`EndpointLimits::oauth_token`](auth_core::flows::EndpointLimits::oauth_token). RFC
    /// 6749 §5.2 has no error code for rate limiting, so a refusal is answered outside its
    /// vocabulary: 429 with `Retry-After` and the JSON body
    /// `{"error":"too_many_requests","error_description":…}` (clients that only know RFC
    /// 6749 read it as an unknown error and should honour the status and `Retry-After`).
    pub(in crate::oauth_server) async fn token(&self, request: &Request<Bytes>) -> Response<Bytes> {
        let client = self.client_info(request);
        match self
            .inner
            .auth
            .reserve_endpoint(Endpoint::OAuthToken, &client)
            .await
        {
            Ok(()) => {}
            Err(AuthError::Throttled { retry_after }) => return too_many_requests(retry_after),
            Err(AuthError::Store(error)) => {
                let retry_after = self.inner.config.outage_retry_after;
                return oauth_error(&OAuthError::Store(error), retry_after);
            }
            Err(error) => {
                tracing::error!(error = %ErrorChain::new(&error), "token endpoint throttle failed; refusing");
                return plain_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the server could not complete the request",
                );
            }
        }
        let (pairs, header) = match self.client_form(request) {
            Ok(form) => form,
            Err(error) => return oauth_error(&error, self.inner.config.outage_retry_after),
        };
        let token_request = TokenRequest::from_form_pairs(pairs, header);
        match self.inner.server.token(&token_request).await {
            Ok(tokens) => json(StatusCode::OK, &tokens),
            Err(error) => oauth_error(&error, self.inner.config.outage_retry_after),
        }
    }
}
