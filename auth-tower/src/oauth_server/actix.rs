//! The authorization-server endpoints on actix-web (features `oauth-server` and `actix`):
//! `App::new().configure(oauth_server::actix_config(endpoints))`.
//!
//! actix-web 4 uses http 0.2 types: the request is converted at the edge into the
//! `http::Request<Bytes>` that [`OAuthEndpoints::handle`] takes, and the answer back.

use actix_web::{HttpRequest, HttpResponse, web};

use super::OAuthEndpoints;
use crate::actix::{read_body, to_actix};
use crate::body::BodyError;
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
    let body = match read_body(&request, payload, endpoints.config().max_body_bytes).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => return to_actix(endpoints.payload_too_large()),
        Err(BodyError::Unreadable) => return to_actix(super::unreadable_body()),
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
