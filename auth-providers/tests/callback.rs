//! Every way a callback must fail: the provider's error, state missing / foreign / replayed /
//! expired, another browser, mix-up, and each way the code exchange can fail.

mod common;

use std::sync::Arc;
use std::time::Duration;

use auth_providers::{CallbackParams, HttpError, LoginError, LoginFlow, Provider};
use common::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn kakao_setup() -> (MockServer, LoginFlow, auth_core::ManualClock) {
    let server = MockServer::start().await;
    let kakao = Provider::kakao(credentials(&server)).rebased(&base(&server));
    let naver = Provider::naver(credentials(&server)).rebased(&base(&server));
    let clock = clock();
    let flow = flow(&clock, vec![Arc::new(kakao), Arc::new(naver)]);
    (server, flow, clock)
}

async fn mount_profile(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v2/user/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .mount(server)
        .await;
}

async fn mount_token(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(response)
        .mount(server)
        .await;
}

async fn complete(
    flow: &LoginFlow,
    started: &Started,
) -> Result<auth_providers::ProviderProfile, LoginError> {
    flow.callback(
        "kakao",
        &CallbackParams::from_query(&started.callback_query("the-code")),
        Some(started.binding()),
    )
    .await
}

#[tokio::test]
async fn provider_error_is_reported_after_the_state_check() {
    let (server, flow, _) = kakao_setup().await;
    let started = start(&flow, "kakao").await;
    let query = format!(
        "state={}&error=access_denied&error_description=User%20denied%20access",
        started.state
    );
    let error = flow
        .callback(
            "kakao",
            &CallbackParams::from_query(&query),
            Some(started.binding()),
        )
        .await
        .unwrap_err();
    assert_eq!(
        error,
        LoginError::ProviderDenied {
            error: "access_denied".into(),
            description: Some("User denied access".into())
        }
    );
    // No token request was made.
    assert_eq!(hits(&server, "/oauth/token").await, 0);
    // An error without a valid state is a state failure, not a provider error.
    let forged = CallbackParams::from_query("error=access_denied");
    assert_eq!(
        flow.callback("kakao", &forged, Some(started.binding()))
            .await
            .unwrap_err(),
        LoginError::MissingState
    );
}

#[tokio::test]
async fn state_missing_empty_or_null_is_refused() {
    let (server, flow, _) = kakao_setup().await;
    let started = start(&flow, "kakao").await;
    // seed 000 accepted state == "null"; we never do.
    for query in [
        "code=the-code",
        "code=the-code&state=",
        "code=the-code&state=null",
    ] {
        assert_eq!(
            flow.callback(
                "kakao",
                &CallbackParams::from_query(query),
                Some(started.binding())
            )
            .await
            .unwrap_err(),
            LoginError::MissingState,
            "{query}"
        );
    }
    assert_eq!(hits(&server, "/oauth/token").await, 0);
}

#[tokio::test]
async fn foreign_state_is_refused() {
    let (server, flow, _) = kakao_setup().await;
    let started = start(&flow, "kakao").await;
    let query = "code=the-code&state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_eq!(
        flow.callback(
            "kakao",
            &CallbackParams::from_query(query),
            Some(started.binding())
        )
        .await
        .unwrap_err(),
        LoginError::UnknownState
    );
    assert_eq!(hits(&server, "/oauth/token").await, 0);
}

#[tokio::test]
async fn replayed_state_is_refused() {
    let (server, flow, _) = kakao_setup().await;
    let started = start(&flow, "kakao").await;
    mount_token(
        &server,
        ResponseTemplate::new(200).set_body_json(token_json(json!({}))),
    )
    .await;
    mount_profile(&server).await;
    assert!(complete(&flow, &started).await.is_ok());
    assert_eq!(
        complete(&flow, &started).await.unwrap_err(),
        LoginError::UnknownState
    );
    assert_eq!(hits(&server, "/oauth/token").await, 1);
}

#[tokio::test]
async fn expired_state_is_refused() {
    let (server, flow, clock) = kakao_setup().await;
    let started = start(&flow, "kakao").await;
    clock.advance(LoginFlow::DEFAULT_TTL + Duration::from_secs(1));
    // The store refuses an expired login itself (auth-core's PendingLoginStore contract), so
    // the callback finds no pending login at all.
    assert_eq!(
        complete(&flow, &started).await.unwrap_err(),
        LoginError::UnknownState
    );
    assert_eq!(hits(&server, "/oauth/token").await, 0);
}

