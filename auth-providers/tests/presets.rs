//! The full login for every preset and for generic OIDC and OAuth2, against a local mock that
//! answers with each provider's real response shapes.

mod common;

use std::sync::Arc;

use auth_providers::{
    CallbackParams, Credentials, Endpoints, LoginError, Provider, UserInfoMapping,
};
use common::*;
use serde_json::json;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn mount_token(
    server: &MockServer,
    token_path: &str,
    started: &Started,
    body: serde_json::Value,
) {
    Mock::given(method("POST"))
        .and(path(token_path))
        .and(PkceMatches {
            challenge: started.challenge.clone(),
            code: "the-code".into(),
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn google_full_login() {
    let server = MockServer::start().await;
    let google = Provider::google(credentials(&server)).rebased(&base(&server));
    let clock = clock();
    let flow = flow(&clock, vec![Arc::new(google)]);
    let started = start(&flow, "google").await;
    assert_eq!(
        started.param("scope").as_deref(),
        Some("openid email profile")
    );
    assert_eq!(
        started.param("code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(started.param("client_id").as_deref(), Some(CLIENT_ID));
    assert!(
        started
            .start
            .authorization_url
            .path()
            .ends_with("/o/oauth2/v2/auth")
    );
    let nonce = started.nonce.clone().unwrap();
    assert!(nonce.len() >= 22 && started.state.len() >= 22); // ≥ 128 bits

    let id_token = sign(
        "g1",
        RSA1,
        "JWT",
        &id_claims("https://accounts.google.com", &nonce),
    );
    mount_token(
        &server,
        "/token",
        &started,
        token_json(json!({"id_token": id_token, "scope": "openid email profile"})),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/oauth2/v3/certs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks(&[("g1", RSA1)])))
        .mount(&server)
        .await;

    let profile = flow
        .callback(
            "google",
            &CallbackParams::from_query(&started.callback_query("the-code")),
            Some(started.binding()),
        )
        .await
        .unwrap();
    assert_eq!(profile.provider, "google");
    assert_eq!(profile.subject, "110169484474386276334");
    assert_eq!(profile.email.as_deref(), Some("kim@example.com"));
    assert!(profile.email_verified);
    assert_eq!(profile.name.as_deref(), Some("Kim Min"));
    assert_eq!(profile.locale.as_deref(), Some("ko"));
    assert_eq!(profile.raw["iss"], "https://accounts.google.com");
    let social = profile.into_social_profile();
    assert!(social.email_verified);
}

fn kakao_me(valid: bool, verified: bool) -> serde_json::Value {
    json!({
        "id": 3_912_345_678_u64,
        "connected_at": "2026-11-01T09:00:00Z",
        "properties": {"nickname": "민수"},
        "kakao_account": {
            "profile_nickname_needs_agreement": false,
            "profile_image_needs_agreement": false,
            "profile": {
                "nickname": "민수",
                "thumbnail_image_url": "http://k.kakaocdn.net/thumb.jpg",
                "profile_image_url": "http://k.kakaocdn.net/img.jpg",
                "is_default_image": false
            },
            "has_email": true,
            "email_needs_agreement": false,
            "is_email_valid": valid,
            "is_email_verified": verified,
            "email": "minsu@kakao.example"
        }
    })
}

async fn kakao_login(valid: bool, verified: bool) -> auth_providers::ProviderProfile {
    let server = MockServer::start().await;
    let kakao = Provider::kakao(credentials(&server)).rebased(&base(&server));
    let clock = clock();
    let flow = flow(&clock, vec![Arc::new(kakao)]);
    let started = start(&flow, "kakao").await;
    assert_eq!(
        started.param("scope").as_deref(),
        Some("profile_nickname,profile_image,account_email")
    );
    assert!(started.nonce.is_none());
    // Kakao takes the secret in the body (client_secret_post).
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("client_secret=s3cret-value"))
        .and(PkceMatches {
            challenge: started.challenge.clone(),
            code: "the-code".into(),
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "bearer", "access_token": "kakao-at", "expires_in": 21599,
            "refresh_token": "kakao-rt", "refresh_token_expires_in": 5183999,
            "scope": "account_email profile_image profile_nickname"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/user/me"))
        .and(header("authorization", "Bearer kakao-at"))
        .respond_with(ResponseTemplate::new(200).set_body_json(kakao_me(valid, verified)))
        .expect(1)
        .mount(&server)
        .await;
    flow.callback(
        "kakao",
        &CallbackParams::from_query(&started.callback_query("the-code")),
        Some(started.binding()),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn kakao_full_login() {
    let profile = kakao_login(true, true).await;
    assert_eq!(profile.subject, "3912345678"); // numeric id as text
    assert_eq!(profile.email.as_deref(), Some("minsu@kakao.example"));
    assert!(profile.email_verified);
    assert_eq!(profile.name.as_deref(), Some("민수"));
    assert_eq!(
        profile.avatar_url.as_deref(),
        Some("http://k.kakaocdn.net/img.jpg")
    );
}

#[tokio::test]
async fn kakao_email_is_verified_only_when_valid_and_verified() {
    assert!(!kakao_login(true, false).await.email_verified);
    assert!(!kakao_login(false, true).await.email_verified);
}

#[tokio::test]
async fn naver_full_login_with_string_expires_in() {
    let server = MockServer::start().await;
    let naver = Provider::naver(credentials(&server)).rebased(&base(&server));
    let clock = clock();
    let flow = flow(&clock, vec![Arc::new(naver)]);
    let started = start(&flow, "naver").await;
    Mock::given(method("POST"))
        .and(path("/oauth2.0/token"))
        .and(body_string_contains("client_secret=s3cret-value"))
        .and(PkceMatches {
            challenge: started.challenge.clone(),
            code: "the-code".into(),
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "naver-at", "refresh_token": "naver-rt",
            "token_type": "bearer", "expires_in": "3600"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/nid/me"))
        .and(header("authorization", "Bearer naver-at"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "resultcode": "00", "message": "success",
            "response": {
                "id": "32742776", "nickname": "OpenAPI", "name": "오픈 API",
                "email": "openapi@naver.com", "gender": "F", "age": "40-49",
                "profile_image": "https://ssl.pstatic.net/static/pwe/address/nodata_33x33.gif"
            }
        })))
        .mount(&server)
        .await;
    let profile = flow
        .callback(
            "naver",
            &CallbackParams::from_query(&started.callback_query("the-code")),
            Some(started.binding()),
        )
        .await
        .unwrap();
    assert_eq!(profile.subject, "32742776");
    assert_eq!(profile.email.as_deref(), Some("openapi@naver.com"));
    // Naver gives no verified signal.
    assert!(!profile.email_verified);
    assert_eq!(profile.name.as_deref(), Some("오픈 API"));
}

#[tokio::test]
async fn naver_error_envelope_is_refused() {
    let server = MockServer::start().await;
    let naver = Provider::naver(credentials(&server)).rebased(&base(&server));
    let clock = clock();
    let flow = flow(&clock, vec![Arc::new(naver)]);
    let started = start(&flow, "naver").await;
    mount_token(&server, "/oauth2.0/token", &started, token_json(json!({}))).await;
    Mock::given(method("GET"))
        .and(path("/v1/nid/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "resultcode": "024", "message": "Authentication failed"
        })))
        .mount(&server)
        .await;
    let error = flow
        .callback(
            "naver",
            &CallbackParams::from_query(&started.callback_query("the-code")),
            Some(started.binding()),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, LoginError::InvalidProfile(_)), "{error:?}");
}

#[tokio::test]
async fn discord_full_login() {
    let server = MockServer::start().await;
    let discord = Provider::discord(credentials(&server)).rebased(&base(&server));
    let clock = clock();
    let flow = flow(&clock, vec![Arc::new(discord)]);
    let started = start(&flow, "discord").await;
    assert_eq!(started.param("scope").as_deref(), Some("identify email"));
    mount_token(
        &server,
        "/api/oauth2/token",
        &started,
        json!({
            "access_token": "discord-at", "token_type": "Bearer", "expires_in": 604800,
            "refresh_token": "discord-rt", "scope": "identify email"
        }),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/api/users/@me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "80351110224678912", "username": "nelly", "discriminator": "0",
            "global_name": "Nelly", "avatar": "8342729096ea3675442027381ff50dfe",
            "verified": true, "email": "nelly@discord.example", "flags": 64,
            "locale": "en-US", "mfa_enabled": true
        })))
        .mount(&server)
        .await;
    let profile = flow
        .callback(
            "discord",
            &CallbackParams::from_query(&started.callback_query("the-code")),
            Some(started.binding()),
        )
        .await
        .unwrap();
    assert_eq!(profile.subject, "80351110224678912");
    assert!(profile.email_verified);
    assert_eq!(profile.name.as_deref(), Some("Nelly"));
    assert_eq!(profile.locale.as_deref(), Some("en-US"));
    assert_eq!(
        profile.avatar_url,
        Some(format!(
            "{}/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png",
            server.uri()
        ))
    );
}

#[tokio::test]
async fn discord_unverified_email_is_reported_unverified() {
    let server = MockServer::start().await;
    let discord = Provider::discord(credentials(&server)).rebased(&base(&server));
    let clock = clock();
    let flow = flow(&clock, vec![Arc::new(discord)]);
    let started = start(&flow, "discord").await;
    mount_token(
        &server,
        "/api/oauth2/token",
        &started,
        token_json(json!({})),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/api/users/@me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "1", "username": "u", "avatar": null, "verified": false, "email": "u@example.com"
        })))
        .mount(&server)
        .await;
    let profile = flow
        .callback(
            "discord",
            &CallbackParams::from_query(&started.callback_query("the-code")),
            Some(started.binding()),
        )
        .await
        .unwrap();
    assert_eq!(profile.email.as_deref(), Some("u@example.com"));
    assert!(!profile.email_verified);
    assert_eq!(profile.avatar_url, None);
}

