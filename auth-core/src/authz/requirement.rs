//! What a request needs from its access token, and the typed refusal when it falls short.

use std::time::{Duration, SystemTime};

use super::PlanTiers;
use crate::error::{BearerErrorCode, ToBearerError};
use crate::token::Claims;

/// Why an authenticated request was refused (HTTP 403, RFC 6750 `insufficient_scope`).
///
/// The `Display` text names what was required, never what the token holds, and is fine for
/// logs; clients get only the RFC 6750 code (and, if the host chooses, the required scope).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Forbidden {
    /// The token lacks the role.
    #[error("role `{0}` is required")]
    MissingRole(String),
    /// The token has none of the permissions.
    #[error("one of the permissions {0:?} is required")]
    MissingAnyPermission(Vec<String>),
    /// The token lacks at least one of the permissions.
    #[error("all of the permissions {0:?} are required")]
    MissingAllPermissions(Vec<String>),
    /// The token's plan is below the tier (or absent, or not a known tier).
    #[error("plan `{0}` or higher is required")]
    PlanTooLow(String),
    /// The token lacks the OAuth scope.
    #[error("scope `{0}` is required")]
    MissingScope(String),
    /// The token belongs to another tenant (or to none).
    #[error("the resource belongs to another tenant")]
    WrongTenant,
    /// A host-defined predicate refused.
    #[error("{0}")]
    Custom(&'static str),
    /// The sign-in behind the token is too old or too weak (RFC 9470): HTTP 401
    /// `insufficient_user_authentication`, with what would satisfy it in the challenge.
    #[error("a stronger or more recent sign-in is required")]
    StepUpRequired(StepUp),
}

impl ToBearerError for Forbidden {
    fn bearer_error(&self) -> Option<BearerErrorCode> {
        Some(match self {
            Self::StepUpRequired(_) => BearerErrorCode::InsufficientUserAuthentication,
            _ => BearerErrorCode::InsufficientScope,
        })
    }
}

impl Forbidden {
    /// What a step-up refusal asks for, for the RFC 9470 challenge; `None` for the others.
    pub fn step_up(&self) -> Option<&StepUp> {
        match self {
            Self::StepUpRequired(step_up) => Some(step_up),
            _ => None,
        }
    }
}

/// What an RFC 9470 step-up challenge asks the client to obtain: a sign-in at most
/// `max_age` seconds old, and/or one satisfying one of `acr_values`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct StepUp {
    /// `max_age`: the oldest sign-in accepted, in seconds.
    pub max_age: Option<u64>,
    /// `acr_values`: space-separated context classes, any of which is accepted.
    pub acr_values: Option<String>,
}

/// One thing a request needs; check it against verified [`Claims`].
///
/// ```
/// use auth_core::authz::{Forbidden, PlanTiers, Requirement};
/// # use auth_core::token::{AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier,
/// #     Algorithm, IssuerConfig, KeySet, SigningKey, VerifierConfig};
/// # let keys = KeySet::new(SigningKey::hmac("k", Algorithm::HS256, &[1; 32])?);
/// # let issuer = AccessTokenIssuer::new(IssuerConfig::new("iss", "aud"), &keys);
/// # let verifier = AccessTokenVerifier::new(VerifierConfig::new("iss", "aud"), &keys);
/// # let token = issuer.issue(&AccessTokenRequest::new("u").roles(["editor"]).plan("pro"))?.token;
/// let claims = verifier.verify(token.secret())?;
/// let tiers = PlanTiers::new(["free", "pro", "studio", "enterprise"]);
///
/// assert!(Requirement::plan_at_least(&tiers, "pro").check(&claims).is_ok());
/// assert_eq!(
///     Requirement::role("admin").check(&claims),
///     Err(Forbidden::MissingRole("admin".into()))
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Requirement {
    /// The role must be present.
    Role(String),
    /// At least one of the permissions must be present. An empty list is never satisfied.
    AnyPermission(Vec<String>),
    /// Every one of the permissions must be present.
    AllPermissions(Vec<String>),
    /// The plan must be this tier or above.
    PlanAtLeast {
        /// The required tier.
        plan: String,
        /// The host's tier order.
        tiers: PlanTiers,
    },
    /// The OAuth scope must be granted.
    Scope(String),
    /// The token's tenant (`tid`) must be exactly this.
    Tenant(String),
    /// The sign-in must have used more than one kind of factor (`amr` lists `mfa`).
    /// Refused with [`Forbidden::StepUpRequired`] naming `acr_values` = `acr` if given.
    MultiFactor {
        /// The context class to name in the challenge, if the host defines one for
        /// multi-factor sign-ins (the authorization server can then be asked for it).
        acr: Option<String>,
    },
    /// The user must have authenticated at most this long ago (`auth_time`). Refused with
    /// [`Forbidden::StepUpRequired`] naming `max_age`. Tokens without `auth_time` fail.
    AuthenticatedWithin(Duration),
    /// The token's `acr` must be one of these (exact comparison). Refused with
    /// [`Forbidden::StepUpRequired`] naming them as `acr_values`.
    AcrOneOf(Vec<String>),
}

