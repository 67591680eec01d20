//! [`RateLimitLayer`] / [`RateLimitService`]: the tower middleware.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use auth_core::store::CounterStore;
use auth_core::store::memory::MemoryCounterStore;
use auth_core::token::NoCustomClaims;
use auth_core::{Clock, SystemClock};
use bytes::Bytes;
use http::{Request, Response};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use super::decide::{
    Decider, Decision, LimitCounts, Verdict, VerdictFuture, gcras, limit_policies,
};
use super::headers::{Report, policy_name, refusal};
use super::key::{Caller, KeyBy};
use super::limit::Limit;
use super::plans::{Plan, PlanLimits, PlanName};
use crate::authenticator::CustomClaims;
use crate::body::peer_ip;
use crate::context::AuthContext;
use crate::endpoints::ClientIpSource;

/// The default bound on keys an in-process limiter tracks before it prunes the idle ones.
pub const DEFAULT_MAX_TRACKED_KEYS: usize = 100_000;

type PlanFn = Arc<dyn Fn(&http::Extensions) -> Option<String> + Send + Sync>;
type CallerFn = fn(&http::Extensions, KeyBy) -> Caller;

/// A tower [`Layer`] that applies per-key rate limits and usage quotas, per plan, and adds
/// the `RateLimit-Policy` / `RateLimit` fields to every response. See the
/// [module documentation](super) for the whole picture.
///
/// Cheap to clone (an `Arc` inside); every clone and every service it makes share the same
/// counts. The response body type of the wrapped service must be constructible from
/// [`Bytes`] (axum's `Body`, `Full<Bytes>`, …).
///
/// ```
/// use auth_tower::rate_limit::{KeyBy, Limit, RateLimitLayer};
///
/// // Seed 002: 100 requests a minute per client IP.
/// let api = RateLimitLayer::new(Limit::per_minute(100)).name("api");
/// // 10 a second per signed-in user (inside the AuthLayer), by IP for anonymous requests.
/// let per_user = RateLimitLayer::new(Limit::per_second(10)).key_by(KeyBy::User);
/// ```
#[derive(Clone)]
pub struct RateLimitLayer {
    decider: Arc<Decider>,
    plan_from: Option<PlanFn>,
    caller: CallerFn,
}

impl fmt::Debug for RateLimitLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitLayer")
            .field("decider", &self.decider)
            .field("plan_from", &self.plan_from.as_ref().map(|_| "custom"))
            .finish()
    }
}

impl RateLimitLayer {
    /// One `limit` for every request, in process, keyed by client IP.
    pub fn new(limit: Limit) -> Self {
        Self::with_plans(PlanLimits::new(Plan::new().limit(limit)))
    }

    /// Limits and quotas per plan, in process (quotas in a per-process
    /// [`MemoryCounterStore`] until [`quota_store`](Self::quota_store) or
    /// [`shared`](Self::shared) names a shared one), keyed by client IP.
    pub fn with_plans(tiers: PlanLimits) -> Self {
        let limits = LimitCounts::InProcess(gcras(&tiers, DEFAULT_MAX_TRACKED_KEYS));
        Self {
            decider: Arc::new(Decider {
                name: Arc::from("default"),
                limit_policies: limit_policies("default", &tiers),
                key_by: KeyBy::Ip,
                client_ip: ClientIpSource::PeerAddr,
                tiers,
                limits,
                quotas: Arc::new(MemoryCounterStore::new()),
                clock: Arc::new(SystemClock),
                fail_open: false,
            }),
            plan_from: None,
            caller: caller_from::<NoCustomClaims>,
        }
    }

