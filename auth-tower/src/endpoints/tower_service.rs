//! [`EndpointsService`]: the endpoints as a tower service (axum: `nest_service("/auth", …)`).

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http::{Request, Response};
use http_body::Body;
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};

use super::response::Failure;
use super::{AuthEndpoints, EndpointRequest, PeerAddr};

/// The future of [`EndpointsService`].
pub type EndpointsFuture =
    Pin<Box<dyn Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send>>;

/// [`AuthEndpoints`] as a tower `Service`: reads the body up to
/// [`max_body_bytes`](super::EndpointsConfig::max_body_bytes) (413 beyond, without reading
/// the rest), takes the peer address from axum's `ConnectInfo<SocketAddr>` or a
/// [`PeerAddr`] extension, and routes on the path below the mount point.
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

fn peer_ip(extensions: &http::Extensions) -> Option<IpAddr> {
    #[cfg(feature = "axum")]
    if let Some(::axum::extract::ConnectInfo(addr)) =
        extensions.get::<::axum::extract::ConnectInfo<std::net::SocketAddr>>()
    {
        return Some(addr.ip());
    }
    extensions.get::<PeerAddr>().map(|PeerAddr(addr)| addr.ip())
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
            let limit = endpoints.config().max_body_bytes;
            let realm = endpoints.inner.authenticator.realm_name().to_owned();
            let too_large = || {
                Ok(Failure::PayloadTooLarge
                    .into_response(&realm)
                    .map(Full::new))
            };
            let declared = parts
                .headers
                .get(CONTENT_LENGTH)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.parse::<u64>().ok());
            if declared.is_some_and(|length| length > limit as u64) {
                return too_large();
            }
            let body = match Limited::new(body, limit).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
                    return too_large();
                }
                Err(error) => {
                    tracing::debug!(%error, "request body could not be read");
                    return Ok(Failure::MalformedBody.into_response(&realm).map(Full::new));
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
