//! Issue 14 over HTTP, through axum and actix alike: every unauthenticated endpoint answers
//! 429 with `Retry-After` once its limit is spent (counted before the work: rows, not
//! time), the enumeration-safe signup answers a taken address like a new one, and the
//! owner's signed-in device passes the account-wide ceiling.

use std::time::Duration;

use auth_core::flows::{AuthConfig, MailKind, SignupMode, ThrottleLimit};
use auth_core::store::UserStore as _;
use auth_tower::EndpointsConfig;
use serde_json::json;

use super::scenarios::{Build, assert_json_error};
use super::{Options, PASSWORD, Req, Resp};

fn signup(email: &str) -> Req {
    Req::post("/auth/signup").json(json!({"email": email, "password": PASSWORD}))
}

fn login(email: &str, password: &str) -> Req {
    Req::post("/auth/login").json(json!({"email": email, "password": password}))
}

/// 429 `too_many_attempts` with a positive `Retry-After` of at most `window`.
fn assert_throttled(resp: &Resp, window: Duration) {
    assert_json_error(resp, 429, "too_many_attempts");
    let retry_after: u64 = resp
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!(
        retry_after > 0 && retry_after <= window.as_secs(),
        "{retry_after}"
    );
}

/// Signup flood from one network: 10 accounts, then 429 with `Retry-After` and no row
/// written; another network still signs up.
pub async fn signup_flood_gets_429_with_retry_after(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    for n in 0..10 {
        let resp = app.send(signup(&format!("u{n}@example.com"))).await;
        assert_eq!(resp.status, 201, "{}", resp.text());
    }
    let refused = app.send(signup("u10@example.com")).await;
    assert_throttled(&refused, Duration::from_secs(3600));
    let row = fx.stores.users.user_by_email("u10@example.com").await;
    assert!(
        row.unwrap().is_none(),
        "refused before the account was written"
    );
    let elsewhere = app.send(signup("u11@example.com").peer("192.0.2.80")).await;
    assert_eq!(elsewhere.status, 201);
}

/// Forgot, reset, verify and refresh floods: each endpoint answers its own work until its
/// limit, then 429 with `Retry-After`.
pub async fn forgot_reset_verify_and_refresh_floods_get_429(build: &Build) {
    let (_fx, app) = build(Options::default(), EndpointsConfig::default());
    let forgot = |email: &str| Req::post("/auth/password/forgot").json(json!({"email": email}));
    for n in 0..5 {
        let resp = app.send(forgot(&format!("n{n}@example.com"))).await;
        assert_eq!(resp.status, 202, "{}", resp.text());
    }
    assert_throttled(
        &app.send(forgot("n9@example.com")).await,
        Duration::from_secs(3600),
    );

    let reset = || {
        Req::post("/auth/password/reset")
            .json(json!({"token": "bogus", "new_password": "quiet-river-stone-19"}))
    };
    let verify = || Req::post("/auth/email/verify").json(json!({"token": "bogus"}));
    for _ in 0..10 {
        assert_json_error(&app.send(reset()).await, 400, "invalid_one_time_token");
        assert_json_error(&app.send(verify()).await, 400, "invalid_one_time_token");
    }
    assert_throttled(&app.send(reset()).await, Duration::from_secs(900));
    assert_throttled(&app.send(verify()).await, Duration::from_secs(900));

    let refresh = || Req::post("/auth/refresh").json(json!({"refresh_token": "bogus"}));
    for _ in 0..60 {
        assert_json_error(&app.send(refresh()).await, 401, "invalid_refresh_token");
    }
    assert_throttled(&app.send(refresh()).await, Duration::from_secs(60));
}

