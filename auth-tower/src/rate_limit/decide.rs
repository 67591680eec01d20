//! [`Decider`]: the framework-neutral decision — which plan, which key, count the limit, then
//! the quota — shared by the tower layer and the actix middleware.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_core::store::{CounterStore, StoreError};
use auth_core::{Clock, ErrorChain};
use http::HeaderValue;

use super::gcra::{Gcra, GcraOutcome};
use super::headers::{PolicyState, RefusalKind, Report, UNAVAILABLE_RETRY_AFTER, policy_item};
use super::key::{Caller, KeyBy, Subject, subject};
use super::limit::{Limit, Quota};
use super::plans::PlanLimits;
use crate::endpoints::ClientIpSource;

/// The outcome for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Let it through; add `Report`'s fields to the response.
    Allow(Report),
    /// Refuse it.
    Refuse {
        kind: RefusalKind,
        retry_after: u64,
        report: Report,
    },
}

pub(crate) type VerdictFuture = Pin<Box<dyn Future<Output = Verdict> + Send>>;

/// A decision made at once (the in-process limit, no quota) or one that needs the store.
pub(crate) enum Decision {
    Ready(Verdict),
    Pending(VerdictFuture),
}

/// Where the rate limits count.
pub(crate) enum LimitCounts {
    /// One GCRA per plan (index as in [`PlanLimits::resolve`]); `None` for a plan without one.
    InProcess(Vec<Option<Gcra>>),
    /// Fixed windows in a shared store.
    Shared(Arc<dyn CounterStore>),
}

/// Everything a request's decision needs; shared (`Arc`) by every clone of the layer.
pub(crate) struct Decider {
    pub(crate) name: Arc<str>,
    /// The `RateLimit-Policy` item of each plan's limit (index as in [`PlanLimits::resolve`]),
    /// made once: see [`limit_policies`].
    pub(crate) limit_policies: Vec<Option<HeaderValue>>,
    pub(crate) key_by: KeyBy,
    pub(crate) client_ip: ClientIpSource,
    pub(crate) tiers: PlanLimits,
    pub(crate) limits: LimitCounts,
    pub(crate) quotas: Arc<dyn CounterStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) fail_open: bool,
}

impl std::fmt::Debug for Decider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decider")
            .field("name", &self.name)
            .field("key_by", &self.key_by)
            .field("client_ip", &self.client_ip)
            .field("tiers", &self.tiers)
            .field(
                "limits",
                &match self.limits {
                    LimitCounts::InProcess(_) => "in-process",
                    LimitCounts::Shared(_) => "shared",
                },
            )
            .field("fail_open", &self.fail_open)
            .finish_non_exhaustive()
    }
}

impl Decider {
    /// Decides for a request from `ip` by `caller`.
    pub(crate) fn decide(self: &Arc<Self>, ip: Option<IpAddr>, mut caller: Caller) -> Decision {
        let (index, plan) = self.tiers.resolve(caller.plan.as_deref());
        let (limit, quota) = (plan.rate(), plan.usage_quota());
        let subject = subject(self.key_by, &mut caller, ip);
        let mut report = Report::default();
        match &self.limits {
            LimitCounts::InProcess(gcras) => {
                if let (Some(limit), Some(Some(gcra))) = (limit, gcras.get(index)) {
                    let state = |remaining, reset| self.limit_state(index, limit, remaining, reset);
                    match gcra.check(&subject) {
                        GcraOutcome::Allowed { remaining, reset } => {
                            report.rate = Some(state(remaining, reset));
                        }
                        GcraOutcome::Refused { retry_after } => {
                            report.rate = Some(state(0, retry_after));
                            return Decision::Ready(Verdict::Refuse {
                                kind: RefusalKind::RateLimited,
                                retry_after,
                                report,
                            });
                        }
                    }
                }
                let Some(quota) = quota else {
                    return Decision::Ready(Verdict::Allow(report));
                };
                let this = Arc::clone(self);
                Decision::Pending(Box::pin(async move {
                    this.consume_quota(quota, &subject, report).await
                }))
            }
            LimitCounts::Shared(store) => {
                let store = Arc::clone(store);
                let this = Arc::clone(self);
                Decision::Pending(Box::pin(async move {
                    if let Some(limit) = limit {
                        match this.shared_limit(&*store, index, limit, &subject).await {
                            Ok(Ok(state)) => report.rate = Some(state),
                            Ok(Err((retry_after, state))) => {
                                report.rate = Some(state);
                                return Verdict::Refuse {
                                    kind: RefusalKind::RateLimited,
                                    retry_after,
                                    report,
                                };
                            }
                            Err(error) => {
                                if let Some(refusal) = this.store_failed(&error, &report) {
                                    return refusal;
                                }
                            }
                        }
                    }
                    match quota {
                        Some(quota) => this.consume_quota(quota, &subject, report).await,
                        None => Verdict::Allow(report),
                    }
                }))
            }
        }
    }