    /// Changes the decider (before any service shares it).
    fn edit(mut self, change: impl FnOnce(&mut Decider)) -> Self {
        match Arc::get_mut(&mut self.decider) {
            Some(decider) => change(decider),
            None => {
                // A clone of this layer exists: give this one its own decider (and counts).
                let old = &self.decider;
                let mut decider = Decider {
                    name: Arc::clone(&old.name),
                    limit_policies: old.limit_policies.clone(),
                    key_by: old.key_by,
                    client_ip: old.client_ip.clone(),
                    tiers: old.tiers.clone(),
                    limits: match &old.limits {
                        LimitCounts::InProcess(_) => {
                            LimitCounts::InProcess(gcras(&old.tiers, DEFAULT_MAX_TRACKED_KEYS))
                        }
                        LimitCounts::Shared(store) => LimitCounts::Shared(Arc::clone(store)),
                    },
                    quotas: Arc::clone(&old.quotas),
                    clock: Arc::clone(&old.clock),
                    fail_open: old.fail_open,
                };
                change(&mut decider);
                self.decider = Arc::new(decider);
            }
        }
        self
    }

    /// Names the policy: the name in the `RateLimit` fields and in the counters' keys, so
    /// that two layers (say `api` and `login`) count separately. Defaults to `default`.
    /// Characters a structured-field string cannot hold become `_`.
    pub fn name(self, name: &str) -> Self {
        let name = policy_name(name);
        self.edit(|decider| {
            decider.limit_policies = limit_policies(&name, &decider.tiers);
            decider.name = Arc::from(name);
        })
    }

    /// What requests are counted by. Defaults to [`KeyBy::Ip`].
    pub fn key_by(self, key_by: KeyBy) -> Self {
        self.edit(|decider| decider.key_by = key_by)
    }

    /// Where the client IP comes from. Defaults to the TCP peer address; a proxy header only
    /// with [`EndpointsConfig::dangerous_trust_proxy_header`]'s warning in mind — pass the
    /// endpoints' `config.client_ip.clone()` so both agree.
    ///
    /// [`EndpointsConfig::dangerous_trust_proxy_header`]: crate::EndpointsConfig::dangerous_trust_proxy_header
    pub fn client_ip(self, source: ClientIpSource) -> Self {
        self.edit(|decider| decider.client_ip = source)
    }

    /// Counts limits *and* quotas in `store`, shared by every instance that uses it: limits
    /// as fixed windows named in the key (`rate:<name>:<subject>:<window>:<n>`), quotas as
    /// `quota:<name>:<subject>:<period>`.
    pub fn shared(self, store: Arc<dyn CounterStore>) -> Self {
        self.edit(|decider| {
            decider.limits = LimitCounts::Shared(Arc::clone(&store));
            decider.quotas = store;
        })
    }

    /// Counts quotas in `store` (shared across instances, surviving restarts) while limits
    /// stay in process.
    pub fn quota_store(self, store: Arc<dyn CounterStore>) -> Self {
        self.edit(|decider| decider.quotas = store)
    }

    /// The clock for windows and calendar periods. Defaults to the system clock.
    pub fn clock(self, clock: Arc<dyn Clock>) -> Self {
        self.edit(|decider| decider.clock = clock)
    }

    /// Reads the plan's name with `plan_from` instead of the default (a [`PlanName`]
    /// extension, else the `plan` claim of the [`AuthContext`]). For hosts whose plan lives
    /// in their own extension type.
    pub fn plan_from<F>(mut self, plan_from: F) -> Self
    where
        F: Fn(&http::Extensions) -> Option<String> + Send + Sync + 'static,
    {
        self.plan_from = Some(Arc::new(plan_from));
        self
    }

    /// Reads the caller from an [`AuthContext<E>`] (tokens with the host's own claims `E`)
    /// rather than `AuthContext<NoCustomClaims>`.
    pub fn custom_claims<E: CustomClaims>(mut self) -> Self {
        self.caller = caller_from::<E>;
        self
    }

