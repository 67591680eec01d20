//! [`Guard`] and [`Policy`]: authorization checks on an authenticated request, answering 403
//! `insufficient_scope` when they fail.

use std::fmt;
use std::sync::Arc;

use auth_core::authz::{Forbidden, PlanTiers, Requirement};
use auth_core::token::{Claims, NoCustomClaims};

use crate::layer::GuardLayer;

type Check<E> = dyn Fn(&Claims<E>) -> Result<(), Forbidden> + Send + Sync;

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
            check: Arc::new(move |claims: &Claims<E>| requirement.check(claims)),
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
            check: Arc::new(move |claims: &Claims<E>| {
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
            check: Arc::new(|claims: &Claims<E>| P::check(claims)),
            name: Arc::from(std::any::type_name::<P>()),
        }
    }

    /// Checks `claims`.
    pub fn check(&self, claims: &Claims<E>) -> Result<(), Forbidden> {
        (self.check)(claims)
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
