//! Issue 13, "configuration a host can load": auth-tower's config structs read from a file
//! (feature `serde`) keep their secure defaults for what is left out, name a misspelt field,
//! and refuse an origin or header name that could never match.

use std::time::Duration;

use auth_tower::endpoints::ClientIpSource;
use auth_tower::oauth_server::OAuthEndpointsConfig;
use auth_tower::{CredentialConfig, EndpointsConfig, SocialLoginConfig, TokenDelivery};

#[test]
fn an_empty_document_is_the_secure_default() {
    let config: EndpointsConfig = serde_json::from_str("{}").unwrap();
    let default = EndpointsConfig::default();
    assert_eq!(config.token_delivery, default.token_delivery);
    assert_eq!(config.refresh_cookie, default.refresh_cookie);
    assert_eq!(config.client_ip, ClientIpSource::PeerAddr);
    let oauth: OAuthEndpointsConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(oauth.csrf_ttl, OAuthEndpointsConfig::default().csrf_ttl);
    let social: SocialLoginConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(social, SocialLoginConfig::default());
    let credentials: CredentialConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(credentials, CredentialConfig::default());
}

#[test]
fn every_field_reads_as_written() {
    let config: EndpointsConfig = serde_json::from_str(
        r#"{
            "token_delivery": "cookie",
            "allowed_origins": ["https://app.example", "http://localhost:5173"],
            "csrf_header": "X-Csrf",
            "max_body_bytes": 4096,
            "client_ip": { "dangerous_trust_proxy_header": "x-forwarded-for" }
        }"#,
    )
    .unwrap();
    assert_eq!(config.token_delivery, TokenDelivery::Cookie);
    assert_eq!(config.allowed_origins.len(), 2);
    assert_eq!(config.csrf_header.as_str(), "x-csrf");
    assert_eq!(config.max_body_bytes, 4096);
    assert_eq!(
        config.client_ip,
        ClientIpSource::ProxyHeader(http::HeaderName::from_static("x-forwarded-for"))
    );
    let oauth: OAuthEndpointsConfig = serde_json::from_str(
        r#"{ "csrf_ttl": "30m", "outage_retry_after": 5, "site_name": "Accounts" }"#,
    )
    .unwrap();
    assert_eq!(oauth.csrf_ttl, Duration::from_secs(1800));
    assert_eq!(oauth.outage_retry_after, Duration::from_secs(5));
    assert_eq!(oauth.site_name, "Accounts");
}

#[test]
fn a_misspelt_field_is_named_not_ignored() {
    let error = serde_json::from_str::<EndpointsConfig>(r#"{ "allowed_origin": [] }"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("allowed_origin"), "{error}");
    let error = serde_json::from_str::<EndpointsConfig>(r#"{ "token_delivery": "cookies" }"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("cookies"), "{error}");
    // Trusting a proxy header is only ever spelt with its warning.
    assert!(
        serde_json::from_str::<EndpointsConfig>(
            r#"{ "client_ip": { "proxy_header": "x-real-ip" } }"#
        )
        .is_err()
    );
}

#[test]
fn an_origin_that_could_never_match_is_refused() {
    for bad in [
        "*",
        "https://app.example/",
        "https://u@app.example",
        "app.example",
    ] {
        let json = format!(r#"{{ "allowed_origins": [{bad:?}] }}"#);
        let error = serde_json::from_str::<EndpointsConfig>(&json)
            .unwrap_err()
            .to_string();
        assert!(error.contains("not exactly an origin"), "{bad}: {error}");
        let json = format!(r#"{{ "cors_allowed_origins": [{bad:?}] }}"#);
        assert!(
            serde_json::from_str::<OAuthEndpointsConfig>(&json).is_err(),
            "{bad}"
        );
    }
    let error = serde_json::from_str::<EndpointsConfig>(r#"{ "csrf_header": "x csrf" }"#)
        .unwrap_err()
        .to_string();
    assert!(error.contains("not an HTTP header name"), "{error}");
}
