//! JWKS refresh under failure and key regeneration (issue 14): concurrent callers share one
//! fetch, a failed refresh backs off and keeps the last good keys for a bounded time, and a
//! signature refused under a cached `kid` refetches the keys once (rate-limited) before the
//! token is refused. Time is the injected `ManualClock`; request counts come from wiremock.

mod common;

use std::sync::Arc;
use std::time::Duration;

use auth_core::ManualClock;
use auth_core::token::{TokenError, VerifierConfig};
use auth_providers::{
    HttpError, JwksCache, JwksConfig, JwksVerifyError, RemoteJwtVerifier, RemoteTokenError,
};
use common::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ISSUER: &str = "https://as.example";
const AUDIENCE: &str = "orders-api";
const JWKS: &str = "/jwks";
/// Past the default `max_age` (1 h): the next use needs a refresh.
const PAST_MAX_AGE: Duration = Duration::from_secs(3601);
/// Past the default `min_refresh_interval` (60 s).
const PAST_REFRESH_INTERVAL: Duration = Duration::from_secs(61);

fn access_token(kid: &str, pem: &[u8]) -> String {
    let claims = json!({"iss": ISSUER, "aud": AUDIENCE, "sub": "user-7", "iat": NOW,
        "exp": NOW + 30 * 86_400, "jti": "j1"});
    sign(kid, pem, "at+jwt", &claims)
}

fn cache(server: &MockServer) -> JwksCache {
    JwksCache::new(
        format!("{}{JWKS}", server.uri()).parse().unwrap(),
        JwksConfig::default(),
    )
    .unwrap()
}

fn verifier(server: &MockServer, clock: &ManualClock) -> RemoteJwtVerifier {
    RemoteJwtVerifier::new(cache(server), VerifierConfig::new(ISSUER, AUDIENCE), http())
        .with_clock(Arc::new(clock.clone()))
}

/// Serves `keys` for the next `times` requests (every later one when `None`).
async fn serve(server: &MockServer, keys: &[(&str, &[u8])], times: Option<u64>) {
    let mock = Mock::given(method("GET"))
        .and(path(JWKS))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks(keys)));
    match times {
        Some(times) => mock.up_to_n_times(times).mount(server).await,
        None => mock.mount(server).await,
    }
}

/// Answers every later request with HTTP 500, after `delay` (so concurrent callers overlap).
async fn fail(server: &MockServer, delay: Duration) {
    Mock::given(method("GET"))
        .and(path(JWKS))
        .respond_with(ResponseTemplate::new(500).set_delay(delay))
        .mount(server)
        .await;
}

/// Runs `n` verifications of `token` at once and returns their results.
async fn concurrently(
    verifier: &RemoteJwtVerifier,
    token: &str,
    n: usize,
) -> Vec<Result<String, RemoteTokenError>> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let (verifier, token) = (verifier.clone(), token.to_owned());
            tokio::spawn(async move { verifier.verify(&token).await.map(|claims| claims.sub) })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

// Issue 14, single flight: with keys past max_age and the provider failing, 50 concurrent
// verifications used to fetch 50 times one after the other (each under the cache's lock, each
// waiting out the HTTP call). Now one fetch serves them all, and all get the last good keys.
#[tokio::test]
async fn jwks_concurrent_callers_needing_a_refresh_share_one_fetch() {
    let server = MockServer::start().await;
    serve(&server, &[("as-1", RSA1)], Some(1)).await;
    fail(&server, Duration::from_millis(200)).await;
    let clock = clock();
    let verifier = verifier(&server, &clock);
    let token = access_token("as-1", RSA1);
    verifier.verify(&token).await.unwrap();
    assert_eq!(hits(&server, JWKS).await, 1);

    clock.advance(PAST_MAX_AGE);
    for result in concurrently(&verifier, &token, 50).await {
        assert_eq!(result.unwrap(), "user-7", "served with the last good keys");
    }
    assert_eq!(hits(&server, JWKS).await, 2, "one refresh for 50 callers");
}

// Issue 14, single flight with nothing cached yet: 50 concurrent first uses against a failing
// provider make one fetch and all fail with a typed "unavailable" — none waits on a fetch of
// its own.
#[tokio::test]
async fn jwks_concurrent_first_uses_against_a_failing_provider_share_one_fetch() {
    let server = MockServer::start().await;
    fail(&server, Duration::from_millis(200)).await;
    let clock = clock();
    let verifier = verifier(&server, &clock);
    let token = access_token("as-1", RSA1);
    for result in concurrently(&verifier, &token, 50).await {
        assert!(
            matches!(
                result,
                Err(RemoteTokenError::Unavailable(
                    HttpError::Status { status: 500, .. } | HttpError::BackingOff { .. }
                ))
            ),
            "{result:?}"
        );
    }
    assert_eq!(hits(&server, JWKS).await, 1);
}

