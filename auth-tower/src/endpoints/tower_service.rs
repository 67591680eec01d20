//! [`EndpointsService`]: the endpoints as a tower service (axum: `nest_service("/auth", …)`).

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::Full;

use super::response::Failure;
use super::{AuthEndpoints, EndpointRequest};
use crate::body::{BodyError, peer_ip, read_limited};

/// The future of [`EndpointsService`].
pub type EndpointsFuture =
    Pin<Box<dyn Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send>>;

/// [`AuthEndpoints`] as a tower `Service`: reads the body up to
/// [`max_body_bytes`](super::EndpointsConfig::max_body_bytes) (413 beyond, without reading
/// the rest), takes the peer address from axum's `ConnectInfo<SocketAddr>` or a
/// [`PeerAddr`](super::PeerAddr) extension, and routes on the path below the mount point.
#[derive(Clone)]
pub struct EndpointsService {
    endpoints: AuthEndpoints,
}

impl fmt::Debug for EndpointsService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndpointsService")
            .field("endpoints", &self.endpoints)
            .finish()
    }
}

impl EndpointsService {
    /// The tower service of `endpoints`.
    pub fn new(endpoints: AuthEndpoints) -> Self {
        Self { endpoints }
    }
}

impl<B> tower::Service<Request<B>> for EndpointsService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = EndpointsFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let endpoints = self.endpoints.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let realm = endpoints.inner.authenticator.realm_name().to_owned();
            let limit = endpoints.config().max_body_bytes;
            let body = match read_limited(&parts.headers, body, limit).await {
                Ok(body) => body,
                Err(error) => {
                    let failure = match error {
                        BodyError::TooLarge => Failure::PayloadTooLarge,
                        BodyError::Unreadable => Failure::MalformedBody,
                    };
                    let retry_after = endpoints.inner.authenticator.outage_retry_after();
                    return Ok(failure.into_response(&realm, retry_after).map(Full::new));
                }
            };
            let request = EndpointRequest {
                method: parts.method,
                path: parts.uri.path().to_owned(),
                query: parts.uri.query().map(str::to_owned),
                peer_ip: peer_ip(&parts.extensions),
                headers: parts.headers,
                body,
            };
            Ok(endpoints.handle(request).await.map(Full::new))
        })
    }
}
