//! The rate-limit middleware through actix-web 4 (`actix_web::test`): the scenarios of
//! `rate_limit/mod.rs` against an actix app built the same way as the axum one.
#![cfg(feature = "actix")]

mod common;
mod rate_limit;

use actix_web::dev::Service as _;
use actix_web::{App, HttpResponse, test, web};
use auth_tower::actix::AuthMiddleware;
use auth_tower::rate_limit::{RateLimitLayer, RateLimitMiddleware};

use common::{Client, Fixture, Req, Resp, Sent};
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
                let mut request = test::TestRequest::default()
                    .method(actix_web::http::Method::from_bytes(req.method.as_bytes()).unwrap())
                    .uri(&req.uri)
                    .peer_addr(req.peer);
                for (name, value) in &req.headers {
                    request = request.append_header((name.as_str(), value.as_str()));
                }
                let response = match service.call(request.to_request()).await {
                    Ok(response) => response.into_parts().1.map_into_boxed_body(),
                    Err(error) => error.error_response(),
                };
                let status = response.status().as_u16();
                let headers = response
                    .headers()
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
                    .collect();
                let body = actix_web::body::to_bytes(response.into_body())
                    .await
                    .map(|b| b.to_vec())
                    .unwrap_or_default();
                Resp {
                    status,
                    headers,
                    body,
                }
            })
        }),
    }
}

rate_limit_scenarios!(actix_web::test, build);
