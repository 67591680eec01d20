//! actix-web 4 integration (feature `actix`). actix is not tower-based, so this module adapts
//! the same framework-neutral code the tower layer runs:
//!
//! * [`AuthMiddleware`]: `App::wrap(AuthMiddleware::required(authenticator))` — the checks
//!   of [`AuthLayer`](crate::AuthLayer) (same credential parsing, verifier, revocation
//!   check, RFC 6750 rejections), putting the [`AuthContext`] into the request extensions.
//! * [`GuardMiddleware`]: a [`Guard`] as middleware on a scope.
//! * `FromRequest` for [`AuthContext`] and [`Require<P>`](crate::Require): from the
//!   middleware's context, or — without the middleware — by authenticating on the spot with
//!   an [`Authenticator`] registered as `app_data`.
//! * [`endpoints_scope`]: the ready endpoints mounted under a prefix.
//!
//! actix-web 4 uses http 0.2 types; header values are read as bytes (no conversion) for
//! authentication, and converted at the edge for the endpoints.

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{AUTHORIZATION, COOKIE};
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use auth_core::token::NoCustomClaims;

use crate::AuthContext;
use crate::authenticator::{Authenticator, CustomClaims};
use crate::body::{BodyError, declared_too_large};
use crate::endpoints::{AuthEndpoints, EndpointRequest};
use crate::guard::{Guard, Policy, Require, enforce};
use crate::layer::Mode;
use crate::rejection::{AuthRejection, DEFAULT_REALM};

type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T> + 'static>>;

fn actix_status(status: u16) -> actix_web::http::StatusCode {
    actix_web::http::StatusCode::from_u16(status)
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR)
}

/// Converts an http 1 response (the shared code's) into an actix response.
pub(crate) fn to_actix(response: http::Response<bytes::Bytes>) -> HttpResponse {
    let (parts, body) = response.into_parts();
    let mut builder = HttpResponse::build(actix_status(parts.status.as_u16()));
    for (name, value) in &parts.headers {
        builder.append_header((name.as_str(), value.as_bytes()));
    }
    builder.body(body)
}

impl ResponseError for AuthRejection {
    fn status_code(&self) -> actix_web::http::StatusCode {
        actix_status(self.status().as_u16())
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        self.log();
        let mut builder = HttpResponse::build(self.status_code());
        builder
            .insert_header(("content-type", "application/json"))
            .insert_header(("cache-control", "no-store"));
        if let Some(challenge) = self.www_authenticate() {
            builder.insert_header(("www-authenticate", challenge.as_bytes()));
        }
        if let Some(retry_after) = self.retry_after() {
            builder.insert_header(("retry-after", retry_after.as_bytes()));
        }
        builder.body(self.body())
    }
}

/// Authenticates like [`AuthLayer`](crate::AuthLayer), for actix-web.
pub struct AuthMiddleware<E = NoCustomClaims> {
    authenticator: Authenticator<E>,
    mode: Mode,
}

impl<E> std::fmt::Debug for AuthMiddleware<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthMiddleware")
            .field("authenticator", &self.authenticator)
            .field("mode", &self.mode)
            .finish()
    }
}

impl<E: CustomClaims> AuthMiddleware<E> {
    /// Every request must carry a valid token.
    pub fn required(authenticator: Authenticator<E>) -> Self {
        Self {
            authenticator,
            mode: Mode::Required,
        }
    }

    /// Requests without credentials pass anonymously; bad credentials are refused.
    pub fn optional(authenticator: Authenticator<E>) -> Self {
        Self {
            authenticator,
            mode: Mode::Optional,
        }
    }
}

impl<S, B, E> Transform<S, ServiceRequest> for AuthMiddleware<E>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
    E: CustomClaims,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = AuthMiddlewareService<S, E>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(AuthMiddlewareService {
            service: Rc::new(service),
            authenticator: self.authenticator.clone(),
            mode: self.mode,
        }))
    }
}

/// The service of [`AuthMiddleware`].
pub struct AuthMiddlewareService<S, E = NoCustomClaims> {
    service: Rc<S>,
    authenticator: Authenticator<E>,
    mode: Mode,
}

impl<S, E> std::fmt::Debug for AuthMiddlewareService<S, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthMiddlewareService")
            .field("authenticator", &self.authenticator)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

fn verify_actix<E: CustomClaims>(
    authenticator: &Authenticator<E>,
    headers: &actix_web::http::header::HeaderMap,
) -> Result<Option<AuthContext<E>>, AuthRejection> {
    authenticator.verify_raw(
        headers.get_all(AUTHORIZATION).map(|v| v.as_bytes()),
        headers.get_all(COOKIE).map(|v| v.as_bytes()),
    )
}

impl<S, B, E> Service<ServiceRequest> for AuthMiddlewareService<S, E>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
    E: CustomClaims,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalBoxFuture<Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let verified = verify_actix(&self.authenticator, request.headers());
        let service = Rc::clone(&self.service);
        let authenticator = self.authenticator.clone();
        let mode = self.mode;
        Box::pin(async move {
            let context = authenticator.check_revocation(verified?).await?;
            match context {
                Some(context) => {
                    request.extensions_mut().insert(context);
                }
                None if mode == Mode::Required => {
                    return Err(AuthRejection::missing(authenticator.realm_arc().clone()).into());
                }
                None => {}
            }
            service.call(request).await
        })
    }
}

/// A [`Guard`] as actix-web middleware: wrap a scope after (inside) an [`AuthMiddleware`].
pub struct GuardMiddleware<E = NoCustomClaims> {
    guard: Guard<E>,
}

