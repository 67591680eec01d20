//! Black-box scenarios, run once through axum and once through actix.

use std::time::Duration;

use auth_core::Clock as _;
use auth_core::flows::{ClientInfo, MailKind};
use auth_core::password::Password;
use auth_core::store::{RevokeReason, SessionStore as _, UserStore};
use auth_tower::EndpointsConfig;
use serde_json::json;

use super::logs::CapturedLogs;
use super::{Client, DOWN_CAUSE, Fixture, Options, PASSWORD, Req, Resp, STALENESS};

#[allow(unused_imports)] // the rate-limit test binaries use none of them
pub use super::abuse::*;

/// Builds a fixture and an app (one framework) over it.
pub type Build = dyn Fn(Options, EndpointsConfig) -> (Fixture, Client);

pub(super) fn assert_json_error(resp: &Resp, status: u16, error: &str) {
    assert_eq!(resp.status, status, "{}", resp.text());
    assert_eq!(resp.error(), error, "{}", resp.text());
    assert!(resp.json()["error_description"].is_string());
}

// ---------------------------------------------------------------- the layer

pub async fn missing_credentials(build: &Build) {
    let (_fx, app) = build(Options::default(), EndpointsConfig::default());
    let resp = app.send(Req::get("/api/hello")).await;
    assert_json_error(&resp, 401, "unauthorized");
    // RFC 6750 §3.1: no error code when the request had no credentials.
    assert_eq!(
        resp.header("www-authenticate"),
        Some("Bearer realm=\"test\"")
    );
    // Another scheme is not bearer credentials either.
    let basic = app
        .send(Req::get("/api/hello").header("authorization", "Basic dXNlcjpwYXNz"))
        .await;
    assert_eq!(basic.status, 401);
    assert_eq!(
        basic.header("www-authenticate"),
        Some("Bearer realm=\"test\"")
    );
}

pub async fn invalid_token(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    let token = fx.user("kim@example.com").await;
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    for bad in [tampered.as_str(), "not.a.jwt", "abc"] {
        let resp = app.send(Req::get("/api/hello").bearer(bad)).await;
        assert_json_error(&resp, 401, "invalid_token");
        assert_eq!(
            resp.header("www-authenticate"),
            Some("Bearer realm=\"test\", error=\"invalid_token\"")
        );
        assert!(
            !resp.text().contains("signature"),
            "no detail for attackers"
        );
    }
    // Expired: move past the 15-minute lifetime and the 30 s leeway.
    fx.clock.advance(Duration::from_secs(15 * 60 + 31));
    let resp = app.send(Req::get("/api/hello").bearer(&token)).await;
    assert_json_error(&resp, 401, "invalid_token");
}

pub async fn duplicated_or_malformed_credentials(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    let token = fx.user("kim@example.com").await;
    let two = app
        .send(Req::get("/api/hello").bearer(&token).bearer(&token))
        .await;
    assert_json_error(&two, 400, "invalid_request");
    assert_eq!(
        two.header("www-authenticate"),
        Some("Bearer realm=\"test\", error=\"invalid_request\"")
    );
    for malformed in ["Bearer", "Bearer a b", "Bearer \"quoted\""] {
        let resp = app
            .send(Req::get("/api/hello").header("authorization", malformed))
            .await;
        assert_json_error(&resp, 400, "invalid_request");
    }
}

pub async fn query_string_token_is_ignored(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    let token = fx.user("kim@example.com").await;
    let resp = app
        .send(Req::get(&format!("/api/hello?access_token={token}")))
        .await;
    assert_json_error(&resp, 401, "unauthorized");
    assert_eq!(
        resp.header("www-authenticate"),
        Some("Bearer realm=\"test\"")
    );
}

pub async fn valid_token_reaches_the_handler(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    let token = fx
        .user_with("kim@example.com", &["editor"], None, None)
        .await;
    let resp = app.send(Req::get("/api/hello").bearer(&token)).await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    let user = fx
        .stores
        .users
        .user_by_email("kim@example.com")
        .await
        .unwrap()
        .unwrap();
    let body = resp.json();
    assert_eq!(body["sub"], user.id.to_string());
    assert!(body["sid"].is_string());
    assert_eq!(body["roles"], json!(["editor"]));
}

pub async fn revoked_session_refused_once_cache_bound_passed(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    let token = fx.user("kim@example.com").await;
    assert_eq!(
        app.send(Req::get("/api/hello").bearer(&token)).await.status,
        200
    );
    // End the session behind this instance's back (another instance, an administrator):
    // a logout through this instance's own endpoints would drop the cached answer at once.
    let user = fx
        .stores
        .users
        .user_by_email("kim@example.com")
        .await
        .unwrap()
        .unwrap();
    let ended = fx
        .stores
        .sessions
        .revoke_user_sessions(user.id, None, RevokeReason::Administrative, fx.clock.now())
        .await
        .unwrap();
    assert_eq!(ended, 1);
    // Within the staleness bound the cached "live" answer is still served…
    assert_eq!(
        app.send(Req::get("/api/hello").bearer(&token)).await.status,
        200
    );
    fx.clock.advance(STALENESS + Duration::from_secs(1));
    // …once it has passed, the token is refused.
    let resp = app.send(Req::get("/api/hello").bearer(&token)).await;
    assert_json_error(&resp, 401, "invalid_token");
    assert_eq!(
        resp.header("www-authenticate"),
        Some("Bearer realm=\"test\", error=\"invalid_token\"")
    );
}

pub async fn optional_mode(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    let anonymous = app.send(Req::get("/api/optional")).await;
    assert_eq!(anonymous.status, 200);
    assert_eq!(anonymous.json()["sub"], serde_json::Value::Null);
    let token = fx.user("kim@example.com").await;
    let known = app.send(Req::get("/api/optional").bearer(&token)).await;
    assert_eq!(known.status, 200);
    assert!(known.json()["sub"].is_string());
    // A bad token is never downgraded to anonymous.
    let bad = app
        .send(Req::get("/api/optional").bearer("abc.def.ghi"))
        .await;
    assert_json_error(&bad, 401, "invalid_token");
}

