//! The authorization-server endpoints through the actix-web adapter: the same handlers as the
//! axum tests (`oauth_server_http.rs`), so this checks the adapter — routing, body limit,
//! headers and cookies both ways, the peer address — with one whole sign-in and code flow.

use std::sync::Arc;

use actix_web::{App, test};
use auth_core::flows::{AuthConfig, AuthService, ClientInfo, RecordingMailer, Stores};
use auth_core::oauth_server::{ClientRegistration, OAuthServer, OAuthServerConfig, OAuthStores};
use auth_core::password::{Password, PasswordHasher};
use auth_core::token::{AccessTokenIssuer, Algorithm, IssuerConfig, KeySet, Scope, SigningKey};
use auth_core::{Clock, ManualClock};
use auth_tower::oauth_server::{OAuthEndpoints, OAuthEndpointsConfig, actix_config};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use sha2::{Digest as _, Sha256};

const ISSUER: &str = "https://auth.example.com";
const REDIRECT: &str = "https://app.example.com/cb";
const SECRET: &str = "a-demo-secret-of-at-least-32-bytes-0123456789";
const EMAIL: &str = "kim@example.com";
const PASSWORD: &str = "mauve-tulip-orbit-42";
const RSA_PEM: &[u8] = include_bytes!("../../auth-core/tests/keys/rsa2048.pem");

async fn endpoints(max_body_bytes: usize) -> OAuthEndpoints {
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::starting_now());
    let keys = KeySet::new(SigningKey::from_pem("as-1", Algorithm::RS256, RSA_PEM).unwrap());
    let stores = Stores::in_memory();
    let mut config = OAuthServerConfig::new(ISSUER, "https://api.example.com");
    config.supported_scopes = Scope::parse("openid profile read:profile");
    let server = OAuthServer::new(
        config,
        stores.clone(),
        OAuthStores::in_memory(),
        &keys,
        clock.clone(),
    )
    .unwrap();
    let auth = AuthService::new(
        AuthConfig::default(),
        stores,
        AccessTokenIssuer::with_clock(IssuerConfig::new(ISSUER, ISSUER), &keys, clock.clone()),
        PasswordHasher::insecure_fast_for_tests(),
        clock.clone(),
        Arc::new(RecordingMailer::default()),
    );
    auth.signup(EMAIL, Password::from(PASSWORD), &ClientInfo::default())
        .await
        .unwrap();
    server
        .register_client_with_secret(
            ClientRegistration::confidential("Studio")
                .client_id("studio")
                .redirect_uri(REDIRECT)
                .scopes("openid profile read:profile")
                .first_party(true),
            SECRET,
        )
        .await
        .unwrap();
    let mut config = OAuthEndpointsConfig::default();
    config.max_body_bytes = max_body_bytes;
    OAuthEndpoints::new(server, auth, config)
        .unwrap()
        .with_clock(clock)
}

fn query(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn param(location: &str, name: &str) -> Option<String> {
    let query = location.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// `name=value` of every `Set-Cookie`.
fn cookies(response: &actix_web::dev::ServiceResponse) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .map(|value| {
            let value = value.to_str().unwrap();
            assert!(value.contains("; Secure") && value.contains("; HttpOnly"));
            value.split(';').next().unwrap().to_owned()
        })
        .collect()
}

fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    html.split("<input type=\"hidden\" ")
        .skip(1)
        .map(|rest| {
            let attr = |name: &str| {
                let value = rest.split(&format!("{name}=\"")).nth(1).unwrap();
                value.split('"').next().unwrap().replace("&amp;", "&")
            };
            (attr("name"), attr("value"))
        })
        .collect()
}

