//! id_token validation through a full Google login: bad signature, wrong `iss`, wrong `aud`,
//! wrong or missing `nonce`, expired, `at_hash`, and JWKS rotation with rate-limited refresh.

mod common;

use std::sync::Arc;
use std::time::Duration;

use auth_core::token::TokenError;
use auth_providers::{
    CallbackParams, IdTokenError, JwksCache, JwksConfig, LoginError, LoginFlow, Provider,
};
use base64::Engine as _;
use common::*;
use serde_json::{Value, json};
use sha2::Digest as _;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GOOGLE: &str = "https://accounts.google.com";
const JWKS_PATH: &str = "/oauth2/v3/certs";

async fn setup() -> (MockServer, LoginFlow, auth_core::ManualClock) {
    let server = MockServer::start().await;
    let google = Provider::google(credentials(&server)).rebased(&base(&server));
    let clock = clock();
    let flow = flow(&clock, vec![Arc::new(google)]);
    Mock::given(method("GET"))
        .and(path(JWKS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks(&[("g1", RSA1)])))
        .mount(&server)
        .await;
    (server, flow, clock)
}

/// Runs a Google login whose token endpoint returns the id_token `make(nonce)` builds.
async fn login_with(
    server: &MockServer,
    flow: &LoginFlow,
    make: impl FnOnce(&str) -> String,
) -> Result<auth_providers::ProviderProfile, LoginError> {
    let started = start(flow, "google").await;
    let id_token = make(started.nonce.as_deref().unwrap());
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(token_json(json!({"id_token": id_token}))),
        )
        .up_to_n_times(1)
        .mount(server)
        .await;
    flow.callback(
        "google",
        &CallbackParams::from_query(&started.callback_query("the-code")),
        Some(started.binding()),
    )
    .await
}

fn with(claims: Value, change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
    let mut claims = claims;
    change(claims.as_object_mut().unwrap());
    claims
}

#[tokio::test]
async fn control_a_good_id_token_passes() {
    let (server, flow, _) = setup().await;
    let profile = login_with(&server, &flow, |nonce| {
        sign("g1", RSA1, "JWT", &id_claims(GOOGLE, nonce))
    })
    .await
    .unwrap();
    assert!(profile.email_verified);
}

#[tokio::test]
async fn bad_signature_is_refused() {
    let (server, flow, _) = setup().await;
    // Signed by another key under the provider's kid.
    let error = login_with(&server, &flow, |nonce| {
        sign("g1", ATTACKER, "JWT", &id_claims(GOOGLE, nonce))
    })
    .await
    .unwrap_err();
    assert_eq!(
        error,
        LoginError::IdToken(IdTokenError::Signature(TokenError::InvalidSignature))
    );
}

#[tokio::test]
async fn alg_none_is_refused() {
    let (server, flow, _) = setup().await;
    let error = login_with(&server, &flow, |nonce| {
        let b64 =
            |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.",
            b64(&json!({"alg": "none", "kid": "g1"})),
            b64(&id_claims(GOOGLE, nonce))
        )
    })
    .await
    .unwrap_err();
    assert_eq!(
        error,
        LoginError::IdToken(IdTokenError::Signature(TokenError::AlgorithmNotAllowed))
    );
}

#[tokio::test]
async fn wrong_issuer_is_refused() {
    let (server, flow, _) = setup().await;
    let error = login_with(&server, &flow, |nonce| {
        sign(
            "g1",
            RSA1,
            "JWT",
            &id_claims("https://accounts.evil.example", nonce),
        )
    })
    .await
    .unwrap_err();
    assert_eq!(error, LoginError::IdToken(IdTokenError::WrongIssuer));
}

#[tokio::test]
async fn google_bare_issuer_spelling_is_accepted() {
    let (server, flow, _) = setup().await;
    assert!(
        login_with(&server, &flow, |nonce| sign(
            "g1",
            RSA1,
            "JWT",
            &id_claims("accounts.google.com", nonce)
        ))
        .await
        .is_ok()
    );
}