impl Requirement {
    /// [`Requirement::Role`].
    pub fn role(role: impl Into<String>) -> Self {
        Self::Role(role.into())
    }

    /// [`Requirement::AnyPermission`].
    pub fn any_permission<I: IntoIterator<Item = S>, S: Into<String>>(permissions: I) -> Self {
        Self::AnyPermission(permissions.into_iter().map(Into::into).collect())
    }

    /// [`Requirement::AllPermissions`].
    pub fn all_permissions<I: IntoIterator<Item = S>, S: Into<String>>(permissions: I) -> Self {
        Self::AllPermissions(permissions.into_iter().map(Into::into).collect())
    }

    /// [`Requirement::PlanAtLeast`].
    pub fn plan_at_least(tiers: &PlanTiers, plan: impl Into<String>) -> Self {
        Self::PlanAtLeast {
            plan: plan.into(),
            tiers: tiers.clone(),
        }
    }

    /// [`Requirement::Scope`].
    pub fn scope(scope: impl Into<String>) -> Self {
        Self::Scope(scope.into())
    }

    /// [`Requirement::Tenant`].
    pub fn tenant(tenant: impl Into<String>) -> Self {
        Self::Tenant(tenant.into())
    }

    /// [`Requirement::MultiFactor`] without an `acr` to name.
    pub fn multi_factor() -> Self {
        Self::MultiFactor { acr: None }
    }

    /// [`Requirement::AuthenticatedWithin`].
    pub fn authenticated_within(max_age: Duration) -> Self {
        Self::AuthenticatedWithin(max_age)
    }

    /// [`Requirement::AcrOneOf`].
    pub fn acr_one_of<I: IntoIterator<Item = S>, S: Into<String>>(values: I) -> Self {
        Self::AcrOneOf(values.into_iter().map(Into::into).collect())
    }

    /// Checks the requirement against verified claims, at the system clock's now (see
    /// [`check_at`](Self::check_at)).
    pub fn check<E>(&self, claims: &Claims<E>) -> Result<(), Forbidden> {
        self.check_at(claims, SystemTime::now())
    }

    /// Checks the requirement against verified claims at `now` (only
    /// [`AuthenticatedWithin`](Self::AuthenticatedWithin) reads it: give it the time the
    /// token was verified at, from the verifier's clock).
    pub fn check_at<E>(&self, claims: &Claims<E>, now: SystemTime) -> Result<(), Forbidden> {
        let satisfied = match self {
            Self::Role(role) => claims.has_role(role),
            Self::AnyPermission(permissions) => permissions
                .iter()
                .any(|permission| claims.has_permission(permission)),
            Self::AllPermissions(permissions) => permissions
                .iter()
                .all(|permission| claims.has_permission(permission)),
            Self::PlanAtLeast { plan, tiers } => tiers.at_least(claims.plan.as_deref(), plan),
            Self::Scope(scope) => claims.scope.contains(scope),
            Self::Tenant(tenant) => claims.tid.as_deref() == Some(tenant.as_str()),
            Self::MultiFactor { .. } => claims.is_multi_factor(),
            Self::AuthenticatedWithin(max_age) => claims.authenticated_within(*max_age, now),
            Self::AcrOneOf(values) => claims
                .acr
                .as_deref()
                .is_some_and(|acr| values.iter().any(|value| value == acr)),
        };
        if satisfied {
            return Ok(());
        }
        Err(match self {
            Self::Role(role) => Forbidden::MissingRole(role.clone()),
            Self::AnyPermission(permissions) => {
                Forbidden::MissingAnyPermission(permissions.clone())
            }
            Self::AllPermissions(permissions) => {
                Forbidden::MissingAllPermissions(permissions.clone())
            }
            Self::PlanAtLeast { plan, .. } => Forbidden::PlanTooLow(plan.clone()),
            Self::Scope(scope) => Forbidden::MissingScope(scope.clone()),
            Self::Tenant(_) => Forbidden::WrongTenant,
            Self::MultiFactor { acr } => Forbidden::StepUpRequired(StepUp {
                max_age: None,
                acr_values: acr.clone(),
            }),
            Self::AuthenticatedWithin(max_age) => Forbidden::StepUpRequired(StepUp {
                max_age: Some(max_age.as_secs()),
                acr_values: None,
            }),
            Self::AcrOneOf(values) => Forbidden::StepUpRequired(StepUp {
                max_age: None,
                acr_values: Some(values.join(" ")),
            }),
        })
    }
}
