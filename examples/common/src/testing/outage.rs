//! The database — or Redis — going down under a running example and coming back: requests
//! that need it answer 503 with `Retry-After` within a couple of seconds — each on its own,
//! however many arrive at once — and work again afterwards without a restart.
//!
//! The server sits behind auth-core's cuttable [`OutageProxy`]; the server itself is never
//! touched, so other tests keep using it.

use std::time::{Duration, Instant};

use auth_core::testkit::{OutageProxy, upstream_of};

use super::client::{Client, Reply, fresh_source};
use super::process::{ExampleServer, skip_notice};
use super::scenarios::PASSWORD;

/// Far above the default 2 s bound on waiting for the database, far below the 30 s the pool
/// waited before it: an answer that takes longer is a hang, which is the bug. Not a speed
/// assertion.
const HANG: Duration = Duration::from_secs(10);

/// How many requests arrive at once during the outage: more than the pool has connections.
const CONCURRENT: usize = 20;

/// How long the client waits for any answer: longer than the hang it looks for, so a hang
/// shows as a slow answer rather than a client timeout.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(45);

/// Runs `bin` on the database at `$env_var` through a proxy, cuts the proxy, and checks
/// `GET /api/me` (a valid token, revocation checked on every request) and
/// `POST /auth/login`: 503 + `Retry-After` + `temporarily_unavailable` within [`HANG`],
/// also for [`CONCURRENT`] requests at once; then restores it and checks both work again.
pub async fn database_outage_answers_503_and_recovers(bin: &str, env_var: &str) {
    let Some((url, mut proxy)) = proxied(env_var).await else {
        return;
    };
    let via_proxy = OutageProxy::url_for(&url, proxy.addr());
    outage_scenario(bin, &mut proxy, &[("DATABASE_URL", &via_proxy)]).await;
}

/// The same scenario with Redis (`$AUTH_TEST_REDIS_URL`) behind the proxy and the database
/// left alone: with `REDIS_URL` set, the example keeps revoked access tokens, login
/// throttling and the shared login limit there, so `GET /api/me` and `POST /auth/login`
/// need it and must answer 503 within the bound while it is gone, then work again.
pub async fn redis_outage_answers_503_and_recovers(bin: &str) {
    let Some((url, mut proxy)) = proxied("AUTH_TEST_REDIS_URL").await else {
        return;
    };
    let via_proxy = OutageProxy::url_for(&url, proxy.addr());
    // A prefix of this run's own: Redis is shared between runs and tests.
    let prefix = format!("outage-{}-{}:", std::process::id(), unique_suffix());
    outage_scenario(
        bin,
        &mut proxy,
        &[("REDIS_URL", &via_proxy), ("REDIS_KEY_PREFIX", &prefix)],
    )
    .await;
}

/// The server URL in `$env_var` and a proxy in front of it, or `None` (with a notice) when
/// the variable is unset or does not name the server by IP:port.
async fn proxied(env_var: &str) -> Option<(String, OutageProxy)> {
    let Some(url) = std::env::var(env_var).ok().filter(|v| !v.is_empty()) else {
        skip_notice(format_args!(
            "SKIPPED: set {env_var} to run the outage scenario"
        ));
        return None;
    };
    let Some(upstream) = upstream_of(&url) else {
        skip_notice(format_args!(
            "SKIPPED: {env_var} must name the server by IP:port (127.0.0.1:5432) for the proxy"
        ));
        return None;
    };
    let proxy = OutageProxy::start(upstream).await.expect("start the proxy");
    Some((url, proxy))
}

fn unique_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// `bin` with `env` (pointing one backend at `proxy`): the outage and the recovery.
async fn outage_scenario(bin: &str, proxy: &mut OutageProxy, env: &[(&str, &str)]) {
    let mut env = env.to_vec();
    env.extend([
        // Every request asks the stores whether its token still stands.
        ("REVOCATION_CACHE_SECONDS", "0"),
        // axum-app's seed-002 login limit (5 a minute per client) would answer the
        // concurrent logins below 429 before they reach the store; this scenario is about
        // the outage (actix-app has no such layer and ignores it).
        ("RATE_LIMIT_LOGIN_PER_MINUTE", "1000"),
    ]);
    let server = ExampleServer::start(bin, &env);
    // The stores are shared between runs and between the examples: a unique account.
    let email = format!(
        "outage-{}-{}@example.com",
        std::process::id(),
        unique_suffix()
    );
    let source = Some(fresh_source());
    let mut client = Client::with_options(&server.base_url, source, CLIENT_TIMEOUT);
    let signup = client.credentials("signup", &email, PASSWORD).await;
    assert_eq!(signup.status, 201, "{}", signup.text);
    let token = client
        .credentials("login", &email, PASSWORD)
        .await
        .access_token();
    assert_eq!(client.get("/api/me", Some(&token)).await.status, 200);

    proxy.take_down().await;
    let started = Instant::now();
    let me = client.get("/api/me", Some(&token)).await;
    assert_outage_answer("GET /api/me", &me, started.elapsed());
    let started = Instant::now();
    let login = client.credentials("login", &email, PASSWORD).await;
    assert_outage_answer("POST /auth/login", &login, started.elapsed());

    // No pile-up: requests at once each answer within the bound, not one after another.
    let started = Instant::now();
    let requests: Vec<_> = (0..CONCURRENT)
        .map(|i| {
            let (base, token, email) = (server.base_url.clone(), token.clone(), email.clone());
            tokio::spawn(async move {
                let mut client = Client::with_timeout(&base, CLIENT_TIMEOUT);
                if i % 2 == 0 {
                    ("GET /api/me", client.get("/api/me", Some(&token)).await)
                } else {
                    let login = client.credentials("login", &email, PASSWORD).await;
                    ("POST /auth/login", login)
                }
            })
        })
        .collect();
    for request in requests {
        let (what, reply) = request.await.expect("the request task does not panic");
        assert_outage_answer(what, &reply, started.elapsed());
    }

    proxy.bring_back().await.expect("rebind the proxy's port");
    // The pool reconnects by itself: no restart. Each try is bounded, so this loop is too.
    let mut me = client.get("/api/me", Some(&token)).await;
    for _ in 0..40 {
        if me.status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        me = client.get("/api/me", Some(&token)).await;
    }
    assert_eq!(
        me.status,
        200,
        "GET /api/me works again once the store is back: {}\n{}",
        me.text,
        server.logs()
    );
    let login = client.credentials("login", &email, PASSWORD).await;
    assert_eq!(login.status, 200, "login works again: {}", login.text);
}

/// 503, a whole-seconds `Retry-After` of at least 1, a JSON body that says so, within
/// [`HANG`].
fn assert_outage_answer(what: &str, reply: &Reply, took: Duration) {
    assert_eq!(
        reply.status, 503,
        "{what} during an outage answers 503, not 500: {}",
        reply.text
    );
    let retry_after = reply.header("retry-after").unwrap_or_default();
    assert!(
        retry_after.parse::<u64>().is_ok_and(|secs| secs >= 1),
        "{what}: Retry-After in whole seconds, got {retry_after:?}"
    );
    assert_eq!(
        reply.json["error"], "temporarily_unavailable",
        "{what}: {}",
        reply.text
    );
    assert!(
        took < HANG,
        "{what} during an outage took {took:?}: it must answer within the bound"
    );
}