async fn github_login(
    emails: serde_json::Value,
    public_email: serde_json::Value,
) -> auth_providers::ProviderProfile {
    let server = MockServer::start().await;
    let github = Provider::github(credentials(&server)).rebased(&base(&server));
    let clock = clock();
    let flow = flow(&clock, vec![Arc::new(github)]);
    let started = start(&flow, "github").await;
    assert_eq!(
        started.param("scope").as_deref(),
        Some("read:user user:email")
    );
    mount_token(&server, "/login/oauth/access_token", &started, json!({
        "access_token": "gho_16C7e42F292c6912E7710c838347Ae178B4a", "scope": "read:user,user:email", "token_type": "bearer"
    })).await;
    Mock::given(method("GET"))
        .and(path("/user"))
        .and(header("user-agent", concat!("auth-providers/", env!("CARGO_PKG_VERSION"))))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "login": "octocat", "id": 583231, "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4",
            "name": "The Octocat", "email": public_email
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/user/emails"))
        .respond_with(ResponseTemplate::new(200).set_body_json(emails))
        .mount(&server)
        .await;
    flow.callback(
        "github",
        &CallbackParams::from_query(&started.callback_query("the-code")),
        Some(started.binding()),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn github_full_login_uses_the_primary_verified_email() {
    let profile = github_login(
        json!([
            {"email": "old@example.com", "verified": true, "primary": false, "visibility": null},
            {"email": "octocat@github.example", "verified": true, "primary": true, "visibility": "public"}
        ]),
        json!("public@example.com"),
    )
    .await;
    assert_eq!(profile.subject, "583231");
    assert_eq!(profile.email.as_deref(), Some("octocat@github.example"));
    assert!(profile.email_verified);
    assert_eq!(profile.name.as_deref(), Some("The Octocat"));
}

#[tokio::test]
async fn github_unverified_primary_is_unverified() {
    let profile = github_login(
        json!([{"email": "octocat@github.example", "verified": false, "primary": true, "visibility": null}]),
        json!(null),
    )
    .await;
    assert_eq!(profile.email.as_deref(), Some("octocat@github.example"));
    assert!(!profile.email_verified);
}

#[tokio::test]
async fn github_profile_without_email() {
    let profile = github_login(json!([]), json!(null)).await;
    assert_eq!(profile.email, None);
    assert!(!profile.email_verified);
}

#[tokio::test]
async fn generic_oidc_with_discovery() {
    let server = MockServer::start().await;
    let issuer = format!("{}/realms/demo", server.uri());
    Mock::given(method("GET"))
        .and(path("/realms/demo/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/protocol/openid-connect/auth"),
            "token_endpoint": format!("{issuer}/protocol/openid-connect/token"),
            "userinfo_endpoint": format!("{issuer}/protocol/openid-connect/userinfo"),
            "jwks_uri": format!("{issuer}/protocol/openid-connect/certs"),
            "id_token_signing_alg_values_supported": ["PS256", "RS256", "HS256", "none"],
            "response_types_supported": ["code"]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let provider = Provider::discover_oidc("keycloak", &issuer, credentials(&server), &http())
        .await
        .unwrap();
    assert_eq!(
        provider.endpoints().token.path(),
        "/realms/demo/protocol/openid-connect/token"
    );
    let clock = clock();
    let flow = flow(&clock, vec![Arc::new(provider)]);
    let started = start(&flow, "keycloak").await;
    let nonce = started.nonce.clone().unwrap();
    // Keycloak keeps the email out of the id_token when the scope says so: userinfo completes it.
    let mut claims = id_claims(&issuer, &nonce);
    for field in ["email", "email_verified"] {
        claims.as_object_mut().unwrap().remove(field);
    }
    let id_token = sign("kc-1", RSA1, "JWT", &claims);
    mount_token(
        &server,
        "/realms/demo/protocol/openid-connect/token",
        &started,
        token_json(json!({"id_token": id_token})),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/realms/demo/protocol/openid-connect/certs"))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks(&[("kc-1", RSA1)])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/realms/demo/protocol/openid-connect/userinfo"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "sub": "110169484474386276334", "email": "kim@keycloak.example", "email_verified": false
        })))
        .mount(&server)
        .await;
    let mut params = CallbackParams::from_query(&started.callback_query("the-code"));
    params.iss = Some(issuer.clone()); // RFC 9207, as Keycloak sends it
    let profile = flow
        .callback("keycloak", &params, Some(started.binding()))
        .await
        .unwrap();
    assert_eq!(profile.subject, "110169484474386276334");
    assert_eq!(profile.email.as_deref(), Some("kim@keycloak.example"));
    assert!(!profile.email_verified);
}

