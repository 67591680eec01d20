//! Two instances of one example behind an imaginary load balancer, sharing PostgreSQL and
//! Redis (issue 14's acceptance): what one instance does, the other sees.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::Method;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::client::{CSRF_COOKIE, Client, REFRESH_COOKIE};
use super::process::{ExampleServer, skip_notice};
use super::scenarios::PASSWORD;

/// The revocation cache both instances run with: long enough that only the Redis
/// invalidation can explain a logout seen by the other instance within a second.
const REVOCATION_CACHE_SECONDS: &str = "30";

/// How soon a logout on one instance must refuse the access token on the other.
const PROPAGATION_BOUND: Duration = Duration::from_secs(1);

/// A unique suffix: the databases are shared between runs and tests.
fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{}-{nanos}", std::process::id())
}

/// Starts two instances of `bin` on the shared databases, with a mock Kakao provider.
/// `None` (after a printed notice) when PostgreSQL or Redis is not configured.
async fn two_instances(bin: &str, provider: &MockServer) -> Option<(ExampleServer, ExampleServer)> {
    let url = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(postgres), Some(redis)) = (url("AUTH_TEST_POSTGRES_URL"), url("AUTH_TEST_REDIS_URL"))
    else {
        skip_notice(format_args!(
            "SKIPPED: set AUTH_TEST_POSTGRES_URL and AUTH_TEST_REDIS_URL to run two instances \
             on shared storage"
        ));
        return None;
    };
    let mock = provider.uri();
    let (auth_url, token_url, userinfo_url) = (
        format!("{mock}/oauth/authorize"),
        format!("{mock}/oauth/token"),
        format!("{mock}/v2/user/me"),
    );
    // Throttling lives in Redis: a prefix of this run's own keeps other runs' counts (the
    // per-network signup limit, the login failures below) out of this one.
    let prefix = format!("e2e-{}:", unique());
    let env = [
        ("DATABASE_URL", postgres.as_str()),
        ("REDIS_URL", redis.as_str()),
        ("REDIS_KEY_PREFIX", prefix.as_str()),
        ("REVOCATION_CACHE_SECONDS", REVOCATION_CACHE_SECONDS),
        // This test logs in more often than seed 002's 5 a minute per IP; the account
        // throttle it checks is auth-core's, not the route limit.
        ("RATE_LIMIT_LOGIN_PER_MINUTE", "1000"),
        // One signing key for both, as behind a load balancer.
        (
            "JWT_SECRET_KEY",
            "multi-instance-test-secret-0123456789abcdef",
        ),
        ("KAKAO_REST_API_KEY", "client-123"),
        ("KAKAO_CLIENT_SECRET", "s3cret-value"),
        // The public address both instances share; the test sends the callback to B.
        (
            "KAKAO_REDIRECT_URI",
            "http://127.0.0.1:9/auth/oauth/kakao/callback",
        ),
        ("KAKAO_AUTH_URL", auth_url.as_str()),
        ("KAKAO_TOKEN_URL", token_url.as_str()),
        ("KAKAO_USERINFO_URL", userinfo_url.as_str()),
    ];
    Some((
        ExampleServer::start(bin, &env),
        ExampleServer::start(bin, &env),
    ))
}

