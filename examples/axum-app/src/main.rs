//! # axum-app
//!
//! The main example: an axum 0.8 host with auth-tower's endpoints under `/auth`, guarded
//! routes under `/api`, and a demo page at `/`, on SQLite with no setup:
//!
//! ```sh
//! cargo run -p axum-app        # then open http://127.0.0.1:3000
//! ```
//!
//! Configuration is read from the environment (see the README and `.env.example`);
//! `axum-app grant EMAIL --role admin --plan pro` changes an account to try the guards.
//! Seed 002's usage limits (API rate, login rate, monthly image quota per plan) are in
//! [`limits`].

mod limits;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use auth_tower::{AuthContext, AuthLayer, Guard, RateLimitService};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use example_common::{DemoPage, Example, ExampleVars, cli};
use limits::Limits;
use tower_http::cors::CorsLayer;
use tower_http::trace::TraceLayer;

const APP: &str = "axum-app";

#[tokio::main]
async fn main() -> ExitCode {
    example_common::init_tracing();
    let outcome = match cli::parse(std::env::args().skip(1)) {
        Ok(cli::Command::Serve) => serve().await,
        Ok(cli::Command::Grant { email, roles, plan }) => {
            grant(&email, &roles, plan.as_deref()).await
        }
        Ok(cli::Command::Help) => {
            tracing::info!("\n{}", cli::usage(APP));
            Ok(())
        }
        Err(message) => Err(format!("{message}\n{}", cli::usage(APP)).into()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report(&*error);
            ExitCode::FAILURE
        }
    }
}

/// The start-up error, on stderr, whatever `RUST_LOG` says.
#[allow(clippy::print_stderr)] // a binary's fatal error belongs on stderr
fn report(error: &dyn std::error::Error) {
    eprintln!("error: {error}");
}

async fn grant(
    email: &str,
    roles: &[String],
    plan: Option<&str>,
) -> Result<(), Box<dyn std::error::Error>> {
    let vars = ExampleVars::from_env(APP)?;
    cli::grant(&vars, email, roles, plan).await?;
    Ok(())
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let vars = ExampleVars::from_env(APP)?;
    let listener = tokio::net::TcpListener::from_std(example_common::bind(&vars)?)?;
    let addr = listener.local_addr()?;
    let limits = Limits::from_env()?;
    let example = Example::build(&vars, addr.port()).await?;
    let app = router(&example, &limits)?;
    example_common::announce(APP, addr);
    // The peer address feeds auth-tower's per-IP login throttling.
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    })
    .await?;
    Ok(())
}

/// The whole app: the page, the auth endpoints (login rate-limited), the guarded and
/// rate-limited API.
fn router(example: &Example, limits: &Limits) -> Result<Router, Box<dyn std::error::Error>> {
    // Quotas always count across instances; with Redis the login limit does too. The API's
    // request rate stays per instance: sharing it would cost a Redis round trip per request.
    let shared = example.redis.then(|| example.counters.clone());
    let api = Router::new()
        .route("/me", get(me))
        .route("/admin", get(admin).layer(Guard::role("admin").layer()))
        .route(
            "/pro",
            get(pro).layer(Guard::plan_at_least(&example.tiers, "pro").layer()),
        )
        // Inside the AuthLayer: the quota is the signed-in user's, by their plan.
        .route(
            "/images",
            post(images).layer(limits.images(example.counters.clone())),
        )
        .layer(AuthLayer::required(example.authenticator.clone()))
        // Outermost: 100 a minute per IP counts every request, before any token is checked.
        .layer(limits.api());

    // `POST /auth/login` behind its own limit; every other auth route as is.
    let endpoints = example.endpoints.clone().into_service();
    let auth = Router::new()
        .route_service(
            "/login",
            RateLimitService::new(endpoints.clone(), limits.login(shared)),
        )
        .fallback_service(endpoints);

    let page = example.page.clone();
    let mut app = Router::new()
        .route("/", get(move || async move { page_response(&page) }))
        .nest("/api", api)
        .nest("/auth", auth)
        .route_service("/openapi.json", example.endpoints.openapi_service("/auth"));
    if !example.cors_origins.is_empty() {
        app = app.layer(cors(&example.cors_origins)?);
    }
    Ok(app.layer(TraceLayer::new_for_http()))
}

/// `GET /api/me`: any signed-in user.
async fn me(user: AuthContext) -> Json<serde_json::Value> {
    Json(example_common::me_body(&user))
}

/// `GET /api/admin`: role `admin` (the route's guard).
async fn admin(user: AuthContext) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "message": "hello, admin", "sub": user.subject() }))
}

/// `GET /api/pro`: plan `pro` or above (the route's guard).
async fn pro(user: AuthContext) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "message": "a pro feature", "plan": user.claims().plan }))
}

/// `POST /api/images`: stands for seed 002's image generation; each call uses one unit of
/// the monthly quota of the caller's plan (the route's layer), 429 `quota_exceeded` beyond.
async fn images(user: AuthContext) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "message": "image generated", "sub": user.subject() }))
}

fn page_response(page: &DemoPage) -> Response {
    let mut response = Html(page.html().to_owned()).into_response();
    for (name, value) in page.headers() {
        if let Ok(value) = HeaderValue::from_str(value) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(name), value);
        }
    }
    response
}

/// CORS for the origins `AUTH_ALLOWED_ORIGINS` lists, with credentials (the refresh cookie);
/// never `*`.
fn cors(origins: &[String]) -> Result<CorsLayer, Box<dyn std::error::Error>> {
    let origins = origins
        .iter()
        .map(|origin| HeaderValue::from_str(origin))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CorsLayer::new()
        .allow_origin(origins)
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            HeaderName::from_static("x-csrf-token"),
        ])
        .max_age(Duration::from_secs(600)))
}
