//! [`PlanLimits`]: a plan name → its [`Plan`] (a rate [`Limit`] and a [`Quota`]).

use std::sync::Arc;

use super::limit::{Limit, Quota};

/// What one plan allows: a rate limit, a quota, both or neither.
///
/// ```
/// use auth_tower::rate_limit::{Limit, Plan, Quota};
///
/// let free = Plan::new().limit(Limit::per_minute(100)).quota(Quota::monthly(100));
/// assert_eq!(free.rate(), Some(Limit::per_minute(100)));
/// assert_eq!(free.usage_quota(), Some(Quota::monthly(100)));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Plan {
    limit: Option<Limit>,
    quota: Option<Quota>,
}

impl Plan {
    /// A plan with neither a limit nor a quota (everything passes).
    pub const fn new() -> Self {
        Self {
            limit: None,
            quota: None,
        }
    }

    /// Sets the rate limit.
    pub const fn limit(mut self, limit: Limit) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets the quota.
    pub const fn quota(mut self, quota: Quota) -> Self {
        self.quota = Some(quota);
        self
    }

    /// The rate limit, if any.
    pub const fn rate(&self) -> Option<Limit> {
        self.limit
    }

    /// The quota, if any.
    pub const fn usage_quota(&self) -> Option<Quota> {
        self.quota
    }
}

/// The plan of each request, by name, with a default for requests whose plan is unknown.
///
/// The plan's name is read per request (see [`RateLimitLayer`](super::RateLimitLayer)): a
/// [`PlanName`] extension the host inserted, else the `plan` claim of the
/// [`AuthContext`](crate::AuthContext). A request with no plan, or a plan not listed here,
/// gets the **default** plan — so give the default your most restrictive limits (fail
/// closed: a typo in a plan name never lifts a limit).
///
/// Not to be confused with [`auth_core::authz::PlanTiers`], which *orders* plans for
/// guards (`Guard::plan_at_least`); this one says what each plan may use.
///
/// ```
/// use auth_tower::rate_limit::{Limit, Plan, PlanLimits, Quota};
///
/// // Seed 002: monthly image quotas per plan.
/// let tiers = PlanLimits::new(Plan::new().quota(Quota::monthly(100))) // free, the default
///     .plan("pro", Plan::new().quota(Quota::monthly(1_000)))
///     .plan("studio", Plan::new().quota(Quota::monthly(5_000)));
/// assert_eq!(tiers.resolve(Some("studio")).1.usage_quota(), Some(Quota::monthly(5_000)));
/// assert_eq!(tiers.resolve(Some("platinum")).1.usage_quota(), Some(Quota::monthly(100)));
/// assert_eq!(tiers.resolve(None).0, 0);
/// ```
#[derive(Debug, Clone)]
pub struct PlanLimits {
    default: Plan,
    named: Arc<[(String, Plan)]>,
}

impl PlanLimits {
    /// Tiers where every request gets `default` until [`plan`](Self::plan) names others.
    pub fn new(default: Plan) -> Self {
        Self {
            default,
            named: Arc::new([]),
        }
    }

    /// Adds (or replaces) the plan called `name`.
    pub fn plan(self, name: impl Into<String>, plan: Plan) -> Self {
        let name = name.into();
        let mut named: Vec<(String, Plan)> = self.named.to_vec();
        match named.iter_mut().find(|(existing, _)| *existing == name) {
            Some(slot) => slot.1 = plan,
            None => named.push((name, plan)),
        }
        Self {
            default: self.default,
            named: named.into(),
        }
    }

    /// The plan for `name`: its index (0 for the default, `1 + position` for a named one)
    /// and the plan. No name or an unknown one gives the default.
    pub fn resolve(&self, name: Option<&str>) -> (usize, &Plan) {
        name.and_then(|name| {
            self.named
                .iter()
                .position(|(candidate, _)| candidate == name)
                .map(|position| (position + 1, &self.named[position].1))
        })
        .unwrap_or((0, &self.default))
    }

    /// Every plan in index order: the default first, then the named ones.
    pub(crate) fn all(&self) -> impl Iterator<Item = &Plan> {
        std::iter::once(&self.default).chain(self.named.iter().map(|(_, plan)| plan))
    }
}

/// The plan of the current request, for hosts that keep plans in their own database: a
/// middleware before the rate-limit layer looks the caller's plan up and inserts
/// `PlanName("pro".into())` into the request extensions (tower `http::Extensions` or
/// actix-web's). It takes precedence over the token's `plan` claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanName(pub String);
