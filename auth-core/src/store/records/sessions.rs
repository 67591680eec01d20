//! Sessions: what each is for ([`SessionKind`]), the session itself, why one ended early
//! ([`RevokeReason`]), and its refresh tokens.

use std::time::SystemTime;

use super::{SessionId, UserId};
use crate::opaque::TokenHash;

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
    /// granted scope are bound in the grant record ([`OAuthGrant`](crate::store::OAuthGrant)).
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

/// How and when a user authenticated: what a session records at login and re-authentication,
/// and what its access tokens carry as `auth_time`, `amr` and `acr`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Assurance {
    /// When.
    pub auth_time: SystemTime,
    /// How, as RFC 8176 names (see [`AuthMethod::amr`](crate::token::AuthMethod::amr)).
    pub amr: Vec<String>,
    /// The context class satisfied, if the host defines levels.
    pub acr: Option<String>,
}

impl Assurance {
    /// A sign-in at `auth_time` with `methods` (normalized by
    /// [`AuthMethod::amr`](crate::token::AuthMethod::amr)), no `acr`.
    pub fn new<I, S>(auth_time: SystemTime, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self {
            auth_time,
            amr: crate::token::AuthMethod::amr(methods),
            acr: None,
        }
    }

    /// With `acr`.
    pub fn acr(mut self, acr: impl Into<String>) -> Self {
        self.acr = Some(acr.into());
        self
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
    /// When the user last actively authenticated in this session: the login, or a later
    /// re-authentication or second factor. Access tokens carry it as `auth_time`; a refresh
    /// keeps it.
    pub auth_time: SystemTime,
    /// How they authenticated, as RFC 8176 names (`pwd`, `otp`, `mfa`, …) — see
    /// [`AuthMethod`](crate::token::AuthMethod). Carried as `amr`; empty for a social login.
    #[cfg_attr(feature = "serde", serde(default))]
    pub amr: Vec<String>,
    /// The authentication context class the sign-in satisfied, if the host defines levels.
    #[cfg_attr(feature = "serde", serde(default))]
    pub acr: Option<String>,
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
    /// How and when the user authenticated in this session.
    pub fn assurance(&self) -> Assurance {
        Assurance {
            auth_time: self.auth_time,
            amr: self.amr.clone(),
            acr: self.acr.clone(),
        }
    }

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
}
