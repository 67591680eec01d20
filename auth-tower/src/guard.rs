//! [`Guard`] and [`Policy`]: authorization checks on an authenticated request, answering 403
//! `insufficient_scope` when they fail.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use auth_core::authz::{Forbidden, PlanTiers, Requirement};
use auth_core::token::{Claims, NoCustomClaims};

use crate::AuthContext;
use crate::layer::GuardLayer;

/// A check of claims at a time (the time the token was verified, for step-up windows).
type Check<E> = dyn Fn(&Claims<E>, SystemTime) -> Result<(), Forbidden> + Send + Sync;

/// One authorization check: a role, permissions, a plan tier, a scope, a tenant, or a
/// predicate of your own. All checks fail closed (see auth-core's
/// [`Requirement`]). Turn it into a layer with [`Guard::layer`]; for an extractor, implement
/// [`Policy`].
///
/// ```
/// use auth_core::authz::PlanTiers;
/// use auth_tower::Guard;
///
/// let admin = Guard::role("admin");
/// let tiers = PlanTiers::new(["free", "pro", "studio", "enterprise"]);
/// let studio = Guard::plan_at_least(&tiers, "studio");
/// let same_org = Guard::custom("same organisation", |claims| claims.tid.is_some());
/// ```
pub struct Guard<E = NoCustomClaims> {
    check: Arc<Check<E>>,
    name: Arc<str>,
}

impl<E> Clone for Guard<E> {
    fn clone(&self) -> Self {
        Self {
            check: Arc::clone(&self.check),
            name: Arc::clone(&self.name),
        }
    }
}

impl<E> fmt::Debug for Guard<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard").field("name", &self.name).finish()
    }
}

impl<E: Send + Sync + 'static> Guard<E> {
    /// A guard from an auth-core [`Requirement`], for any custom-claims type `E`
    /// (`Guard::<MyClaims>::from_requirement(…)`).
    pub fn from_requirement(requirement: Requirement) -> Self {
        let name = format!("{requirement:?}");
        Self {
            check: Arc::new(move |claims: &Claims<E>, now| requirement.check_at(claims, now)),
            name: Arc::from(name),
        }
    }

    /// A predicate of your own, for any custom-claims type `E`; `description` names it in
    /// logs (never sent to clients).
    pub fn from_predicate<F>(description: &'static str, predicate: F) -> Self
    where
        F: Fn(&Claims<E>) -> bool + Send + Sync + 'static,
    {
        Self {
            check: Arc::new(move |claims: &Claims<E>, _| {
                if predicate(claims) {
                    Ok(())
                } else {
                    Err(Forbidden::Custom(description))
                }
            }),
            name: Arc::from(description),
        }
    }

    /// The guard of a [`Policy`] type, for any custom-claims type `E`.
    pub fn from_policy<P: Policy<E>>() -> Self {
        Self {
            check: Arc::new(|claims: &Claims<E>, _| P::check(claims)),
            name: Arc::from(std::any::type_name::<P>()),
        }
    }

    /// Checks `claims` at the system clock's now.
    pub fn check(&self, claims: &Claims<E>) -> Result<(), Forbidden> {
        (self.check)(claims, SystemTime::now())
    }

    /// Checks `claims` at `now` (step-up windows compare `auth_time` with it).
    pub fn check_at(&self, claims: &Claims<E>, now: SystemTime) -> Result<(), Forbidden> {
        (self.check)(claims, now)
    }

    /// Checks an authenticated caller, at the time its token was verified (by the
    /// verifier's clock): what the layer and the extractors run.
    pub fn check_context(&self, context: &AuthContext<E>) -> Result<(), Forbidden> {
        (self.check)(context.claims(), context.verified_at())
    }

    /// A tower layer applying this guard; put it *inside* (after) an
    /// [`AuthLayer`](crate::AuthLayer).
    pub fn layer(self) -> GuardLayer<E> {
        GuardLayer::new(self)
    }
}

/// Shorthands for tokens without custom claims (use the `from_*` constructors otherwise).
impl Guard {
    /// A guard from an auth-core [`Requirement`].
    pub fn requirement(requirement: Requirement) -> Self {
        Self::from_requirement(requirement)
    }

    /// The token must carry `role` (seed 000's `require_admin` is `Guard::role("admin")`).
    pub fn role(role: impl Into<String>) -> Self {
        Self::from_requirement(Requirement::role(role))
    }

    /// The token must carry `permission`.
    pub fn permission(permission: impl Into<String>) -> Self {
        Self::from_requirement(Requirement::all_permissions([permission.into()]))
    }

    /// The token must carry at least one of `permissions` (an empty list never passes).
    pub fn any_permission<I: IntoIterator<Item = S>, S: Into<String>>(permissions: I) -> Self {
        Self::from_requirement(Requirement::any_permission(permissions))
    }

    /// The token must carry every one of `permissions`.
    pub fn all_permissions<I: IntoIterator<Item = S>, S: Into<String>>(permissions: I) -> Self {
        Self::from_requirement(Requirement::all_permissions(permissions))
    }