#[tokio::test]
async fn wrong_audience_is_refused() {
    let (server, flow, _) = setup().await;
    let error = login_with(&server, &flow, |nonce| {
        sign(
            "g1",
            RSA1,
            "JWT",
            &with(id_claims(GOOGLE, nonce), |c| {
                c.insert("aud".into(), json!("someone-else"));
            }),
        )
    })
    .await
    .unwrap_err();
    assert_eq!(error, LoginError::IdToken(IdTokenError::WrongAudience));
}

#[tokio::test]
async fn wrong_or_missing_nonce_is_refused() {
    let (server, flow, _) = setup().await;
    let error = login_with(&server, &flow, |_| {
        sign("g1", RSA1, "JWT", &id_claims(GOOGLE, "replayed-nonce"))
    })
    .await
    .unwrap_err();
    assert_eq!(error, LoginError::IdToken(IdTokenError::NonceMismatch));
    let error = login_with(&server, &flow, |nonce| {
        sign(
            "g1",
            RSA1,
            "JWT",
            &with(id_claims(GOOGLE, nonce), |c| {
                c.remove("nonce");
            }),
        )
    })
    .await
    .unwrap_err();
    assert_eq!(error, LoginError::IdToken(IdTokenError::NonceMismatch));
}

#[tokio::test]
async fn expired_id_token_is_refused() {
    let (server, flow, _) = setup().await;
    let error = login_with(&server, &flow, |nonce| {
        sign(
            "g1",
            RSA1,
            "JWT",
            &with(id_claims(GOOGLE, nonce), |c| {
                c.insert("iat".into(), json!(NOW - 7200));
                c.insert("exp".into(), json!(NOW - 3600));
            }),
        )
    })
    .await
    .unwrap_err();
    assert_eq!(error, LoginError::IdToken(IdTokenError::Expired));
}

// RFC 7519 §2: a NumericDate may be non-integer. An id_token shaped like a real IdP's, with
// `"exp": 1796071628.5` (fractional iat too), completes the login, its dates floored; a
// string `exp` stays refused. Before the fix every fractional date read as "missing".
#[tokio::test]
async fn rfc7519_2_id_token_with_fractional_exp_verifies() {
    let (server, flow, clock) = setup().await;
    clock.set_unix(1_796_070_000);
    let profile = login_with(&server, &flow, |nonce| {
        sign(
            "g1",
            RSA1,
            "JWT",
            &with(id_claims(GOOGLE, nonce), |c| {
                c.insert("iat".into(), json!(1_796_068_028.5));
                c.insert("exp".into(), json!(1_796_071_628.5));
            }),
        )
    })
    .await
    .unwrap();
    assert_eq!(profile.subject, "110169484474386276334");

    let (server, flow, clock) = setup().await;
    clock.set_unix(1_796_070_000);
    let error = login_with(&server, &flow, |nonce| {
        sign(
            "g1",
            RSA1,
            "JWT",
            &with(id_claims(GOOGLE, nonce), |c| {
                c.insert("exp".into(), json!("1796071628"));
            }),
        )
    })
    .await
    .unwrap_err();
    assert_eq!(
        error,
        LoginError::IdToken(IdTokenError::InvalidClaim("exp"))
    );
}

#[tokio::test]
async fn missing_id_token_is_refused() {
    let (server, flow, _) = setup().await;
    let started = start(&flow, "google").await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_json(json!({}))))
        .mount(&server)
        .await;
    let error = flow
        .callback(
            "google",
            &CallbackParams::from_query(&started.callback_query("c")),
            Some(started.binding()),
        )
        .await
        .unwrap_err();
    assert_eq!(
        error,
        LoginError::IdToken(IdTokenError::InvalidClaim("id_token"))
    );
}

