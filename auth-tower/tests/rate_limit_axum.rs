//! The rate-limit layer through axum 0.8 (`tower::ServiceExt::oneshot`): the scenarios of
//! `rate_limit/mod.rs`, and the quota race on a multi-threaded runtime.

mod common;
mod rate_limit;

use std::sync::Arc;

use auth_tower::AuthLayer;
use auth_tower::rate_limit::{KeyBy, Plan, PlanLimits, Quota, RateLimitLayer};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use tower::ServiceExt as _;

use common::axum_client::axum_client;
use common::{Client, Fixture, Options, fixture};
use rate_limit::rate_limit_scenarios;

fn router(layer: RateLimitLayer, fx: &Fixture) -> Router {
    Router::new()
        .route("/limited", get(|| async { "ok" }))
        .route(
            "/boom",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .layer(layer)
        .layer(AuthLayer::optional(fx.authenticator.clone()))
}

fn build(layer: RateLimitLayer, fx: &Fixture) -> Client {
    axum_client(router(layer, fx))
}

rate_limit_scenarios!(tokio::test, build);

/// The quota race on real threads: 50 tasks on a 4-worker runtime, one shared store, a
/// quota of 10. Exactly 10 pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn quota_race_on_threads_lets_exactly_the_quota_through() {
    let fx = fixture(Options::default());
    let store = Arc::new(rate_limit::RemoteLikeCounters::default());
    let layer = RateLimitLayer::with_plans(PlanLimits::new(Plan::new().quota(Quota::monthly(10))))
        .key_by(KeyBy::User)
        .quota_store(store)
        .clock(Arc::new(fx.clock.clone()));
    let app = router(layer, &fx);
    let token = fx.user("racer@example.com").await;
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let app = app.clone();
            let token = token.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                let mut request = Request::get("/limited")
                    .header("authorization", format!("Bearer {token}"))
                    .body(Body::empty())
                    .unwrap();
                let peer: std::net::SocketAddr = "192.0.2.1:4000".parse().unwrap();
                request.extensions_mut().insert(ConnectInfo(peer));
                barrier.wait().await;
                app.oneshot(request).await.unwrap().status()
            })
        })
        .collect();
    let mut passed = 0;
    for task in tasks {
        if task.await.unwrap() == StatusCode::OK {
            passed += 1;
        }
    }
    assert_eq!(passed, 10);
}
