//! Redirect URIs: what registration accepts, and how a response is appended to one.
//!
//! At the authorization endpoint a redirect URI is compared with the registered ones by
//! plain string equality — byte for byte, no normalisation — so `/cb/`, `/cb?x`, `/CB`,
//! `/cb/..;/`, `https://good@evil` and `http://` variants of `https://…/cb` are all different
//! URIs and all refused.
//!
//! One exception, RFC 8252 §7.3: a native app listens on a loopback port the operating system
//! picks at run time, so for a public client a registered `http://127.0.0.1[:port]/…` or
//! `http://[::1][:port]/…` matches the same URI with any port — scheme, IP literal, path and
//! query still byte for byte. `localhost` is a name, not a loopback IP literal (§8.3: it may
//! resolve elsewhere), and keeps exact matching.

use crate::oauth_server::RegistrationError;

/// The longest redirect URI registration accepts, in bytes.
pub(crate) const MAX_REDIRECT_URI_BYTES: usize = 2000;

/// The host of an authority (`host[:port]` up to the first `/`), without the port; IPv6
/// literals keep their brackets. Empty when there is none.
pub(crate) fn authority_host(after_scheme: &str) -> &str {
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => &authority[..=end],
            None => "",
        };
    }
    authority.split(':').next().unwrap_or_default()
}

/// Checks a redirect URI for registration: absolute `https`, or `http` on a loopback host
/// (RFC 8252 §7.3); no fragment (RFC 6749 §3.1.2), no wildcard, no user info, no whitespace
/// or control characters, no backslash, at most [`MAX_REDIRECT_URI_BYTES`].
pub(crate) fn check_redirect_uri(uri: &str) -> Result<(), RegistrationError> {
    let invalid = RegistrationError::InvalidRedirectUri;
    if uri.len() > MAX_REDIRECT_URI_BYTES {
        return Err(invalid("it is longer than 2000 bytes"));
    }
    if uri
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Err(invalid(
            "it contains whitespace, control characters or a backslash",
        ));
    }
    if uri.contains('#') {
        return Err(invalid("it has a fragment"));
    }
    if uri.contains('*') {
        return Err(invalid("it has a wildcard"));
    }
    let (after_scheme, loopback_only) = if let Some(rest) = uri.strip_prefix("https://") {
        (rest, false)
    } else if let Some(rest) = uri.strip_prefix("http://") {
        (rest, true)
    } else {
        return Err(invalid("it is not an absolute https URL"));
    };
    let authority = after_scheme.split(['/', '?']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(invalid("it has user info"));
    }
    let host = authority_host(after_scheme);
    if host.is_empty() {
        return Err(invalid("it has no host"));
    }
    if loopback_only && !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
        return Err(invalid("plain http is only allowed for loopback hosts"));
    }
    Ok(())
}

/// Whether the requested redirect URI `requested` matches the registered `registered`: byte
/// for byte, or — when `any_loopback_port` (public clients) — as the same loopback IP literal
/// URI on another port (RFC 8252 §7.3).
pub(crate) fn redirect_uri_matches(
    registered: &str,
    requested: &str,
    any_loopback_port: bool,
) -> bool {
    if registered == requested {
        return true;
    }
    if !any_loopback_port {
        return false;
    }
    match (loopback_parts(registered), loopback_parts(requested)) {
        (Some(registered), Some(requested)) => registered == requested,
        _ => false,
    }
}

/// `(IP literal, path and query)` of an `http://127.0.0.1[:port]…` or `http://[::1][:port]…`
/// URI, leaving out the port; `None` for any other URI, or a port that is not a decimal
/// number from 1 to 65535 without leading zeros.
fn loopback_parts(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("http://")?;
    let host = ["127.0.0.1", "[::1]"]
        .into_iter()
        .find(|host| rest.starts_with(host))?;
    let after_host = &rest[host.len()..];
    let path_and_query = match after_host.strip_prefix(':') {
        Some(port_and_rest) => {
            let end = port_and_rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(port_and_rest.len());
            let (port, rest) = port_and_rest.split_at(end);
            if port.starts_with('0') || !port.parse::<u16>().is_ok_and(|port| port > 0) {
                return None;
            }
            rest
        }
        None => after_host,
    };
    // The authority ends here (`127.0.0.1.evil.example`, `127.0.0.1:80@evil` are not loopback).
    if !(path_and_query.is_empty() || path_and_query.starts_with(['/', '?'])) {
        return None;
    }
    Some((host, path_and_query))
}

/// Appends `params` to `redirect_uri` as a query (after its own query, if it has one),
/// form-encoded.
pub(crate) fn append_query(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let mut location = String::with_capacity(redirect_uri.len() + 128);
    location.push_str(redirect_uri);
    let mut separator = if redirect_uri.contains('?') { '&' } else { '?' };
    if redirect_uri.ends_with(['?', '&']) {
        separator = '\0';
    }
    for (name, value) in params {
        if separator != '\0' {
            location.push(separator);
        }
        separator = '&';
        form_encode_into(&mut location, name);
        location.push('=');
        form_encode_into(&mut location, value);
    }
    location
}

