//! The records the stores keep. Plain data: the flows decide what they mean.
//!
//! The structs are deliberately not `#[non_exhaustive]`: storage backends in other crates
//! build them field by field from rows.

use std::fmt;
use std::time::SystemTime;

use uuid::Uuid;

use crate::opaque::TokenHash;

/// A user's id: a random (v4) UUID.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct UserId(pub Uuid);

/// A session's id (`sid`): a random (v4) UUID.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct SessionId(pub Uuid);

macro_rules! uuid_id {
    ($name:ident) => {
        impl $name {
            /// A fresh random id from the operating system's CSPRNG.
            pub fn generate() -> Result<Self, crate::store::StoreError> {
                let mut bytes = [0u8; 16];
                getrandom::getrandom(&mut bytes)
                    .map_err(|error| crate::store::StoreError::backend(error))?;
                Ok(Self(uuid::Builder::from_random_bytes(bytes).into_uuid()))
            }

            /// Parses the hyphenated text form.
            pub fn parse(text: &str) -> Option<Self> {
                Uuid::try_parse(text).ok().map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }
    };
}

uuid_id!(UserId);
uuid_id!(SessionId);

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

/// Why a session ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RevokeReason {
    /// The user logged out of this session.
    Logout,
    /// The user logged out everywhere.
    LogoutAll,
    /// The user ended this session from their session list.
    EndedByUser,
    /// A refresh token of the session was presented again after rotation (theft suspected).
    RefreshTokenReuse,
    /// The password was changed or reset.
    PasswordChanged,
    /// The account was disabled.
    AccountDisabled,
    /// An administrator ended it.
    Administrative,
    /// The authorization code that started this OAuth session was presented again (RFC 6749
    /// §4.1.2: the tokens it issued are revoked).
    AuthorizationCodeReplay,
    /// The OAuth client revoked its refresh token (RFC 7009).
    TokenRevoked,
    /// The owner of the account's email proved it (verification link) and provider
    /// identities linked before, which nothing tied to that owner, were unlinked: whoever
    /// held the account until then is signed out too.
    EmailOwnershipProved,
}

impl RevokeReason {
    /// A stable lowercase name, for storage and audit details.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::LogoutAll => "logout_all",
            Self::EndedByUser => "ended_by_user",
            Self::RefreshTokenReuse => "refresh_token_reuse",
            Self::PasswordChanged => "password_changed",
            Self::AccountDisabled => "account_disabled",
            Self::Administrative => "administrative",
            Self::AuthorizationCodeReplay => "authorization_code_replay",
            Self::TokenRevoked => "token_revoked",
            Self::EmailOwnershipProved => "email_ownership_proved",
        }
    }

    /// The reason named by [`RevokeReason::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::Logout,
            Self::LogoutAll,
            Self::EndedByUser,
            Self::RefreshTokenReuse,
            Self::PasswordChanged,
            Self::AccountDisabled,
            Self::Administrative,
            Self::AuthorizationCodeReplay,
            Self::TokenRevoked,
            Self::EmailOwnershipProved,
        ]
        .into_iter()
        .find(|reason| reason.as_str() == name)
    }
}

/// What a session is for. Its refresh tokens (and, for the authorization server's sign-in,
/// its cookie) are accepted only by the consumer of that kind: a credential presented to a
/// consumer of another kind is treated exactly like an unknown one.
///
/// | kind | started by | its refresh token is accepted by |
/// |---|---|---|
/// | [`FirstParty`](Self::FirstParty) | the host's own login, signup, social login | `AuthService::refresh` (`/auth/refresh`) |
/// | [`AuthorizationServerSignIn`](Self::AuthorizationServerSignIn) | the authorization server's login form | its sign-in cookie check only |
/// | [`OAuthGrant`](Self::OAuthGrant) | a code exchange at the token endpoint | the `refresh_token` grant, revocation and introspection — of the same client only |
///
/// Access tokens name their kind too: a token with a `client_id` claim belongs to an
/// OAuth grant, one without to a first-party session; the revocation check refuses a token
/// whose `sid` names a session of the other kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SessionKind {
    /// A first-party login: the host's web or mobile app signed in through the auth
    /// endpoints (password, signup, social login).
    FirstParty,
    /// The authorization server's browser sign-in: the session behind its sign-in cookie,
    /// which lets a user authorize OAuth clients without typing the password each time.
    AuthorizationServerSignIn,
    /// An OAuth grant: the tokens one client obtained on a user's behalf. The client and the
    /// granted scope are bound in the grant record ([`OAuthGrant`](super::OAuthGrant)).
    OAuthGrant,
}