#[tokio::test]
async fn discovery_refuses_a_document_for_another_issuer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/.well-known/openid-configuration"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "issuer": "https://evil.example",
            "authorization_endpoint": "https://evil.example/auth",
            "token_endpoint": "https://evil.example/token",
            "jwks_uri": "https://evil.example/jwks"
        })))
        .mount(&server)
        .await;
    let error = Provider::discover_oidc("x", &server.uri(), credentials(&server), &http())
        .await
        .unwrap_err();
    assert_eq!(error, auth_providers::ConfigError::IssuerMismatch);
}

#[tokio::test]
async fn generic_oauth2_with_a_mapping() {
    let server = MockServer::start().await;
    let endpoints = Endpoints::new(
        format!("{}/oauth/authorize", server.uri()).parse().unwrap(),
        format!("{}/oauth/token", server.uri()).parse().unwrap(),
    )
    .userinfo(format!("{}/api/v4/user", server.uri()).parse().unwrap());
    let mapping = UserInfoMapping::default()
        .subject("/id")
        .email_verified(None)
        .avatar("/avatar_url");
    let provider = Provider::oauth2(
        "gitlab",
        credentials(&server),
        endpoints,
        ["read_user"],
        mapping,
    )
    .unwrap();
    let clock = clock();
    let flow = flow(&clock, vec![Arc::new(provider)]);
    let started = start(&flow, "gitlab").await;
    mount_token(&server, "/oauth/token", &started, token_json(json!({}))).await;
    Mock::given(method("GET"))
        .and(path("/api/v4/user"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 1, "username": "john_smith", "name": "John Smith",
            "email": "john@example.com", "avatar_url": "https://gitlab.example/a.png"
        })))
        .mount(&server)
        .await;
    let profile = flow
        .callback(
            "gitlab",
            &CallbackParams::from_query(&started.callback_query("the-code")),
            Some(started.binding()),
        )
        .await
        .unwrap();
    assert_eq!(profile.subject, "1");
    assert_eq!(profile.name.as_deref(), Some("John Smith"));
    assert!(!profile.email_verified);
    let _ = Credentials::public("x", "https://a.example/cb".parse().unwrap());
}
