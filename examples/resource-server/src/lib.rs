//! The resource server of the example (seed 004's app backend): an API that accepts only the
//! example authorization server's access tokens.
//!
//! Every request to `/api/*` must carry `Authorization: Bearer <access token>`. The token is
//! verified by auth-providers' [`RemoteJwtVerifier`] with the keys of the authorization
//! server's JWKS: signature (an unknown `kid` refreshes the key set once, rate-limited),
//! algorithm allow-list (`none` is never accepted), `typ: at+jwt`, issuer, audience, expiry.
//! There is no fallback that reads a token without checking its signature: when the JWKS
//! cannot be fetched the answer is 503.
//!
//! Routes:
//! * `GET /health` — no token needed.
//! * `GET /api/profile` — scope `read:profile`; answers the token's subject and scope.
//! * `GET /api/workflows` — scope `manage:workflows`.
//!
//! Missing or bad tokens: 401 with `WWW-Authenticate: Bearer …` (RFC 6750); a valid token
//! without the scope: 403 `insufficient_scope`.

use std::sync::Arc;

use auth_core::token::Claims;
use auth_providers::{ConfigError, RemoteJwtVerifier, RemoteTokenError};
use auth_tower::{AuthRejection, Guard, RejectionReason};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};

/// The realm of the `WWW-Authenticate` challenges.
pub const REALM: &str = "workflows-api";

/// The verifier of the authorization server's access tokens, configured by
/// [`RemoteJwtVerifier::from_vars`] through `lookup` over this example's defaults:
/// `OAUTH_ISSUER` `http://localhost:8000` and `OAUTH_AUDIENCE` `http://localhost:8001` (the
/// oauth-server example's), `OAUTH_JWKS_URL` the issuer's `/.well-known/jwks.json`.
///
/// # Errors
/// A malformed URL, a JWKS URL that is plain `http` to another machine than this one (only
/// `https`, or `http` to a loopback host, is accepted), or an HTTP client that cannot be built.
pub fn verifier(lookup: impl Fn(&str) -> Option<String>) -> Result<RemoteJwtVerifier, ConfigError> {
    RemoteJwtVerifier::from_vars(|name| {
        lookup(name).or_else(|| match name {
            "OAUTH_ISSUER" => Some("http://localhost:8000".to_owned()),
            "OAUTH_AUDIENCE" => Some("http://localhost:8001".to_owned()),
            _ => None,
        })
    })
}

/// The API's router.
pub fn app(verifier: RemoteJwtVerifier) -> Router {
    let api = Router::new()
        .route(
            "/profile",
            get(profile).layer(axum::middleware::from_fn(|request, next| {
                require_scope("read:profile", request, next)
            })),
        )
        .route(
            "/workflows",
            get(workflows).layer(axum::middleware::from_fn(|request, next| {
                require_scope("manage:workflows", request, next)
            })),
        )
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(verifier),
            authenticate,
        ));
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .nest("/api", api)
}

fn rejection(reason: impl Into<RejectionReason>) -> Response {
    AuthRejection::new(reason, Arc::from(REALM)).into_response::<Body>()
}

/// Verifies the bearer token through the JWKS and puts its claims into the request.
async fn authenticate(
    State(verifier): State<Arc<RemoteJwtVerifier>>,
    mut request: Request,
    next: Next,
) -> Response {
    let mut values = request.headers().get_all(AUTHORIZATION).iter();
    let (first, second) = (values.next(), values.next());
    let token = match (first, second) {
        (None, _) => return rejection(RejectionReason::MissingCredentials),
        (Some(_), Some(_)) => {
            return rejection(auth_tower::CredentialError::DuplicateAuthorization);
        }
        (Some(value), None) => match bearer(value) {
            Some(token) => token.to_owned(),
            None => return rejection(auth_tower::CredentialError::MalformedBearer),
        },
    };
    match verifier.verify(&token).await {
        Ok(claims) => {
            request.extensions_mut().insert(Arc::new(claims));
            next.run(request).await
        }
        Err(RemoteTokenError::Rejected(error)) => {
            tracing::debug!(%error, "access token refused");
            rejection(error)
        }
        Err(error) => {
            // The authorization server's keys could not be fetched: refuse, never read the
            // token unchecked.
            tracing::error!(%error, "token verification unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({
                    "error": "temporarily_unavailable",
                    "error_description": "the token cannot be verified right now",
                })),
            )
                .into_response()
        }
    }
}

/// The token of `Authorization: Bearer <token>`.
fn bearer(value: &HeaderValue) -> Option<&str> {
    let value = value.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' '))
        .then_some(token)
}

/// 403 `insufficient_scope` unless the verified token holds `scope`.
async fn require_scope(scope: &'static str, request: Request, next: Next) -> Response {
    let Some(claims) = request.extensions().get::<Arc<Claims>>() else {
        return rejection(RejectionReason::MissingCredentials);
    };
    if let Err(forbidden) = Guard::scope(scope).check(claims) {
        return rejection(forbidden);
    }
    next.run(request).await
}

async fn profile(Extension(claims): Extension<Arc<Claims>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "sub": claims.sub,
        "scope": claims.scope.as_str(),
        "client_id": claims.client_id,
    }))
}

async fn workflows(Extension(claims): Extension<Arc<Claims>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "owner": claims.sub, "workflows": [] }))
}