// Issue 14, backoff: after a failed refresh every request used to fetch again. Now requests
// within the backoff make no network call and verify with the stale keys; the backoff doubles
// after each failure in a row; past `max_age + stale_if_error` the stale keys stop being used.
#[tokio::test]
async fn jwks_failed_refresh_backs_off_and_serves_the_last_good_keys() {
    let server = MockServer::start().await;
    serve(&server, &[("as-1", RSA1)], Some(1)).await;
    fail(&server, Duration::ZERO).await;
    let clock = clock();
    let verifier = verifier(&server, &clock);
    let token = access_token("as-1", RSA1);
    verifier.verify(&token).await.unwrap();

    clock.advance(PAST_MAX_AGE);
    verifier.verify(&token).await.unwrap();
    assert_eq!(
        hits(&server, JWKS).await,
        2,
        "the refresh was tried, and failed"
    );
    // Within the first backoff (5 s): stale keys, no network.
    for _ in 0..8 {
        clock.advance(Duration::from_millis(500));
        verifier.verify(&token).await.unwrap();
    }
    assert_eq!(hits(&server, JWKS).await, 2, "no fetch during the backoff");
    // Backoff over: one more attempt, which fails; the next backoff is 10 s.
    clock.advance(Duration::from_secs(2));
    verifier.verify(&token).await.unwrap();
    assert_eq!(hits(&server, JWKS).await, 3);
    clock.advance(Duration::from_secs(9));
    verifier.verify(&token).await.unwrap();
    assert_eq!(hits(&server, JWKS).await, 3, "the backoff doubled");
    clock.advance(Duration::from_secs(2));
    verifier.verify(&token).await.unwrap();
    assert_eq!(hits(&server, JWKS).await, 4);

    // Past max_age + stale_if_error (1 h + 24 h after the last good fetch): refused as
    // unavailable, then refused at once, without a call, while backing off.
    clock.advance(Duration::from_secs(24 * 3600));
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        RemoteTokenError::Unavailable(HttpError::Status {
            endpoint: "JWKS endpoint",
            status: 500
        })
    );
    assert!(matches!(
        verifier.verify(&token).await.unwrap_err(),
        RemoteTokenError::Unavailable(HttpError::BackingOff { .. })
    ));
    assert_eq!(hits(&server, JWKS).await, 5);
}

// Issue 14, backoff with no good keys at all: the second request within the backoff fails
// fast with a typed error instead of waiting on the provider again.
#[tokio::test]
async fn jwks_without_good_keys_fails_fast_during_the_backoff() {
    let server = MockServer::start().await;
    fail(&server, Duration::ZERO).await;
    let clock = clock();
    let cache = cache(&server);
    let http = http();
    assert_eq!(
        cache.keys(&http, &clock).await.unwrap_err(),
        HttpError::Status {
            endpoint: "JWKS endpoint",
            status: 500
        }
    );
    clock.advance(Duration::from_secs(1));
    assert_eq!(
        cache.keys(&http, &clock).await.unwrap_err(),
        HttpError::BackingOff {
            endpoint: "JWKS endpoint",
            retry_in: Duration::from_secs(4)
        }
    );
    assert_eq!(hits(&server, JWKS).await, 1);
    // The provider recovers: after the backoff the keys arrive.
    server.reset().await;
    serve(&server, &[("as-1", RSA1)], None).await;
    clock.advance(Duration::from_secs(4));
    assert_eq!(cache.keys(&http, &clock).await.unwrap().len(), 1);
}

