//! [`EndpointsService`]: the endpoints as a tower service (axum: `nest_service("/auth", …)`).

use http::Request;

use super::response::Failure;
use super::{AuthEndpoints, EndpointRequest};
use crate::body::{BodyError, RequestBody, buffered, endpoints_service, peer_ip};

/// The future of [`EndpointsService`].
pub type EndpointsFuture = crate::body::BufferedFuture;

endpoints_service! {
    /// [`AuthEndpoints`] as a tower `Service`: reads the body up to
    /// [`max_body_bytes`](super::EndpointsConfig::max_body_bytes) (413 beyond, without reading
    /// the rest), takes the peer address from axum's `ConnectInfo<SocketAddr>` or a
    /// [`PeerAddr`](super::PeerAddr) extension, and routes on the path below the mount point.
    EndpointsService(AuthEndpoints), EndpointsFuture
}

impl AuthEndpoints {
    fn serve_buffered(self, request: Request<impl RequestBody>) -> EndpointsFuture {
        let endpoints = self;
        let limit = endpoints.config().max_body_bytes;
        let refusing = endpoints.clone();
        let refuse = move |why| {
            let failure = match why {
                BodyError::TooLarge => Failure::PayloadTooLarge,
                BodyError::Unreadable => Failure::MalformedBody,
            };
            let authenticator = &refusing.inner.authenticator;
            failure.into_response(
                authenticator.realm_name(),
                authenticator.outage_retry_after(),
            )
        };
        buffered(request, limit, refuse, move |parts, body| async move {
            let request = EndpointRequest {
                method: parts.method,
                path: parts.uri.path().to_owned(),
                query: parts.uri.query().map(str::to_owned),
                peer_ip: peer_ip(&parts.extensions),
                headers: parts.headers,
                body,
            };
            endpoints.handle(request).await
        })
    }
}
