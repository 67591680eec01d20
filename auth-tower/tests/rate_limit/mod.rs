//! Rate-limit and quota scenarios, run through axum (`rate_limit_axum.rs`) and actix-web
//! (`rate_limit_actix.rs`) against the same app shape:
//!
//! * `GET /limited` — optional authentication (outer), the rate-limit layer under test
//!   (inner), then 200 `ok`;
//! * `GET /boom` — the same stack in front of a handler that answers 500.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::{Duration, SystemTime};

use auth_core::store::memory::MemoryCounterStore;
use auth_core::store::{Count, CounterStore, StoreError};
use auth_tower::rate_limit::{KeyBy, Limit, Plan, PlanLimits, Quota, RateLimitLayer};

use crate::common::{Client, Fixture, Options, Req, Resp, fixture};

/// Builds an app of one framework around `layer`.
pub type Build = dyn Fn(RateLimitLayer, &Fixture) -> Client;

fn app(build: &Build, layer: RateLimitLayer) -> (Fixture, Client) {
    let fx = fixture(Options::default());
    let layer = layer.clock(Arc::new(fx.clock.clone()));
    let client = build(layer, &fx);
    (fx, client)
}

/// Polls every request together on this task, so their store calls interleave.
pub async fn all_at_once(requests: Vec<Pin<Box<dyn Future<Output = Resp>>>>) -> Vec<Resp> {
    let mut pending: Vec<Option<Pin<Box<dyn Future<Output = Resp>>>>> =
        requests.into_iter().map(Some).collect();
    let mut done: Vec<Option<Resp>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        for (slot, out) in pending.iter_mut().zip(done.iter_mut()) {
            if let Some(future) = slot
                && let Poll::Ready(response) = future.as_mut().poll(cx)
            {
                *out = Some(response);
                *slot = None;
            }
        }
        if pending.iter().all(Option::is_none) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    done.into_iter().map(Option::unwrap).collect()
}

/// A counter store that answers after yielding, like one across a network: concurrent
/// requests interleave between any two store calls a layer makes.
#[derive(Debug, Default)]
pub struct RemoteLikeCounters {
    inner: MemoryCounterStore,
    pub calls: AtomicUsize,
}

#[auth_core::async_trait]
impl CounterStore for RemoteLikeCounters {
    async fn add(
        &self,
        key: &str,
        cost: u64,
        limit: u64,
        expires_at: SystemTime,
        now: SystemTime,
    ) -> Result<Count, StoreError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        tokio::task::yield_now().await;
        self.inner.add(key, cost, limit, expires_at, now).await
    }

    async fn purge_expired_counters(&self, now: SystemTime) -> Result<u64, StoreError> {
        self.inner.purge_expired_counters(now).await
    }
}

/// A counter store that is down.
#[derive(Debug)]
pub struct DownCounters;

#[auth_core::async_trait]
impl CounterStore for DownCounters {
    async fn add(
        &self,
        _: &str,
        _: u64,
        _: u64,
        _: SystemTime,
        _: SystemTime,
    ) -> Result<Count, StoreError> {
        Err(StoreError::unavailable(std::io::Error::other(
            "connection refused",
        )))
    }

    async fn purge_expired_counters(&self, _: SystemTime) -> Result<u64, StoreError> {
        Err(StoreError::unavailable(std::io::Error::other(
            "connection refused",
        )))
    }
}

/// `"name";q=1;w=2, "other";q=3;w=4` — draft-ietf-httpapi-ratelimit-headers' list of
/// string items with integer parameters, in our fixed parameter order.
fn items(value: &str, params: [&str; 2]) -> Vec<(String, u64, u64)> {
    value
        .split(", ")
        .map(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap();
            assert!(
                name.len() >= 2 && name.starts_with('"') && name.ends_with('"'),
                "not an sf-string: {item:?}"
            );
            let name = &name[1..name.len() - 1];
            assert!(!name.contains(['"', '\\']), "{item:?}");
            let mut numbers = params.iter().map(|param| {
                let part = parts
                    .next()
                    .unwrap_or_else(|| panic!("no {param} in {item:?}"));
                let (key, number) = part.split_once('=').unwrap();
                assert_eq!(key, *param, "{item:?}");
                assert!(number.bytes().all(|b| b.is_ascii_digit()), "{item:?}");
                number.parse::<u64>().unwrap()
            });
            let (a, b) = (numbers.next().unwrap(), numbers.next().unwrap());
            assert!(parts.next().is_none(), "{item:?}");
            (name.to_owned(), a, b)
        })
        .collect()
}