    /// Lets requests through, uncounted, when the counter store fails, instead of answering
    /// 503 with `Retry-After`.
    ///
    /// # Security
    /// Whoever can make the store slow or unreachable (a flood, a network partition) then
    /// lifts every limit and quota this layer enforces. Use it only where availability of
    /// the route matters more than the limit, and alert on the `warn` it logs.
    pub fn dangerous_fail_open(self) -> Self {
        self.edit(|decider| decider.fail_open = true)
    }

    pub(crate) fn decider(&self) -> &Arc<Decider> {
        &self.decider
    }

    /// The caller and plan of a request, from its extensions.
    pub(crate) fn caller(&self, extensions: &http::Extensions) -> Caller {
        let mut caller = (self.caller)(extensions, self.decider.key_by);
        if let Some(plan_from) = &self.plan_from {
            caller.plan = plan_from(extensions);
        } else if let Some(PlanName(plan)) = extensions.get::<PlanName>() {
            caller.plan = Some(plan.clone());
        }
        caller
    }
}

/// The caller as auth-tower's authenticate layer left it in the extensions.
fn caller_from<E: CustomClaims>(extensions: &http::Extensions, key_by: KeyBy) -> Caller {
    match extensions.get::<AuthContext<E>>() {
        Some(context) => Caller::from_context(context, key_by),
        None => Caller::default(),
    }
}

impl Caller {
    /// The plan and, of the subject and the client, only what `key_by` counts by: this runs
    /// on every request, so nothing else is copied out of the claims.
    pub(crate) fn from_context<E>(context: &AuthContext<E>, key_by: KeyBy) -> Self {
        let claims = context.claims();
        Self {
            user: (key_by == KeyBy::User).then(|| claims.sub.clone()),
            client: if key_by == KeyBy::Client {
                claims.client_id.clone()
            } else {
                None
            },
            plan: claims.plan.clone(),
        }
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimitService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RateLimitService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`RateLimitLayer`] produces. Cheap to clone when `S` is.
#[derive(Clone)]
pub struct RateLimitService<S> {
    inner: S,
    layer: RateLimitLayer,
}

impl<S> RateLimitService<S> {
    /// Wraps `inner` with `layer`'s limits.
    pub fn new(inner: S, layer: RateLimitLayer) -> Self {
        layer.layer(inner)
    }
}

impl<S: fmt::Debug> fmt::Debug for RateLimitService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitService")
            .field("inner", &self.inner)
            .field("layer", &self.layer)
            .finish()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RateLimitService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = RateLimitFuture<S, ReqBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let decider = self.layer.decider();
        let ip = decider
            .client_ip
            .resolve_in(request.headers(), peer_ip(request.extensions()));
        let caller = self.layer.caller(request.extensions());
        match decider.decide(ip, caller) {
            Decision::Ready(verdict) => self.after(verdict, request),
            Decision::Pending(decision) => {
                // The service driven to readiness goes with the request; a clone stays for
                // the next `poll_ready` (tower's documented pattern).
                let clone = self.inner.clone();
                let ready = std::mem::replace(&mut self.inner, clone);
                RateLimitFuture {
                    state: State::Deciding {
                        decision,
                        pending: Some(Box::new((ready, request))),
                    },
                }
            }
        }
    }
}

impl<S> RateLimitService<S> {
    fn after<ReqBody, ResBody>(
        &mut self,
        verdict: Verdict,
        request: Request<ReqBody>,
    ) -> RateLimitFuture<S, ReqBody>
    where
        S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    {
        match verdict {
            Verdict::Allow(report) => RateLimitFuture {
                state: State::Inner {
                    future: self.inner.call(request),
                    report: Some(report),
                },
            },
            Verdict::Refuse {
                kind,
                retry_after,
                report,
            } => RateLimitFuture {
                state: State::Refused {
                    response: Some(Box::new(refusal(kind, retry_after, &report))),
                },
            },
        }
    }
}

