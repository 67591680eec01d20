//! Issue 12 item 12: issuers, discovery documents and every endpoint must be `https`, except
//! plain `http` to a loopback host (`127.0.0.0/8`, `[::1]`, `localhost`) for local identity
//! providers and tests. Refused at configuration, with a typed error naming the field and not
//! the URL; every other test in this crate runs against wiremock on 127.0.0.1, which keeps
//! proving that loopback stays allowed.

mod common;

use std::sync::Arc;

use auth_providers::{
    ConfigError, Credentials, Endpoints, HttpClient, LoginFlow, MemoryPendingLoginStore, Provider,
    UserInfoMapping, discover,
};
use common::*;
use serde_json::{Value, json};
use url::Url;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Turns one endpoint into plain http to another machine.
type MakeInsecure = fn(&mut Endpoints);

fn insecure(field: &str) -> ConfigError {
    ConfigError::InsecureUrl {
        field: field.to_owned(),
    }
}

fn url(text: &str) -> Url {
    text.parse().unwrap()
}

fn app_credentials() -> Credentials {
    Credentials::public("client-123", url("https://app.example/callback"))
}

// OpenID Connect Discovery §3 (the issuer is an https URL) and §4 (the configuration is
// fetched over TLS): an http issuer on another machine is refused before anything is fetched.
#[tokio::test]
async fn oidc_discovery_http_issuer_off_loopback_is_refused() {
    for issuer in ["http://idp.example", "http://10.1.2.3:8080/realms/demo"] {
        assert_eq!(
            discover(issuer, &http()).await.unwrap_err(),
            insecure("issuer"),
            "{issuer}"
        );
        assert_eq!(
            Provider::discover_oidc("idp", issuer, app_credentials(), &http())
                .await
                .unwrap_err(),
            insecure("issuer"),
            "{issuer}"
        );
    }
}

// OpenID Connect Discovery §4 / RFC 6749 §3.1-§3.2: a document fetched over a trusted
// channel can still point an endpoint elsewhere in clear. Every URL it names is checked and
// the error names the member. (The issuer here is the loopback mock, which is allowed.)
#[tokio::test]
async fn oidc_discovery_http_endpoint_in_document_is_refused() {
    let server = MockServer::start().await;
    let issuer = server.uri();
    let good = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/auth"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "introspection_endpoint": format!("{issuer}/introspect"),
        "revocation_endpoint": format!("{issuer}/revoke"),
    });
    for member in [
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "introspection_endpoint",
        "revocation_endpoint",
    ] {
        server.reset().await;
        let mut document = good.clone();
        document[member] = Value::String(format!("http://idp.example/{member}"));
        Mock::given(method("GET"))
            .and(path("/.well-known/openid-configuration"))
            .respond_with(ResponseTemplate::new(200).set_body_json(document))
            .mount(&server)
            .await;
        assert_eq!(
            discover(&issuer, &http()).await.unwrap_err(),
            insecure(member),
            "{member}"
        );
    }
    // The same document with every URL on loopback is accepted.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(good))
        .mount(&server)
        .await;
    let metadata = discover(&issuer, &http()).await.unwrap();
    assert!(metadata.revocation_endpoint.is_some());
}

// RFC 6749 §3.1 and §3.2 (TLS for the authorization and token endpoints), OIDC Core §2
// (`iss` is an https URL): the explicit constructors refuse a plain-http issuer or endpoint
// on another machine, naming the field.
#[test]
fn rfc6749_3_http_endpoints_off_loopback_are_refused_at_configuration() {
    let endpoints = || {
        let mut endpoints = Endpoints::new(
            url("https://idp.example/auth"),
            url("https://idp.example/token"),
        )
        .userinfo(url("https://idp.example/userinfo"));
        endpoints.jwks = Some(url("https://idp.example/jwks"));
        endpoints
    };
    let oidc = |issuer: &str, endpoints: Endpoints| {
        Provider::oidc("idp", issuer, app_credentials(), endpoints).map(drop)
    };
    assert_eq!(oidc("https://idp.example", endpoints()), Ok(()));
    assert_eq!(
        oidc("http://idp.example", endpoints()),
        Err(insecure("issuer"))
    );
    let cases: [(&str, MakeInsecure); 4] = [
        ("endpoints.authorization", |e| {
            e.authorization = url("http://idp.example/auth");
        }),
        ("endpoints.token", |e| {
            e.token = url("http://idp.example/token")
        }),
        ("endpoints.userinfo", |e| {
            e.userinfo = Some(url("http://idp.example/userinfo"));
        }),
        ("endpoints.jwks", |e| {
            e.jwks = Some(url("http://idp.example/jwks"));
        }),
    ];
    for (field, make_insecure) in cases {
        let mut changed = endpoints();
        make_insecure(&mut changed);
        assert_eq!(
            oidc("https://idp.example", changed.clone()),
            Err(insecure(field)),
            "{field}"
        );
        let oauth2 = Provider::oauth2(
            "idp",
            app_credentials(),
            changed,
            ["read"],
            UserInfoMapping::default(),
        );
        assert_eq!(oauth2.map(drop), Err(insecure(field)), "{field}");
    }
    // A local identity provider on loopback, by name or address, is fine.
    let mut local = Endpoints::new(
        url("http://localhost:8080/auth"),
        url("http://127.0.0.1:8080/token"),
    );
    local.jwks = Some(url("http://[::1]:8080/jwks"));
    assert_eq!(oidc("http://localhost:8080", local), Ok(()));
}

// The builders that cannot fail (`with_endpoints`, `rebased`) are checked when the provider
// is registered: a login flow never starts with a plain-http endpoint on another machine.
#[test]
fn http_endpoints_are_refused_when_the_provider_is_registered() {
    let flow = || {
        LoginFlow::new(
            Arc::new(MemoryPendingLoginStore::new()),
            HttpClient::new().unwrap(),
        )
    };
    let moved = Provider::google(app_credentials()).rebased(&url("http://idp.example"));
    assert_eq!(
        flow().with_provider(moved).map(drop).unwrap_err(),
        insecure("endpoints.authorization")
    );
    let mut endpoints = Provider::kakao(app_credentials()).endpoints().clone();
    endpoints.userinfo = Some(url("http://kapi.kakao.com/v2/user/me"));
    let kakao = Provider::kakao(app_credentials()).with_endpoints(endpoints);
    assert_eq!(
        flow().with_provider(kakao).map(drop).unwrap_err(),
        insecure("endpoints.userinfo")
    );
    let local = Provider::google(app_credentials()).rebased(&url("http://127.0.0.1:9"));
    assert!(flow().with_provider(local).is_ok());
}