/// Account enumeration by signup: with `SignupMode::EnumerationSafe`, a taken address gets
/// the very status and body a new one gets — 202, no token, no cookie — and the owner is
/// mailed instead.
pub async fn enumeration_safe_signup_answers_taken_like_new(build: &Build) {
    let options = Options {
        configure: |config: &mut AuthConfig| config.signup_mode = SignupMode::EnumerationSafe,
        ..Options::default()
    };
    let (fx, app) = build(options, EndpointsConfig::default());
    let new = app.send(signup("kim@example.com")).await;
    let taken = app.send(signup("KIM@example.com").peer("192.0.2.80")).await;
    assert_eq!(new.status, 202, "{}", new.text());
    assert_eq!(new.json(), json!({"status": "accepted"}));
    assert_eq!((new.status, &new.body), (taken.status, &taken.body));
    for resp in [&new, &taken] {
        assert!(resp.header("set-cookie").is_none());
        assert_eq!(resp.header("cache-control"), Some("no-store"));
    }
    let kinds: Vec<MailKind> = fx.mailer.sent().iter().map(|mail| mail.kind).collect();
    assert_eq!(
        kinds,
        [MailKind::EmailVerification, MailKind::SignupAttempt]
    );
}

fn small_ceiling(config: &mut AuthConfig) {
    let window = Duration::from_secs(900);
    config.account_throttle = ThrottleLimit::new(2, window);
    config.account_ceiling = ThrottleLimit::new(4, window);
}

/// Strangers on four networks exhaust the account-wide ceiling: the owner's login without
/// its session is 429, with the device's refresh token (bearer mode: in the body) 200.
pub async fn owner_device_passes_the_ceiling_in_bearer_mode(build: &Build) {
    let options = Options {
        configure: small_ceiling,
        ..Options::default()
    };
    let (fx, app) = build(options, EndpointsConfig::default());
    fx.user("kim@example.com").await;
    let first = app.send(login("kim@example.com", PASSWORD)).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let device = first.json()["refresh_token"].as_str().unwrap().to_owned();
    for n in 0..4 {
        let stranger = login("kim@example.com", "wrong-guess-123").peer(&format!("192.0.2.{n}"));
        assert_json_error(&app.send(stranger).await, 401, "invalid_credentials");
    }
    let refused = app.send(login("kim@example.com", PASSWORD)).await;
    assert_throttled(&refused, Duration::from_secs(900));
    let owner = app
        .send(Req::post("/auth/login").json(json!({
            "email": "kim@example.com",
            "password": PASSWORD,
            "refresh_token": device,
        })))
        .await;
    assert_eq!(owner.status, 200, "{}", owner.text());
}

/// The same in cookie mode: the browser's `__Host-refresh` cookie is the proof.
pub async fn owner_device_passes_the_ceiling_in_cookie_mode(build: &Build) {
    let options = Options {
        configure: small_ceiling,
        ..Options::default()
    };
    let mut config = EndpointsConfig::cookie_mode();
    config.allowed_origins = vec!["https://app.test".to_owned()];
    let (fx, app) = build(options, config);
    fx.user("kim@example.com").await;
    let browser_login = || {
        login("kim@example.com", PASSWORD)
            .header("origin", "https://app.test")
            .header("sec-fetch-site", "same-origin")
    };
    let first = app.send(browser_login()).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let (refresh, _) = first.cookie("__Host-refresh").expect("refresh cookie");
    // The proof is optional: a repeated (or stale) cookie makes an ordinary login.
    let repeated = app
        .send(browser_login().header("cookie", "__Host-refresh=a; __Host-refresh=b"))
        .await;
    assert_eq!(repeated.status, 200, "{}", repeated.text());
    for n in 0..4 {
        let stranger = login("kim@example.com", "wrong-guess-123")
            .header("origin", "https://app.test")
            .peer(&format!("192.0.2.{n}"));
        assert_json_error(&app.send(stranger).await, 401, "invalid_credentials");
    }
    assert_throttled(&app.send(browser_login()).await, Duration::from_secs(900));
    let owner = app
        .send(browser_login().header("cookie", &format!("__Host-refresh={refresh}")))
        .await;
    assert_eq!(owner.status, 200, "{}", owner.text());
}