pin_project! {
    /// The response future of [`RateLimitService`].
    pub struct RateLimitFuture<S, ReqBody>
    where
        S: Service<Request<ReqBody>>,
    {
        #[pin]
        state: State<S, ReqBody>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<S, ReqBody>
    where
        S: Service<Request<ReqBody>>,
    {
        // The rare states are boxed: the future moves with every request, so its size
        // is that of the common one (the inner future and the report).
        Deciding {
            decision: VerdictFuture,
            pending: Option<Box<(S, Request<ReqBody>)>>,
        },
        Inner {
            #[pin]
            future: S::Future,
            report: Option<Report>,
        },
        Refused {
            response: Option<Box<Response<Bytes>>>,
        },
    }
}

impl<S, ReqBody> fmt::Debug for RateLimitFuture<S, ReqBody>
where
    S: Service<Request<ReqBody>>,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitFuture").finish_non_exhaustive()
    }
}

impl<S, ReqBody, ResBody> Future for RateLimitFuture<S, ReqBody>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: From<Bytes>,
{
    type Output = Result<Response<ResBody>, S::Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let mut this = self.as_mut().project();
            let next = match this.state.as_mut().project() {
                StateProj::Inner { future, report } => {
                    let mut response = ready!(future.poll(cx))?;
                    if let Some(report) = report.take() {
                        report.apply(response.headers_mut());
                    }
                    return Poll::Ready(Ok(response));
                }
                StateProj::Refused { response } => {
                    let response = response
                        .take()
                        .expect("RateLimitFuture polled after completion");
                    return Poll::Ready(Ok((*response).map(ResBody::from)));
                }
                StateProj::Deciding { decision, pending } => {
                    let verdict = ready!(decision.as_mut().poll(cx));
                    let (mut service, request) = *pending
                        .take()
                        .expect("RateLimitFuture polled after completion");
                    match verdict {
                        Verdict::Allow(report) => State::Inner {
                            future: service.call(request),
                            report: Some(report),
                        },
                        Verdict::Refuse {
                            kind,
                            retry_after,
                            report,
                        } => State::Refused {
                            response: Some(Box::new(refusal(kind, retry_after, &report))),
                        },
                    }
                }
            };
            this.state.set(next);
        }
    }
}

#[cfg(test)]
mod caller_tests {
    use super::*;
    use crate::context::CredentialSource;
    use auth_core::token::{
        AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier, Algorithm, IssuerConfig,
        KeySet, SigningKey, VerifierConfig,
    };

    // The caller is read on every request: the plan always, and of the subject and the
    // client only the one the limit counts by.
    #[test]
    fn only_what_the_key_counts_by_is_read_from_the_claims() {
        let keys = KeySet::new(
            SigningKey::hmac(
                "k1",
                Algorithm::HS256,
                b"a unit-test HS256 secret, 32+ bytes",
            )
            .expect("key"),
        );
        let token = AccessTokenIssuer::new(IssuerConfig::new("https://auth.test", "api"), &keys)
            .issue(
                &AccessTokenRequest::new("user-1")
                    .client("client-1")
                    .plan("pro"),
            )
            .expect("issue");
        let claims =
            AccessTokenVerifier::new(VerifierConfig::new("https://auth.test", "api"), &keys)
                .verify(token.token.secret())
                .expect("verify");
        let context = AuthContext::from_arc(
            Arc::new(claims),
            CredentialSource::AuthorizationHeader,
            Arc::from("test"),
            std::time::SystemTime::now(),
        );
        for (key_by, user, client) in [
            (KeyBy::Ip, None, None),
            (KeyBy::User, Some("user-1"), None),
            (KeyBy::Client, None, Some("client-1")),
        ] {
            let caller = Caller::from_context(&context, key_by);
            assert_eq!(
                (
                    caller.user.as_deref(),
                    caller.client.as_deref(),
                    caller.plan.as_deref()
                ),
                (user, client, Some("pro")),
                "{key_by:?}"
            );
        }
    }
}