/// Polls `GET /api/me` on `client` with `token` until it answers `status`, for at most
/// `bound`; returns whether it did.
async fn answers_within(client: &mut Client, token: &str, status: u16, bound: Duration) -> bool {
    let deadline = Instant::now() + bound;
    loop {
        if client.get("/api/me", Some(token)).await.status == status {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Two instances A and B sharing PostgreSQL and Redis, each caching "not revoked" for 30 s:
/// * logout on A refuses the access token on B within a second (Redis publish/subscribe);
/// * a refresh token issued by A rotates once on B, and its replay is refused;
/// * 5 wrong passwords split across A and B lock the account for that client network on both;
/// * a social login started on A completes on B (pending logins in the shared store).
pub async fn two_instances_share_state(bin: &str) {
    let provider = MockServer::start().await;
    let Some((a, b)) = two_instances(bin, &provider).await else {
        return;
    };
    let email = format!("multi-{}@example.com", unique());
    let mut on_a = Client::new(&a.base_url);
    let signup = on_a.credentials("signup", &email, PASSWORD).await;
    assert_eq!(signup.status, 201, "{}", signup.text);

    // --- logout on A reaches B's 30-second cache at once
    let token = on_a
        .credentials("login", &email, PASSWORD)
        .await
        .access_token();
    let mut on_b = Client::new(&b.base_url);
    assert_eq!(
        on_b.get("/api/me", Some(&token)).await.status,
        200,
        "B accepts A's token (and caches the session as live for 30 s)"
    );
    let logout = {
        let request = on_a.request(Method::POST, "/auth/logout", Some(&token));
        on_a.send(request).await
    };
    assert_eq!(logout.status, 204, "{}", logout.text);
    assert!(
        answers_within(&mut on_b, &token, 401, PROPAGATION_BOUND).await,
        "a logout on A must refuse the token on B within {PROPAGATION_BOUND:?} although B \
         caches for {REVOCATION_CACHE_SECONDS} s; B's log:\n{}",
        b.logs()
    );

    // --- a refresh token from A rotates once on B
    let login = on_a.credentials("login", &email, PASSWORD).await;
    assert_eq!(login.status, 200, "{}", login.text);
    let issued_by_a = on_a.cookies.clone();
    on_b.cookies = issued_by_a.clone();
    let refreshed = on_b.refresh().await;
    assert_eq!(
        refreshed.status, 200,
        "B refreshes A's token: {}",
        refreshed.text
    );
    let replayed = {
        let mut replay = Client::new(&a.base_url);
        replay.cookies = issued_by_a;
        replay.refresh().await
    };
    assert_ne!(
        replayed.status, 200,
        "the rotated token works once: {}",
        replayed.text
    );
    assert!(replayed.json.get("access_token").is_none());
    assert!(on_b.cookies.contains_key(REFRESH_COOKIE) && on_b.cookies.contains_key(CSRF_COOKIE));

    // --- failures on A and B count together
    for (server, attempt) in [(&a, 1), (&b, 2), (&a, 3), (&b, 4), (&a, 5)] {
        let wrong = Client::new(&server.base_url)
            .credentials("login", &email, "not-the-password-at-all")
            .await;
        assert_eq!(wrong.status, 401, "failure {attempt}: {}", wrong.text);
    }
    for server in [&a, &b] {
        let locked = Client::new(&server.base_url)
            .credentials("login", &email, PASSWORD)
            .await;
        assert_eq!(
            locked.status, 429,
            "5 failures split across A and B lock this network out on both: {}",
            locked.text
        );
        assert!(locked.header("retry-after").is_some());
    }

    social_login_across_instances(&a, &b, &provider).await;
}

/// Starts a Kakao login on A, lets the mock provider "redirect" the browser to B's callback.
async fn social_login_across_instances(
    a: &ExampleServer,
    b: &ExampleServer,
    provider: &MockServer,
) {
    let social_email = format!("kakao-{}@example.com", unique());
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "bearer", "access_token": "kakao-at", "expires_in": 21599,
            "refresh_token": "kakao-rt"
        })))
        .up_to_n_times(1)
        .mount(provider)
        .await;
    let kakao_id = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() % 1_000_000_000_000);
    Mock::given(method("GET"))
        .and(path("/v2/user/me"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": kakao_id,
            "properties": {"nickname": "민수"},
            "kakao_account": {
                "profile": {"nickname": "민수"},
                "has_email": true,
                "email_needs_agreement": false,
                "is_email_valid": true,
                "is_email_verified": true,
                "email": social_email
            }
        })))
        .mount(provider)
        .await;

    let mut browser = Client::new(&a.base_url);
    let start = browser.get("/auth/oauth/kakao", None).await;
    assert_eq!(start.status, 302, "{}", start.text);
    let location = url::Url::parse(start.header("location").expect("a redirect")).expect("a URL");
    let state = location
        .query_pairs()
        .find(|(name, _)| name == "state")
        .map(|(_, value)| value.into_owned())
        .expect("a state");
    // The browser comes back through the load balancer — to B, with A's binding cookie.
    let mut on_b = Client::new(&b.base_url);
    on_b.cookies = browser.cookies.clone();
    let callback = on_b
        .get(
            &format!("/auth/oauth/kakao/callback?code=the-code&state={state}"),
            None,
        )
        .await;
    assert!(
        matches!(callback.status, 302 | 303),
        "a login started on A completes on B: {} {}\nB's log:\n{}",
        callback.status,
        callback.text,
        b.logs()
    );
    assert!(
        on_b.cookies.contains_key(REFRESH_COOKIE),
        "the callback on B starts a session"
    );
    let refreshed = on_b.refresh().await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
}
