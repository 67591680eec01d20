//! Accounts ([`User`]) and the normalized forms their email and username are unique by.

use std::time::SystemTime;

use super::UserId;

/// Lower-cases and trims an email address so that lookups and uniqueness do not depend on how
/// the user typed it. (Local parts are case-sensitive in theory and case-insensitive in every
/// mail system users meet; treating them as one avoids duplicate accounts.)
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The form in which usernames are unique and looked up: lower-cased, nothing else.
///
/// This is the one place that decides what "the same username" means. Stores keep this key
/// beside the username as typed and compare keys **exactly** — byte for byte, with no case
/// or accent folding of their own — so that `Zoë` and `ZOË` are one name, while `zoe` and
/// `zoë` are two, on every backend alike. (A database collation that folds accents would
/// otherwise let `zoe` sign in as `zoë`.)
pub fn username_key(username: &str) -> String {
    username.to_lowercase()
}

/// An account.
///
/// With the feature `serde` it serializes **every** field, `password_hash` included: that is
/// what a store keeping documents needs, and why a `User` must never be a response body —
/// answer with the fields the client may see.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its id.
    pub id: UserId,
    /// Email, normalized with [`normalize_email`]; unique, compared exactly (no case or accent
    /// folding by the store).
    pub email: String,
    /// Whether the user proved they own the email (verification link, or a provider's own
    /// verified signal).
    pub email_verified: bool,
    /// Optional login name; unique when set, by its [`username_key`] (letter case ignored,
    /// accents not).
    pub username: Option<String>,
    /// Name to show.
    pub display_name: Option<String>,
    /// Avatar URL.
    pub avatar_url: Option<String>,
    /// Preferred locale (BCP 47), e.g. `ko-KR`.
    pub locale: Option<String>,
    /// PHC string of the password, or `None` for accounts that sign in only with a provider.
    pub password_hash: Option<String>,
    /// `false` when the account is disabled: no login, and live tokens are refused.
    pub active: bool,
    /// Roles, carried into access tokens.
    pub roles: Vec<String>,
    /// Fine-grained permissions, carried into access tokens.
    pub permissions: Vec<String>,
    /// Subscription tier, if the host uses tiers.
    pub plan: Option<String>,
    /// Tenant, if the host is multi-tenant.
    pub tenant_id: Option<String>,
    /// When the account was created.
    pub created_at: SystemTime,
    /// When the record last changed.
    pub updated_at: SystemTime,
    /// Last successful login.
    pub last_login_at: Option<SystemTime>,
    /// Access tokens issued before this instant are refused (log out everywhere, password
    /// change or reset, account disabled).
    pub tokens_valid_after: Option<SystemTime>,
}

impl User {
    /// A new active account with `email` (normalized here) and no password, roles or profile.
    pub fn new(id: UserId, email: &str, now: SystemTime) -> Self {
        Self {
            id,
            email: normalize_email(email),
            email_verified: false,
            username: None,
            display_name: None,
            avatar_url: None,
            locale: None,
            password_hash: None,
            active: true,
            roles: Vec::new(),
            permissions: Vec::new(),
            plan: None,
            tenant_id: None,
            created_at: now,
            updated_at: now,
            last_login_at: None,
            tokens_valid_after: None,
        }
    }
}