/// `application/x-www-form-urlencoded` encoding of `value` (WHATWG URL, the serializer
/// browsers and client libraries decode): alphanumerics and `*-._` as is, space as `+`,
/// every other byte as `%XX`.
pub(crate) fn form_encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(byte >> 4)]));
                out.push(char::from(HEX[usize::from(byte & 0x0f)]));
            }
        }
    }
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space, `%XX` a byte); `None`
/// when a `%` escape is malformed or the bytes are not UTF-8.
pub(crate) fn form_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'+' => out.push(b' '),
            b'%' => {
                let high = bytes
                    .get(index + 1)
                    .and_then(|d| char::from(*d).to_digit(16))?;
                let low = bytes
                    .get(index + 2)
                    .and_then(|d| char::from(*d).to_digit(16))?;
                out.push(u8::try_from(high * 16 + low).ok()?);
                index += 2;
            }
            _ => out.push(byte),
        }
        index += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_accepts_https_and_loopback_http() {
        for uri in [
            "https://app.example/cb",
            "https://app.example:8443/oauth/cb?tenant=a",
            "http://localhost:3000/cb",
            "http://127.0.0.1:8080/cb",
            "http://[::1]:8080/cb",
        ] {
            assert!(check_redirect_uri(uri).is_ok(), "{uri}");
        }
    }

    #[test]
    fn registration_refuses_unsafe_redirect_uris() {
        for uri in [
            "http://app.example/cb",                // plain http off loopback
            "https://app.example/cb#frag",          // fragment
            "https://*.app.example/cb",             // wildcard
            "https://app.example/*",                // wildcard
            "https://good.example@evil.example/cb", // user info
            "https://app.example/c b",              // whitespace
            "https://app.example\\@evil/cb",        // backslash
            "com.example.app:/cb",                  // custom scheme
            "javascript:alert(1)",
            "https:///cb", // no host
            "http://localhost.evil.example/cb",
            "/cb",
        ] {
            assert!(check_redirect_uri(uri).is_err(), "{uri}");
        }
        assert!(check_redirect_uri(&format!("https://a.example/{}", "x".repeat(2000))).is_err());
    }

    #[test]
    fn rfc8252_7_3_loopback_ip_literals_match_on_any_port_for_public_clients() {
        for (registered, requested) in [
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1:51004/cb"),
            ("http://127.0.0.1/cb", "http://127.0.0.1:51004/cb"),
            ("http://127.0.0.1:8080/cb", "http://127.0.0.1/cb"),
            ("http://[::1]:8080/cb?x=1", "http://[::1]:65535/cb?x=1"),
            ("http://127.0.0.1:8080", "http://127.0.0.1:1"),
        ] {
            assert!(
                redirect_uri_matches(registered, requested, true),
                "{requested}"
            );
            assert!(
                !redirect_uri_matches(registered, requested, false),
                "{requested}"
            );
        }
    }

    #[test]
    fn rfc8252_8_3_everything_but_a_loopback_port_still_matches_exactly() {
        let registered = "http://127.0.0.1:8080/cb";
        for requested in [
            "http://127.0.0.1:8081/cb/",
            "http://127.0.0.1:8081/CB",
            "http://127.0.0.1:8081/cb?x",
            "http://[::1]:8080/cb",
            "http://127.0.0.2:8080/cb",
            "https://127.0.0.1:8080/cb",
            "http://127.0.0.1.evil.example:8080/cb",
            "http://127.0.0.1:8080@evil.example/cb",
            "http://127.0.0.1:/cb",
            "http://127.0.0.1:0/cb",
            "http://127.0.0.1:08080/cb",
            "http://127.0.0.1:65536/cb",
            "http://127.0.0.1:+80/cb",
            "http://127.0.0.1:8080/cb#f",
        ] {
            assert!(
                !redirect_uri_matches(registered, requested, true),
                "{requested}"
            );
        }
        // localhost is a name, not a loopback IP literal: exact match only.
        assert!(!redirect_uri_matches(
            "http://localhost:8080/cb",
            "http://localhost:9090/cb",
            true
        ));
        assert!(redirect_uri_matches(
            "http://localhost:8080/cb",
            "http://localhost:8080/cb",
            true
        ));
    }

    #[test]
    fn query_is_appended_and_encoded() {
        assert_eq!(
            append_query(
                "https://app.example/cb",
                &[("code", "a b"), ("state", "x&y=z")]
            ),
            "https://app.example/cb?code=a+b&state=x%26y%3Dz"
        );
        assert_eq!(
            append_query(
                "https://app.example/cb?t=1",
                &[("iss", "https://as.example")]
            ),
            "https://app.example/cb?t=1&iss=https%3A%2F%2Fas.example"
        );
        assert_eq!(
            append_query("https://app.example/cb?", &[("a", "é")]),
            "https://app.example/cb?a=%C3%A9"
        );
    }

    #[test]
    fn form_decoding_round_trips_and_refuses_bad_escapes() {
        let mut encoded = String::new();
        form_encode_into(&mut encoded, "client:id é+%");
        assert_eq!(form_decode(&encoded).as_deref(), Some("client:id é+%"));
        assert_eq!(form_decode("a+b%20c").as_deref(), Some("a b c"));
        for bad in ["%", "%4", "%zz", "%ff"] {
            assert_eq!(form_decode(bad), None, "{bad}");
        }
    }
}
