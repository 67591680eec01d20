//! [`GuardLayer`] / [`GuardService`]: refuse authenticated requests that a [`Guard`] does not
//! allow.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::context::AuthContext;
use crate::guard::Guard;
use crate::rejection::{AuthRejection, DEFAULT_REALM};

/// A tower [`Layer`] that checks a [`Guard`] against the [`AuthContext`] an
/// [`AuthLayer`](crate::AuthLayer) put into the request: 403 `insufficient_scope` when the
/// guard refuses, 401 when there is no context (the route is not behind an `AuthLayer`, or
/// the `AuthLayer` is optional and the request is anonymous).
pub struct GuardLayer<E = auth_core::token::NoCustomClaims> {
    guard: Guard<E>,
}

impl<E> GuardLayer<E> {
    /// A layer applying `guard`.
    pub fn new(guard: Guard<E>) -> Self {
        Self { guard }
    }
}

impl<E> Clone for GuardLayer<E> {
    fn clone(&self) -> Self {
        Self {
            guard: self.guard.clone(),
        }
    }
}

impl<E> fmt::Debug for GuardLayer<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuardLayer")
            .field("guard", &self.guard)
            .finish()
    }
}

impl<S, E> Layer<S> for GuardLayer<E> {
    type Service = GuardService<S, E>;

    fn layer(&self, inner: S) -> Self::Service {
        GuardService {
            inner,
            guard: self.guard.clone(),
        }
    }
}

/// The service [`GuardLayer`] produces.
pub struct GuardService<S, E = auth_core::token::NoCustomClaims> {
    inner: S,
    guard: Guard<E>,
}

impl<S: Clone, E> Clone for GuardService<S, E> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            guard: self.guard.clone(),
        }
    }
}

impl<S: fmt::Debug, E> fmt::Debug for GuardService<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuardService")
            .field("inner", &self.inner)
            .field("guard", &self.guard)
            .finish()
    }
}

impl<S, E, ReqBody, ResBody> Service<Request<ReqBody>> for GuardService<S, E>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    E: Send + Sync + 'static,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = GuardFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let verdict = match request.extensions().get::<AuthContext<E>>() {
            None => Err(AuthRejection::missing(DEFAULT_REALM.into())),
            Some(context) => self
                .guard
                .check_context(context)
                .map_err(|forbidden| AuthRejection::new(forbidden, context.realm().clone())),
        };
        match verdict {
            Ok(()) => GuardFuture {
                state: GuardState::Inner {
                    future: self.inner.call(request),
                },
            },
            Err(rejection) => GuardFuture {
                state: GuardState::Rejected {
                    response: Some(rejection.into_response()),
                },
            },
        }
    }
}

pin_project! {
    /// The response future of [`GuardService`].
    #[derive(Debug)]
    pub struct GuardFuture<F> {
        #[pin]
        state: GuardState<F>,
    }
}

pin_project! {
    #[project = GuardProj]
    #[derive(Debug)]
    enum GuardState<F> {
        Inner {
            #[pin]
            future: F,
        },
        Rejected {
            response: Option<Response<Bytes>>,
        },
    }
}

impl<F, ResBody, Error> Future for GuardFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, Error>>,
    ResBody: From<Bytes>,
{
    type Output = Result<Response<ResBody>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            GuardProj::Inner { future } => future.poll(cx),
            GuardProj::Rejected { response } => {
                let response = response
                    .take()
                    .expect("GuardFuture polled after completion");
                Poll::Ready(Ok(response.map(ResBody::from)))
            }
        }
    }
}
