//! Resource-server verification (seed 004 done right): another authorization server's tokens
//! through its JWKS or RFC 7662 introspection; an unreachable server is an error, never a
//! fallback to reading the token unchecked.

mod common;

use std::sync::Arc;
use std::time::Duration;

use auth_core::token::{TokenError, VerifierConfig};
use auth_providers::{
    ClientSecret, ConfigError, HttpError, Introspector, IntrospectorConfig, JwksCache, JwksConfig,
    RemoteJwtVerifier, RemoteTokenError,
};
use common::*;
use serde_json::{Value, json};
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

fn introspector_config(server_uri: &str) -> IntrospectorConfig {
    IntrospectorConfig::new(
        ISSUER,
        format!("{server_uri}/introspect").parse().unwrap(),
        "orders-api",
        ClientSecret::new("rs-secret"),
    )
}

fn introspector_with(config: IntrospectorConfig, clock: &auth_core::ManualClock) -> Introspector {
    Introspector::new(config, http())
        .unwrap()
        .with_clock(Arc::new(clock.clone()))
}

fn introspector(server_uri: &str, clock: &auth_core::ManualClock) -> Introspector {
    introspector_with(introspector_config(server_uri), clock)
}

/// An active answer for an access token, shaped like auth-core's own authorization server
/// writes it (`oauth_server::Introspection`), with `change` applied.
fn active_answer(change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let mut answer = json!({
        "active": true, "scope": "orders:read", "client_id": "web", "sub": "user-7",
        "token_type": "Bearer", "exp": NOW + 600, "iat": NOW, "iss": ISSUER,
        "aud": AUDIENCE, "jti": "j1", "sid": "s1"
    });
    change(answer.as_object_mut().unwrap());
    answer
}

/// A server that answers every introspection with `answer`.
async fn introspection_server(answer: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/introspect"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(&server)
        .await;
    server
}

