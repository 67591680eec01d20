//! The authorization server metadata (RFC 8414 / OIDC discovery) and the JWKS.

use bytes::Bytes;
use http::header::{ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL};
use http::{HeaderValue, Response, StatusCode};

use super::response::json;
use crate::oauth_server::OAuthEndpoints;

impl OAuthEndpoints {
    pub(in crate::oauth_server) fn metadata(&self) -> Response<Bytes> {
        public_document(json(StatusCode::OK, &self.inner.server.metadata()))
    }

    pub(in crate::oauth_server) fn jwks(&self) -> Response<Bytes> {
        public_document(json(StatusCode::OK, self.inner.server.jwks()))
    }
}

/// Metadata and keys are public: cacheable for a few minutes (key rotation keeps the old
/// key published meanwhile), readable from any origin (browser clients discover too).
fn public_document(mut response: Response<Bytes>) -> Response<Bytes> {
    let headers = response.headers_mut();
    headers.remove(http::header::PRAGMA);
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}