pub async fn guards_answer_403(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    let plain = fx
        .user_with("plain@example.com", &[], Some("free"), None)
        .await;
    let admin = fx
        .user_with(
            "admin@example.com",
            &["admin"],
            Some("studio"),
            Some("acme"),
        )
        .await;
    for path in [
        "/api/admin",
        "/api/admin-extractor",
        "/api/pro",
        "/api/tenant",
    ] {
        let refused = app.send(Req::get(path).bearer(&plain)).await;
        assert_json_error(&refused, 403, "insufficient_scope");
        assert_eq!(
            refused.header("www-authenticate"),
            Some("Bearer realm=\"test\", error=\"insufficient_scope\""),
            "{path}"
        );
        assert!(!refused.text().contains("admin"), "{path}: no hint");
        let allowed = app.send(Req::get(path).bearer(&admin)).await;
        assert_eq!(allowed.status, 200, "{path}: {}", allowed.text());
        let anonymous = app.send(Req::get(path)).await;
        assert_eq!(anonymous.status, 401, "{path}");
    }
    // Scope: our first-party tokens carry none, so the scope guard refuses both.
    let scoped = app.send(Req::get("/api/scoped").bearer(&admin)).await;
    assert_json_error(&scoped, 403, "insufficient_scope");
}

/// A store that fails answers 500 and, since issue 13, logs the store's own words — not only
/// "storage backend failure" — while the client hears none of them.
pub async fn revocation_store_down_fails_closed(build: &Build) {
    let options = Options {
        failing_revocations: true,
        ..Options::default()
    };
    let (fx, app) = build(options, EndpointsConfig::default());
    let token = fx.user("kim@example.com").await;
    let logs = CapturedLogs::start();
    let resp = app.send(Req::get("/api/hello").bearer(&token)).await;
    assert_json_error(&resp, 500, "server_error");
    assert_eq!(resp.header("www-authenticate"), None);
    assert!(
        !resp.text().contains("test cause"),
        "the cause is for the log only: {}",
        resp.text()
    );
    let logged = logs.text();
    assert!(
        logged.contains("ERROR") && logged.contains(DOWN_CAUSE),
        "the store's own error must reach the log at ERROR; logged: {logged:?}"
    );
}

/// Issue 14: with the database down, requests hung 30 s and answered 500. An unreachable
/// store (`StoreError::Unavailable`) answers 503 `temporarily_unavailable` with
/// `Retry-After` — the layer's revocation check, the endpoints' own authentication and the
/// login flow alike — and everything works again once the store is back.
pub async fn unreachable_store_answers_503_with_retry_after_and_recovers(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    let token = fx.user("kim@example.com").await;
    fx.outage.store(true, std::sync::atomic::Ordering::SeqCst);
    for request in [
        Req::get("/api/hello").bearer(&token),
        Req::get("/auth/me").bearer(&token),
        login("kim@example.com", PASSWORD),
    ] {
        let resp = app.send(request).await;
        assert_json_error(&resp, 503, "temporarily_unavailable");
        assert_eq!(
            resp.header("retry-after"),
            Some("2"),
            "the default, in seconds"
        );
        assert_eq!(
            resp.header("www-authenticate"),
            None,
            "not the client's fault"
        );
    }
    fx.outage.store(false, std::sync::atomic::Ordering::SeqCst);
    let hello = app.send(Req::get("/api/hello").bearer(&token)).await;
    assert_eq!(hello.status, 200, "{}", hello.text());
    let login = app.send(login("kim@example.com", PASSWORD)).await;
    assert_eq!(login.status, 200, "{}", login.text());
}

// ---------------------------------------------------------------- endpoints

fn login(email: &str, password: &str) -> Req {
    Req::post("/auth/login").json(json!({"email": email, "password": password}))
}

fn assert_token_response(resp: &Resp, status: u16, with_refresh: bool) {
    assert_eq!(resp.status, status, "{}", resp.text());
    assert_eq!(resp.header("cache-control"), Some("no-store"));
    let body = resp.json();
    assert!(
        body["access_token"]
            .as_str()
            .is_some_and(|t| t.split('.').count() == 3)
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["refresh_token"].is_string(), with_refresh, "{body}");
}

pub async fn signup_and_login(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    let signup = app
        .send(
            Req::post("/auth/signup")
                .json(json!({"email": "kim@example.com", "password": PASSWORD})),
        )
        .await;
    assert_token_response(&signup, 201, true);
    // The verification mail went out.
    assert!(
        fx.mailer
            .last_token(MailKind::EmailVerification, "kim@example.com")
            .is_some()
    );

    let again = app
        .send(
            Req::post("/auth/signup")
                .json(json!({"email": "KIM@example.com", "password": PASSWORD})),
        )
        .await;
    assert_json_error(&again, 409, "email_taken");
    let weak = app
        .send(
            Req::post("/auth/signup")
                .json(json!({"email": "lee@example.com", "password": "short"})),
        )
        .await;
    assert_json_error(&weak, 400, "weak_password");

    let ok = app.send(login("kim@example.com", PASSWORD)).await;
    assert_token_response(&ok, 200, true);
    let wrong = app
        .send(login("kim@example.com", "wrong-password-123"))
        .await;
    assert_json_error(&wrong, 401, "invalid_credentials");
    assert_eq!(
        wrong.header("www-authenticate"),
        Some("Bearer realm=\"test\"")
    );
    let unknown = app.send(login("nobody@example.com", PASSWORD)).await;
    assert_eq!(unknown.status, wrong.status);
    assert_eq!(unknown.body, wrong.body, "no account enumeration");
}

pub async fn malformed_requests(build: &Build) {
    let (_fx, app) = build(Options::default(), EndpointsConfig::default());
    let broken = app
        .send(Req::post("/auth/login").raw("application/json", "{\"email\": "))
        .await;
    assert_json_error(&broken, 400, "invalid_request");
    let wrong_shape = app
        .send(Req::post("/auth/login").json(json!({"user": "kim"})))
        .await;
    assert_json_error(&wrong_shape, 400, "invalid_request");
    let form = app
        .send(Req::post("/auth/login").raw(
            "application/x-www-form-urlencoded",
            "email=kim%40example.com&password=x",
        ))
        .await;
    assert_json_error(&form, 415, "invalid_request");
    let huge = format!(
        "{{\"email\":\"kim@example.com\",\"password\":\"{}\"}}",
        "x".repeat(EndpointsConfig::DEFAULT_MAX_BODY_BYTES)
    );
    let oversized = app
        .send(Req::post("/auth/login").raw("application/json", huge))
        .await;
    assert_json_error(&oversized, 413, "invalid_request");
    let missing = app.send(Req::get("/auth/nothing-here")).await;
    assert_json_error(&missing, 404, "not_found");
    let method = app.send(Req::get("/auth/login")).await;
    assert_json_error(&method, 405, "method_not_allowed");
    assert_eq!(method.header("allow"), Some("POST"));
}