    /// Decides at once or by awaiting the store.
    #[cfg(feature = "actix")]
    pub(crate) async fn decide_async(
        self: &Arc<Self>,
        ip: Option<IpAddr>,
        caller: Caller,
    ) -> Verdict {
        match self.decide(ip, caller) {
            Decision::Ready(verdict) => verdict,
            Decision::Pending(future) => future.await,
        }
    }

    fn limit_state(&self, index: usize, limit: Limit, remaining: u64, reset: u64) -> PolicyState {
        let policy = self.limit_policies.get(index).cloned().flatten();
        PolicyState {
            policy: policy.unwrap_or_else(|| {
                policy_item(&self.name, u64::from(limit.max()), limit.window_seconds())
            }),
            name: Arc::clone(&self.name),
            remaining,
            reset,
        }
    }

    /// One fixed window of the limit in the shared store: `rate:<name>:<subject>:<w>:<n>` for
    /// the n-th window of w seconds since the epoch. `Ok(Err(..))` is a refusal.
    async fn shared_limit(
        &self,
        store: &dyn CounterStore,
        plan_index: usize,
        limit: Limit,
        subject: &Subject,
    ) -> Result<Result<PolicyState, (u64, PolicyState)>, StoreError> {
        let now = self.clock.now();
        let seconds = unix_seconds(now);
        let window = limit.window_seconds();
        let index = seconds / window;
        let ends = (index + 1) * window;
        let key = format!("rate:{}:{subject}:{window}:{index}", self.name);
        let max = u64::from(limit.max());
        let count = store
            .add(&key, 1, max, UNIX_EPOCH + Duration::from_secs(ends), now)
            .await?;
        let reset = ends.saturating_sub(seconds).max(1);
        let state = self.limit_state(plan_index, limit, count.remaining(max), reset);
        Ok(if count.allowed {
            Ok(state)
        } else {
            Err((reset, state))
        })
    }

    /// Uses one unit of `quota` in one atomic `add` on `quota:<name>:<subject>:<period>`.
    async fn consume_quota(&self, quota: Quota, subject: &Subject, mut report: Report) -> Verdict {
        let now = self.clock.now();
        let period = quota.period().current(now);
        let key = format!("quota:{}:{subject}:{}", self.name, period.label);
        let name = quota.period().name();
        let state = |remaining| PolicyState {
            policy: policy_item(name, quota.max(), period.length),
            name: Arc::from(name),
            remaining,
            reset: period.left,
        };
        match self
            .quotas
            .add(&key, 1, quota.max(), period.ends_at, now)
            .await
        {
            Ok(count) if count.allowed => {
                report.quota = Some(state(count.remaining(quota.max())));
                Verdict::Allow(report)
            }
            Ok(_) => {
                report.quota = Some(state(0));
                tracing::debug!(policy = %self.name, "quota exceeded");
                Verdict::Refuse {
                    kind: RefusalKind::QuotaExceeded,
                    retry_after: period.left,
                    report,
                }
            }
            Err(error) => self
                .store_failed(&error, &report)
                .unwrap_or(Verdict::Allow(report)),
        }
    }

    /// A store failure: 503 (the default, fail closed), or `None` to let the request through
    /// uncounted when the host chose `dangerous_fail_open`.
    fn store_failed(&self, error: &StoreError, report: &Report) -> Option<Verdict> {
        let error = ErrorChain::new(error);
        if self.fail_open {
            tracing::warn!(policy = %self.name, %error, "rate-limit store failed; letting the request through uncounted (fail open)");
            return None;
        }
        tracing::error!(policy = %self.name, %error, "rate-limit store failed; answering 503");
        Some(Verdict::Refuse {
            kind: RefusalKind::Unavailable,
            retry_after: UNAVAILABLE_RETRY_AFTER,
            report: report.clone(),
        })
    }
}

fn unix_seconds(now: SystemTime) -> u64 {
    now.duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}

/// The in-process limiters for every plan of `tiers`.
pub(crate) fn gcras(tiers: &PlanLimits, max_keys: usize) -> Vec<Option<Gcra>> {
    tiers
        .all()
        .map(|plan| plan.rate().map(|limit| Gcra::new(limit, max_keys)))
        .collect()
}

/// The `RateLimit-Policy` item of every plan's limit, for the policy `name`.
pub(crate) fn limit_policies(name: &str, tiers: &PlanLimits) -> Vec<Option<HeaderValue>> {
    tiers
        .all()
        .map(|plan| {
            plan.rate()
                .map(|limit| policy_item(name, u64::from(limit.max()), limit.window_seconds()))
        })
        .collect()
}
