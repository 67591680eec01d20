//! The one transport rule for every URL this crate calls or trusts: `https`, or plain `http`
//! to a loopback host only.
//!
//! Issuers, discovery documents and the authorization, token, userinfo, JWKS, introspection
//! and revocation endpoints carry codes, client secrets, tokens and the keys that decide which
//! tokens are genuine. Over plain HTTP anyone on the path reads or replaces them (RFC 6749
//! §3.1 and §3.2, RFC 7662 §4, RFC 9700 and OpenID Connect Discovery §3-§4 all require TLS).
//! Loopback hosts (`127.0.0.0/8`, `[::1]`, `localhost`) never leave the machine, and local
//! identity providers and test servers listen there, so they may use `http`.
//!
//! The rule is checked when a provider, a key cache or an introspector is configured (a
//! [`ConfigError::InsecureUrl`] naming the field), on every URL read from a discovery
//! document, and once more by the [`HttpClient`](crate::HttpClient) before any request leaves
//! (a URL that slipped past configuration is refused, never called).

use url::{Host, Url};

use crate::error::ConfigError;

/// Whether `url` may be called: `https`, or `http` to a loopback host.
pub(crate) fn is_allowed(url: &Url) -> bool {
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => url.host().is_some_and(|host| is_loopback(&host)),
        _ => false,
    }
}

/// Refuses `url` unless [`is_allowed`], naming `field` (a setting, an environment variable or
/// a discovery member) — never the URL itself, whose query or user info could hold a secret.
pub(crate) fn require(field: &str, url: &Url) -> Result<(), ConfigError> {
    if is_allowed(url) {
        Ok(())
    } else {
        Err(ConfigError::InsecureUrl {
            field: field.to_owned(),
        })
    }
}

/// As [`require`], for an issuer identifier given as text (it must also be an absolute URL).
pub(crate) fn require_issuer(field: &str, issuer: &str) -> Result<(), ConfigError> {
    let url = Url::parse(issuer).map_err(|_| ConfigError::Invalid {
        name: field.to_owned(),
        reason: "not an absolute URL",
    })?;
    require(field, &url)
}

/// `localhost` (the URL parser has lower-cased it), `127.0.0.0/8` and `::1`. Names that merely
/// resolve to a loopback address today are not trusted: DNS can change its answer.
fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(name) => *name == "localhost",
        Host::Ipv4(address) => address.is_loopback(),
        Host::Ipv6(address) => address.is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(url: &str) -> bool {
        is_allowed(&Url::parse(url).unwrap())
    }

    #[test]
    fn https_anywhere_http_on_loopback_only() {
        for ok in [
            "https://idp.example/token",
            "https://10.0.0.1/",
            "http://127.0.0.1:8080/token",
            "http://127.255.0.9/",
            "http://[::1]:9000/jwks",
            "http://localhost/x",
            "http://LOCALHOST:3000/x",
        ] {
            assert!(allowed(ok), "{ok}");
        }
        for refused in [
            "http://idp.example/token",
            "http://10.0.0.1/",
            "http://128.0.0.1/",
            "http://[::ffff:127.0.0.1]/",
            "http://localhost.idp.example/",
            "http://localhost./",
            "http://127.0.0.1.nip.io/",
            "ftp://127.0.0.1/",
            "file:///etc/passwd",
            "data:text/plain,x",
        ] {
            assert!(!allowed(refused), "{refused}");
        }
    }

    #[test]
    fn the_error_names_the_field_never_the_url() {
        let url = Url::parse("http://user:pa55@idp.example/token?secret=s3").unwrap();
        let error = require("endpoints.token", &url).unwrap_err();
        assert_eq!(
            error,
            ConfigError::InsecureUrl {
                field: "endpoints.token".into()
            }
        );
        let text = error.to_string();
        assert!(text.contains("endpoints.token"), "{text}");
        assert!(
            !text.contains("pa55") && !text.contains("s3") && !text.contains("idp.example"),
            "{text}"
        );
    }

    #[test]
    fn an_issuer_must_be_an_https_url() {
        assert!(require_issuer("issuer", "https://idp.example").is_ok());
        assert!(require_issuer("issuer", "http://localhost:8000").is_ok());
        assert!(matches!(
            require_issuer("issuer", "http://idp.example"),
            Err(ConfigError::InsecureUrl { .. })
        ));
        assert!(matches!(
            require_issuer("issuer", "idp.example"),
            Err(ConfigError::Invalid { .. })
        ));
    }
}
