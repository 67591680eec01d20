//! The authorization-server endpoints on actix-web (features `oauth-server` and `actix`):
//! `App::new().configure(oauth_server::actix_config(endpoints))`.
//!
//! actix-web 4 uses http 0.2 types: the request is converted at the edge into the
//! `http::Request<Bytes>` that [`OAuthEndpoints::handle`] takes, and the answer back.

use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;

use super::OAuthEndpoints;
use crate::endpoints::PeerAddr;

/// Registers one resource per path of `endpoints` (see [`OAuthEndpoints::paths`]) at the
/// root of the app: `App::new().configure(actix_config(endpoints))`. The body is read up to
/// [`max_body_bytes`](super::OAuthEndpointsConfig::max_body_bytes) (413 beyond, without reading
/// the rest); the peer address is actix's.
pub fn actix_config(endpoints: OAuthEndpoints) -> impl FnOnce(&mut web::ServiceConfig) {
    move |config: &mut web::ServiceConfig| {
        for path in endpoints.paths() {
            let endpoints = endpoints.clone();
            config.service(web::resource(path).default_service(web::to(
                move |request: HttpRequest, payload: web::Payload| {
                    let endpoints = endpoints.clone();
                    async move { handle(endpoints, request, payload).await }
                },
            )));
        }
    }
}

async fn handle(
    endpoints: OAuthEndpoints,
    request: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let limit = endpoints.config().max_body_bytes;
    let declared = request
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return to_actix(endpoints.payload_too_large());
    }
    let body = match payload.to_bytes_limited(limit).await {
        Ok(Ok(body)) => body,
        Ok(Err(error)) => {
            tracing::debug!(%error, "request body could not be read");
            return to_actix(super::plain_error(
                http::StatusCode::BAD_REQUEST,
                "invalid_request",
                "the request body could not be read",
            ));
        }
        Err(_) => return to_actix(endpoints.payload_too_large()),
    };
    let Ok(method) = http::Method::from_bytes(request.method().as_str().as_bytes()) else {
        return HttpResponse::MethodNotAllowed().finish();
    };
    let Ok(uri) = request.uri().to_string().parse::<http::Uri>() else {
        return HttpResponse::BadRequest().finish();
    };
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in request.headers() {
        builder = builder.header(name.as_str(), value.as_bytes());
    }
    let Ok(mut converted) = builder.body(body) else {
        return HttpResponse::BadRequest().finish();
    };
    if let Some(peer) = request.peer_addr() {
        converted.extensions_mut().insert(PeerAddr(peer));
    }
    to_actix(endpoints.handle(converted).await)
}

/// An http 1 response as an actix one.
fn to_actix(response: http::Response<Bytes>) -> HttpResponse {
    let (parts, body) = response.into_parts();
    let status = actix_web::http::StatusCode::from_u16(parts.status.as_u16())
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status);
    for (name, value) in &parts.headers {
        builder.append_header((name.as_str(), value.as_bytes()));
    }
    builder.body(body)
}
