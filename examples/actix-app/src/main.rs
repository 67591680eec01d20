//! # actix-app
//!
//! The same host as axum-app on actix-web 4, through auth-tower's `actix` adapter: the auth
//! endpoints under `/auth`, guarded routes under `/api`, and the demo page at `/`, on
//! SQLite with no setup:
//!
//! ```sh
//! cargo run -p actix-app       # then open http://127.0.0.1:3000
//! ```
//!
//! Configuration is read from the environment (see the README and `.env.example`);
//! `actix-app grant EMAIL --role admin --plan pro` changes an account to try the guards.

use std::process::ExitCode;

use actix_cors::Cors;
use actix_web::middleware::Condition;
use actix_web::{App, HttpResponse, HttpServer, http, web};
use auth_tower::actix::{AuthMiddleware, GuardMiddleware, endpoints_scope};
use auth_tower::{AuthContext, Guard};
use example_common::{DemoPage, Example, ExampleVars, cli};

const APP: &str = "actix-app";

#[actix_web::main]
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
    let listener = example_common::bind(&vars)?;
    let addr = listener.local_addr()?;
    let example = Example::build(&vars, addr.port()).await?;
    let server = HttpServer::new(move || {
        let Example {
            endpoints,
            authenticator,
            tiers,
            page,
            cors_origins,
            ..
        } = example.clone();
        App::new()
            // CORS outermost, so that preflights are answered before authentication.
            .wrap(Condition::new(
                !cors_origins.is_empty(),
                cors(&cors_origins),
            ))
            .app_data(web::Data::new(page))
            .route("/", web::get().to(page_response))
            // The peer address feeds auth-tower's per-IP login throttling.
            .service(endpoints_scope(endpoints, "/auth"))
            .service(
                web::scope("/api")
                    .wrap(AuthMiddleware::required(authenticator))
                    .route("/me", web::get().to(me))
                    .service(
                        web::resource("/admin")
                            .wrap(GuardMiddleware::new(Guard::role("admin")))
                            .route(web::get().to(admin)),
                    )
                    .service(
                        web::resource("/pro")
                            .wrap(GuardMiddleware::new(Guard::plan_at_least(&tiers, "pro")))
                            .route(web::get().to(pro)),
                    ),
            )
    })
    .listen(listener)?
    .run();
    example_common::announce(APP, addr);
    server.await?;
    Ok(())
}

/// `GET /api/me`: any signed-in user.
async fn me(user: AuthContext) -> web::Json<serde_json::Value> {
    web::Json(example_common::me_body(&user))
}

/// `GET /api/admin`: role `admin` (the resource's guard).
async fn admin(user: AuthContext) -> web::Json<serde_json::Value> {
    web::Json(serde_json::json!({ "message": "hello, admin", "sub": user.subject() }))
}

/// `GET /api/pro`: plan `pro` or above (the resource's guard).
async fn pro(user: AuthContext) -> web::Json<serde_json::Value> {
    web::Json(serde_json::json!({ "message": "a pro feature", "plan": user.claims().plan }))
}

async fn page_response(page: web::Data<DemoPage>) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    for header in page.headers() {
        response.insert_header(header);
    }
    response.body(page.html().to_owned())
}

/// CORS for the origins `AUTH_ALLOWED_ORIGINS` lists, with credentials (the refresh cookie);
/// never `*`.
fn cors(origins: &[String]) -> Cors {
    let cors = Cors::default()
        .allowed_methods([http::Method::GET, http::Method::POST, http::Method::DELETE])
        .allowed_headers([
            http::header::AUTHORIZATION,
            http::header::CONTENT_TYPE,
            http::header::HeaderName::from_static("x-csrf-token"),
        ])
        .supports_credentials()
        .max_age(600);
    origins
        .iter()
        .fold(cors, |cors, origin| cors.allowed_origin(origin))
}
