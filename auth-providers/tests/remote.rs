//! Resource-server verification (seed 004 done right): another authorization server's tokens
//! through its JWKS or RFC 7662 introspection; an unreachable server is an error, never a
//! fallback to reading the token unchecked.

mod common;

use std::sync::Arc;
use std::time::Duration;

use auth_core::token::{TokenError, VerifierConfig};
use auth_providers::{
    ClientSecret, HttpError, Introspector, IntrospectorConfig, JwksCache, JwksConfig,
    RemoteJwtVerifier, RemoteTokenError,
};
use common::*;
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ISSUER: &str = "https://as.example";
const AUDIENCE: &str = "orders-api";

fn access_claims() -> serde_json::Value {
    json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "user-7", "iat": NOW, "exp": NOW + 300,
           "jti": "j1", "scope": "orders:read"})
}

fn verifier(server_uri: &str, config: VerifierConfig) -> RemoteJwtVerifier {
    let cache = JwksCache::new(
        format!("{server_uri}/jwks").parse().unwrap(),
        JwksConfig::default(),
    )
    .unwrap();
    RemoteJwtVerifier::new(cache, config, http()).with_clock(Arc::new(clock()))
}

async fn jwks_server(keys: &[(&str, &[u8])]) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks(keys)))
        .mount(&server)
        .await;
    server
}

/// A port nothing listens on.
async fn closed_port_uri() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[tokio::test]
async fn jwks_verifies_a_good_token() {
    let server = jwks_server(&[("as-1", RSA1)]).await;
    let verifier = verifier(&server.uri(), VerifierConfig::new(ISSUER, AUDIENCE));
    let token = sign("as-1", RSA1, "at+jwt", &access_claims());
    let claims = verifier.verify(&token).await.unwrap();
    assert_eq!(claims.sub, "user-7");
    assert!(claims.scope.contains("orders:read"));
}

#[tokio::test]
async fn jwks_refuses_forged_wrong_audience_and_expired_tokens() {
    let server = jwks_server(&[("as-1", RSA1)]).await;
    let verifier = verifier(&server.uri(), VerifierConfig::new(ISSUER, AUDIENCE));
    let forged = sign("as-1", ATTACKER, "at+jwt", &access_claims());
    assert_eq!(
        verifier.verify(&forged).await.unwrap_err(),
        RemoteTokenError::Rejected(TokenError::InvalidSignature)
    );
    let mut other = access_claims();
    other["aud"] = json!("billing-api");
    assert_eq!(
        verifier
            .verify(&sign("as-1", RSA1, "at+jwt", &other))
            .await
            .unwrap_err(),
        RemoteTokenError::Rejected(TokenError::WrongAudience)
    );
    let mut old = access_claims();
    old["exp"] = json!(NOW - 60);
    assert_eq!(
        verifier
            .verify(&sign("as-1", RSA1, "at+jwt", &old))
            .await
            .unwrap_err(),
        RemoteTokenError::Rejected(TokenError::Expired)
    );
}

#[tokio::test]
async fn typ_jwt_needs_the_explicit_opt_in() {
    let server = jwks_server(&[("as-1", RSA1)]).await;
    let keycloak_style = sign("as-1", RSA1, "JWT", &access_claims());
    let strict = verifier(&server.uri(), VerifierConfig::new(ISSUER, AUDIENCE));
    assert_eq!(
        strict.verify(&keycloak_style).await.unwrap_err(),
        RemoteTokenError::Rejected(TokenError::WrongType)
    );
    let relaxed = verifier(
        &server.uri(),
        VerifierConfig::new(ISSUER, AUDIENCE).dangerous_accept_jwt_typ(),
    );
    assert!(relaxed.verify(&keycloak_style).await.is_ok());
}

#[tokio::test]
async fn jwks_rotation_is_picked_up_for_remote_tokens() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/jwks"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks(&[("as-1", RSA1)])))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/jwks"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(jwks(&[("as-1", RSA1), ("as-2", RSA2)])),
        )
        .mount(&server)
        .await;
    let clock = clock();
    let cache = JwksCache::new(
        format!("{}/jwks", server.uri()).parse().unwrap(),
        JwksConfig::default(),
    )
    .unwrap();
    let verifier = RemoteJwtVerifier::new(cache, VerifierConfig::new(ISSUER, AUDIENCE), http())
        .with_clock(Arc::new(clock.clone()));
    verifier
        .verify(&sign("as-1", RSA1, "at+jwt", &access_claims()))
        .await
        .unwrap();
    clock.advance(Duration::from_secs(61));
    verifier
        .verify(&sign("as-2", RSA2, "at+jwt", &access_claims()))
        .await
        .unwrap();
    assert_eq!(hits(&server, "/jwks").await, 2);
    // unknown kids right after: no further fetch
    for i in 0..10 {
        let token = sign(&format!("nope-{i}"), RSA2, "at+jwt", &access_claims());
        assert_eq!(
            verifier.verify(&token).await.unwrap_err(),
            RemoteTokenError::Rejected(TokenError::UnknownKey)
        );
    }
    assert_eq!(hits(&server, "/jwks").await, 2);
}

