//! Seed 002's usage limits, configurable from the environment: 100 requests a minute per IP
//! on `/api/*`, 5 logins a minute per IP, and a monthly image quota per plan (free 100,
//! pro 1 000, studio 5 000) on `POST /api/images`.

use std::sync::Arc;

use auth_tower::rate_limit::{KeyBy, Limit, Plan, PlanLimits, Quota, RateLimitLayer};
use example_common::auth_core::env::{EnvError, Vars, process_env};
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
    ///
    /// # Errors
    /// [`EnvError`] naming the variable that is not a whole number in its range.
    pub fn from_env() -> Result<Self, EnvError> {
        Self::from_vars(process_env)
    }

    /// Reads variables through `lookup`, with the family's rules ([`Vars`]).
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, EnvError> {
        let vars = Vars::new(lookup);
        let rate = |name, default: u32| -> Result<u32, EnvError> {
            Ok(vars
                .number(name, 1..=1_000_000)?
                .map_or(default, |n| n as u32))
        };
        let quota = |name, default: u64| -> Result<u64, EnvError> {
            Ok(vars
                .number(name, 0..=u64::from(u32::MAX))?
                .unwrap_or(default))
        };
        Ok(Self {
            api_per_minute: rate("RATE_LIMIT_API_PER_MINUTE", 100)?,
            login_per_minute: rate("RATE_LIMIT_LOGIN_PER_MINUTE", 5)?,
            images_free: quota("IMAGE_QUOTA_FREE", 100)?,
            images_pro: quota("IMAGE_QUOTA_PRO", 1_000)?,
            images_studio: quota("IMAGE_QUOTA_STUDIO", 5_000)?,
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
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with("RATE_LIMIT_LOGIN_PER_MINUTE is invalid"),
            "{error}"
        );
        let zero =
            Limits::from_vars(|name| (name == "RATE_LIMIT_API_PER_MINUTE").then(|| "0".to_owned()));
        assert!(
            zero.is_err(),
            "a limit of zero requests would lock every client out"
        );
    }
}
