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
