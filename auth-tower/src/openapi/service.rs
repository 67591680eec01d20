//! [`OpenApiService`]: a document served as JSON at the path a host chooses.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::{ALLOW, CACHE_CONTROL, CONTENT_TYPE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use utoipa::openapi::OpenApi;

use crate::rejection::json_error;

/// A tower service answering `GET` and `HEAD` with an OpenAPI document as
/// `application/json`, and any other method with 405. It answers every path it is given:
/// mount it at one (axum: `Router::route_service("/openapi.json", service)`). The document
/// is serialized once, here; clones share it.
#[derive(Debug, Clone)]
pub struct OpenApiService {
    body: Option<Bytes>,
}

impl OpenApiService {
    /// Serves `document`.
    pub fn new(document: &OpenApi) -> Self {
        let body = match serde_json::to_vec(document) {
            Ok(body) => Some(Bytes::from(body)),
            // Not expected (the document is maps with string keys and plain values); if it
            // ever happens the route answers 500 rather than taking the host down.
            Err(error) => {
                tracing::error!(%error, "the OpenAPI document could not be serialized");
                None
            }
        };
        Self { body }
    }

    fn respond(&self, method: &Method) -> Response<Full<Bytes>> {
        let (status, body) = match (method, &self.body) {
            (&Method::GET | &Method::HEAD, Some(body)) => (StatusCode::OK, body.clone()),
            (&Method::GET | &Method::HEAD, None) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                json_error("server_error", "internal server error"),
            ),
            _ => (
                StatusCode::METHOD_NOT_ALLOWED,
                json_error("method_not_allowed", "method not allowed"),
            ),
        };
        let body = if method == Method::HEAD {
            Bytes::new()
        } else {
            body
        };
        let mut response = Response::new(Full::new(body));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        // The document changes when the host redeploys: clients revalidate.
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        if status == StatusCode::METHOD_NOT_ALLOWED {
            headers.insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        }
        response
    }
}

impl<B> tower::Service<Request<B>> for OpenApiService {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        ready(Ok(self.respond(request.method())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::openapi::OpenApiBuilder;

    #[test]
    fn get_and_head_answer_the_document_and_other_methods_405() {
        let service = OpenApiService::new(&OpenApiBuilder::new().build());
        let get = service.respond(&Method::GET);
        assert_eq!(get.status(), StatusCode::OK);
        assert_eq!(get.headers()[CONTENT_TYPE], "application/json");
        let head = service.respond(&Method::HEAD);
        assert_eq!(head.status(), StatusCode::OK);
        let post = service.respond(&Method::POST);
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(post.headers()[ALLOW], "GET, HEAD");
    }
}