pub async fn refresh_in_bearer_mode(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    fx.user("kim@example.com").await;
    let first = app.send(login("kim@example.com", PASSWORD)).await.json();
    let refresh_token = first["refresh_token"].as_str().unwrap().to_owned();
    let refresh = |token: &str| Req::post("/auth/refresh").json(json!({"refresh_token": token}));

    let rotated = app.send(refresh(&refresh_token)).await;
    assert_token_response(&rotated, 200, true);
    assert_ne!(rotated.json()["refresh_token"], first["refresh_token"]);
    // Presented again after the grace window: theft assumed, session ended.
    fx.clock.advance(Duration::from_secs(10));
    let reused = app.send(refresh(&refresh_token)).await;
    assert_json_error(&reused, 401, "refresh_token_reused");
    let newest = rotated.json()["refresh_token"].as_str().unwrap().to_owned();
    let after = app.send(refresh(&newest)).await;
    assert_json_error(&after, 401, "invalid_refresh_token");
    let garbage = app.send(refresh("garbage")).await;
    assert_json_error(&garbage, 401, "invalid_refresh_token");
    assert_eq!(
        garbage.header("www-authenticate"),
        Some("Bearer realm=\"test\", error=\"invalid_token\"")
    );
    let no_body = app.send(Req::post("/auth/refresh")).await;
    assert_eq!(no_body.status, 415);
}

/// Logout takes effect at once on the instance that served it, with the default cache: the
/// logout request itself had just cached the session as live, so the access token kept working
/// for the staleness bound (5 s) — contradicting the README. Also for logout-all, ending a
/// session from the list, and a password change (which ends the other sessions).
pub async fn logout_takes_effect_at_once_on_this_instance(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    let first = fx.user("kim@example.com").await;
    let token_of = |body: serde_json::Value| body["access_token"].as_str().unwrap().to_owned();
    let second = token_of(app.send(login("kim@example.com", PASSWORD)).await.json());
    let third = token_of(app.send(login("kim@example.com", PASSWORD)).await.json());
    let fourth = token_of(app.send(login("kim@example.com", PASSWORD)).await.json());
    let live = |token: String| {
        let request = Req::get("/api/hello").bearer(&token);
        let app = &app;
        async move { app.send(request).await.status == 200 }
    };
    for token in [&first, &second, &third, &fourth] {
        assert!(live(token.clone()).await, "cached as live");
    }

    let out = app.send(Req::post("/auth/logout").bearer(&first)).await;
    assert_eq!(out.status, 204);
    assert!(!live(first.clone()).await, "logout: refused at once");
    assert!(live(second.clone()).await, "the other sessions stand");

    let sessions = app
        .send(Req::get("/auth/sessions").bearer(&second))
        .await
        .json();
    let other_sid = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|session| session["current"] == false)
        .map(|session| session["id"].as_str().unwrap().to_owned())
        .unwrap();
    let ended = app
        .send(Req::delete(&format!("/auth/sessions/{other_sid}")).bearer(&second))
        .await;
    assert_eq!(ended.status, 204);
    let still = [live(third.clone()).await, live(fourth.clone()).await];
    assert!(
        still.contains(&false),
        "the ended session's token is refused at once"
    );

    let changed = app
        .send(Req::post("/auth/password/change").bearer(&second).json(
            json!({ "current_password": PASSWORD, "new_password": "copper-heron-velvet-17" }),
        ))
        .await;
    assert_eq!(changed.status, 204, "{}", changed.text());
    assert!(live(second.clone()).await, "the changing session stays");
    for token in [&third, &fourth] {
        assert!(
            !live(token.clone()).await,
            "password change: others refused at once"
        );
    }

    let all = app
        .send(Req::post("/auth/logout-all").bearer(&second))
        .await;
    assert_eq!(all.status, 200);
    assert!(!live(second).await, "logout-all: refused at once");
}

pub async fn logout_and_logout_all(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    let signup_token = fx.user("kim@example.com").await;
    let second = app.send(login("kim@example.com", PASSWORD)).await.json();
    let second = second["access_token"].as_str().unwrap().to_owned();

    let anonymous = app.send(Req::post("/auth/logout")).await;
    assert_json_error(&anonymous, 401, "unauthorized");
    let out = app.send(Req::post("/auth/logout").bearer(&second)).await;
    assert_eq!(out.status, 204);
    assert_eq!(out.header("cache-control"), Some("no-store"));

    let all = app
        .send(Req::post("/auth/logout-all").bearer(&signup_token))
        .await;
    assert_eq!(all.status, 200, "{}", all.text());
    assert_eq!(all.json()["sessions_ended"], 1);
    fx.clock.advance(STALENESS + Duration::from_secs(1));
    for token in [&signup_token, &second] {
        let refused = app.send(Req::get("/auth/me").bearer(token)).await;
        assert_json_error(&refused, 401, "invalid_token");
    }
}