fn policy(response: &Resp) -> Vec<(String, u64, u64)> {
    items(
        response
            .header("ratelimit-policy")
            .expect("RateLimit-Policy"),
        ["q", "w"],
    )
}

fn state(response: &Resp) -> Vec<(String, u64, u64)> {
    items(response.header("ratelimit").expect("RateLimit"), ["r", "t"])
}

fn get(peer: &str) -> Req {
    Req::get("/limited").peer(peer)
}

/// The limit's last request passes; the next is 429 with `Retry-After`, the JSON body and
/// the `RateLimit` fields, which every response carries in the draft's syntax.
pub async fn limit_reached_answers_429_with_headers(build: &Build) {
    let (_fx, client) = app(build, RateLimitLayer::new(Limit::per_minute(3)).name("api"));
    for remaining in [2, 1, 0] {
        let response = client.send(get("192.0.2.1")).await;
        assert_eq!(response.status, 200);
        assert_eq!(policy(&response), [("api".to_owned(), 3, 60)]);
        let current = state(&response);
        assert_eq!((current[0].0.as_str(), current[0].1), ("api", remaining));
        assert!((1..=60).contains(&current[0].2), "{current:?}");
    }
    let refused = client.send(get("192.0.2.1")).await;
    assert_eq!(refused.status, 429);
    assert_eq!(refused.error(), "rate_limited");
    assert!(
        refused.json()["message"]
            .as_str()
            .unwrap()
            .contains("retry")
    );
    assert_eq!(refused.header("content-type"), Some("application/json"));
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    assert_eq!(state(&refused), [("api".to_owned(), 0, retry)]);
    assert_eq!(policy(&refused), [("api".to_owned(), 3, 60)]);
}

/// One client using up its limit leaves every other IP, user and API client untouched.
pub async fn keys_are_independent(build: &Build) {
    let (_fx, client) = app(build, RateLimitLayer::new(Limit::per_minute(1)));
    assert_eq!(client.send(get("192.0.2.1")).await.status, 200);
    assert_eq!(client.send(get("192.0.2.1")).await.status, 429);
    assert_eq!(client.send(get("192.0.2.2")).await.status, 200);

    let (fx, client) = app(
        build,
        RateLimitLayer::new(Limit::per_minute(1)).key_by(KeyBy::User),
    );
    let alice = fx.user("alice@example.com").await;
    let bob = fx.user("bob@example.com").await;
    // Same IP, different users: separate counts.
    assert_eq!(
        client.send(get("192.0.2.1").bearer(&alice)).await.status,
        200
    );
    assert_eq!(
        client.send(get("192.0.2.1").bearer(&alice)).await.status,
        429
    );
    assert_eq!(client.send(get("192.0.2.1").bearer(&bob)).await.status, 200);
    // Alice from another IP is still Alice.
    assert_eq!(
        client.send(get("192.0.2.9").bearer(&alice)).await.status,
        429
    );
    // Anonymous requests fall back to their IP.
    assert_eq!(client.send(get("192.0.2.1")).await.status, 200);
    assert_eq!(client.send(get("192.0.2.1")).await.status, 429);
}

/// Attack: rotating through the addresses of one IPv6 /64 (2^64 of them, all one
/// subscriber's) to get a fresh count per request. They share one key.
pub async fn ipv6_address_rotation_within_a_64_shares_one_limit(build: &Build) {
    let (_fx, client) = app(build, RateLimitLayer::new(Limit::per_minute(2)));
    assert_eq!(client.send(get("2001:db8:1:2::1")).await.status, 200);
    assert_eq!(client.send(get("2001:db8:1:2::2")).await.status, 200);
    assert_eq!(client.send(get("2001:db8:1:2:ffff::3")).await.status, 429);
    // The next /64 is someone else.
    assert_eq!(client.send(get("2001:db8:1:3::1")).await.status, 200);
}

/// Attack: a client writes its own `X-Forwarded-For` to look like a new IP each time. Not
/// trusted unless the host configured a proxy header.
pub async fn spoofed_forwarded_for_is_ignored_by_default(build: &Build) {
    let (_fx, client) = app(build, RateLimitLayer::new(Limit::per_minute(1)));
    assert_eq!(
        client
            .send(get("192.0.2.1").header("x-forwarded-for", "10.0.0.1"))
            .await
            .status,
        200
    );
    let second = get("192.0.2.1").header("x-forwarded-for", "10.0.0.2");
    assert_eq!(client.send(second).await.status, 429);
}

