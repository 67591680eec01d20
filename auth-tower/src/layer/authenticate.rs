//! [`AuthLayer`] / [`AuthLayerService`]: authenticate every request before the inner service sees it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use bytes::Bytes;
use http::{Request, Response};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::authenticator::{Authenticator, CustomClaims, RevocationFuture};
use crate::context::AuthContext;
use crate::rejection::AuthRejection;

/// Whether a request without credentials reaches the inner service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mode {
    /// No credentials → 401 `Bearer realm="…"`.
    Required,
    /// No credentials → the request passes without an [`AuthContext`]. Credentials that are
    /// present but bad are still refused: a broken token is never silently downgraded to
    /// anonymous.
    Optional,
}

/// A tower [`Layer`] that authenticates requests with an [`Authenticator`] and puts the
/// [`AuthContext`] into the request extensions.
///
/// Rejections follow RFC 6750 (see [`AuthRejection`]). The response body type of the wrapped
/// service must be constructible from [`Bytes`] (axum's `Body`, `Full<Bytes>`, …).
///
/// ```
/// # use auth_core::token::{AccessTokenVerifier, Algorithm, KeySet, SigningKey, VerifierConfig};
/// use auth_tower::{AuthLayer, Authenticator};
/// # let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[7; 32])?);
/// # let verifier = AccessTokenVerifier::new(VerifierConfig::new("iss", "api"), &keys);
/// let authenticator = Authenticator::new(verifier);
/// let required = AuthLayer::required(authenticator.clone());
/// let optional = AuthLayer::optional(authenticator);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct AuthLayer<E = auth_core::token::NoCustomClaims> {
    authenticator: Authenticator<E>,
    mode: Mode,
}

impl<E> Clone for AuthLayer<E> {
    fn clone(&self) -> Self {
        Self {
            authenticator: self.authenticator.clone(),
            mode: self.mode,
        }
    }
}

impl<E> fmt::Debug for AuthLayer<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthLayer")
            .field("authenticator", &self.authenticator)
            .field("mode", &self.mode)
            .finish()
    }
}

impl<E: CustomClaims> AuthLayer<E> {
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

impl<S, E: CustomClaims> Layer<S> for AuthLayer<E> {
    type Service = AuthLayerService<S, E>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthLayerService {
            inner,
            authenticator: self.authenticator.clone(),
            mode: self.mode,
        }
    }
}

/// The service [`AuthLayer`] produces. Cheap to clone when `S` is.
pub struct AuthLayerService<S, E = auth_core::token::NoCustomClaims> {
    inner: S,
    authenticator: Authenticator<E>,
    mode: Mode,
}

impl<S, E: CustomClaims> AuthLayerService<S, E> {
    /// Wraps `inner`, requiring credentials.
    pub fn required(inner: S, authenticator: Authenticator<E>) -> Self {
        AuthLayer::required(authenticator).layer(inner)
    }

    /// Wraps `inner`, letting requests without credentials through.
    pub fn optional(inner: S, authenticator: Authenticator<E>) -> Self {
        AuthLayer::optional(authenticator).layer(inner)
    }
}

impl<S: Clone, E> Clone for AuthLayerService<S, E> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            authenticator: self.authenticator.clone(),
            mode: self.mode,
        }
    }
}

impl<S: fmt::Debug, E> fmt::Debug for AuthLayerService<S, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthLayerService")
            .field("inner", &self.inner)
            .field("authenticator", &self.authenticator)
            .field("mode", &self.mode)
            .finish()
    }
}

impl<S, E, ReqBody, ResBody> Service<Request<ReqBody>> for AuthLayerService<S, E>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
    E: CustomClaims,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = AuthFuture<S, ReqBody, E>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let context = match self.authenticator.verify_headers(request.headers()) {
            Ok(context) => context,
            Err(rejection) => return AuthFuture::rejected(rejection),
        };
        let Some(context) = context else {
            return match self.mode {
                Mode::Required => {
                    hint_if_endpoints_behind_layer(&request, &self.authenticator);
                    AuthFuture::rejected(AuthRejection::missing(
                        self.authenticator.realm_arc().clone(),
                    ))
                }
                Mode::Optional => AuthFuture::inner(self.inner.call(request)),
            };
        };
        match self.authenticator.revocation_future(&context) {
            None => {
                request.extensions_mut().insert(context);
                AuthFuture::inner(self.inner.call(request))
            }
            Some(mut check) => {
                // Hot path: with the revocation cache warm (or an in-process store) the check
                // is ready at once; then the ready inner service is called right here,
                // without cloning it. The future is polled again, with the real waker, if it
                // is pending.
                match check.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                    Poll::Ready(Ok(())) => {
                        request.extensions_mut().insert(context);
                        return AuthFuture::inner(self.inner.call(request));
                    }
                    Poll::Ready(Err(rejection)) => return AuthFuture::rejected(rejection),
                    Poll::Pending => {}
                }
                // The service that was driven to readiness goes with the request; a clone
                // stays behind for the next `poll_ready` (tower's documented pattern).
                let clone = self.inner.clone();
                let ready = std::mem::replace(&mut self.inner, clone);
                AuthFuture {
                    state: State::Checking {
                        check,
                        pending: Some((ready, request, context)),
                    },
                }
            }
        }
    }
}

