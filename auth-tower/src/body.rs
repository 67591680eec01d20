//! What every endpoint adapter does before handling a request: read the body up to a limit,
//! and find the TCP peer's address.

use std::net::IpAddr;

use bytes::Bytes;
use http::HeaderMap;
use http::header::CONTENT_LENGTH;
use http_body::Body;
use http_body_util::{BodyExt as _, LengthLimitError, Limited};

use crate::endpoints::PeerAddr;

/// Why a request body was not read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Over the limit, by its `Content-Length` (nothing read) or by what arrived.
    TooLarge,
    /// The body could not be read (broken connection, bad chunking).
    Unreadable,
}

/// Whether a declared `Content-Length` (as text) is over `limit`.
pub(crate) fn declared_too_large(content_length: Option<&[u8]>, limit: usize) -> bool {
    content_length
        .and_then(|value| std::str::from_utf8(value).ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .is_some_and(|length| length > limit as u64)
}

/// The body of an http 1 request, refused as soon as it is known to exceed `limit` bytes.
pub(crate) async fn read_limited<B>(
    headers: &HeaderMap,
    body: B,
    limit: usize,
) -> Result<Bytes, BodyError>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let declared = headers.get(CONTENT_LENGTH).map(|value| value.as_bytes());
    if declared_too_large(declared, limit) {
        return Err(BodyError::TooLarge);
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            Err(BodyError::TooLarge)
        }
        Err(error) => {
            tracing::debug!(%error, "request body could not be read");
            Err(BodyError::Unreadable)
        }
    }
}

/// The TCP peer: axum's `ConnectInfo<SocketAddr>` or a [`PeerAddr`] extension.
pub(crate) fn peer_ip(extensions: &http::Extensions) -> Option<IpAddr> {
    #[cfg(feature = "axum")]
    if let Some(::axum::extract::ConnectInfo(addr)) =
        extensions.get::<::axum::extract::ConnectInfo<std::net::SocketAddr>>()
    {
        return Some(addr.ip());
    }
    extensions.get::<PeerAddr>().map(|PeerAddr(addr)| addr.ip())
}

/// The future of auth-tower's endpoint services ([`EndpointsFuture`](crate::endpoints::EndpointsFuture),
/// `oauth_server::OAuthFuture`).
pub(crate) type BufferedFuture = std::pin::Pin<
    Box<
        dyn std::future::Future<
                Output = Result<
                    http::Response<http_body_util::Full<Bytes>>,
                    std::convert::Infallible,
                >,
            > + Send,
    >,
>;

/// A request body an endpoint service can read: every hyper, axum and tower-http body.
pub(crate) trait RequestBody:
    Body<Data: Send, Error: Into<Box<dyn std::error::Error + Send + Sync>>> + Send + 'static
{
}

impl<B> RequestBody for B
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
}

/// The one request path of every auth-tower endpoint service (first-party and authorization
/// server): read the body up to `limit` — answering `refuse(why)` without reading the rest
/// when it is too large or unreadable — then answer with `handle(parts, body)`.
pub(crate) fn buffered<B, H, Fut>(
    request: http::Request<B>,
    limit: usize,
    refuse: impl FnOnce(BodyError) -> http::Response<Bytes> + Send + 'static,
    handle: H,
) -> BufferedFuture
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    H: FnOnce(http::request::Parts, Bytes) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = http::Response<Bytes>> + Send,
{
    Box::pin(async move {
        let (parts, body) = request.into_parts();
        let response = match read_limited(&parts.headers, body, limit).await {
            Ok(body) => handle(parts, body).await,
            Err(why) => refuse(why),
        };
        Ok(response.map(http_body_util::Full::new))
    })
}

/// Defines an endpoints type's public tower `Service` (`EndpointsService`, `OAuthService`):
/// the one wrapper both stacks use. `$endpoints` provides
/// `serve_buffered(self, request) -> BufferedFuture` (usually through [`buffered`]).
macro_rules! endpoints_service {
    ($(#[$meta:meta])* $name:ident($endpoints:ty), $future:ty) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name {
            endpoints: $endpoints,
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("endpoints", &self.endpoints)
                    .finish()
            }
        }

        impl $name {
            /// The tower service of `endpoints`.
            pub fn new(endpoints: $endpoints) -> Self {
                Self { endpoints }
            }
        }

        impl<B> ::tower::Service<::http::Request<B>> for $name
        where
            B: ::http_body::Body + Send + 'static,
            B::Data: Send,
            B::Error: Into<Box<dyn ::std::error::Error + Send + Sync>>,
        {
            type Response = ::http::Response<::http_body_util::Full<::bytes::Bytes>>;
            type Error = ::std::convert::Infallible;
            type Future = $future;

            fn poll_ready(
                &mut self,
                _cx: &mut ::std::task::Context<'_>,
            ) -> ::std::task::Poll<Result<(), Self::Error>> {
                ::std::task::Poll::Ready(Ok(()))
            }

            fn call(&mut self, request: ::http::Request<B>) -> Self::Future {
                self.endpoints.clone().serve_buffered(request)
            }
        }
    };
}
pub(crate) use endpoints_service;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_length_over_the_limit_is_refused_before_reading() {
        assert!(declared_too_large(Some(b"16385"), 16 * 1024));
        assert!(!declared_too_large(Some(b"16384"), 16 * 1024));
        // Unparsable or absent: the limited read decides.
        assert!(!declared_too_large(Some(b"lots"), 16 * 1024));
        assert!(!declared_too_large(None, 16 * 1024));
    }
}