pub async fn me_and_sessions(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    let token = fx.user("kim@example.com").await;
    let other = app
        .send(login("kim@example.com", PASSWORD).header("user-agent", "phone/1.0"))
        .await
        .json();
    let other_token = other["access_token"].as_str().unwrap().to_owned();

    let me = app.send(Req::get("/auth/me").bearer(&token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.header("cache-control"), Some("no-store"));
    assert_eq!(me.json()["email"], "kim@example.com");
    assert!(!me.text().contains("password"), "never the hash");
    assert_eq!(app.send(Req::get("/auth/me")).await.status, 401);

    let list = app.send(Req::get("/auth/sessions").bearer(&token)).await;
    assert_eq!(list.status, 200);
    let sessions = list.json();
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let phone = sessions
        .iter()
        .find(|s| s["user_agent"] == "phone/1.0")
        .expect("the phone session");
    assert_eq!(phone["ip"], "198.51.100.7", "peer address recorded");
    let phone_id = phone["id"].as_str().unwrap().to_owned();

    let end = app
        .send(Req::delete(&format!("/auth/sessions/{phone_id}")).bearer(&token))
        .await;
    assert_eq!(end.status, 204, "{}", end.text());
    let again = app
        .send(Req::delete(&format!("/auth/sessions/{phone_id}")).bearer(&token))
        .await;
    assert_json_error(&again, 404, "session_not_found");
    let junk = app
        .send(Req::delete("/auth/sessions/not-a-uuid").bearer(&token))
        .await;
    assert_json_error(&junk, 404, "session_not_found");
    // Someone else's session is as unknown as a missing one.
    let stranger = fx.user("lee@example.com").await;
    let mine = app
        .send(Req::get("/auth/sessions").bearer(&token))
        .await
        .json();
    let my_id = mine[0]["id"].as_str().unwrap().to_owned();
    let theirs = app
        .send(Req::delete(&format!("/auth/sessions/{my_id}")).bearer(&stranger))
        .await;
    assert_json_error(&theirs, 404, "session_not_found");
    // The ended phone session's token stops working once the cache bound passes.
    fx.clock.advance(STALENESS + Duration::from_secs(1));
    assert_eq!(
        app.send(Req::get("/auth/me").bearer(&other_token))
            .await
            .status,
        401
    );
}

pub async fn password_change(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    let token = fx.user("kim@example.com").await;
    let change = |current: &str, new: &str| {
        Req::post("/auth/password/change")
            .bearer(&token)
            .json(json!({"current_password": current, "new_password": new}))
    };
    let wrong = app
        .send(change("not-my-password", "sunlit-garden-path-77"))
        .await;
    assert_json_error(&wrong, 401, "invalid_credentials");
    let weak = app.send(change(PASSWORD, "short")).await;
    assert_json_error(&weak, 400, "weak_password");
    let ok = app.send(change(PASSWORD, "sunlit-garden-path-77")).await;
    assert_eq!(ok.status, 204, "{}", ok.text());
    assert_eq!(
        app.send(login("kim@example.com", PASSWORD)).await.status,
        401
    );
    assert_eq!(
        app.send(login("kim@example.com", "sunlit-garden-path-77"))
            .await
            .status,
        200
    );
    let anonymous = app
        .send(
            Req::post("/auth/password/change")
                .json(json!({"current_password": "a", "new_password": "b"})),
        )
        .await;
    assert_eq!(anonymous.status, 401);
}

/// Issue 15: a guard that wants a sign-in within 5 minutes refuses a 10-minute-old one with
/// RFC 9470's challenge (401 `insufficient_user_authentication`, `max_age`), a refresh does not
/// satisfy it (refresh keeps `auth_time`), and `POST /auth/reauthenticate` does.
pub async fn step_up_guard_refuses_an_old_sign_in_until_reauthentication_rfc9470(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    let token = fx.user("kim@example.com").await;
    let fresh = app.send(Req::get("/api/recent").bearer(&token)).await;
    assert_eq!(
        fresh.status,
        200,
        "a sign-in just now passes: {}",
        fresh.text()
    );

    fx.clock.advance(std::time::Duration::from_secs(600));
    let stale = app.send(Req::get("/api/recent").bearer(&token)).await;
    assert_eq!(stale.status, 401, "{}", stale.text());
    assert_eq!(
        stale.header("www-authenticate"),
        Some("Bearer realm=\"test\", error=\"insufficient_user_authentication\", max_age=\"300\"")
    );
    assert_eq!(stale.json()["error"], "insufficient_user_authentication");

    let wrong = app
        .send(
            Req::post("/auth/reauthenticate")
                .bearer(&token)
                .json(json!({"password": "not-my-password"})),
        )
        .await;
    assert_json_error(&wrong, 401, "invalid_credentials");
    let again = app
        .send(
            Req::post("/auth/reauthenticate")
                .bearer(&token)
                .json(json!({"password": PASSWORD})),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.text());
    let stepped_up = again.json()["access_token"]
        .as_str()
        .expect("an access token")
        .to_owned();
    assert!(again.json().get("refresh_token").is_none());
    let passed = app.send(Req::get("/api/recent").bearer(&stepped_up)).await;
    assert_eq!(passed.status, 200, "{}", passed.text());
    // The old token still carries the old auth_time: still refused.
    let old = app.send(Req::get("/api/recent").bearer(&token)).await;
    assert_eq!(old.status, 401);

    let anonymous = app
        .send(Req::post("/auth/reauthenticate").json(json!({"password": PASSWORD})))
        .await;
    assert_eq!(anonymous.status, 401);
}

/// RFC 4648 base32 (the `manual_key` of a TOTP enrolment), for the test to play the app.
fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut bits, mut value, mut out) = (0u32, 0u32, Vec::new());
    for c in text.bytes().filter(|c| *c != b'=') {
        let index = ALPHABET
            .iter()
            .position(|a| *a == c.to_ascii_uppercase())
            .expect("base32");
        value = (value << 5) | u32::try_from(index).unwrap();
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((value >> bits) & 0xff).unwrap());
        }
    }
    out
}

/// The authenticator app's code for `manual_key` now.
fn app_code(fx: &Fixture, manual_key: &str) -> String {
    use auth_core::Clock as _;
    let secret = auth_core::mfa::TotpSecret::from_bytes(base32_decode(manual_key)).expect("secret");
    auth_core::mfa::TotpConfig::default()
        .code_at(&secret, fx.clock.now())
        .expect("code")
        .to_string()
}