impl<E> std::fmt::Debug for GuardMiddleware<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardMiddleware")
            .field("guard", &self.guard)
            .finish()
    }
}

impl<E> GuardMiddleware<E> {
    /// Middleware applying `guard`.
    pub fn new(guard: Guard<E>) -> Self {
        Self { guard }
    }
}

impl<S, B, E> Transform<S, ServiceRequest> for GuardMiddleware<E>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
    E: CustomClaims,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = GuardMiddlewareService<S, E>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(GuardMiddlewareService {
            service: Rc::new(service),
            guard: self.guard.clone(),
        }))
    }
}

/// The service of [`GuardMiddleware`].
pub struct GuardMiddlewareService<S, E = NoCustomClaims> {
    service: Rc<S>,
    guard: Guard<E>,
}

impl<S, E> std::fmt::Debug for GuardMiddlewareService<S, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardMiddlewareService")
            .field("guard", &self.guard)
            .finish_non_exhaustive()
    }
}

impl<S, B, E> Service<ServiceRequest> for GuardMiddlewareService<S, E>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
    E: CustomClaims,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalBoxFuture<Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let verdict = match request.extensions().get::<AuthContext<E>>() {
            None => Err(AuthRejection::missing(DEFAULT_REALM.into())),
            Some(context) => self
                .guard
                .check_context(context)
                .map_err(|forbidden| AuthRejection::new(forbidden, context.realm().clone())),
        };
        let service = Rc::clone(&self.service);
        Box::pin(async move {
            verdict?;
            service.call(request).await
        })
    }
}

fn context_from_request<E: CustomClaims>(
    request: &HttpRequest,
) -> LocalBoxFuture<Result<AuthContext<E>, AuthRejection>> {
    if let Some(context) = request.extensions().get::<AuthContext<E>>().cloned() {
        return Box::pin(ready(Ok(context)));
    }
    let authenticator = request.app_data::<Authenticator<E>>().cloned().or_else(|| {
        request
            .app_data::<web::Data<Authenticator<E>>>()
            .map(|data| data.get_ref().clone())
    });
    let Some(authenticator) = authenticator else {
        return Box::pin(ready(Err(AuthRejection::missing(DEFAULT_REALM.into()))));
    };
    let verified = verify_actix(&authenticator, request.headers());
    Box::pin(async move {
        let realm = authenticator.realm_arc().clone();
        authenticator
            .check_revocation(verified?)
            .await?
            .ok_or_else(|| AuthRejection::missing(realm))
    })
}

impl<E: CustomClaims> FromRequest for AuthContext<E> {
    type Error = AuthRejection;
    type Future = LocalBoxFuture<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        context_from_request(request)
    }
}

impl<P: Policy<E>, E: CustomClaims> FromRequest for Require<P, E> {
    type Error = AuthRejection;
    type Future = LocalBoxFuture<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let context = context_from_request::<E>(request);
        Box::pin(async move { enforce::<P, E>(context.await?) })
    }
}

/// The ready endpoints as an actix-web scope under `prefix` (e.g. `"/auth"`):
/// `App::new().service(endpoints_scope(endpoints, "/auth"))`.
///
/// Reads the body up to the configured limit (413 beyond, without reading the rest) and
/// takes the client IP from the peer address (or the trusted proxy header, if configured).
pub fn endpoints_scope(endpoints: AuthEndpoints, prefix: &str) -> actix_web::Scope {
    let base = prefix.trim_end_matches('/').to_owned();
    web::scope(prefix).default_service(web::to(
        move |request: HttpRequest, payload: web::Payload| {
            let endpoints = endpoints.clone();
            let base = base.clone();
            async move { handle(endpoints, &base, request, payload).await }
        },
    ))
}

async fn handle(
    endpoints: AuthEndpoints,
    base: &str,
    request: HttpRequest,
    payload: web::Payload,
) -> HttpResponse {
    let body = match read_body(&request, payload, endpoints.config().max_body_bytes).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => return to_actix(endpoints.payload_too_large()),
        Err(BodyError::Unreadable) => return to_actix(endpoints.malformed_body()),
    };
    let mut headers = http::HeaderMap::with_capacity(request.headers().len());
    for (name, value) in request.headers() {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_str().as_bytes()),
            http::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    let Ok(method) = http::Method::from_bytes(request.method().as_str().as_bytes()) else {
        return HttpResponse::MethodNotAllowed().finish();
    };
    let path = request.path().strip_prefix(base).unwrap_or(request.path());
    let path = if path.is_empty() { "/" } else { path };
    let endpoint_request = EndpointRequest::new(method, path)
        .headers(headers)
        .body(body)
        .query(Some(request.query_string().to_owned()).filter(|query| !query.is_empty()))
        .peer_ip(request.peer_addr().map(|addr| addr.ip()));
    to_actix(endpoints.handle(endpoint_request).await)
}

/// The request body, refused as soon as it is known to exceed `limit` bytes: by a declared
/// `Content-Length` before anything is read, else while reading.
pub(crate) async fn read_body(
    request: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<bytes::Bytes, BodyError> {
    let declared = request
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .map(|value| value.as_bytes());
    if declared_too_large(declared, limit) {
        return Err(BodyError::TooLarge);
    }
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(error)) => {
            tracing::debug!(%error, "request body could not be read");
            Err(BodyError::Unreadable)
        }
        Err(_) => Err(BodyError::TooLarge),
    }
}