impl SessionKind {
    /// A stable lowercase name, for storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::FirstParty => "first_party",
            Self::AuthorizationServerSignIn => "authorization_server_sign_in",
            Self::OAuthGrant => "oauth_grant",
        }
    }

    /// The kind named by [`SessionKind::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::FirstParty,
            Self::AuthorizationServerSignIn,
            Self::OAuthGrant,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == name)
    }
}

/// One login on one device; the family of its refresh tokens.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Its id, the `sid` claim.
    pub id: SessionId,
    /// What it is for; fixed for its whole life.
    pub kind: SessionKind,
    /// The signed-in user.
    pub user_id: UserId,
    /// Login time.
    pub created_at: SystemTime,
    /// Last refresh.
    pub last_used_at: SystemTime,
    /// Absolute end: no refresh after this, whatever the activity.
    pub expires_at: SystemTime,
    /// Idle end: no refresh after this; each refresh moves it forward.
    pub idle_expires_at: SystemTime,
    /// Client IP at login.
    pub ip: Option<String>,
    /// User agent at login.
    pub user_agent: Option<String>,
    /// A name the user or client gave the device.
    pub device_name: Option<String>,
    /// When the session was revoked, if it was.
    pub revoked_at: Option<SystemTime>,
    /// Why it was revoked.
    pub revoke_reason: Option<RevokeReason>,
}

impl Session {
    /// Whether the session can still be refreshed at `now`: not revoked, not past its absolute
    /// or idle expiry.
    pub fn is_active(&self, now: SystemTime) -> bool {
        self.revoked_at.is_none() && now < self.expires_at && now < self.idle_expires_at
    }
}

/// A refresh token, kept only as its hash, bound to a session.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshTokenRecord {
    /// SHA-256 of the token; unique.
    pub hash: TokenHash,
    /// The session (family) it belongs to.
    pub session_id: SessionId,
    /// When it was issued.
    pub issued_at: SystemTime,
    /// When it was exchanged for its successor; `None` while it is the current one.
    pub rotated_at: Option<SystemTime>,
    /// When it stops being accepted.
    pub expires_at: SystemTime,
}

impl RefreshTokenRecord {
    /// The current (not yet rotated) token of `session_id`.
    pub fn new(
        hash: TokenHash,
        session_id: SessionId,
        issued_at: SystemTime,
        expires_at: SystemTime,
    ) -> Self {
        Self {
            hash,
            session_id,
            issued_at,
            rotated_at: None,
            expires_at,
        }
    }
}

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

/// One access token revoked by its `jti` (RFC 7009 on an access token), kept until the token
/// would have expired anyway.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedAccessToken {
    /// The token's `jti`.
    pub jti: String,
    /// The token's `exp`; the entry can be purged after it.
    pub expires_at: SystemTime,
}

impl RevokedAccessToken {
    /// A revocation of `jti` kept until `expires_at`.
    pub fn new(jti: impl Into<String>, expires_at: SystemTime) -> Self {
        Self {
            jti: jti.into(),
            expires_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_revoke_reason_parses_back_from_its_name() {
        let reasons = [
            RevokeReason::Logout,
            RevokeReason::LogoutAll,
            RevokeReason::EndedByUser,
            RevokeReason::RefreshTokenReuse,
            RevokeReason::PasswordChanged,
            RevokeReason::AccountDisabled,
            RevokeReason::Administrative,
            RevokeReason::AuthorizationCodeReplay,
            RevokeReason::TokenRevoked,
            RevokeReason::EmailOwnershipProved,
        ];
        for reason in reasons {
            assert_eq!(RevokeReason::parse(reason.as_str()), Some(reason));
        }
    }

    #[test]
    fn every_session_kind_parses_back_from_its_name() {
        for kind in [
            SessionKind::FirstParty,
            SessionKind::AuthorizationServerSignIn,
            SessionKind::OAuthGrant,
        ] {
            assert_eq!(SessionKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(SessionKind::parse("First_Party"), None);
    }

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
        ];
        for kind in kinds {
            assert_eq!(AuditKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(AuditKind::parse("no_such_kind"), None);
    }
}