/// Issue 15 over HTTP: enrol TOTP (QR code, confirm, recovery codes), then a login needs the
/// second step; a replayed code is refused with a fresh challenge; a recovery code works
/// once; removing TOTP needs a recent sign-in (RFC 9470 challenge) and works after
/// `POST /reauthenticate` with the app's code.
pub async fn totp_enrolment_and_second_factor_login(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    let token = fx.user("kim@example.com").await;
    let enrolled = app
        .send(Req::post("/auth/totp/enroll").bearer(&token))
        .await;
    assert_eq!(enrolled.status, 200, "{}", enrolled.text());
    let enrolment = enrolled.json();
    assert!(
        enrolment["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    assert!(enrolment["qr_svg"].as_str().unwrap().contains("<svg"));
    let key = enrolment["manual_key"].as_str().unwrap().to_owned();
    let wrong = app
        .send(
            Req::post("/auth/totp/confirm")
                .bearer(&token)
                .json(json!({"code": "12"})),
        )
        .await;
    assert_json_error(&wrong, 400, "invalid_code");
    let confirmed = app
        .send(
            Req::post("/auth/totp/confirm")
                .bearer(&token)
                .json(json!({"code": app_code(&fx, &key)})),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text());
    let codes: Vec<String> = confirmed.json()["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|code| code.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    assert!(confirmed.json()["access_token"].is_string());
    let status = app
        .send(Req::get("/auth/second-factors").bearer(&token))
        .await;
    assert_eq!(
        status.json(),
        json!({"totp": true, "recovery_codes_left": 10})
    );

    // A login now needs the second step.
    fx.clock.advance(Duration::from_secs(30));
    let challenged = app.send(login("kim@example.com", PASSWORD)).await;
    assert_json_error(&challenged, 401, "second_factor_required");
    let body = challenged.json();
    assert_eq!(body["methods"], json!(["totp", "recovery_code"]));
    assert_eq!(body["expires_in"], 300);
    assert!(body.get("access_token").is_none());
    let code = app_code(&fx, &key);
    let done = app
        .send(
            Req::post("/auth/login/second-factor")
                .json(json!({"challenge": body["challenge"], "code": code})),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text());
    let signed_in = done.json()["access_token"].as_str().unwrap().to_owned();
    let hello = app.send(Req::get("/api/hello").bearer(&signed_in)).await;
    assert_eq!(hello.status, 200);

    // RFC 6238 §5.2: the same code again is refused, with the next challenge.
    let again = app.send(login("kim@example.com", PASSWORD)).await.json();
    let replay = app
        .send(
            Req::post("/auth/login/second-factor")
                .json(json!({"challenge": again["challenge"], "code": code})),
        )
        .await;
    assert_json_error(&replay, 401, "invalid_second_factor");
    let retry = replay.json()["challenge"]
        .as_str()
        .expect("a retry")
        .to_owned();
    let both = app
        .send(
            Req::post("/auth/login/second-factor")
                .json(json!({"challenge": retry, "code": "1", "recovery_code": "x"})),
        )
        .await;
    assert_json_error(&both, 400, "invalid_request");
    let recovered = app
        .send(
            Req::post("/auth/login/second-factor")
                .json(json!({"challenge": retry, "recovery_code": codes[0]})),
        )
        .await;
    assert_eq!(recovered.status, 200, "{}", recovered.text());

    // Turning TOTP off needs a recent sign-in.
    fx.clock.advance(Duration::from_secs(11 * 60));
    let stale = app.send(Req::delete("/auth/totp").bearer(&signed_in)).await;
    assert_json_error(&stale, 401, "insufficient_user_authentication");
    assert_eq!(
        stale.header("www-authenticate"),
        Some("Bearer realm=\"test\", error=\"insufficient_user_authentication\", max_age=\"600\"")
    );
    // A step-up with the app's code (what an account without a password uses); exactly one
    // proof per request.
    let both = app
        .send(
            Req::post("/auth/reauthenticate")
                .bearer(&signed_in)
                .json(json!({"password": PASSWORD, "code": "123456"})),
        )
        .await;
    assert_json_error(&both, 400, "invalid_request");
    let stepped_up = app
        .send(
            Req::post("/auth/reauthenticate")
                .bearer(&signed_in)
                .json(json!({"code": app_code(&fx, &key)})),
        )
        .await;
    assert_eq!(stepped_up.status, 200, "{}", stepped_up.text());
    let fresh = stepped_up.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let removed = app.send(Req::delete("/auth/totp").bearer(&fresh)).await;
    assert_eq!(removed.status, 204, "{}", removed.text());
    assert_eq!(
        app.send(login("kim@example.com", PASSWORD)).await.status,
        200
    );
}

pub async fn password_forgot_and_reset(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    fx.user("kim@example.com").await;
    let forgot = |email: &str| Req::post("/auth/password/forgot").json(json!({"email": email}));
    let known = app.send(forgot("kim@example.com")).await;
    let unknown = app.send(forgot("nobody@example.com")).await;
    assert_eq!(known.status, 202);
    assert_eq!(
        (known.status, known.body.clone()),
        (unknown.status, unknown.body.clone()),
        "no account enumeration"
    );
    // The mail goes out after the answer (no timing oracle): wait for it.
    fx.service.drain_background_work().await;
    let token = fx
        .mailer
        .last_token(MailKind::PasswordReset, "kim@example.com")
        .expect("reset mail");
    let reset = |token: &str| {
        Req::post("/auth/password/reset")
            .json(json!({"token": token, "new_password": "quiet-river-stone-19"}))
    };
    let ok = app.send(reset(&token)).await;
    assert_eq!(ok.status, 204, "{}", ok.text());
    let reused = app.send(reset(&token)).await;
    assert_json_error(&reused, 400, "invalid_one_time_token");
    let bogus = app.send(reset("bogus")).await;
    assert_json_error(&bogus, 400, "invalid_one_time_token");
    assert_eq!(
        app.send(login("kim@example.com", "quiet-river-stone-19"))
            .await
            .status,
        200
    );
}

pub async fn email_verification(build: &Build) {
    let (fx, app) = build(Options::default(), EndpointsConfig::default());
    app.send(
        Req::post("/auth/signup").json(json!({"email": "kim@example.com", "password": PASSWORD})),
    )
    .await;
    let token = fx
        .mailer
        .last_token(MailKind::EmailVerification, "kim@example.com")
        .expect("verification mail");
    let verify = |token: &str| Req::post("/auth/email/verify").json(json!({"token": token}));
    assert_json_error(
        &app.send(verify("bogus")).await,
        400,
        "invalid_one_time_token",
    );
    assert_eq!(app.send(verify(&token)).await.status, 204);
    let user = fx
        .stores
        .users
        .user_by_email("kim@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(user.email_verified);
    assert_json_error(
        &app.send(verify(&token)).await,
        400,
        "invalid_one_time_token",
    );
}

pub async fn throttling_uses_the_peer_address(build: &Build) {
    let options = Options {
        ip_throttle: 3,
        ..Options::default()
    };
    let (_fx, app) = build(options, EndpointsConfig::default());
    // Different (unknown) accounts each time, so only the per-IP counter can trip; a
    // forged X-Forwarded-For changes nothing.
    for attempt in 0..3 {
        let resp = app
            .send(
                login(
                    &format!("nobody{attempt}@example.com"),
                    "wrong-password-123",
                )
                .header("x-forwarded-for", &format!("203.0.113.{attempt}")),
            )
            .await;
        assert_eq!(resp.status, 401);
    }
    let throttled = app
        .send(
            login("nobody9@example.com", "wrong-password-123")
                .header("x-forwarded-for", "192.0.2.1"),
        )
        .await;
    assert_json_error(&throttled, 429, "too_many_attempts");
    assert!(
        throttled
            .header("retry-after")
            .is_some_and(|s| s.parse::<u64>().unwrap() > 0)
    );
    // Another peer is not affected.
    let elsewhere = app
        .send(login("nobody9@example.com", "wrong-password-123").peer("192.0.2.50"))
        .await;
    assert_eq!(elsewhere.status, 401);
}

/// An app behind a trusted `X-Forwarded-For`, with a per-IP login gate of 3.
fn behind_trusted_proxy(build: &Build) -> (Fixture, Client) {
    let options = Options {
        ip_throttle: 3,
        ..Options::default()
    };
    let config = EndpointsConfig::default()
        .dangerous_trust_proxy_header(http::HeaderName::from_static("x-forwarded-for"));
    build(options, config)
}

pub async fn trusted_proxy_header_is_opt_in(build: &Build) {
    let (_fx, app) = behind_trusted_proxy(build);
    for attempt in 0..5 {
        let resp = app
            .send(
                login(
                    &format!("nobody{attempt}@example.com"),
                    "wrong-password-123",
                )
                .header("x-forwarded-for", &format!("10.0.0.1, 203.0.113.{attempt}")),
            )
            .await;
        assert_eq!(resp.status, 401, "each client IP counted apart");
    }
    for _ in 0..3 {
        app.send(
            login("x@example.com", "wrong-password-123").header("x-forwarded-for", "203.0.113.99"),
        )
        .await;
    }
    let throttled = app
        .send(
            login("y@example.com", "wrong-password-123").header("x-forwarded-for", "203.0.113.99"),
        )
        .await;
    assert_eq!(throttled.status, 429);
}

/// The attack on a trusted proxy header: bytes that are not visible ASCII before the entry the
/// proxy appended (nginx's `$proxy_add_x_forwarded_for` keeps what the client sent) made the
/// whole line unreadable, so the request fell back to the proxy's own address — one client's
/// failures then counted against everyone behind the proxy, and not against the client.
pub async fn proxy_header_junk_cannot_move_a_client_onto_the_proxys_address(build: &Build) {
    let (fx, app) = behind_trusted_proxy(build);
    for attempt in 0..5 {
        let resp = app
            .send(
                login(
                    &format!("nobody{attempt}@example.com"),
                    "wrong-password-123",
                )
                .header(
                    "x-forwarded-for",
                    &format!("\u{ff}\u{fe}, 203.0.113.{attempt}"),
                ),
            )
            .await;
        assert_eq!(
            resp.status, 401,
            "attempt {attempt} counts against 203.0.113.{attempt}, not the proxy's address"
        );
    }
    // The client is the address the proxy appended, also in what the session records.
    let token = fx.user("kim@example.com").await;
    let login = app
        .send(
            login("kim@example.com", PASSWORD)
                .header("x-forwarded-for", "\u{ff}, 203.0.113.77")
                .header("user-agent", "junk/1.0"),
        )
        .await;
    assert_eq!(login.status, 200, "{}", login.text());
    let sessions = app
        .send(Req::get("/auth/sessions").bearer(&token))
        .await
        .json();
    let session = sessions
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["user_agent"] == "junk/1.0")
        .cloned()
        .expect("the session of that login");
    assert_eq!(session["ip"], "203.0.113.77");
}

// ---------------------------------------------------------------- cookie mode

fn cookie_login() -> Req {
    login("kim@example.com", PASSWORD)
        .header("origin", "https://app.test")
        .header("sec-fetch-site", "same-origin")
}

fn cookie_config() -> EndpointsConfig {
    let mut config = EndpointsConfig::cookie_mode();
    config.allowed_origins = vec!["https://app.test".to_owned()];
    config
}

pub async fn cookie_mode_login_sets_host_cookies(build: &Build) {
    let (fx, app) = build(Options::default(), cookie_config());
    fx.user("kim@example.com").await;
    let resp = app.send(cookie_login()).await;
    assert_token_response(&resp, 200, false);
    let (refresh, refresh_header) = resp.cookie("__Host-refresh").expect("refresh cookie");
    assert_eq!(refresh.len(), 43);
    assert_eq!(
        refresh_header,
        format!(
            "__Host-refresh={refresh}; Path=/; Max-Age=2592000; Secure; SameSite=Strict; HttpOnly"
        )
    );
    let (csrf, csrf_header) = resp.cookie("__Host-csrf").expect("csrf cookie");
    assert_eq!(
        csrf_header,
        format!("__Host-csrf={csrf}; Path=/; Max-Age=2592000; Secure; SameSite=Strict"),
        "readable by the page: not HttpOnly"
    );
    assert!(
        !resp.text().contains(&refresh),
        "refresh token never in the body"
    );
}

pub async fn cookie_mode_refresh_requires_csrf(build: &Build) {
    let (fx, app) = build(Options::default(), cookie_config());
    fx.user("kim@example.com").await;
    let resp = app.send(cookie_login()).await;
    let (refresh, _) = resp.cookie("__Host-refresh").unwrap();
    let (csrf, _) = resp.cookie("__Host-csrf").unwrap();
    let cookies = format!("__Host-refresh={refresh}; __Host-csrf={csrf}");
    let base = || {
        Req::post("/auth/refresh")
            .header("cookie", &cookies)
            .header("origin", "https://app.test")
    };

    let no_header = app.send(base()).await;
    assert_json_error(&no_header, 403, "csrf_check_failed");
    let wrong = app
        .send(base().header("x-csrf-token", "A".repeat(43).as_str()))
        .await;
    assert_json_error(&wrong, 403, "csrf_check_failed");
    let cross_origin = app
        .send(
            Req::post("/auth/refresh")
                .header("cookie", &cookies)
                .header("x-csrf-token", &csrf)
                .header("origin", "https://evil.test"),
        )
        .await;
    assert_json_error(&cross_origin, 403, "csrf_check_failed");
    let cross_site = app
        .send(
            base()
                .header("x-csrf-token", &csrf)
                .header("sec-fetch-site", "cross-site"),
        )
        .await;
    assert_json_error(&cross_site, 403, "csrf_check_failed");
    let tossed = app
        .send(
            Req::post("/auth/refresh")
                .header("cookie", &format!("{cookies}; __Host-refresh=AAAA"))
                .header("x-csrf-token", &csrf),
        )
        .await;
    assert_json_error(&tossed, 400, "invalid_request");

    let ok = app.send(base().header("x-csrf-token", &csrf)).await;
    assert_token_response(&ok, 200, false);
    let (rotated, _) = ok.cookie("__Host-refresh").expect("rotated cookie");
    assert_ne!(rotated, refresh);
    assert!(ok.cookie("__Host-csrf").is_some(), "fresh CSRF token");

    // Logout clears both cookies.
    let access = ok.json()["access_token"].as_str().unwrap().to_owned();
    let out = app
        .send(
            Req::post("/auth/logout")
                .bearer(&access)
                .header("origin", "https://app.test"),
        )
        .await;
    assert_eq!(out.status, 204, "{}", out.text());
    let (_, cleared) = out.cookie("__Host-refresh").expect("cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let (_, cleared_csrf) = out.cookie("__Host-csrf").expect("cleared");
    assert!(cleared_csrf.contains("Max-Age=0"));
}

pub async fn cookie_mode_refuses_cross_site_login(build: &Build) {
    let (fx, app) = build(Options::default(), cookie_config());
    fx.user("kim@example.com").await;
    let evil = app
        .send(login("kim@example.com", PASSWORD).header("origin", "https://evil.test"))
        .await;
    assert_json_error(&evil, 403, "csrf_check_failed");
    let no_cookies = ClientInfo::default();
    let _ = no_cookies; // (the refused login set no cookie)
    assert!(evil.cookie("__Host-refresh").is_none());
    // Same-host origin without a configured list.
    let (_fx2, app2) = build(Options::default(), EndpointsConfig::cookie_mode());
    _fx2.user("kim@example.com").await;
    let same_host = app2
        .send(
            login("kim@example.com", PASSWORD)
                .header("host", "auth.test")
                .header("origin", "https://auth.test"),
        )
        .await;
    assert_eq!(same_host.status, 200, "{}", same_host.text());
    let other_host = app2
        .send(
            login("kim@example.com", PASSWORD)
                .header("host", "auth.test")
                .header("origin", "http://auth.test"),
        )
        .await;
    assert_eq!(other_host.status, 403);
}

/// Sign-in through the service, for scenarios that need a password login directly.
pub async fn direct_login(fx: &Fixture, email: &str) -> String {
    fx.service
        .login(email, Password::from(PASSWORD), &ClientInfo::default())
        .await
        .unwrap()
        .access_token
        .token
        .into_secret()
}

// ---------------------------------------------------------------- passkeys (feature `passkey`)

/// Adds a passkey made by `browser` to the account of `token` over HTTP (start, the
/// authenticator, finish); answers the 201 body.
#[cfg(feature = "passkey")]
async fn register_passkey(
    app: &Client,
    token: &str,
    browser: &mut super::passkeys::Browser,
    name: &str,
) -> serde_json::Value {
    let started = app
        .send(Req::post("/auth/passkeys/register/start").bearer(token))
        .await;
    assert_eq!(started.status, 200, "{}", started.text());
    let started = started.json();
    assert_eq!(started["options"]["publicKey"]["rp"]["id"], "example.com");
    let answer = browser
        .create(super::passkeys::ORIGIN, started["options"].clone())
        .await
        .expect("the authenticator registers");
    let added = app
        .send(
            Req::post("/auth/passkeys/register/finish")
                .bearer(token)
                .json(json!({"ceremony": started["ceremony"], "credential": answer, "name": name})),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text());
    added.json()
}

/// Issue 15, bearer mode: a signed-in account adds a passkey and signs in with it; the list,
/// a rename, and the removal rules (a passkey-only account keeps its last passkey: 409
/// `last_sign_in_method`); a replayed sign-in is refused.
#[cfg(feature = "passkey")]
pub async fn passkeys_register_login_list_rename_delete(build: &Build) {
    use super::passkeys::{Browser, ORIGIN};

    let options = Options {
        passkeys: true,
        ..Options::default()
    };
    let (fx, app) = build(options, EndpointsConfig::default());
    let token = fx.user("kim@example.com").await;
    let mut browser = Browser::new();

    // Register.
    let added = register_passkey(&app, &token, &mut browser, "My key").await;
    assert_eq!(added["name"], "My key");
    assert!(added["last_used_at"].is_null());
    assert!(added["backup_eligible"].is_boolean() && added["backup_state"].is_boolean());
    let id = added["id"].as_str().expect("a base64url id").to_owned();

    // Sign in, usernameless.
    let login = app
        .send(Req::post("/auth/passkey/login/start").json(json!({})))
        .await;
    assert_eq!(login.status, 200, "{}", login.text());
    let login = login.json();
    let assertion = browser
        .get(ORIGIN, login["options"].clone())
        .await
        .expect("the authenticator signs");
    let finish = |assertion: serde_json::Value| {
        Req::post("/auth/passkey/login/finish")
            .json(json!({"ceremony": login["ceremony"], "credential": assertion}))
    };
    let signed_in = app.send(finish(assertion.clone())).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.text());
    let tokens = signed_in.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens["refresh_token"].is_string(), "bearer mode");
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let claims = fx
        .service
        .access_token_verifier()
        .verify(&access)
        .expect("verifies");
    assert!(claims.amr.contains(&"user".to_owned()) && claims.amr.contains(&"mfa".to_owned()));
    // WebAuthn §13.4.3: the same answer again is a replay.
    let replay = app.send(finish(assertion)).await;
    assert_json_error(&replay, 400, "invalid_passkey");

    // List and rename.
    let list = app.send(Req::get("/auth/passkeys").bearer(&access)).await;
    assert_eq!(list.status, 200, "{}", list.text());
    let list = list.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id.as_str());
    assert!(list[0]["last_used_at"].is_u64());
    let renamed = app
        .send(
            Req::new("PATCH", &format!("/auth/passkeys/{id}"))
                .bearer(&access)
                .json(json!({"name": "Work laptop"})),
        )
        .await;
    assert_eq!(renamed.status, 204, "{}", renamed.text());
    let list = app
        .send(Req::get("/auth/passkeys").bearer(&access))
        .await
        .json();
    assert_eq!(list[0]["name"], "Work laptop");
    let bad = app
        .send(
            Req::new("PATCH", &format!("/auth/passkeys/{id}"))
                .bearer(&access)
                .json(json!({"name": ""})),
        )
        .await;
    assert_json_error(&bad, 400, "invalid_passkey_name");
    let wrong_method = app
        .send(Req::get(&format!("/auth/passkeys/{id}")).bearer(&access))
        .await;
    assert_eq!(wrong_method.status, 405);

    // A passkey-only account: signup, then its only passkey cannot be removed.
    let mut other = Browser::new();
    let signup = app
        .send(Req::post("/auth/passkey/signup/start").json(json!({"email": "lee@example.com"})))
        .await;
    assert_eq!(signup.status, 200, "{}", signup.text());
    let signup = signup.json();
    let created = other
        .create(ORIGIN, signup["options"].clone())
        .await
        .expect("the authenticator registers");
    let signed_up = app
        .send(
            Req::post("/auth/passkey/signup/finish")
                .json(json!({"ceremony": signup["ceremony"], "credential": created})),
        )
        .await;
    assert_eq!(signed_up.status, 201, "{}", signed_up.text());
    let lee = signed_up.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let lee_keys = app
        .send(Req::get("/auth/passkeys").bearer(&lee))
        .await
        .json();
    let lee_id = lee_keys[0]["id"].as_str().unwrap().to_owned();
    let last = app
        .send(Req::delete(&format!("/auth/passkeys/{lee_id}")).bearer(&lee))
        .await;
    assert_json_error(&last, 409, "last_sign_in_method");
    // Another user's passkey is not found; a malformed id neither.
    for foreign in [id.as_str(), "not+base64"] {
        let refused = app
            .send(Req::delete(&format!("/auth/passkeys/{foreign}")).bearer(&lee))
            .await;
        assert_json_error(&refused, 404, "passkey_not_found");
    }
    // Taken address.
    let taken = app
        .send(Req::post("/auth/passkey/signup/start").json(json!({"email": "kim@example.com"})))
        .await;
    assert_json_error(&taken, 409, "email_taken");

    // Kim has a password: her passkey may go.
    let removed = app
        .send(Req::delete(&format!("/auth/passkeys/{id}")).bearer(&access))
        .await;
    assert_eq!(removed.status, 204, "{}", removed.text());
    let list = app
        .send(Req::get("/auth/passkeys").bearer(&access))
        .await
        .json();
    assert_eq!(list, json!([]));
}

/// Cookie mode: a passkey sign-in sets the session cookies like `POST /login` (no refresh
/// token in the body), the email-hinted start answers, and a cross-site start is refused.
#[cfg(feature = "passkey")]
pub async fn passkeys_in_cookie_mode(build: &Build) {
    use super::passkeys::{Browser, ORIGIN};

    let options = Options {
        passkeys: true,
        ..Options::default()
    };
    let (fx, app) = build(options, EndpointsConfig::cookie_mode());
    let token = fx.user("kim@example.com").await;
    let mut browser = Browser::new();
    register_passkey(&app, &token, &mut browser, "Key").await;

    let start = app
        .send(Req::post("/auth/passkey/login/start").json(json!({"email": "kim@example.com"})))
        .await;
    assert_eq!(start.status, 200, "{}", start.text());
    let start = start.json();
    let assertion = browser
        .get(ORIGIN, start["options"].clone())
        .await
        .expect("the authenticator signs");
    let signed_in = app
        .send(
            Req::post("/auth/passkey/login/finish")
                .json(json!({"ceremony": start["ceremony"], "credential": assertion})),
        )
        .await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.text());
    assert!(signed_in.json()["refresh_token"].is_null(), "cookie mode");
    let (_, refresh) = signed_in.cookie("__Host-refresh").expect("refresh cookie");
    assert!(refresh.contains("HttpOnly") && refresh.contains("Secure"));
    assert!(signed_in.cookie("__Host-csrf").is_some());

    let cross_site = app
        .send(
            Req::post("/auth/passkey/login/start")
                .header("sec-fetch-site", "cross-site")
                .json(json!({})),
        )
        .await;
    assert_json_error(&cross_site, 403, "csrf_check_failed");
}

