//! Accounts at external providers linked to a user (social login).

use std::time::SystemTime;

use super::UserId;

/// An account at an external provider linked to a user (social login).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderIdentity {
    /// Provider name, e.g. `google`, `kakao`.
    pub provider: String,
    /// The provider's stable id for the account (`sub`). `(provider, subject)` is unique.
    pub subject: String,
    /// The linked user.
    pub user_id: UserId,
    /// Email the provider reported, if any.
    pub email: Option<String>,
    /// Whether the provider itself asserted that email as verified.
    pub email_verified: bool,
    /// When the link was made.
    pub linked_at: SystemTime,
}

impl ProviderIdentity {
    /// A link of `(provider, subject)` to `user_id`, made at `linked_at`.
    pub fn new(
        provider: impl Into<String>,
        subject: impl Into<String>,
        user_id: UserId,
        linked_at: SystemTime,
    ) -> Self {
        Self {
            provider: provider.into(),
            subject: subject.into(),
            user_id,
            email: None,
            email_verified: false,
            linked_at,
        }
    }
}