#[tokio::test]
async fn another_browser_is_refused() {
    let (server, flow, _) = kakao_setup().await;
    let query_for =
        |started: &Started| CallbackParams::from_query(&started.callback_query("the-code"));
    let started = start(&flow, "kakao").await;
    assert_eq!(
        flow.callback("kakao", &query_for(&started), None)
            .await
            .unwrap_err(),
        LoginError::BrowserMismatch
    );
    let started = start(&flow, "kakao").await;
    let other = start(&flow, "kakao").await;
    assert_eq!(
        flow.callback("kakao", &query_for(&started), Some(other.binding()))
            .await
            .unwrap_err(),
        LoginError::BrowserMismatch
    );
    assert_eq!(hits(&server, "/oauth/token").await, 0);
}

#[tokio::test]
async fn mix_up_is_refused() {
    let (server, flow, _) = kakao_setup().await;
    // A Kakao transaction presented at Naver's callback.
    let started = start(&flow, "kakao").await;
    let error = flow
        .callback(
            "naver",
            &CallbackParams::from_query(&started.callback_query("the-code")),
            Some(started.binding()),
        )
        .await
        .unwrap_err();
    assert_eq!(error, LoginError::ProviderMismatch);
    // …and it is consumed: it cannot be retried at Kakao either.
    assert_eq!(
        complete(&flow, &started).await.unwrap_err(),
        LoginError::UnknownState
    );
    assert_eq!(
        hits(&server, "/oauth/token").await + hits(&server, "/oauth2.0/token").await,
        0
    );
}

#[tokio::test]
async fn rfc_9207_iss_of_another_issuer_is_refused() {
    let server = MockServer::start().await;
    let google = Provider::google(credentials(&server)).rebased(&base(&server));
    let clock = clock();
    let flow = flow(&clock, vec![Arc::new(google)]);
    let started = start(&flow, "google").await;
    let mut params = CallbackParams::from_query(&started.callback_query("the-code"));
    params.iss = Some("https://attacker.example".into());
    assert_eq!(
        flow.callback("google", &params, Some(started.binding()))
            .await
            .unwrap_err(),
        LoginError::ProviderMismatch
    );
}

#[tokio::test]
async fn missing_code_is_refused() {
    let (_server, flow, _) = kakao_setup().await;
    let started = start(&flow, "kakao").await;
    let params = CallbackParams::from_query(&format!("state={}", started.state));
    assert_eq!(
        flow.callback("kakao", &params, Some(started.binding()))
            .await
            .unwrap_err(),
        LoginError::MissingCode
    );
}

#[tokio::test]
async fn unknown_provider_is_refused_at_start() {
    let (_server, flow, _) = kakao_setup().await;
    assert_eq!(
        flow.start("myspace").await.unwrap_err(),
        LoginError::UnknownProvider
    );
}

#[tokio::test]
async fn exchange_invalid_grant() {
    let (server, flow, _) = kakao_setup().await;
    let started = start(&flow, "kakao").await;
    mount_token(
        &server,
        ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant", "error_description": "authorization code not found for code=the-code",
            "error_code": "KOE320"
        })),
    )
    .await;
    let error = complete(&flow, &started).await.unwrap_err();
    assert!(
        matches!(&error, LoginError::TokenRejected { error, .. } if error == "invalid_grant"),
        "{error:?}"
    );
}

#[tokio::test]
async fn exchange_http_500() {
    let (server, flow, _) = kakao_setup().await;
    let started = start(&flow, "kakao").await;
    mount_token(
        &server,
        ResponseTemplate::new(500).set_body_string("Internal Server Error"),
    )
    .await;
    let server_error = LoginError::Unavailable(HttpError::Status {
        endpoint: "token endpoint",
        status: 500,
    });
    assert_eq!(complete(&flow, &started).await.unwrap_err(), server_error);
    // An empty 500 is the same.
    let started = start(&flow, "kakao").await;
    server.reset().await;
    mount_token(&server, ResponseTemplate::new(500)).await;
    assert_eq!(complete(&flow, &started).await.unwrap_err(), server_error);
}