/// Issue 15, bearer mode: a passkey steps up a stale session (`POST /reauthenticate/passkey`,
/// then `POST /reauthenticate` with the answer), and completes a password login's second step
/// (the 401's `passkey` options, answered at `POST /login/second-factor`).
#[cfg(feature = "passkey")]
pub async fn passkey_step_up_and_second_step(build: &Build) {
    use super::passkeys::{Browser, ORIGIN};

    let options = Options {
        passkeys: true,
        ..Options::default()
    };
    let (fx, app) = build(options, EndpointsConfig::default());
    let token = fx.user("kim@example.com").await;
    let mut browser = Browser::new();
    register_passkey(&app, &token, &mut browser, "Key").await;

    // Ten minutes later the session is too old to add another passkey; the passkey steps up.
    fx.clock.advance(Duration::from_secs(11 * 60));
    let stale = app
        .send(Req::post("/auth/passkeys/register/start").bearer(&token))
        .await;
    assert_json_error(&stale, 401, "insufficient_user_authentication");
    let options = app
        .send(Req::post("/auth/reauthenticate/passkey").bearer(&token))
        .await;
    assert_eq!(options.status, 200, "{}", options.text());
    let options = options.json();
    let assertion = browser
        .get(ORIGIN, options["options"].clone())
        .await
        .expect("the authenticator signs");
    let stepped_up = app
        .send(
            Req::post("/auth/reauthenticate").bearer(&token).json(
                json!({"passkey": {"ceremony": options["ceremony"], "credential": assertion}}),
            ),
        )
        .await;
    assert_eq!(stepped_up.status, 200, "{}", stepped_up.text());
    let fresh = stepped_up.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let allowed = app
        .send(Req::post("/auth/passkeys/register/start").bearer(&fresh))
        .await;
    assert_eq!(allowed.status, 200, "{}", allowed.text());

    // With TOTP on, a password login offers the passkey as its second step.
    let user = fx
        .stores
        .users
        .user_by_email("kim@example.com")
        .await
        .unwrap()
        .unwrap();
    let session = auth_core::store::SessionId::parse(
        fx.service
            .access_token_verifier()
            .verify(&fresh)
            .unwrap()
            .sid
            .as_deref()
            .unwrap(),
    )
    .unwrap();
    let secret = fx
        .service
        .start_totp_enrolment(user.id, session)
        .await
        .unwrap()
        .into_secret();
    let code = {
        use auth_core::Clock as _;
        auth_core::mfa::TotpConfig::default()
            .code_at(&secret, fx.clock.now())
            .unwrap()
            .to_string()
    };
    fx.service
        .confirm_totp(user.id, session, &code)
        .await
        .unwrap();
    let challenged = app.send(login("kim@example.com", PASSWORD)).await;
    assert_json_error(&challenged, 401, "second_factor_required");
    let body = challenged.json();
    assert_eq!(body["methods"], json!(["totp", "recovery_code", "passkey"]));
    let assertion = browser
        .get(ORIGIN, body["passkey"]["options"].clone())
        .await
        .expect("the authenticator signs");
    let done = app
        .send(Req::post("/auth/login/second-factor").json(json!({
            "challenge": body["challenge"],
            "passkey": {"ceremony": body["passkey"]["ceremony"], "credential": assertion},
        })))
        .await;
    assert_eq!(done.status, 200, "{}", done.text());
    let claims = fx
        .service
        .access_token_verifier()
        .verify(done.json()["access_token"].as_str().unwrap())
        .unwrap();
    assert!(claims.has_amr("pwd") && claims.has_amr("user") && claims.is_multi_factor());
}
