//! Who a request counts against: [`KeyBy`], the caller's identity and the client's network.

use std::net::IpAddr;

use std::fmt;

use auth_core::flows::client_network_prefix;

/// What the counts are keyed by. A request that lacks the chosen key (an anonymous request
/// under [`KeyBy::User`], a user token under [`KeyBy::Client`]) is counted by its client IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum KeyBy {
    /// The client's network: an IPv4 address, or the /64 of an IPv6 address (one subscriber
    /// is routinely given a whole /64; keying by full address would hand an attacker 2^64
    /// keys). Where the address comes from is
    /// [`ClientIpSource`](crate::endpoints::ClientIpSource). The default.
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

/// Who a request counts against. A value, not text, so the in-process limiter hashes a few
/// bytes per request; its `Display` (`ip:192.0.2.1`, `ip:2001:db8:1:2::/64`, `user:<sub>`,
/// `client:<id>`) names the counters of a shared store.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Subject {
    /// A client network: its first address and prefix length (auth-core's one rule).
    Network(IpAddr, u8),
    User(String),
    Client(String),
    /// No peer address at all.
    Unknown,
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Network(IpAddr::V4(v4), _) => write!(f, "ip:{v4}"),
            Self::Network(network, prefix) => write!(f, "ip:{network}/{prefix}"),
            Self::User(user) => write!(f, "user:{user}"),
            Self::Client(client) => write!(f, "client:{client}"),
            Self::Unknown => f.write_str("ip:unknown"),
        }
    }
}

/// The subject a request counts against (see [`Subject`]).
///
/// Without any peer address (a host that did not give axum `ConnectInfo` or a
/// [`PeerAddr`](crate::endpoints::PeerAddr)), every such request shares `ip:unknown`: a
/// misconfigured host sees 429s early rather than no limit at all (fail closed).
pub(crate) fn subject(key_by: KeyBy, caller: &mut Caller, ip: Option<IpAddr>) -> Subject {
    let chosen = match key_by {
        KeyBy::Ip => None,
        KeyBy::User => caller.user.take().map(Subject::User),
        KeyBy::Client => caller.client.take().map(Subject::Client),
    };
    match (chosen, ip) {
        (Some(subject), _) => subject,
        (None, Some(ip)) => {
            let (network, prefix) = client_network_prefix(ip);
            Subject::Network(network, prefix)
        }
        (None, None) => Subject::Unknown,
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
        let key = |ip| subject(KeyBy::Ip, &mut caller(None, None), ip);
        assert_eq!(key(a).to_string(), "ip:2001:db8:1:2::/64");
        assert_eq!(key(a), key(b));
        assert_ne!(key(a), key(other));
    }

    #[test]
    fn a_request_without_the_chosen_key_falls_back_to_its_ip() {
        let ip = "192.0.2.7".parse().ok();
        let key = |by, user, client, ip| subject(by, &mut caller(user, client), ip).to_string();
        assert_eq!(key(KeyBy::User, None, None, ip), "ip:192.0.2.7");
        assert_eq!(key(KeyBy::Client, Some("u"), None, ip), "ip:192.0.2.7");
        assert_eq!(key(KeyBy::User, Some("u"), None, ip), "user:u");
        assert_eq!(key(KeyBy::Client, None, Some("c"), ip), "client:c");
        assert_eq!(key(KeyBy::Ip, None, None, None), "ip:unknown");
        // An IPv4-mapped IPv6 peer is its IPv4 address.
        let mapped = "::ffff:192.0.2.7".parse().ok();
        assert_eq!(key(KeyBy::Ip, None, None, mapped), "ip:192.0.2.7");
    }
}
