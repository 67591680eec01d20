//! Who a request comes from — its IP per [`ClientIpSource`] and its user agent — by one rule
//! for the first-party endpoints, the authorization server and the rate-limit layer, so that
//! throttling, limits and the audit trail never disagree about a client.

use std::net::IpAddr;

use auth_core::flows::ClientInfo;
use http::HeaderMap;
use http::header::USER_AGENT;

use crate::endpoints::ClientIpSource;

impl ClientIpSource {
    /// The header the IP is read from, if any.
    pub(crate) fn header_name(&self) -> Option<&http::HeaderName> {
        match self {
            Self::PeerAddr => None,
            Self::ProxyHeader(name) => Some(name),
        }
    }

    /// The client IP: the peer address, or — with a trusted proxy header — the last entry of
    /// the header's last line, falling back to the peer when that entry is not an IP address.
    ///
    /// The last entry is the one the trusted proxy appended; everything before its comma was
    /// written by the client and is never read, not even to check that it is text: a line
    /// with bytes that are not visible ASCII (`obs-text`) before the proxy's entry must not
    /// send the request to the fallback, or one client could move its attempts onto the
    /// proxy's own address — spending the per-IP limits of everyone behind the proxy and
    /// shedding its own.
    pub(crate) fn resolve<'a>(
        &self,
        mut header_lines: impl DoubleEndedIterator<Item = &'a [u8]>,
        peer: Option<IpAddr>,
    ) -> Option<IpAddr> {
        match self {
            Self::PeerAddr => peer,
            Self::ProxyHeader(_) => header_lines
                .next_back()
                .and_then(|line| line.rsplit(|byte| *byte == b',').next())
                .and_then(|last| std::str::from_utf8(last).ok())
                .and_then(|last| last.trim().parse::<IpAddr>().ok())
                .or(peer),
        }
    }

    /// [`resolve`](Self::resolve) over an `http` header map.
    pub(crate) fn resolve_in(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<IpAddr> {
        let lines = self
            .header_name()
            .into_iter()
            .flat_map(|name| headers.get_all(name))
            .map(http::HeaderValue::as_bytes);
        self.resolve(lines, peer)
    }
}

/// The client as auth-core's flows see it: IP per `source`, user agent.
pub(crate) fn client_info(
    source: &ClientIpSource,
    headers: &HeaderMap,
    peer: Option<IpAddr>,
) -> ClientInfo {
    let mut client = ClientInfo::default();
    if let Some(ip) = source.resolve_in(headers, peer) {
        client = client.ip(ip.to_string());
    }
    if let Some(agent) = headers
        .get(USER_AGENT)
        .and_then(|agent| agent.to_str().ok())
    {
        client = client.user_agent(agent);
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted() -> ClientIpSource {
        ClientIpSource::ProxyHeader(http::HeaderName::from_static("x-forwarded-for"))
    }

    #[test]
    fn a_spoofed_proxy_header_is_ignored_unless_trusted() {
        let peer = "198.51.100.1".parse().ok();
        let lines = [b"203.0.113.9".as_slice()];
        assert_eq!(
            ClientIpSource::PeerAddr.resolve(lines.into_iter(), peer),
            peer
        );
        let lines = [b"10.0.0.1".as_slice(), b"1.1.1.1, 203.0.113.9".as_slice()];
        assert_eq!(
            trusted().resolve(lines.into_iter(), peer),
            "203.0.113.9".parse().ok()
        );
        let garbage = [b"not an ip".as_slice()];
        assert_eq!(trusted().resolve(garbage.into_iter(), peer), peer);
        assert_eq!(trusted().resolve(std::iter::empty(), peer), peer);
    }

    // The attack: a client writes obs-text into X-Forwarded-For; a proxy that appends
    // (nginx's `$proxy_add_x_forwarded_for`) adds the real address after it on the same line.
    // Reading the whole line as text failed, so the request fell back to the proxy's address.
    #[test]
    fn proxy_header_junk_cannot_move_a_client_onto_the_proxys_address() {
        let proxy = "10.0.0.2".parse().ok();
        let line = b"\xff\xfe, 203.0.113.7".as_slice();
        assert_eq!(
            trusted().resolve([line].into_iter(), proxy),
            "203.0.113.7".parse().ok()
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            http::HeaderValue::from_bytes(line).expect("obs-text is a valid header value"),
        );
        headers.insert(USER_AGENT, http::HeaderValue::from_static("probe/1.0"));
        let client = client_info(&trusted(), &headers, proxy);
        assert_eq!(client.ip.as_deref(), Some("203.0.113.7"));
    }
}
