//! OpenAPI 3.1 documents of the ready endpoints (feature `openapi`), generated from the code
//! with [`utoipa`]:
//!
//! * [`AuthEndpoints::openapi`](crate::AuthEndpoints::openapi) — signup, login, refresh,
//!   logout, sessions, password and email routes, and the social-login routes when providers
//!   are configured: exactly the routes this instance answers, below the mount path the host
//!   passes, in its token delivery mode (a refresh body in bearer mode; the refresh cookie and
//!   the CSRF header in cookie mode).
//! * `OAuthEndpoints::openapi` (with feature `oauth-server`) — the authorization server's
//!   routes, at the paths it is configured with.
//!
//! Request and response bodies are the schemas of the types the handlers (de)serialize
//! (`derive(ToSchema)` where they are defined); every path comes from the endpoints' own route
//! table, so the document cannot name a route that does not answer. Every status a handler
//! produces is listed with its body: errors are `{"error","error_description"}` ([`Error`
//! schema](self#error-bodies)); 401 carries `WWW-Authenticate`, 429 and 503 `Retry-After`.
//!
//! # Error bodies
//! The endpoints answer every refusal with `{"error": code, "error_description": text}`
//! (schema `Error`). auth-tower's [`RateLimitLayer`](crate::RateLimitLayer), which hosts
//! often put in front of some routes, answers 429 and 503 with `{"error", "message"}`
//! (schema `RateLimited`); the document's 429 and 503 responses accept either.
//!
//! # Serving it
//! [`OpenApiService`] answers `GET` (and `HEAD`) with the document as JSON; mount it at the
//! path of your choice:
//!
//! ```
//! use std::sync::Arc;
//! use auth_core::flows::{AuthService, RecordingMailer, Stores};
//! use auth_core::token::{Algorithm, KeySet, SigningKey};
//! use auth_tower::openapi::OpenApiService;
//! use auth_tower::{AuthEndpoints, EndpointsConfig};
//! use bytes::Bytes;
//! use http::Request;
//! use http_body_util::{BodyExt as _, Empty};
//! use tower::ServiceExt as _;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[7; 32])?);
//! let service = AuthService::builder(keys, Stores::in_memory())
//!     .issuer("https://auth.example.com", "https://api.example.com")
//!     .mailer(Arc::new(RecordingMailer::default()))
//!     .build()?;
//! let endpoints = AuthEndpoints::for_service(service, EndpointsConfig::cookie_mode());
//!
//! // The endpoints mounted at /auth: their document names /auth/login, /auth/refresh, …
//! let document = endpoints.openapi("/auth");
//! assert!(document.paths.paths.contains_key("/auth/login"));
//!
//! // axum: Router::new().route_service("/openapi.json", OpenApiService::new(&document))
//! let response = OpenApiService::new(&document)
//!     .oneshot(Request::get("/openapi.json").body(Empty::<Bytes>::new())?)
//!     .await?;
//! assert_eq!(response.status(), 200);
//! assert_eq!(response.headers()["content-type"], "application/json");
//! let body: serde_json::Value = serde_json::from_slice(&response.into_body().collect().await?.to_bytes())?;
//! assert_eq!(body["openapi"], "3.1.0");
//! # Ok(())
//! # }
//! ```

mod first_party;
#[cfg(feature = "oauth-server")]
mod oauth_server;
mod service;

