//! The rate-limit middleware through actix-web 4 (`actix_web::test`): the scenarios of
//! `rate_limit/mod.rs` against an actix app built the same way as the axum one.
#![cfg(feature = "actix")]

mod common;
mod rate_limit;

use actix_web::dev::Service as _;
use actix_web::{App, HttpResponse, test, web};
use auth_tower::actix::AuthMiddleware;
use auth_tower::rate_limit::{RateLimitLayer, RateLimitMiddleware};

use common::actix_client::{actix_request, actix_response};
use common::{Client, Fixture, Req, Sent};
use rate_limit::rate_limit_scenarios;

fn build(layer: RateLimitLayer, fx: &Fixture) -> Client {
    let auth = fx.authenticator.clone();
    let make = move || {
        // actix runs the last `wrap` first: authenticate, then count.
        App::new()
            .wrap(RateLimitMiddleware::new(layer.clone()))
            .wrap(AuthMiddleware::optional(auth.clone()))
            .route("/limited", web::get().to(|| async { "ok" }))
            .route(
                "/boom",
                web::get().to(|| async { HttpResponse::InternalServerError().body("boom") }),
            )
    };
    Client {
        send: Box::new(move |req: Req| -> Sent {
            let app = make();
            Box::pin(async move {
                let service = test::init_service(app).await;
                let request = actix_request(&req).to_request();
                actix_response(service.call(request).await).await
            })
        }),
    }
}

rate_limit_scenarios!(actix_web::test, build);