// Seed 004 fell back to decoding the token without its signature when the server was down.
#[tokio::test]
async fn unreachable_jwks_is_an_error_never_a_fallback() {
    let verifier = verifier(
        &closed_port_uri().await,
        VerifierConfig::new(ISSUER, AUDIENCE),
    );
    let token = sign("as-1", RSA1, "at+jwt", &access_claims());
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        RemoteTokenError::Unavailable(HttpError::Unreachable("JWKS endpoint"))
    );
    use auth_core::ToBearerError as _;
    assert_eq!(
        RemoteTokenError::Unavailable(HttpError::Unreachable("x")).bearer_error(),
        None,
        "a server fault, not invalid_token"
    );
}

fn introspector(server_uri: &str, clock: &auth_core::ManualClock) -> Introspector {
    let config = IntrospectorConfig::new(
        format!("{server_uri}/introspect").parse().unwrap(),
        "orders-api",
        ClientSecret::new("rs-secret"),
    );
    Introspector::new(config, http()).with_clock(Arc::new(clock.clone()))
}

#[tokio::test]
async fn introspection_active() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/introspect"))
        // HTTP Basic with the resource server's credentials: base64("orders-api:rs-secret")
        .and(header(
            "authorization",
            "Basic b3JkZXJzLWFwaTpycy1zZWNyZXQ=",
        ))
        .and(body_string_contains("token=opaque-abc"))
        .and(body_string_contains("token_type_hint=access_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "active": true, "scope": "orders:read orders:write", "client_id": "web",
            "username": "kim", "sub": "user-7", "exp": NOW + 600, "iss": ISSUER
        })))
        .expect(1)
        .mount(&server)
        .await;
    let clock = clock();
    let introspector = introspector(&server.uri(), &clock);
    let token = introspector.introspect("opaque-abc").await.unwrap();
    assert_eq!(token.subject.as_deref(), Some("user-7"));
    assert_eq!(token.scopes, ["orders:read", "orders:write"]);
    // Cached: the second call makes no request (`expect(1)` checks on drop).
    assert_eq!(introspector.introspect("opaque-abc").await.unwrap(), token);
}

#[tokio::test]
async fn introspection_cache_is_short() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/introspect"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"active": true, "exp": NOW + 600})),
        )
        .mount(&server)
        .await;
    let clock = clock();
    let introspector = introspector(&server.uri(), &clock);
    introspector.introspect("t").await.unwrap();
    introspector.introspect("t").await.unwrap();
    assert_eq!(hits(&server, "/introspect").await, 1);
    clock.advance(Duration::from_secs(31));
    introspector.introspect("t").await.unwrap();
    assert_eq!(hits(&server, "/introspect").await, 2);
}

#[tokio::test]
async fn introspection_inactive() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/introspect"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"active": false})))
        .mount(&server)
        .await;
    let clock = clock();
    let introspector = introspector(&server.uri(), &clock);
    assert_eq!(
        introspector.introspect("revoked").await.unwrap_err(),
        RemoteTokenError::Inactive
    );
}

#[tokio::test]
async fn introspection_active_but_expired_is_inactive() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/introspect"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"active": true, "exp": NOW + 10})),
        )
        .mount(&server)
        .await;
    let clock = clock();
    let introspector = introspector(&server.uri(), &clock);
    assert!(introspector.introspect("t").await.is_ok());
    clock.advance(Duration::from_secs(11));
    // the cached "active" is not used past the token's own exp
    assert_eq!(
        introspector.introspect("t").await.unwrap_err(),
        RemoteTokenError::Inactive
    );
}

#[tokio::test]
async fn introspection_unreachable_or_broken_is_unavailable() {
    let clock = clock();
    let introspector = introspector(&closed_port_uri().await, &clock);
    assert_eq!(
        introspector.introspect("t").await.unwrap_err(),
        RemoteTokenError::Unavailable(HttpError::Unreachable("introspection endpoint"))
    );
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/introspect"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let introspector = self::introspector(&server.uri(), &clock);
    assert_eq!(
        introspector.introspect("t").await.unwrap_err(),
        RemoteTokenError::Unavailable(HttpError::Status {
            endpoint: "introspection endpoint",
            status: 503
        })
    );
    server.reset().await;
    Mock::given(method("POST"))
        .and(path("/introspect"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"active": "yes"})))
        .mount(&server)
        .await;
    assert!(matches!(
        introspector.introspect("t2").await.unwrap_err(),
        RemoteTokenError::Unavailable(HttpError::InvalidBody { .. })
    ));
}