pub use service::OpenApiService;

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{HttpMethod, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{AnyOfBuilder, ComponentsBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Ref, RefOr, Required, Response, ResponseBuilder};

/// The schema name of `{"error","error_description"}`.
const ERROR: &str = "Error";
/// The schema name of the rate-limit layer's `{"error","message"}`.
const RATE_LIMITED: &str = "RateLimited";

/// The `http` method as utoipa names it; `None` for methods the endpoints never route.
fn http_method(method: &http::Method) -> Option<HttpMethod> {
    Some(match *method {
        http::Method::GET => HttpMethod::Get,
        http::Method::POST => HttpMethod::Post,
        http::Method::DELETE => HttpMethod::Delete,
        http::Method::PUT => HttpMethod::Put,
        http::Method::PATCH => HttpMethod::Patch,
        _ => return None,
    })
}

/// A string schema.
fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

/// `Retry-After` and other whole-second headers: digits (the endpoints never send the date
/// form), at least 1.
fn seconds_header(description: &str) -> Header {
    HeaderBuilder::new()
        .schema(Some(string().pattern(Some("^[1-9][0-9]*$"))))
        .description(Some(description))
        .build()
}

/// The schemas every document shares: the two error bodies.
fn error_components(components: ComponentsBuilder) -> ComponentsBuilder {
    let error = ObjectBuilder::new()
        .description(Some(
            "A refusal: a stable snake_case code and a description safe to show (it never \
             says which check failed, nor whether an account exists).",
        ))
        .property("error", string().description(Some("The error code.")))
        .required("error")
        .property(
            "error_description",
            string().description(Some("What went wrong, for people.")),
        )
        .required("error_description");
    let rate_limited = ObjectBuilder::new()
        .description(Some(
            "A refusal by auth-tower's RateLimitLayer in front of the endpoints \
             (`rate_limited`, `quota_exceeded`, `temporarily_unavailable`).",
        ))
        .property("error", string().description(Some("The error code.")))
        .required("error")
        .property(
            "message",
            string().description(Some("What went wrong, for people.")),
        )
        .required("message");
    components
        .schema(ERROR, error)
        .schema(RATE_LIMITED, rate_limited)
}

/// A JSON response whose body is the schema `schema`.
fn json_response(description: &str, schema: impl Into<RefOr<Schema>>) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new().schema(Some(schema)).build(),
    )
}

/// A JSON error response (`Error`); 401 with its `WWW-Authenticate` challenge, 429 and 503
/// with `Retry-After` and either error body (the endpoints' or a rate-limit layer's).
fn error_response(status: u16, description: &str) -> Response {
    let response = match status {
        429 | 503 => json_response(
            description,
            AnyOfBuilder::new()
                .item(Ref::from_schema_name(ERROR))
                .item(Ref::from_schema_name(RATE_LIMITED)),
        )
        .header(
            "Retry-After",
            seconds_header("Seconds to wait before trying again."),
        ),
        _ => json_response(description, Ref::from_schema_name(ERROR)),
    };
    let response = if status == 401 {
        response.header(
            "WWW-Authenticate",
            HeaderBuilder::new()
                .schema(Some(string()))
                .description(Some("The RFC 6750 challenge: `Bearer realm=\"…\"`."))
                .build(),
        )
    } else {
        response
    };
    response.build()
}

/// A response without a body.
fn empty_response(description: &str) -> Response {
    ResponseBuilder::new().description(description).build()
}

/// A redirect (302/303) with its `Location`.
#[cfg(any(feature = "providers", feature = "oauth-server"))]
fn redirect_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .header(
            "Location",
            HeaderBuilder::new()
                .schema(Some(string().format(Some(
                    utoipa::openapi::schema::SchemaFormat::Custom("uri-reference".to_owned()),
                ))))
                .description(Some("Where the browser goes next."))
                .build(),
        )
        .build()
}

/// A parameter of type string.
fn string_parameter(
    name: &str,
    location: ParameterIn,
    required: bool,
    description: &str,
    schema: ObjectBuilder,
) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(location)
        .required(if required {
            Required::True
        } else {
            Required::False
        })
        .description(Some(description))
        .schema(Some(schema))
        .build()
}

/// `prefix` + `path`, with the prefix's trailing `/` dropped (`"/"` and `""` mean the root).
fn mounted(prefix: &str, path: &str) -> String {
    format!("{}{path}", prefix.trim_end_matches('/'))
}
