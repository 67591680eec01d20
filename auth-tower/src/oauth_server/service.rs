//! [`OAuthService`]: the authorization-server endpoints as a tower service.

use http::Request;

use super::OAuthEndpoints;
use crate::body::{BodyError, RequestBody, buffered, endpoints_service};

/// The future of [`OAuthService`].
pub type OAuthFuture = crate::body::BufferedFuture;

endpoints_service! {
    /// [`OAuthEndpoints`] as a tower `Service`: reads the body up to
    /// [`max_body_bytes`](super::OAuthEndpointsConfig::max_body_bytes) (413 beyond, without
    /// reading the rest) and answers with [`OAuthEndpoints::handle`]. The peer address comes
    /// from axum's `ConnectInfo<SocketAddr>` or a [`PeerAddr`](crate::endpoints::PeerAddr)
    /// extension.
    OAuthService(OAuthEndpoints), OAuthFuture
}

impl OAuthEndpoints {
    fn serve_buffered(self, request: Request<impl RequestBody>) -> OAuthFuture {
        let endpoints = self;
        let limit = endpoints.config().max_body_bytes;
        let refusing = endpoints.clone();
        let refuse = move |why| match why {
            BodyError::TooLarge => refusing.payload_too_large(),
            BodyError::Unreadable => super::unreadable_body(),
        };
        buffered(request, limit, refuse, move |parts, body| async move {
            endpoints.handle(Request::from_parts(parts, body)).await
        })
    }
}
