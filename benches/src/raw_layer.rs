//! The peer of auth-tower's `AuthLayer` in the layer benchmarks: the smallest honest bearer
//! layer a host would write on the raw `jsonwebtoken` crate — read `Authorization: Bearer`,
//! `jsonwebtoken::decode` with the same validation as the token benchmarks
//! ([`raw_validation`](crate::raw_validation)), put the claims in the request's extensions,
//! else answer 401 with `WWW-Authenticate: Bearer`. No revocation check, no caching.
//!
//! It replaces jwt-authorizer 0.15 (the newest release), which is built on jsonwebtoken 9, a
//! version affected by CVE-2026-25537; both do the same per-request work (one header lookup,
//! one `jsonwebtoken::decode`, one extension insert).

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{HeaderValue, Request, Response, StatusCode};
use jsonwebtoken::{DecodingKey, Validation};
use pin_project_lite::pin_project;
use serde::Deserialize;
use tower::{Layer, Service};

/// The claims the layer keeps: what a resource server reads after verification.
#[derive(Debug, Clone, Deserialize)]
pub struct BearerClaims {
    /// Subject.
    pub sub: String,
    /// Expiry (seconds since the epoch).
    pub exp: u64,
    /// Session id, when the token has one.
    #[serde(default)]
    pub sid: Option<String>,
}

/// Wraps a service with [`RawJwtService`]; key and validation are prepared once and shared.
#[derive(Clone)]
pub struct RawJwtLayer {
    key: Arc<DecodingKey>,
    validation: Arc<Validation>,
}

impl std::fmt::Debug for RawJwtLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawJwtLayer").finish_non_exhaustive()
    }
}

impl RawJwtLayer {
    /// A layer verifying with `key` under `validation`.
    pub fn new(key: DecodingKey, validation: Validation) -> Self {
        Self {
            key: Arc::new(key),
            validation: Arc::new(validation),
        }
    }
}

impl<S> Layer<S> for RawJwtLayer {
    type Service = RawJwtService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RawJwtService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`RawJwtLayer`] builds.
#[derive(Clone)]
pub struct RawJwtService<S> {
    inner: S,
    layer: RawJwtLayer,
}

impl<S> std::fmt::Debug for RawJwtService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawJwtService").finish_non_exhaustive()
    }
}

impl<S> RawJwtService<S> {
    fn verify<B>(&self, request: &Request<B>) -> Option<BearerClaims> {
        let header = request.headers().get(AUTHORIZATION)?.to_str().ok()?;
        let token = header.strip_prefix("Bearer ")?;
        jsonwebtoken::decode::<BearerClaims>(token, &self.layer.key, &self.layer.validation)
            .ok()
            .map(|data| data.claims)
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RawJwtService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, Response<ResBody>, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        match self.verify(&request) {
            Some(claims) => {
                request.extensions_mut().insert(claims);
                ResponseFuture {
                    state: State::Inner {
                        future: self.inner.call(request),
                    },
                }
            }
            None => {
                let mut response = Response::new(ResBody::default());
                *response.status_mut() = StatusCode::UNAUTHORIZED;
                response
                    .headers_mut()
                    .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                ResponseFuture {
                    state: State::Refused {
                        response: ready(Ok(response)),
                    },
                }
            }
        }
    }
}

pin_project! {
    /// The response future of [`RawJwtService`]: the inner service's, or the ready 401.
    pub struct ResponseFuture<F, R, E> {
        #[pin]
        state: State<F, R, E>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, R, E> {
        Inner {
            #[pin]
            future: F,
        },
        Refused {
            response: Ready<Result<R, E>>,
        },
    }
}

impl<F, R, E> Future for ResponseFuture<F, R, E>
where
    F: Future<Output = Result<R, E>>,
{
    type Output = Result<R, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Inner { future } => future.poll(cx),
            StateProj::Refused { response } => Pin::new(response).poll(cx),
        }
    }
}
