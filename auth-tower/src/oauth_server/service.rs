//! [`OAuthService`]: the authorization-server endpoints as a tower service.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body::Body;
use http_body_util::Full;

use super::OAuthEndpoints;
use crate::body::{BodyError, read_limited};

/// The future of [`OAuthService`].
pub type OAuthFuture =
    Pin<Box<dyn Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send>>;

/// [`OAuthEndpoints`] as a tower `Service`: reads the body up to
/// [`max_body_bytes`](super::OAuthEndpointsConfig::max_body_bytes) (413 beyond, without
/// reading the rest) and answers with [`OAuthEndpoints::handle`]. The peer address comes from
/// axum's `ConnectInfo<SocketAddr>` or a [`PeerAddr`](crate::endpoints::PeerAddr) extension.
#[derive(Clone)]
pub struct OAuthService {
    endpoints: OAuthEndpoints,
}

impl fmt::Debug for OAuthService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthService")
            .field("endpoints", &self.endpoints)
            .finish()
    }
}

impl OAuthService {
    /// The tower service of `endpoints`.
    pub fn new(endpoints: OAuthEndpoints) -> Self {
        Self { endpoints }
    }
}

impl<B> tower::Service<Request<B>> for OAuthService
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = OAuthFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let endpoints = self.endpoints.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let limit = endpoints.config().max_body_bytes;
            let body = match read_limited(&parts.headers, body, limit).await {
                Ok(body) => body,
                Err(BodyError::TooLarge) => {
                    return Ok(endpoints.payload_too_large().map(Full::new));
                }
                Err(BodyError::Unreadable) => {
                    return Ok(super::unreadable_body().map(Full::new));
                }
            };
            let request = Request::from_parts(parts, body);
            Ok(endpoints.handle(request).await.map(Full::new))
        })
    }
}