#[tokio::test]
async fn exchange_timeout() {
    let (server, flow, _) = kakao_setup().await;
    let started = start(&flow, "kakao").await;
    // The test client's timeout is 500 ms (a real network timeout, kept short).
    mount_token(
        &server,
        ResponseTemplate::new(200)
            .set_body_json(token_json(json!({})))
            .set_delay(Duration::from_secs(3)),
    )
    .await;
    let error = complete(&flow, &started).await.unwrap_err();
    assert_eq!(
        error,
        LoginError::Unavailable(HttpError::Timeout("token endpoint"))
    );
}

#[tokio::test]
async fn exchange_non_json() {
    let (server, flow, _) = kakao_setup().await;
    let started = start(&flow, "kakao").await;
    mount_token(
        &server,
        ResponseTemplate::new(200).set_body_raw("<html>maintenance</html>", "text/html"),
    )
    .await;
    let error = complete(&flow, &started).await.unwrap_err();
    assert!(
        matches!(
            error,
            LoginError::Unavailable(HttpError::InvalidBody { .. })
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn exchange_error_body_with_http_200() {
    // Naver's real behaviour: an OAuth error with HTTP 200.
    let server = MockServer::start().await;
    let naver = Provider::naver(credentials(&server)).rebased(&base(&server));
    let clock = clock();
    let flow = flow(&clock, vec![Arc::new(naver)]);
    let started = start(&flow, "naver").await;
    Mock::given(method("POST"))
        .and(path("/oauth2.0/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "error": "invalid_request", "error_description": "no valid data in session"
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
    assert_eq!(
        error,
        LoginError::TokenRejected {
            error: "invalid_request".into(),
            description: Some("no valid data in session".into())
        }
    );
    assert_eq!(hits(&server, "/v1/nid/me").await, 0);
}

#[tokio::test]
async fn token_endpoint_redirects_are_not_followed() {
    let (server, flow, _) = kakao_setup().await;
    let started = start(&flow, "kakao").await;
    mount_token(
        &server,
        ResponseTemplate::new(307).insert_header("location", format!("{}/steal", server.uri())),
    )
    .await;
    assert_eq!(
        complete(&flow, &started).await.unwrap_err(),
        LoginError::Unavailable(HttpError::Status {
            endpoint: "token endpoint",
            status: 307
        })
    );
    assert_eq!(hits(&server, "/steal").await, 0);
}

#[tokio::test]
async fn kakao_profile_without_email() {
    let (server, flow, _) = kakao_setup().await;
    let started = start(&flow, "kakao").await;
    mount_token(
        &server,
        ResponseTemplate::new(200).set_body_json(token_json(json!({}))),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/v2/user/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 42,
            "kakao_account": {"email_needs_agreement": true, "profile": {"nickname": "x"}}
        })))
        .mount(&server)
        .await;
    let profile = complete(&flow, &started).await.unwrap();
    assert_eq!(profile.email, None);
    assert!(!profile.email_verified);
    assert_eq!(profile.into_social_profile().email, None);
}

#[tokio::test]
async fn userinfo_failure_is_unavailable() {
    let (server, flow, _) = kakao_setup().await;
    let started = start(&flow, "kakao").await;
    mount_token(
        &server,
        ResponseTemplate::new(200).set_body_json(token_json(json!({}))),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/v2/user/me"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"msg": "this access token does not exist", "code": -401})),
        )
        .mount(&server)
        .await;
    assert_eq!(
        complete(&flow, &started).await.unwrap_err(),
        LoginError::Unavailable(HttpError::Status {
            endpoint: "Kakao user/me",
            status: 401
        })
    );
}

#[tokio::test]
async fn oversized_token_response_is_refused() {
    let (server, flow, _) = kakao_setup().await;
    let started = start(&flow, "kakao").await;
    let huge = "x".repeat(2 * 1024 * 1024);
    mount_token(
        &server,
        ResponseTemplate::new(200).set_body_json(token_json(json!({ "padding": huge }))),
    )
    .await;
    assert_eq!(
        complete(&flow, &started).await.unwrap_err(),
        LoginError::Unavailable(HttpError::InvalidBody {
            endpoint: "token endpoint",
            reason: "larger than 1 MiB"
        })
    );
}
