//! The framework-neutral [`Client`](super::Client) over an axum `Router`, driven with
//! `tower::ServiceExt::oneshot` and the request's peer address as `ConnectInfo`.

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use http::Request;
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

use super::{Client, Req, Resp, Sent};

/// Sends every [`Req`] through `app`.
pub fn axum_client(app: Router) -> Client {
    Client {
        send: Box::new(move |req: Req| -> Sent {
            let app = app.clone();
            Box::pin(async move {
                let mut builder = Request::builder().method(req.method).uri(&req.uri);
                for (name, value) in &req.headers {
                    builder = builder.header(name, value);
                }
                let mut request = builder.body(Body::from(req.body)).unwrap();
                request.extensions_mut().insert(ConnectInfo(req.peer));
                let response = app.oneshot(request).await.unwrap();
                let status = response.status().as_u16();
                let headers = response
                    .headers()
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
                    .collect();
                let body = response
                    .into_body()
                    .collect()
                    .await
                    .unwrap()
                    .to_bytes()
                    .to_vec();
                Resp {
                    status,
                    headers,
                    body,
                }
            })
        }),
    }
}
