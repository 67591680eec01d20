//! Who a request counts against: [`KeyBy`], the caller's identity and the client's network.

use std::net::IpAddr;

use auth_core::flows::client_network;

use crate::endpoints::ClientIpSource;

/// What the counts are keyed by. A request that lacks the chosen key (an anonymous request
/// under [`KeyBy::User`], a user token under [`KeyBy::Client`]) is counted by its client IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyBy {
    /// The client's network: an IPv4 address, or the /64 of an IPv6 address (one subscriber
    /// is routinely given a whole /64; keying by full address would hand an attacker 2^64
    /// keys). Where the address comes from is [`ClientIpSource`]. The default.
    #[default]
    Ip,
    /// The authenticated user: the `sub` of the [`AuthContext`](crate::AuthContext) that
    /// auth-tower's authenticate layer put into the request (so place the rate-limit layer
    /// *inside* the [`AuthLayer`](crate::AuthLayer)).
    User,
    /// The API client: the token's `client_id` claim (RFC 9068 §2.2).
    Client,
}

/// What the rate limiter learns about the caller from the request extensions.
#[derive(Debug, Default, Clone)]
pub(crate) struct Caller {
    pub(crate) user: Option<String>,
    pub(crate) client: Option<String>,
    pub(crate) plan: Option<String>,
}

/// The client IP per `source`: the peer address, or the last entry of the last line of the
/// trusted proxy header (falling back to the peer). Same rule as the auth endpoints'.
pub(crate) fn client_ip<'a>(
    source: &ClientIpSource,
    mut header_lines: impl DoubleEndedIterator<Item = &'a [u8]>,
    peer: Option<IpAddr>,
) -> Option<IpAddr> {
    match source {
        ClientIpSource::PeerAddr => peer,
        ClientIpSource::ProxyHeader(_) => header_lines
            .next_back()
            .and_then(|value| std::str::from_utf8(value).ok())
            .and_then(|value| value.rsplit(',').next())
            .and_then(|last| last.trim().parse::<IpAddr>().ok())
            .or(peer),
    }
}

/// The subject a request counts against: `ip:<network>`, `user:<sub>` or `client:<id>`.
///
/// Without any peer address (a host that did not give axum `ConnectInfo` or a
/// [`PeerAddr`](crate::endpoints::PeerAddr)), every such request shares `ip:unknown`: a
/// misconfigured host sees 429s early rather than no limit at all (fail closed).
pub(crate) fn subject(key_by: KeyBy, caller: &Caller, ip: Option<IpAddr>) -> String {
    let chosen = match key_by {
        KeyBy::Ip => None,
        KeyBy::User => caller.user.as_deref().map(|user| ("user", user)),
        KeyBy::Client => caller.client.as_deref().map(|client| ("client", client)),
    };
    match (chosen, ip) {
        (Some((kind, id)), _) => format!("{kind}:{id}"),
        (None, Some(ip)) => format!("ip:{}", client_network(&ip.to_string())),
        (None, None) => "ip:unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(user: Option<&str>, client: Option<&str>) -> Caller {
        Caller {
            user: user.map(str::to_owned),
            client: client.map(str::to_owned),
            plan: None,
        }
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let a = "2001:db8:1:2::1".parse().ok();
        let b = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().ok();
        let other = "2001:db8:1:3::1".parse().ok();
        let anyone = caller(None, None);
        assert_eq!(subject(KeyBy::Ip, &anyone, a), "ip:2001:db8:1:2::/64");
        assert_eq!(
            subject(KeyBy::Ip, &anyone, a),
            subject(KeyBy::Ip, &anyone, b)
        );
        assert_ne!(
            subject(KeyBy::Ip, &anyone, a),
            subject(KeyBy::Ip, &anyone, other)
        );
    }

    #[test]
    fn a_request_without_the_chosen_key_falls_back_to_its_ip() {
        let ip = "192.0.2.7".parse().ok();
        assert_eq!(
            subject(KeyBy::User, &caller(None, None), ip),
            "ip:192.0.2.7"
        );
        assert_eq!(
            subject(KeyBy::Client, &caller(Some("u"), None), ip),
            "ip:192.0.2.7"
        );
        assert_eq!(subject(KeyBy::User, &caller(Some("u"), None), ip), "user:u");
        assert_eq!(
            subject(KeyBy::Client, &caller(None, Some("c")), ip),
            "client:c"
        );
        assert_eq!(subject(KeyBy::Ip, &caller(None, None), None), "ip:unknown");
    }

    #[test]
    fn a_spoofed_proxy_header_is_ignored_unless_trusted() {
        let peer = "198.51.100.1".parse().ok();
        let lines = [b"203.0.113.9".as_slice()];
        assert_eq!(
            client_ip(&ClientIpSource::PeerAddr, lines.into_iter(), peer),
            peer
        );
        let trusted = ClientIpSource::ProxyHeader(http::HeaderName::from_static("x-forwarded-for"));
        let lines = [b"10.0.0.1".as_slice(), b"1.1.1.1, 203.0.113.9".as_slice()];
        assert_eq!(
            client_ip(&trusted, lines.into_iter(), peer),
            "203.0.113.9".parse().ok()
        );
        let garbage = [b"not an ip".as_slice()];
        assert_eq!(client_ip(&trusted, garbage.into_iter(), peer), peer);
    }
}
