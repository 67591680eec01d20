//! Single-use, short-lived tokens (reset link, verification link, login code) and their
//! purposes.

use std::time::SystemTime;

use super::UserId;
use crate::opaque::TokenHash;

/// What a one-time token is for. A token for one purpose never serves another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OneTimePurpose {
    /// Resetting a forgotten password.
    PasswordReset,
    /// Proving ownership of the account's email.
    EmailVerification,
    /// Exchanging a social-login result for tokens without putting them in a URL.
    LoginCode,
}

impl OneTimePurpose {
    /// A stable lowercase name, for storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PasswordReset => "password_reset",
            Self::EmailVerification => "email_verification",
            Self::LoginCode => "login_code",
        }
    }

    /// The purpose named by [`OneTimePurpose::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::PasswordReset,
            Self::EmailVerification,
            Self::LoginCode,
        ]
        .into_iter()
        .find(|purpose| purpose.as_str() == name)
    }
}

/// A single-use, short-lived token (reset link, verification link, login code), kept as a hash.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimeToken {
    /// What it is for.
    pub purpose: OneTimePurpose,
    /// SHA-256 of the token; unique.
    pub hash: TokenHash,
    /// The user it acts for.
    pub user_id: UserId,
    /// When it was issued.
    pub created_at: SystemTime,
    /// When it stops being accepted.
    pub expires_at: SystemTime,
    /// When it was used; a used token is never accepted again.
    pub used_at: Option<SystemTime>,
}

impl OneTimeToken {
    /// A fresh, unused token.
    pub fn new(
        purpose: OneTimePurpose,
        hash: TokenHash,
        user_id: UserId,
        created_at: SystemTime,
        expires_at: SystemTime,
    ) -> Self {
        Self {
            purpose,
            hash,
            user_id,
            created_at,
            expires_at,
            used_at: None,
        }
    }
}
