//! Plan tiers with a host-defined order (seed 002: free < pro < studio < enterprise).

use std::sync::Arc;

/// The host's plan tiers, lowest first. Cheap to clone.
///
/// ```
/// use auth_core::authz::PlanTiers;
///
/// let tiers = PlanTiers::new(["free", "pro", "studio", "enterprise"]);
/// assert!(tiers.at_least(Some("studio"), "pro"));
/// assert!(!tiers.at_least(Some("free"), "pro"));
/// assert!(!tiers.at_least(None, "free")); // no plan is below every tier
/// assert!(!tiers.at_least(Some("platinum"), "free")); // unknown plans grant nothing
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanTiers {
    ordered: Arc<[String]>,
}

impl PlanTiers {
    /// Tiers in ascending order. A name listed twice keeps its first (lower) position.
    pub fn new<I, S>(lowest_first: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut ordered: Vec<String> = Vec::new();
        for tier in lowest_first {
            let tier = tier.into();
            if !ordered.contains(&tier) {
                ordered.push(tier);
            }
        }
        Self {
            ordered: ordered.into(),
        }
    }

    /// The position of `plan` (0 = lowest), or `None` for a plan that is not a tier.
    pub fn rank(&self, plan: &str) -> Option<usize> {
        self.ordered.iter().position(|tier| tier == plan)
    }

    /// Whether `held` is `required` or above. Fails closed: no plan, an unknown held plan, or
    /// an unknown required plan all answer `false`.
    pub fn at_least(&self, held: Option<&str>, required: &str) -> bool {
        match (held.and_then(|plan| self.rank(plan)), self.rank(required)) {
            (Some(held), Some(required)) => held >= required,
            _ => false,
        }
    }

    /// The tiers, lowest first.
    pub fn tiers(&self) -> impl Iterator<Item = &str> {
        self.ordered.iter().map(String::as_str)
    }
}
