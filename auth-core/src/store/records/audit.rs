//! The audit trail (login history): what happened ([`AuditKind`]) and one entry of it.

use std::time::SystemTime;

use super::{SessionId, UserId};

/// What happened, for the audit trail (login history).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuditKind {
    /// Account created.
    Signup,
    /// Password login attempt (see `success`).
    Login,
    /// Social login.
    SocialLogin,
    /// Login refused by throttling.
    LoginThrottled,
    /// Refresh token rotated.
    Refresh,
    /// A rotated refresh token was presented again; its session was revoked.
    RefreshTokenReuse,
    /// Logout of one session.
    Logout,
    /// Logout of every session.
    LogoutAll,
    /// A session ended from the session list.
    SessionEnded,
    /// Password changed.
    PasswordChanged,
    /// Password reset requested.
    PasswordResetRequested,
    /// Password reset completed.
    PasswordReset,
    /// Email verified.
    EmailVerified,
    /// Provider identity linked.
    IdentityLinked,
    /// Provider identity unlinked.
    IdentityUnlinked,
    /// The OAuth authorization server issued an authorization code (the user authorized a
    /// client).
    OAuthCodeIssued,
    /// An authorization code was exchanged for tokens.
    OAuthCodeExchanged,
    /// An authorization code was presented again; what it issued was revoked.
    OAuthCodeReplay,
    /// A user consented to a client's scopes.
    OAuthConsentGranted,
    /// An OAuth client revoked a token (RFC 7009).
    OAuthTokenRevoked,
    /// A signup failed after its account was inserted, and the account was deleted again
    /// (see `UserStore::delete_user`); `detail` is the failure's error code. Follows the
    /// `signup` record the failed attempt may have left.
    SignupUndone,
    /// A user's roles were replaced ([`AuthService::set_roles`](crate::flows::AuthService::set_roles)).
    RolesChanged,
    /// A user's permissions were replaced
    /// ([`AuthService::set_permissions`](crate::flows::AuthService::set_permissions)).
    PermissionsChanged,
    /// A signed-in user authenticated again (step-up): `detail` names the method (`pwd`,
    /// `otp`, `passkey`).
    Reauthenticated,
    /// A second factor was checked to complete a login: `detail` names the method, or why
    /// it failed.
    SecondFactor,
    /// TOTP was enrolled, confirmed or removed (`detail` says which).
    TotpChanged,
    /// Recovery codes were generated (shown once) or one was used up.
    RecoveryCodesChanged,
    /// A passkey was registered, renamed or removed (`detail` says which).
    PasskeyChanged,
}

impl AuditKind {
    /// A stable lowercase name, for storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Signup => "signup",
            Self::Login => "login",
            Self::SocialLogin => "social_login",
            Self::LoginThrottled => "login_throttled",
            Self::Refresh => "refresh",
            Self::RefreshTokenReuse => "refresh_token_reuse",
            Self::Logout => "logout",
            Self::LogoutAll => "logout_all",
            Self::SessionEnded => "session_ended",
            Self::PasswordChanged => "password_changed",
            Self::PasswordResetRequested => "password_reset_requested",
            Self::PasswordReset => "password_reset",
            Self::EmailVerified => "email_verified",
            Self::IdentityLinked => "identity_linked",
            Self::IdentityUnlinked => "identity_unlinked",
            Self::OAuthCodeIssued => "oauth_code_issued",
            Self::OAuthCodeExchanged => "oauth_code_exchanged",
            Self::OAuthCodeReplay => "oauth_code_replay",
            Self::OAuthConsentGranted => "oauth_consent_granted",
            Self::OAuthTokenRevoked => "oauth_token_revoked",
            Self::SignupUndone => "signup_undone",
            Self::RolesChanged => "roles_changed",
            Self::PermissionsChanged => "permissions_changed",
            Self::Reauthenticated => "reauthenticated",
            Self::SecondFactor => "second_factor",
            Self::TotpChanged => "totp_changed",
            Self::RecoveryCodesChanged => "recovery_codes_changed",
            Self::PasskeyChanged => "passkey_changed",
        }
    }

    /// The kind named `name` (the inverse of [`AuditKind::as_str`]), for stores that keep the
    /// name.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::Signup,
            Self::Login,
            Self::SocialLogin,
            Self::LoginThrottled,
            Self::Refresh,
            Self::RefreshTokenReuse,
            Self::Logout,
            Self::LogoutAll,
            Self::SessionEnded,
            Self::PasswordChanged,
            Self::PasswordResetRequested,
            Self::PasswordReset,
            Self::EmailVerified,
            Self::IdentityLinked,
            Self::IdentityUnlinked,
            Self::OAuthCodeIssued,
            Self::OAuthCodeExchanged,
            Self::OAuthCodeReplay,
            Self::OAuthConsentGranted,
            Self::OAuthTokenRevoked,
            Self::SignupUndone,
            Self::RolesChanged,
            Self::PermissionsChanged,
            Self::Reauthenticated,
            Self::SecondFactor,
            Self::TotpChanged,
            Self::RecoveryCodesChanged,
            Self::PasskeyChanged,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == name)
    }
}

/// One entry of the audit trail. Never holds a secret (no passwords, tokens or hashes).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// What happened.
    pub kind: AuditKind,
    /// Who it concerned, when known (an unknown email at login has no user).
    pub user_id: Option<UserId>,
    /// The session concerned, when there is one.
    pub session_id: Option<SessionId>,
    /// Client IP.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// When it happened.
    pub at: SystemTime,
    /// Whether the attempt succeeded.
    pub success: bool,
    /// A short machine-readable detail (`"wrong_password"`, `"throttled"`, a revoke reason).
    pub detail: Option<String>,
}

impl AuditEvent {
    /// An event of `kind` at `at`, with nothing else filled in.
    pub fn new(kind: AuditKind, at: SystemTime, success: bool) -> Self {
        Self {
            kind,
            user_id: None,
            session_id: None,
            ip: None,
            user_agent: None,
            at,
            success,
            detail: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_audit_kind_parses_back_from_its_name() {
        // Stores keep the name; a kind missing from `parse` would make its rows unreadable.
        let kinds = [
            AuditKind::Signup,
            AuditKind::Login,
            AuditKind::SocialLogin,
            AuditKind::LoginThrottled,
            AuditKind::Refresh,
            AuditKind::RefreshTokenReuse,
            AuditKind::Logout,
            AuditKind::LogoutAll,
            AuditKind::SessionEnded,
            AuditKind::PasswordChanged,
            AuditKind::PasswordResetRequested,
            AuditKind::PasswordReset,
            AuditKind::EmailVerified,
            AuditKind::IdentityLinked,
            AuditKind::IdentityUnlinked,
            AuditKind::OAuthCodeIssued,
            AuditKind::OAuthCodeExchanged,
            AuditKind::OAuthCodeReplay,
            AuditKind::OAuthConsentGranted,
            AuditKind::OAuthTokenRevoked,
            AuditKind::SignupUndone,
            AuditKind::RolesChanged,
            AuditKind::PermissionsChanged,
            AuditKind::Reauthenticated,
            AuditKind::SecondFactor,
            AuditKind::TotpChanged,
            AuditKind::RecoveryCodesChanged,
            AuditKind::PasskeyChanged,
        ];
        for kind in kinds {
            assert_eq!(AuditKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(AuditKind::parse("no_such_kind"), None);
    }
}
