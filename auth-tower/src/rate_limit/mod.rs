//! Rate limits and usage quotas for any route, per client IP, user or API client, per plan.
//!
//! * [`RateLimitLayer`] — a tower layer (axum, hyper, any tower host); with feature `actix`,
//!   [`RateLimitMiddleware`] gives actix-web the same limits.
//! * [`Limit`] — `Limit::per_minute(100)`: requests per window per key. In process by
//!   default (GCRA, the `governor` crate; memory bounded by pruning idle keys once more than
//!   [`DEFAULT_MAX_TRACKED_KEYS`] are tracked); with [`RateLimitLayer::shared`] in a
//!   [`CounterStore`](auth_core::store::CounterStore) as fixed windows named in the key, so
//!   several instances share one count.
//! * [`Quota`] — `Quota::monthly(100)`: units per calendar day or month (UTC), consumed
//!   atomically through [`CounterStore::add`](auth_core::store::CounterStore::add) on the key
//!   `quota:<name>:<subject>:<period>` (`quota:images:user:42:2026-12`), one unit per
//!   request the rate limit let through. N concurrent requests never use more than the quota.
//! * [`PlanLimits`] — a plan's name → its [`Plan`] (limit and quota); the default plan for
//!   requests with no plan or an unknown one.
//! * [`KeyBy`] — client IP (IPv4 address, IPv6 /64; from the peer address, or a trusted
//!   proxy header through [`ClientIpSource`](crate::endpoints::ClientIpSource)), user
//!   (`sub`) or API client (`client_id`); a request without that key counts by its IP.
//!
//! ## Where the plan comes from
//!
//! Per request, in this order: a closure given to [`RateLimitLayer::plan_from`] (tower
//! only); else a [`PlanName`] in the request extensions; else the `plan` claim of the
//! [`AuthContext`](crate::AuthContext). A host whose plans live in its database either
//! issues access tokens with a `plan` claim (auth-core's `AccessTokenRequest::plan`; the plan
//! then changes at the next refresh), or runs its own middleware before this layer that
//! looks the plan up and inserts a [`PlanName`]. No plan, or one [`PlanLimits`] does not list,
//! gets the default plan.
//!
//! ## Responses
//!
//! Every response carries the fields of draft-ietf-httpapi-ratelimit-headers (draft 11):
//! `RateLimit-Policy: "api";q=100;w=60` and `RateLimit: "api";r=42;t=18` (for a GCRA, `t` is
//! when the bucket is full again), with a quota's policy beside it
//! (`"monthly";q=1000;w=2678400`). Refusals:
//!
//! | when | status | body |
//! |---|---|---|
//! | the limit is reached | 429, `Retry-After` | `{"error":"rate_limited","message":…}` |
//! | the quota is used up | 429, `Retry-After` = the period's end | `{"error":"quota_exceeded","message":…}` |
//! | the counter store fails | 503, `Retry-After: 5` | `{"error":"temporarily_unavailable","message":…}` |
//!
//! A store failure refuses (fail closed) unless the host chose
//! [`RateLimitLayer::dangerous_fail_open`].
//!
//! **No refunds:** a unit of quota is used when the request is let through, before the inner
//! service runs; a 4xx or 5xx answer does not give it back. Refunding would need a second
//! write after the response that a crash or a cancelled request could skip, and would let a
//! client that provokes errors use the service beyond its quota. Hosts that want refunds on
//! their own failures can call `CounterStore::add` themselves.
//!
//! ```
//! use std::convert::Infallible;
//! use auth_tower::endpoints::PeerAddr;
//! use auth_tower::rate_limit::{Limit, RateLimitLayer};
//! use bytes::Bytes;
//! use http::{Request, Response};
//! use http_body_util::Full;
//! use tower::{Layer, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let hello = service_fn(|_: Request<()>| async {
//!     Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"hello"))))
//! });
//! let service = RateLimitLayer::new(Limit::per_minute(2)).name("api").layer(hello);
//!
//! let request = || {
//!     let mut request = Request::new(());
//!     request.extensions_mut().insert(PeerAddr("192.0.2.1:5000".parse().unwrap()));
//!     request
//! };
//! let first = service.clone().oneshot(request()).await?;
//! assert_eq!(first.headers()["ratelimit-policy"], "\"api\";q=2;w=60");
//! assert_eq!(first.headers()["ratelimit"], "\"api\";r=1;t=30");
//! service.clone().oneshot(request()).await?;
//! let third = service.oneshot(request()).await?;
//! assert_eq!(third.status(), 429);
//! assert!(third.headers().contains_key("retry-after"));
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "actix")]
mod actix;
mod decide;
mod gcra;
mod headers;
mod key;
mod layer;
mod limit;
mod period;
mod plans;

#[cfg(feature = "actix")]
pub use actix::{RateLimitMiddleware, RateLimitMiddlewareService};
pub use headers::{RATELIMIT, RATELIMIT_POLICY};
pub use key::KeyBy;
pub use layer::{DEFAULT_MAX_TRACKED_KEYS, RateLimitFuture, RateLimitLayer, RateLimitService};
pub use limit::{Limit, Quota};
pub use period::Period;
pub use plans::{Plan, PlanLimits, PlanName};
