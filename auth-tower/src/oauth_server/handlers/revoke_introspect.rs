//! Token revocation (RFC 7009) and introspection (RFC 7662).

use bytes::Bytes;
use http::{Request, Response, StatusCode};

use super::response::{json, no_store, oauth_error};
use crate::oauth_server::OAuthEndpoints;

impl OAuthEndpoints {
    pub(in crate::oauth_server) async fn revoke(
        &self,
        request: &Request<Bytes>,
    ) -> Response<Bytes> {
        let (credentials, token, hint) = match self.token_form(request) {
            Ok(form) => form,
            Err(error) => return oauth_error(&error, self.inner.config.outage_retry_after),
        };
        match self
            .inner
            .server
            .revoke(&credentials, token.as_deref(), hint.as_deref())
            .await
        {
            Ok(()) => {
                let mut response = Response::new(Bytes::new());
                no_store(&mut response);
                response
            }
            Err(error) => oauth_error(&error, self.inner.config.outage_retry_after),
        }
    }

    pub(in crate::oauth_server) async fn introspect(
        &self,
        request: &Request<Bytes>,
    ) -> Response<Bytes> {
        let (credentials, token, hint) = match self.token_form(request) {
            Ok(form) => form,
            Err(error) => return oauth_error(&error, self.inner.config.outage_retry_after),
        };
        match self
            .inner
            .server
            .introspect(&credentials, token.as_deref(), hint.as_deref())
            .await
        {
            Ok(introspection) => json(StatusCode::OK, &introspection),
            Err(error) => oauth_error(&error, self.inner.config.outage_retry_after),
        }
    }
}