fn seed_002_tiers() -> PlanLimits {
    PlanLimits::new(
        Plan::new()
            .limit(Limit::per_minute(2))
            .quota(Quota::monthly(3)),
    )
    .plan(
        "pro",
        Plan::new()
            .limit(Limit::per_minute(4))
            .quota(Quota::monthly(5)),
    )
}

/// Each plan gets its own limit and quota, from the token's `plan` claim; no plan and an
/// unknown plan get the default.
pub async fn plan_tiers_set_limits_and_quotas(build: &Build) {
    let (fx, client) = app(
        build,
        RateLimitLayer::with_plans(seed_002_tiers())
            .name("images")
            .key_by(KeyBy::User),
    );
    let free = fx.user_with("free@example.com", &[], None, None).await;
    let pro = fx
        .user_with("pro@example.com", &[], Some("pro"), None)
        .await;
    let odd = fx
        .user_with("odd@example.com", &[], Some("platinum"), None)
        .await;

    let first = client.send(get("192.0.2.1").bearer(&pro)).await;
    assert_eq!(first.status, 200);
    let policies = policy(&first);
    assert_eq!(policies[0], ("images".to_owned(), 4, 60));
    assert_eq!(policies[1].0, "monthly");
    assert_eq!(policies[1].1, 5);
    assert_eq!(state(&first)[1].1, 4);
    for _ in 0..3 {
        assert_eq!(client.send(get("192.0.2.1").bearer(&pro)).await.status, 200);
    }
    // Pro's rate limit (4/min) is reached before its quota (5).
    assert_eq!(
        client.send(get("192.0.2.1").bearer(&pro)).await.error(),
        "rate_limited"
    );

    for token in [&free, &odd] {
        assert_eq!(
            client.send(get("192.0.2.1").bearer(token)).await.status,
            200
        );
        assert_eq!(
            client.send(get("192.0.2.1").bearer(token)).await.status,
            200
        );
        assert_eq!(
            client.send(get("192.0.2.1").bearer(token)).await.error(),
            "rate_limited"
        );
    }

    // A minute later the rate limit allows more, but free's monthly quota of 3 runs out.
    // The in-process GCRA runs on the monotonic clock, so only the quota is tested here.
    let (fx, client) = app(
        build,
        RateLimitLayer::with_plans(
            PlanLimits::new(Plan::new().quota(Quota::monthly(3)))
                .plan("pro", Plan::new().quota(Quota::monthly(5))),
        )
        .key_by(KeyBy::User),
    );
    let free = fx.user_with("free@example.com", &[], None, None).await;
    let pro = fx
        .user_with("pro@example.com", &[], Some("pro"), None)
        .await;
    for _ in 0..3 {
        assert_eq!(
            client.send(get("192.0.2.1").bearer(&free)).await.status,
            200
        );
    }
    let over = client.send(get("192.0.2.1").bearer(&free)).await;
    assert_eq!(over.status, 429);
    assert_eq!(over.error(), "quota_exceeded");
    let retry: u64 = over.header("retry-after").unwrap().parse().unwrap();
    assert_eq!(state(&over)[0], ("monthly".to_owned(), 0, retry));
    for _ in 0..5 {
        assert_eq!(client.send(get("192.0.2.1").bearer(&pro)).await.status, 200);
    }
    assert_eq!(
        client.send(get("192.0.2.1").bearer(&pro)).await.error(),
        "quota_exceeded"
    );
    // Anonymous requests (no plan: the default) count by IP; when the calendar month turns
    // (the fixture's clock is injected) the quota starts afresh.
    for _ in 0..3 {
        assert_eq!(client.send(get("192.0.2.50")).await.status, 200);
    }
    let over = client.send(get("192.0.2.50")).await;
    assert_eq!(over.error(), "quota_exceeded");
    let retry: u64 = over.header("retry-after").unwrap().parse().unwrap();
    fx.clock.advance(Duration::from_secs(retry - 1));
    assert_eq!(
        client.send(get("192.0.2.50")).await.error(),
        "quota_exceeded"
    );
    fx.clock.advance(Duration::from_secs(1));
    assert_eq!(client.send(get("192.0.2.50")).await.status, 200);
}

