//! Redirect URIs: what registration accepts, and how a response is appended to one.
//!
//! At the authorization endpoint a redirect URI is compared with the registered ones by
//! plain string equality — byte for byte, no normalisation — so `/cb/`, `/cb?x`, `/CB`,
//! `/cb/..;/`, `https://good@evil` and `http://` variants of `https://…/cb` are all different
//! URIs and all refused.

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
