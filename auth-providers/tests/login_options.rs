//! Issue 13: per-login parameters for social login — `login_hint`, `prompt`, extra scopes —
//! without registering one provider per variant.

mod common;

use std::sync::Arc;

use auth_providers::{LoginError, LoginOptions, Prompt, Provider};
use common::*;
use wiremock::MockServer;

fn params(url: &url::Url, name: &str) -> Vec<String> {
    url.query_pairs()
        .filter(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
        .collect()
}

#[tokio::test]
async fn one_google_provider_serves_a_hinted_account_picker_with_an_extra_scope() {
    let server = MockServer::start().await;
    let google = Provider::google(credentials(&server)).rebased(&base(&server));
    let flow = flow(&clock(), vec![Arc::new(google)]);
    const CALENDAR: &str = "https://www.googleapis.com/auth/calendar.readonly";

    let options = LoginOptions::new()
        .login_hint("kim@example.com")
        .prompt(Prompt::SelectAccount)
        .extra_scope(CALENDAR)
        .extra_scope("email"); // configured already: sent once
    let url = flow
        .start_with("google", &options)
        .await
        .unwrap()
        .authorization_url;
    assert_eq!(params(&url, "login_hint"), ["kim@example.com"]);
    assert_eq!(params(&url, "prompt"), ["select_account"]);
    assert_eq!(
        params(&url, "scope"),
        [format!("openid email profile {CALENDAR}")]
    );
    assert_eq!(params(&url, "code_challenge_method"), ["S256"]);

    let plain = flow.start("google").await.unwrap().authorization_url;
    assert!(params(&plain, "login_hint").is_empty());
    assert!(params(&plain, "prompt").is_empty());
    assert_eq!(params(&plain, "scope"), ["openid email profile"]);
}

#[tokio::test]
async fn a_per_login_prompt_replaces_the_registered_one_instead_of_doubling_it() {
    let server = MockServer::start().await;
    let google = Provider::google(credentials(&server))
        .rebased(&base(&server))
        .with_param("prompt", "consent")
        .unwrap();
    let flow = flow(&clock(), vec![Arc::new(google)]);

    let registered = flow.start("google").await.unwrap().authorization_url;
    assert_eq!(params(&registered, "prompt"), ["consent"]);
    let per_login = flow
        .start_with("google", &LoginOptions::new().prompt(Prompt::Login))
        .await
        .unwrap()
        .authorization_url;
    assert_eq!(params(&per_login, "prompt"), ["login"]);
}

#[tokio::test]
async fn options_a_provider_could_misread_are_refused_before_anything_is_parked() {
    let server = MockServer::start().await;
    let google = Provider::google(credentials(&server)).rebased(&base(&server));
    let flow = flow(&clock(), vec![Arc::new(google)]);
    for options in [
        LoginOptions::new().login_hint("kim\r\nX: y"),
        LoginOptions::new().extra_scope("openid admin"),
        LoginOptions::new().login_hint("k".repeat(300)),
    ] {
        let refused = flow.start_with("google", &options).await.unwrap_err();
        assert!(
            matches!(refused, LoginError::InvalidOptions(_)),
            "{refused:?}"
        );
        assert!(
            !refused.to_string().contains("kim") && !refused.to_string().contains("admin"),
            "the error never echoes the value: {refused}"
        );
    }
}