#[tokio::test]
async fn at_hash_is_checked_when_present() {
    let (server, flow, _) = setup().await;
    let at_hash = |token: &str| {
        let digest = sha2::Sha256::digest(token.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
    };
    let good = at_hash("provider-access-token");
    assert!(
        login_with(&server, &flow, |nonce| {
            sign(
                "g1",
                RSA1,
                "JWT",
                &with(id_claims(GOOGLE, nonce), |c| {
                    c.insert("at_hash".into(), json!(good));
                }),
            )
        })
        .await
        .is_ok()
    );
    let bad = at_hash("another-access-token");
    let error = login_with(&server, &flow, |nonce| {
        sign(
            "g1",
            RSA1,
            "JWT",
            &with(id_claims(GOOGLE, nonce), |c| {
                c.insert("at_hash".into(), json!(bad));
            }),
        )
    })
    .await
    .unwrap_err();
    assert_eq!(error, LoginError::IdToken(IdTokenError::AtHashMismatch));
}

#[tokio::test]
async fn jwks_rotation_fetches_the_new_kid_once() {
    let server = MockServer::start().await;
    let google = Provider::google(credentials(&server)).rebased(&base(&server));
    let clock = clock();
    let flow = flow(&clock, vec![Arc::new(google)]);
    // Before rotation: only g1 is published.
    Mock::given(method("GET"))
        .and(path(JWKS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks(&[("g1", RSA1)])))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    login_with(&server, &flow, |nonce| {
        sign("g1", RSA1, "JWT", &id_claims(GOOGLE, nonce))
    })
    .await
    .unwrap();
    assert_eq!(hits(&server, JWKS_PATH).await, 1);
    // Past the refresh interval, the provider rotates to g2.
    clock.advance(Duration::from_secs(120));
    Mock::given(method("GET"))
        .and(path(JWKS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks(&[("g1", RSA1), ("g2", RSA2)])))
        .mount(&server)
        .await;
    login_with(&server, &flow, |nonce| {
        sign("g2", RSA2, "JWT", &id_claims(GOOGLE, nonce))
    })
    .await
    .unwrap();
    assert_eq!(hits(&server, JWKS_PATH).await, 2);
    // The new key is cached: another g2 login fetches nothing.
    login_with(&server, &flow, |nonce| {
        sign("g2", RSA2, "JWT", &id_claims(GOOGLE, nonce))
    })
    .await
    .unwrap();
    assert_eq!(hits(&server, JWKS_PATH).await, 2);
}

#[tokio::test]
async fn a_flood_of_unknown_kids_does_not_hammer_the_jwks_endpoint() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(JWKS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks(&[("g1", RSA1)])))
        .mount(&server)
        .await;
    let url = format!("{}{JWKS_PATH}", server.uri()).parse().unwrap();
    let cache = JwksCache::new(url, JwksConfig::default()).unwrap();
    let clock = clock();
    let http = http();
    let claims = json!({"sub": "x"});
    // First use fetches once; that fetch counts as the last attempt, so unknown kids within
    // the refresh interval fetch nothing more.
    for i in 0..50 {
        let token = sign(&format!("made-up-{i}"), ATTACKER, "JWT", &claims);
        let error = cache.verify(&token, &http, &clock).await.unwrap_err();
        assert_eq!(
            error,
            auth_providers::JwksVerifyError::Token(TokenError::UnknownKey)
        );
    }
    assert_eq!(hits(&server, JWKS_PATH).await, 1, "only the initial fetch");
    // After the interval, one more unknown kid may refresh — once.
    clock.advance(Duration::from_secs(61));
    for i in 0..20 {
        let token = sign(&format!("later-{i}"), ATTACKER, "JWT", &claims);
        assert!(cache.verify(&token, &http, &clock).await.is_err());
    }
    assert_eq!(hits(&server, JWKS_PATH).await, 2);
}

#[tokio::test]
async fn concurrent_unknown_kids_refresh_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(JWKS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks(&[("g1", RSA1)])))
        .mount(&server)
        .await;
    let url = format!("{}{JWKS_PATH}", server.uri()).parse().unwrap();
    let cache = JwksCache::new(url, JwksConfig::default()).unwrap();
    let clock = Arc::new(clock());
    let http = http();
    // Signed up front: RSA signing in a debug build is slow enough to stall the runtime.
    let tokens: Vec<String> = (0..32)
        .map(|i| sign(&format!("flood-{i}"), ATTACKER, "JWT", &json!({"sub": "x"})))
        .collect();
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let (cache, clock, http) = (cache.clone(), clock.clone(), http.clone());
            tokio::spawn(async move { cache.verify(&token, &http, clock.as_ref()).await })
        })
        .collect();
    for task in tasks {
        assert_eq!(
            task.await.unwrap().unwrap_err(),
            auth_providers::JwksVerifyError::Token(TokenError::UnknownKey)
        );
    }
    assert_eq!(hits(&server, JWKS_PATH).await, 1);
}