// Issue 14: node oidc-provider regenerates its keys under the same kids. A token signed with
// the new material under a cached kid used to be refused until the cache's max_age (an hour);
// now the refused signature refetches the keys once and the token verifies.
#[tokio::test]
async fn jwks_keys_regenerated_under_the_same_kid_are_refetched() {
    let server = MockServer::start().await;
    serve(&server, &[("as-1", RSA1)], Some(1)).await;
    serve(&server, &[("as-1", RSA2)], None).await;
    let clock = clock();
    let verifier = verifier(&server, &clock);
    verifier.verify(&access_token("as-1", RSA1)).await.unwrap();

    clock.advance(PAST_REFRESH_INTERVAL);
    let claims = verifier.verify(&access_token("as-1", RSA2)).await.unwrap();
    assert_eq!(claims.sub, "user-7");
    assert_eq!(hits(&server, JWKS).await, 2, "exactly one refetch");
    // The old material is gone: refused, without another fetch (rate-limited).
    assert_eq!(
        verifier
            .verify(&access_token("as-1", RSA1))
            .await
            .unwrap_err(),
        RemoteTokenError::Rejected(TokenError::InvalidSignature)
    );
    assert_eq!(hits(&server, JWKS).await, 2);
}

// The same for id_tokens: `JwksCache::verify` is what OIDC login validates them with.
#[tokio::test]
async fn jwks_keys_regenerated_under_the_same_kid_are_refetched_for_id_tokens() {
    let server = MockServer::start().await;
    serve(&server, &[("g1", RSA1)], Some(1)).await;
    serve(&server, &[("g1", RSA2)], None).await;
    let clock = clock();
    let (cache, http) = (cache(&server), http());
    let claims = json!({"sub": "x"});
    cache
        .verify(&sign("g1", RSA1, "JWT", &claims), &http, &clock)
        .await
        .unwrap();

    clock.advance(PAST_REFRESH_INTERVAL);
    cache
        .verify(&sign("g1", RSA2, "JWT", &claims), &http, &clock)
        .await
        .unwrap();
    assert_eq!(hits(&server, JWKS).await, 2);
}

// Issue 14, the cost of the refetch: forged signatures under a known kid (what an attacker
// sends to make us call the provider) refetch at most once per min_refresh_interval, and are
// refused when the refetch brings the same key.
#[tokio::test]
async fn jwks_forged_signature_under_a_known_kid_refetches_at_most_once_per_period() {
    let server = MockServer::start().await;
    serve(&server, &[("as-1", RSA1)], None).await;
    let clock = clock();
    let verifier = verifier(&server, &clock);
    verifier.verify(&access_token("as-1", RSA1)).await.unwrap();
    let forged = access_token("as-1", ATTACKER);
    let (cache, http) = (cache(&server), http());
    cache
        .verify(&access_token("as-1", RSA1), &http, &clock)
        .await
        .unwrap();
    assert_eq!(hits(&server, JWKS).await, 2, "one initial fetch per cache");

    for period in 1..=2 {
        clock.advance(PAST_REFRESH_INTERVAL);
        for _ in 0..20 {
            assert_eq!(
                verifier.verify(&forged).await.unwrap_err(),
                RemoteTokenError::Rejected(TokenError::InvalidSignature)
            );
            assert_eq!(
                cache.verify(&forged, &http, &clock).await.unwrap_err(),
                JwksVerifyError::Token(TokenError::InvalidSignature)
            );
        }
        assert_eq!(
            hits(&server, JWKS).await,
            2 + 2 * period,
            "one refetch per cache per period"
        );
    }
}

// Single flight, cancellation: a request's future is dropped when its client goes away. If
// that request was leading the fetch, the callers waiting on it must not wait forever: one of
// them fetches instead.
#[tokio::test]
async fn jwks_a_cancelled_fetch_does_not_strand_the_callers_waiting_on_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(JWKS))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(jwks(&[("as-1", RSA1)]))
                .set_delay(Duration::from_millis(300)),
        )
        .mount(&server)
        .await;
    let clock = Arc::new(clock());
    let (cache, http) = (cache(&server), http());
    let leader = {
        let (cache, http, clock) = (cache.clone(), http.clone(), clock.clone());
        tokio::spawn(async move { cache.keys(&http, clock.as_ref()).await })
    };
    for _ in 0..500 {
        if hits(&server, JWKS).await > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(
        hits(&server, JWKS).await,
        1,
        "the leader's fetch is in flight"
    );
    let joiner = {
        let (cache, http, clock) = (cache.clone(), http.clone(), clock.clone());
        tokio::spawn(async move { cache.keys(&http, clock.as_ref()).await })
    };
    tokio::task::yield_now().await; // the joiner starts waiting on the leader's flight
    leader.abort();
    // A generous bound only so that a regression fails instead of hanging the suite.
    let keys = tokio::time::timeout(Duration::from_secs(30), joiner)
        .await
        .expect("the joiner was stranded")
        .unwrap()
        .unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(
        hits(&server, JWKS).await,
        2,
        "the joiner fetched in its place"
    );
}