/// Race: 50 concurrent requests against a quota of 10 on a store that answers after a
/// network-like yield. Exactly 10 pass: the quota is one atomic conditional `add`, never a
/// read followed by a write.
pub async fn concurrent_requests_cannot_overspend_the_quota(build: &Build) {
    let store = Arc::new(RemoteLikeCounters::default());
    let (fx, client) = app(
        build,
        RateLimitLayer::with_plans(PlanLimits::new(Plan::new().quota(Quota::daily(10))))
            .key_by(KeyBy::User)
            .quota_store(store.clone()),
    );
    let token = fx.user("racer@example.com").await;
    let requests = (0..50)
        .map(|_| (client.send)(get("192.0.2.1").bearer(&token)))
        .collect();
    let responses = all_at_once(requests).await;
    let passed = responses.iter().filter(|r| r.status == 200).count();
    let refused = responses
        .iter()
        .filter(|r| r.status == 429 && r.error() == "quota_exceeded")
        .count();
    assert_eq!((passed, refused), (10, 40));
    assert!(store.calls.load(Ordering::SeqCst) >= 50);
}

/// Two instances (two layers) on one shared store count together, in fixed windows named
/// in the key; the next window starts afresh.
pub async fn shared_store_counts_across_instances(build: &Build) {
    let store: Arc<dyn CounterStore> = Arc::new(MemoryCounterStore::new());
    let fx = fixture(Options::default());
    let layer = || {
        RateLimitLayer::new(Limit::per_minute(3))
            .shared(store.clone())
            .clock(Arc::new(fx.clock.clone()))
    };
    let a = build(layer(), &fx);
    let b = build(layer(), &fx);
    assert_eq!(a.send(get("192.0.2.1")).await.status, 200);
    assert_eq!(b.send(get("192.0.2.1")).await.status, 200);
    let last = a.send(get("192.0.2.1")).await;
    assert_eq!(last.status, 200);
    assert_eq!(state(&last)[0].1, 0);
    let refused = b.send(get("192.0.2.1")).await;
    assert_eq!(refused.status, 429);
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    fx.clock.advance(Duration::from_secs(retry));
    assert_eq!(b.send(get("192.0.2.1")).await.status, 200);
}

/// The counter store is down: 503 with `Retry-After`, never a silent pass (fail closed);
/// `dangerous_fail_open` lets requests through instead.
pub async fn store_failure_answers_503(build: &Build) {
    let down: Arc<dyn CounterStore> = Arc::new(DownCounters);
    let (_fx, client) = app(
        build,
        RateLimitLayer::new(Limit::per_minute(100)).shared(down.clone()),
    );
    let response = client.send(get("192.0.2.1")).await;
    assert_eq!(response.status, 503);
    assert_eq!(response.header("retry-after"), Some("5"));
    assert_eq!(response.error(), "temporarily_unavailable");
    assert!(!response.text().contains("connection refused"));

    let (_fx, client) = app(
        build,
        RateLimitLayer::with_plans(PlanLimits::new(Plan::new().quota(Quota::monthly(10))))
            .quota_store(down.clone()),
    );
    assert_eq!(client.send(get("192.0.2.1")).await.status, 503);

    let (_fx, client) = app(
        build,
        RateLimitLayer::new(Limit::per_minute(100))
            .shared(down)
            .dangerous_fail_open(),
    );
    assert_eq!(client.send(get("192.0.2.1")).await.status, 200);
}

/// A unit of quota is spent when the request is let through; a 5xx from the handler does
/// not refund it (documented).
pub async fn a_failed_request_still_uses_its_quota(build: &Build) {
    let (_fx, client) = app(
        build,
        RateLimitLayer::with_plans(PlanLimits::new(Plan::new().quota(Quota::daily(1)))),
    );
    let boom = client.send(Req::get("/boom").peer("192.0.2.1")).await;
    assert_eq!(boom.status, 500);
    assert_eq!(
        state(&boom)[0].1,
        0,
        "headers ride on the handler's response too"
    );
    assert_eq!(
        client.send(get("192.0.2.1")).await.error(),
        "quota_exceeded"
    );
}

macro_rules! rate_limit_scenarios {
    ($test:meta, $build:expr) => {
        mod rate_limit_scenarios {
            use super::*;
            rate_limit_scenarios!(@each $test, $build,
                limit_reached_answers_429_with_headers,
                keys_are_independent,
                ipv6_address_rotation_within_a_64_shares_one_limit,
                spoofed_forwarded_for_is_ignored_by_default,
                plan_tiers_set_limits_and_quotas,
                concurrent_requests_cannot_overspend_the_quota,
                shared_store_counts_across_instances,
                store_failure_answers_503,
                a_failed_request_still_uses_its_quota,
            );
        }
    };
    (@each $test:meta, $build:expr, $($name:ident),* $(,)?) => {
        $(
            #[$test]
            async fn $name() {
                crate::rate_limit::$name(&$build).await;
            }
        )*
    };
}
pub(crate) use rate_limit_scenarios;
