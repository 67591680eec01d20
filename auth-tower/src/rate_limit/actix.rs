//! [`RateLimitMiddleware`]: the same limits for actix-web (feature `actix`), mirroring
//! [`crate::actix::AuthMiddleware`].

use std::future::{Ready, ready};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{Error, HttpMessage};

use super::RateLimitLayer;
use super::decide::Verdict;
use super::headers::{RATELIMIT, RATELIMIT_POLICY, refusal};
use super::key::{Caller, KeyBy};
use super::plans::PlanName;
use crate::actix::to_actix;
use crate::authenticator::CustomClaims;
use crate::context::AuthContext;

type LocalBoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + 'static>>;
type ActixCaller = fn(&actix_web::dev::Extensions, KeyBy) -> Caller;

/// A [`RateLimitLayer`]'s limits as actix-web middleware:
/// `web::scope("/api").wrap(RateLimitMiddleware::new(layer))`. Wrap it *inside* an
/// [`AuthMiddleware`](crate::actix::AuthMiddleware) (actix runs the last `wrap` first) to
/// key by user or client and to read the `plan` claim.
///
/// The caller and plan come from the [`AuthContext`] and a [`PlanName`] in actix's request
/// extensions; [`RateLimitLayer::plan_from`] (a closure over `http::Extensions`) does not
/// apply here — insert a [`PlanName`] instead.
#[derive(Debug, Clone)]
pub struct RateLimitMiddleware {
    layer: RateLimitLayer,
    caller: ActixCaller,
}

impl RateLimitMiddleware {
    /// Middleware sharing `layer`'s configuration and counts.
    pub fn new(layer: RateLimitLayer) -> Self {
        Self {
            layer,
            caller: actix_caller::<auth_core::token::NoCustomClaims>,
        }
    }

    /// Reads an `AuthContext<E>` (tokens with the host's own claims `E`).
    pub fn custom_claims<E: CustomClaims>(mut self) -> Self {
        self.caller = actix_caller::<E>;
        self
    }
}

fn actix_caller<E: CustomClaims>(extensions: &actix_web::dev::Extensions, key_by: KeyBy) -> Caller {
    let mut caller = extensions
        .get::<AuthContext<E>>()
        .map(|context| Caller::from_context(context, key_by))
        .unwrap_or_default();
    if let Some(PlanName(plan)) = extensions.get::<PlanName>() {
        caller.plan = Some(plan.clone());
    }
    caller
}

impl<S, B> Transform<S, ServiceRequest> for RateLimitMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = RateLimitMiddlewareService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RateLimitMiddlewareService {
            service: Rc::new(service),
            middleware: self.clone(),
        }))
    }
}

/// The service of [`RateLimitMiddleware`].
pub struct RateLimitMiddlewareService<S> {
    service: Rc<S>,
    middleware: RateLimitMiddleware,
}

impl<S> std::fmt::Debug for RateLimitMiddlewareService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimitMiddlewareService")
            .field("middleware", &self.middleware)
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for RateLimitMiddlewareService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = LocalBoxFuture<Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let decider = std::sync::Arc::clone(self.middleware.layer.decider());
        let ip = {
            let lines = decider
                .client_ip
                .header_name()
                .into_iter()
                .flat_map(|name| request.headers().get_all(name.as_str()))
                .map(HeaderValue::as_bytes);
            decider
                .client_ip
                .resolve(lines, request.peer_addr().map(|addr| addr.ip()))
        };
        let caller = (self.middleware.caller)(&request.extensions(), decider.key_by);
        let service = Rc::clone(&self.service);
        Box::pin(async move {
            match decider.decide_async(ip, caller).await {
                Verdict::Refuse {
                    kind,
                    retry_after,
                    report,
                } => {
                    let response = to_actix(refusal(kind, retry_after, &report));
                    Ok(request.into_response(response).map_into_right_body())
                }
                Verdict::Allow(report) => {
                    let mut response = service.call(request).await?;
                    if let Some((policy, current)) = report.fields() {
                        let headers = response.headers_mut();
                        // actix-web 4 has its own (http 0.2) header types.
                        for (name, value) in [
                            (RATELIMIT_POLICY.as_str(), policy),
                            (RATELIMIT.as_str(), current),
                        ] {
                            if let (Ok(name), Ok(value)) = (
                                HeaderName::from_bytes(name.as_bytes()),
                                HeaderValue::from_str(&value),
                            ) {
                                headers.append(name, value);
                            }
                        }
                    }
                    Ok(response.map_into_left_body())
                }
            }
        })
    }
}