/// What `introspector` (built by `configure` from the default config) makes of `answer`.
async fn verdict(
    answer: Value,
    configure: impl FnOnce(IntrospectorConfig) -> IntrospectorConfig,
) -> Result<auth_providers::IntrospectedToken, RemoteTokenError> {
    let server = introspection_server(answer).await;
    let clock = clock();
    introspector_with(configure(introspector_config(&server.uri())), &clock)
        .introspect("opaque-abc")
        .await
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
            ResponseTemplate::new(200)
                .set_body_json(json!({"active": true, "exp": NOW + 600, "iss": ISSUER})),
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
            ResponseTemplate::new(200)
                .set_body_json(json!({"active": true, "exp": NOW + 10, "iss": ISSUER})),
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

// Issue 12 item 4 (RFC 7662 §2.2, RFC 9700 audience restriction): `active: true` from
// the introspection endpoint is believed only when the answer names the configured issuer.
// Before the fix `iss` was never looked at.
#[tokio::test]
async fn rfc7662_active_answer_for_another_issuer_is_refused() {
    let keep = |config| config;
    assert!(verdict(active_answer(|_| {}), keep).await.is_ok());
    assert_eq!(
        verdict(
            active_answer(|a| {
                a.insert("iss".into(), json!("https://other-as.example"));
            }),
            keep
        )
        .await
        .unwrap_err(),
        RemoteTokenError::Rejected(TokenError::WrongIssuer)
    );
    // No `iss` at all: refused by default …
    let without_iss = active_answer(|a| {
        a.remove("iss");
    });
    assert_eq!(
        verdict(without_iss.clone(), keep).await.unwrap_err(),
        RemoteTokenError::Rejected(TokenError::MissingClaim("iss"))
    );
    // … accepted only after the named opt-in, which still refuses a wrong one.
    let lenient = IntrospectorConfig::dangerous_accept_missing_issuer;
    let token = verdict(without_iss, lenient).await.unwrap();
    assert_eq!(token.issuer, None);
    assert_eq!(
        verdict(
            active_answer(|a| {
                a.insert("iss".into(), json!("https://other-as.example"));
            }),
            lenient
        )
        .await
        .unwrap_err(),
        RemoteTokenError::Rejected(TokenError::WrongIssuer)
    );
    assert_eq!(
        verdict(
            active_answer(|a| {
                a.insert("iss".into(), json!(["https://as.example"]));
            }),
            keep
        )
        .await
        .unwrap_err(),
        RemoteTokenError::Rejected(TokenError::InvalidClaim("iss"))
    );
}

// Issue 12 item 4 (RFC 7662 §2.2 `aud`, RFC 9700 audience-restricted tokens): with an
// audience configured, a token the server issued for another API is refused, whether `aud`
// is a string or an array; one without `aud` too. Before the fix `aud` was never looked at.
#[tokio::test]
async fn rfc7662_active_answer_for_another_audience_is_refused() {
    let ours = |config: IntrospectorConfig| config.audience(AUDIENCE);
    let token = verdict(active_answer(|_| {}), ours).await.unwrap();
    assert_eq!(token.audiences, [AUDIENCE]);
    // Keycloak and Hydra write arrays.
    let array = active_answer(|a| {
        a.insert("aud".into(), json!(["account", AUDIENCE]));
    });
    assert!(verdict(array, ours).await.is_ok());
    for (aud, refusal) in [
        (Some(json!("billing-api")), TokenError::WrongAudience),
        (
            Some(json!(["billing-api", "account"])),
            TokenError::WrongAudience,
        ),
        (Some(json!([])), TokenError::WrongAudience),
        (None, TokenError::MissingClaim("aud")),
        (Some(json!([AUDIENCE, 7])), TokenError::InvalidClaim("aud")),
        (Some(json!(7)), TokenError::InvalidClaim("aud")),
    ] {
        let answer = active_answer(|a| match &aud {
            Some(aud) => {
                a.insert("aud".into(), aud.clone());
            }
            None => {
                a.remove("aud");
            }
        });
        assert_eq!(
            verdict(answer, ours).await.unwrap_err(),
            RemoteTokenError::Rejected(refusal),
            "{aud:?}"
        );
    }
}

// Issue 12 item 4 (RFC 7662 §2.2 `token_type`): a refresh token the server calls active is
// not an access token. The shapes are real: auth-core's own server (`token_type:
// "refresh_token"`), Ory Hydra (`token_use: "refresh_token"`), Keycloak (`typ: "Refresh"`,
// `"Offline"`, `"ID"`), and a DPoP-bound token (RFC 9449 §7.1: never usable as a bearer
// token). Before the fix `token_type` was never looked at.
#[tokio::test]
async fn rfc7662_refresh_token_reported_active_is_refused() {
    let keep = |config| config;
    for (member, value) in [
        ("token_type", "refresh_token"),
        ("token_type", "DPoP"),
        ("token_type", "N_A"),
        ("token_use", "refresh_token"),
        ("typ", "Refresh"),
        ("typ", "Offline"),
        ("typ", "ID"),
    ] {
        let answer = active_answer(|a| {
            a.insert(member.into(), json!(value));
        });
        assert_eq!(
            verdict(answer, keep).await.unwrap_err(),
            RemoteTokenError::Rejected(TokenError::WrongType),
            "{member}: {value}"
        );
    }
    // Access tokens, as the same servers describe them, pass.
    for (member, value) in [
        ("token_type", "Bearer"),
        ("token_type", "bearer"),
        ("token_type", "access_token"),
        ("token_use", "access_token"),
        ("typ", "Bearer"),
    ] {
        let answer = active_answer(|a| {
            a.insert(member.into(), json!(value));
        });
        assert!(verdict(answer, keep).await.is_ok(), "{member}: {value}");
    }
    // No type at all: RFC 7662 makes it optional.
    let untyped = active_answer(|a| {
        a.remove("token_type");
    });
    assert_eq!(verdict(untyped, keep).await.unwrap().token_type, None);
}

// RFC 7519 §2 (NumericDate may be non-integer), issue 12 items 4 and 7: an active answer with
// `"exp": <now + 10.5>` expires at the floored second. Before the fix a fractional `exp` read
// as "no expiry", so the cached "active" outlived the token.
#[tokio::test]
async fn rfc7519_2_introspected_fractional_exp_is_floored() {
    let server = introspection_server(active_answer(|a| {
        a.insert("exp".into(), json!(NOW as f64 + 10.5));
        a.insert("iat".into(), json!(NOW as f64 + 0.25));
    }))
    .await;
    let clock = clock();
    let introspector = introspector(&server.uri(), &clock);
    let token = introspector.introspect("t").await.unwrap();
    assert_eq!(
        (token.expires_at, token.issued_at),
        (Some(NOW + 10), Some(NOW))
    );
    clock.advance(Duration::from_secs(10));
    assert_eq!(
        introspector.introspect("t").await.unwrap_err(),
        RemoteTokenError::Inactive
    );
}

// RFC 7519 §2, the other side: a date that is not a non-negative number is refused, never
// read as "no expiry" (CVE-2026-25537 class); an `exp` already past is inactive.
#[tokio::test]
async fn rfc7519_2_introspected_non_numeric_dates_are_refused() {
    let keep = |config| config;
    for member in ["exp", "iat", "nbf"] {
        for bad in [json!("9999999999"), json!(-5), json!(null), json!(true)] {
            let answer = active_answer(|a| {
                a.insert(member.into(), bad.clone());
            });
            assert_eq!(
                verdict(answer, keep).await.unwrap_err(),
                RemoteTokenError::Rejected(TokenError::InvalidClaim(member)),
                "{member}: {bad}"
            );
        }
    }
    let past = active_answer(|a| {
        a.insert("exp".into(), json!(NOW - 1));
    });
    assert_eq!(
        verdict(past, keep).await.unwrap_err(),
        RemoteTokenError::Inactive
    );
    let not_yet = active_answer(|a| {
        a.insert("nbf".into(), json!(NOW + 60));
    });
    assert_eq!(
        verdict(not_yet, keep).await.unwrap_err(),
        RemoteTokenError::Inactive
    );
}

// Bad input is never a panic: an `exp` too far away for a `SystemTime` used to overflow when
// the answer was cached.
#[tokio::test]
async fn introspected_exp_beyond_system_time_does_not_panic() {
    let answer = active_answer(|a| {
        a.insert("exp".into(), json!(u64::MAX));
    });
    let token = verdict(answer, |config| config).await.unwrap();
    assert_eq!(token.expires_at, Some(u64::MAX));
}

// A refusal is cached like an inactive answer: presenting the same refresh token again does
// not reach the server again within the cache time.
#[tokio::test]
async fn introspection_refusals_are_cached() {
    let server = introspection_server(active_answer(|a| {
        a.insert("token_type".into(), json!("refresh_token"));
    }))
    .await;
    let clock = clock();
    let introspector = introspector(&server.uri(), &clock);
    for _ in 0..3 {
        assert_eq!(
            introspector.introspect("r").await.unwrap_err(),
            RemoteTokenError::Rejected(TokenError::WrongType)
        );
    }
    assert_eq!(hits(&server, "/introspect").await, 1);
}

// RFC 7662 §4 (TLS required), issue 12 item 12: the token and the client secret go to the
// introspection endpoint; plain http to another machine is refused at configuration, naming
// the field. The JWKS, whose keys decide what is genuine, likewise.
#[tokio::test]
async fn rfc7662_4_http_endpoints_off_loopback_are_refused() {
    let insecure = IntrospectorConfig::new(
        ISSUER,
        "http://as.example/introspect".parse().unwrap(),
        "orders-api",
        ClientSecret::new("rs-secret"),
    );
    assert_eq!(
        Introspector::new(insecure, http()).unwrap_err(),
        ConfigError::InsecureUrl {
            field: "endpoint".into()
        }
    );
    let http_issuer = IntrospectorConfig::new(
        "http://as.example",
        "https://as.example/introspect".parse().unwrap(),
        "orders-api",
        ClientSecret::new("rs-secret"),
    );
    assert_eq!(
        Introspector::new(http_issuer, http()).unwrap_err(),
        ConfigError::InsecureUrl {
            field: "issuer".into()
        }
    );
    assert_eq!(
        JwksCache::new(
            "http://as.example/jwks".parse().unwrap(),
            JwksConfig::default()
        )
        .unwrap_err(),
        ConfigError::InsecureUrl {
            field: "jwks_uri".into()
        }
    );
    // Loopback stays allowed (every test above runs against 127.0.0.1).
    assert!(
        JwksCache::new(
            "http://localhost:8000/jwks".parse().unwrap(),
            JwksConfig::default()
        )
        .is_ok()
    );
}