    /// The token's plan must be `plan` or above in `tiers`.
    pub fn plan_at_least(tiers: &PlanTiers, plan: impl Into<String>) -> Self {
        Self::from_requirement(Requirement::plan_at_least(tiers, plan))
    }

    /// The token must grant OAuth scope `scope`.
    pub fn scope(scope: impl Into<String>) -> Self {
        Self::from_requirement(Requirement::scope(scope))
    }

    /// The token's tenant (`tid`) must be `tenant`.
    pub fn tenant(tenant: impl Into<String>) -> Self {
        Self::from_requirement(Requirement::tenant(tenant))
    }

    /// **Step-up** (RFC 9470): the sign-in must have used two kinds of factor (`amr` lists
    /// `mfa`: password + TOTP or recovery code, or a passkey with user verification).
    /// Otherwise 401 with `WWW-Authenticate: Bearer error="insufficient_user_authentication"`,
    /// which tells the client to have the user sign in again with a second factor.
    pub fn multi_factor() -> Self {
        Self::from_requirement(Requirement::multi_factor())
    }

    /// **Step-up** (RFC 9470): the user must have authenticated at most `max_age` ago
    /// (`auth_time`; a refresh keeps it, a re-authentication moves it). Otherwise 401
    /// `insufficient_user_authentication` with `max_age` in the challenge — before a payout,
    /// an email change, deleting the account.
    ///
    /// ```
    /// use std::time::Duration;
    /// use auth_tower::Guard;
    ///
    /// // Both: a second factor, used within the last five minutes.
    /// let payouts = [Guard::multi_factor(), Guard::authenticated_within(Duration::from_secs(300))];
    /// ```
    pub fn authenticated_within(max_age: Duration) -> Self {
        Self::from_requirement(Requirement::authenticated_within(max_age))
    }

    /// **Step-up** (RFC 9470): the token's `acr` must be one of `values`; otherwise 401
    /// `insufficient_user_authentication` naming them as `acr_values`.
    pub fn acr_one_of<I: IntoIterator<Item = S>, S: Into<String>>(values: I) -> Self {
        Self::from_requirement(Requirement::acr_one_of(values))
    }

    /// A predicate of your own; `description` names it in logs (never sent to clients).
    pub fn custom<F>(description: &'static str, predicate: F) -> Self
    where
        F: Fn(&Claims) -> bool + Send + Sync + 'static,
    {
        Self::from_predicate(description, predicate)
    }

    /// The guard of a [`Policy`] type.
    pub fn policy<P: Policy>() -> Self {
        Self::from_policy::<P>()
    }
}

/// An authorization check as a type, for the `Require<P>` extractors (axum and actix) and
/// [`Guard::policy`].
///
/// ```
/// use auth_core::authz::{Forbidden, Requirement};
/// use auth_core::token::Claims;
/// use auth_tower::Policy;
///
/// /// Seed 000's `require_admin`.
/// struct Admin;
///
/// impl Policy for Admin {
///     fn check(claims: &Claims) -> Result<(), Forbidden> {
///         Requirement::role("admin").check(claims)
///     }
/// }
/// ```
pub trait Policy<E = NoCustomClaims>: Send + Sync + 'static {
    /// `Ok(())` when the claims satisfy the policy.
    fn check(claims: &Claims<E>) -> Result<(), Forbidden>;
}

/// An extractor (axum and actix) for an authenticated caller that satisfies policy `P`:
/// 401 without an [`AuthContext`](crate::AuthContext), 403 `insufficient_scope` when `P` refuses.
///
/// Dereferences to the [`AuthContext`](crate::AuthContext).
pub struct Require<P, E = NoCustomClaims> {
    /// The authenticated caller.
    pub context: crate::AuthContext<E>,
    policy: std::marker::PhantomData<fn() -> P>,
}

impl<P, E> Require<P, E> {
    #[cfg(any(feature = "axum", feature = "actix"))]
    pub(crate) fn new(context: crate::AuthContext<E>) -> Self {
        Self {
            context,
            policy: std::marker::PhantomData,
        }
    }

    /// The authenticated caller.
    pub fn into_inner(self) -> crate::AuthContext<E> {
        self.context
    }
}

impl<P, E> std::ops::Deref for Require<P, E> {
    type Target = crate::AuthContext<E>;

    fn deref(&self) -> &Self::Target {
        &self.context
    }
}

impl<P, E: fmt::Debug> fmt::Debug for Require<P, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Require")
            .field("policy", &std::any::type_name::<P>())
            .field("context", &self.context)
            .finish()
    }
}

/// Checks policy `P` against a context, as a rejection ready to answer.
#[cfg(any(feature = "axum", feature = "actix"))]
pub(crate) fn enforce<P: Policy<E>, E>(
    context: crate::AuthContext<E>,
) -> Result<Require<P, E>, crate::AuthRejection> {
    match P::check(context.claims()) {
        Ok(()) => Ok(Require::new(context)),
        Err(forbidden) => Err(crate::AuthRejection::new(
            forbidden,
            context.realm().clone(),
        )),
    }
}
