//! Seed 002's usage limits, configurable from the environment: 100 requests a minute per IP
//! on `/api/*`, 5 logins a minute per IP, and a monthly image quota per plan (free 100,
//! pro 1 000, studio 5 000) on `POST /api/images`.

use std::sync::Arc;

use auth_tower::rate_limit::{KeyBy, Limit, Plan, PlanLimits, Quota, RateLimitLayer};
use example_common::auth_core::store::CounterStore;

/// The limits, read from `RATE_LIMIT_API_PER_MINUTE`, `RATE_LIMIT_LOGIN_PER_MINUTE`,
/// `IMAGE_QUOTA_FREE`, `IMAGE_QUOTA_PRO`, `IMAGE_QUOTA_STUDIO` (each optional; empty counts
/// as unset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Requests a minute per client IP on `/api/*`. Defaults to 100.
    pub api_per_minute: u32,
    /// `POST /auth/login` a minute per client IP. Defaults to 5. auth-core's own login
    /// throttle (per account and network, counted before the password check) still runs.
    pub login_per_minute: u32,
    /// Images a calendar month (UTC) for the `free` plan — and for any account whose token
    /// carries no plan or an unknown one. Defaults to 100.
    pub images_free: u64,
    /// Images a month for `pro`. Defaults to 1 000.
    pub images_pro: u64,
    /// Images a month for `studio` (and `enterprise`). Defaults to 5 000.
    pub images_studio: u64,
}

impl Limits {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, String> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup`.
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        fn number<T: std::str::FromStr>(
            lookup: &impl Fn(&str) -> Option<String>,
            name: &str,
            default: T,
        ) -> Result<T, String> {
            match lookup(name).filter(|value| !value.trim().is_empty()) {
                None => Ok(default),
                Some(value) => value
                    .trim()
                    .parse()
                    .map_err(|_| format!("{name} must be a whole number, got {value:?}")),
            }
        }
        Ok(Self {
            api_per_minute: number(&lookup, "RATE_LIMIT_API_PER_MINUTE", 100)?,
            login_per_minute: number(&lookup, "RATE_LIMIT_LOGIN_PER_MINUTE", 5)?,
            images_free: number(&lookup, "IMAGE_QUOTA_FREE", 100)?,
            images_pro: number(&lookup, "IMAGE_QUOTA_PRO", 1_000)?,
            images_studio: number(&lookup, "IMAGE_QUOTA_STUDIO", 5_000)?,
        })
    }

    /// `/api/*`: per client IP (the TCP peer address), in this instance's memory (GCRA): no
    /// round trip per request, so behind a load balancer each instance allows the rate on its
    /// own. A host that needs one count across instances adds `.shared(store)` and pays one
    /// store round trip per request.
    pub fn api(&self) -> RateLimitLayer {
        RateLimitLayer::new(Limit::per_minute(self.api_per_minute)).name("api")
    }

    /// `POST /auth/login`: per client IP, in process — or in `shared` across instances.
    pub fn login(&self, shared: Option<Arc<dyn CounterStore>>) -> RateLimitLayer {
        share(
            RateLimitLayer::new(Limit::per_minute(self.login_per_minute)).name("login"),
            shared,
        )
    }

    /// `POST /api/images`: the monthly quota of the caller's plan, per user. The plan is the
    /// access token's `plan` claim (set with `axum-app grant EMAIL --plan pro`; it takes
    /// effect at the next login or refresh). Counted in `quotas` — the database, or Redis —
    /// so every instance draws on one quota and a restart does not start the month afresh.
    pub fn images(&self, quotas: Arc<dyn CounterStore>) -> RateLimitLayer {
        let studio = Plan::new().quota(Quota::monthly(self.images_studio));
        RateLimitLayer::with_plans(
            PlanLimits::new(Plan::new().quota(Quota::monthly(self.images_free)))
                .plan("pro", Plan::new().quota(Quota::monthly(self.images_pro)))
                .plan("studio", studio)
                .plan("enterprise", studio),
        )
        .name("images")
        .key_by(KeyBy::User)
        .quota_store(quotas)
    }
}

/// `layer`, counting in `shared` when there is one.
fn share(layer: RateLimitLayer, shared: Option<Arc<dyn CounterStore>>) -> RateLimitLayer {
    match shared {
        Some(store) => layer.shared(store),
        None => layer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_seed_002s() {
        let limits = Limits::from_vars(|_| None).unwrap();
        assert_eq!(
            limits,
            Limits {
                api_per_minute: 100,
                login_per_minute: 5,
                images_free: 100,
                images_pro: 1_000,
                images_studio: 5_000,
            }
        );
    }

    #[test]
    fn a_bad_number_names_its_variable() {
        let error = Limits::from_vars(|name| {
            (name == "RATE_LIMIT_LOGIN_PER_MINUTE").then(|| "five".to_owned())
        })
        .unwrap_err();
        assert!(error.contains("RATE_LIMIT_LOGIN_PER_MINUTE"), "{error}");
    }
}