/// The routes of [`AuthEndpoints`](crate::AuthEndpoints) that must be reachable without a
/// token: a required layer refusing a credential-less `POST` to one of them is almost
/// certainly the endpoints nested *inside* the layer, where signup answers 401 and nothing
/// says why.
const PUBLIC_ENDPOINT_SUFFIXES: [&str; 3] = ["/signup", "/login", "/password/forgot"];

/// Logs, once per authenticator, where the endpoints belong when a required layer refuses
/// what looks like a request for them. The client still gets the plain 401: how the host
/// wired its router is not the client's business.
fn hint_if_endpoints_behind_layer<B, E: CustomClaims>(
    request: &Request<B>,
    authenticator: &Authenticator<E>,
) {
    let path = request.uri().path();
    if request.method() == http::Method::POST
        && PUBLIC_ENDPOINT_SUFFIXES
            .iter()
            .any(|suffix| path.ends_with(suffix))
        && authenticator.first_misplaced_endpoints_hint()
    {
        tracing::warn!(
            path,
            "AuthLayer::required refused a request without credentials for what looks like \
             the auth endpoints; mount them outside the layer (`AuthEndpoints::protect`, or \
             `.layer(AuthLayer::required(…))` before `.nest_service(\"/auth\", …)`) so \
             signup and login are reachable"
        );
    }
}

pin_project! {
    /// The response future of [`AuthLayerService`].
    pub struct AuthFuture<S, ReqBody, E>
    where
        S: Service<Request<ReqBody>>,
    {
        #[pin]
        state: State<S, ReqBody, E>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, ReqBody, E>
    where
        S: Service<Request<ReqBody>>,
    {
        Checking {
            check: RevocationFuture,
            pending: Option<(S, Request<ReqBody>, AuthContext<E>)>,
        },
        Inner {
            #[pin]
            future: S::Future,
        },
        Rejected {
            rejection: Option<AuthRejection>,
        },
    }
}

impl<S, ReqBody, E> AuthFuture<S, ReqBody, E>
where
    S: Service<Request<ReqBody>>,
{
    fn inner(future: S::Future) -> Self {
        Self {
            state: State::Inner { future },
        }
    }

    fn rejected(rejection: AuthRejection) -> Self {
        Self {
            state: State::Rejected {
                rejection: Some(rejection),
            },
        }
    }
}

impl<S, ReqBody, E> fmt::Debug for AuthFuture<S, ReqBody, E>
where
    S: Service<Request<ReqBody>>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthFuture").finish_non_exhaustive()
    }
}

impl<S, ReqBody, ResBody, E> Future for AuthFuture<S, ReqBody, E>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    E: CustomClaims,
    ResBody: From<Bytes>,
{
    type Output = Result<Response<ResBody>, S::Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let mut this = self.as_mut().project();
            let next = match this.state.as_mut().project() {
                StateProj::Inner { future } => return future.poll(cx),
                StateProj::Rejected { rejection } => {
                    let rejection = rejection
                        .take()
                        .expect("AuthFuture polled after completion");
                    return Poll::Ready(Ok(rejection.into_response()));
                }
                StateProj::Checking { check, pending } => {
                    let outcome = ready!(check.as_mut().poll(cx));
                    let (mut service, mut request, context) =
                        pending.take().expect("AuthFuture polled after completion");
                    match outcome {
                        Err(rejection) => State::Rejected {
                            rejection: Some(rejection),
                        },
                        Ok(()) => {
                            request.extensions_mut().insert(context);
                            State::Inner {
                                future: service.call(request),
                            }
                        }
                    }
                }
            };
            this.state.set(next);
        }
    }
}