#[actix_web::test]
async fn sign_in_code_and_token_through_actix() {
    let app =
        test::init_service(App::new().configure(actix_config(endpoints(16 * 1024).await))).await;
    let verifier = "an-actix-test-verifier-0123456789-0123456789-abcdef";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let authorize = format!(
        "/oauth/authorize?{}",
        query(&[
            ("response_type", "code"),
            ("client_id", "studio"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid read:profile"),
            ("state", "s1"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
    );

    // The login page, unframeable, with its CSRF cookie.
    let page =
        test::call_service(&app, test::TestRequest::get().uri(&authorize).to_request()).await;
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers().get("x-frame-options").unwrap(), "DENY");
    let csrf_cookie = cookies(&page).join("; ");
    let html = String::from_utf8(test::read_body(page).await.to_vec()).unwrap();
    let mut form = hidden_inputs(&html);
    form.push(("username".into(), EMAIL.into()));
    form.push(("password".into(), PASSWORD.into()));
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

    // Sign in: 303 back, with the session cookie.
    let login = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/oauth/login")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .insert_header(("origin", ISSUER))
            .insert_header(("cookie", csrf_cookie.clone()))
            .peer_addr("203.0.113.9:4000".parse().unwrap())
            .set_payload(query(&form))
            .to_request(),
    )
    .await;
    assert_eq!(login.status(), 303);
    let back = login
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let session = cookies(&login).join("; ");
    assert!(session.starts_with("__Host-oauth-session="));

    // First-party client: straight to the redirect URI with a code.
    let path = back.strip_prefix(ISSUER).unwrap();
    let reply = test::call_service(
        &app,
        test::TestRequest::get()
            .uri(path)
            .insert_header(("cookie", format!("{csrf_cookie}; {session}")))
            .to_request(),
    )
    .await;
    assert_eq!(reply.status(), 302);
    let location = reply
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(param(&location, "iss").as_deref(), Some(ISSUER));
    let code = param(&location, "code").unwrap();

    let token = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/oauth/token")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .insert_header((
                "authorization",
                format!("Basic {}", STANDARD.encode(format!("studio:{SECRET}"))),
            ))
            .set_payload(query(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", verifier),
            ]))
            .to_request(),
    )
    .await;
    assert_eq!(token.status(), 200);
    assert_eq!(token.headers().get("cache-control").unwrap(), "no-store");
    let body: serde_json::Value = test::read_body_json(token).await;
    assert!(body["id_token"].is_string());
}

#[actix_web::test]
async fn actix_adapter_refuses_bodies_over_the_limit_and_routes_only_known_paths() {
    let app = test::init_service(App::new().configure(actix_config(endpoints(64).await))).await;
    let reply = test::call_service(
        &app,
        test::TestRequest::post()
            .uri("/oauth/token")
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload("x".repeat(1024))
            .to_request(),
    )
    .await;
    assert_eq!(reply.status(), 413);
    let reply = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/.well-known/openid-configuration")
            .to_request(),
    )
    .await;
    assert_eq!(reply.status(), 200);
    let reply = test::call_service(
        &app,
        test::TestRequest::get().uri("/oauth/other").to_request(),
    )
    .await;
    assert_eq!(reply.status(), 404);
}

/// Token-endpoint flooding through the actix adapter: the peer address reaches the limit,
/// and the 61st request within a minute is 429 with `Retry-After`.
#[actix_web::test]
async fn token_endpoint_flood_gets_429_through_actix() {
    let app =
        test::init_service(App::new().configure(actix_config(endpoints(64 * 1024).await))).await;
    let request = |peer: &str| {
        test::TestRequest::post()
            .uri("/oauth/token")
            .peer_addr(format!("{peer}:40000").parse().unwrap())
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .set_payload("grant_type=authorization_code&code=bogus")
            .to_request()
    };
    for _ in 0..60 {
        let reply = test::call_service(&app, request("203.0.113.9")).await;
        assert_ne!(reply.status(), 429);
    }
    let refused = test::call_service(&app, request("203.0.113.9")).await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    let body: serde_json::Value = test::read_body_json(refused).await;
    assert_eq!(body["error"], "too_many_requests");
    let elsewhere = test::call_service(&app, request("198.51.100.9")).await;
    assert_ne!(elsewhere.status(), 429);
}
