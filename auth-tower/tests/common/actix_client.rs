//! The framework-neutral [`Req`](super::Req) / [`Resp`](super::Resp) as actix-web test
//! requests and responses, for the actix suites (each builds its own `App` per request).

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::test::TestRequest;

use super::{Req, Resp};

/// `req` as an actix test request, from its peer address.
pub fn actix_request(req: &Req) -> TestRequest {
    let mut request = TestRequest::default()
        .method(actix_web::http::Method::from_bytes(req.method.as_bytes()).unwrap())
        .uri(&req.uri)
        .peer_addr(req.peer);
    for (name, value) in &req.headers {
        request = request.append_header((name.as_str(), value.as_str()));
    }
    if !req.body.is_empty() {
        request = request.set_payload(req.body.clone());
    }
    request
}

/// What the service answered (an error as the response it renders to).
pub async fn actix_response<B: MessageBody + 'static>(
    result: Result<ServiceResponse<B>, actix_web::Error>,
) -> Resp {
    let response = match result {
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
}
