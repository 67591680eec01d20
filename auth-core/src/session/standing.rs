//! "May this user still use this session?" — asked at every refresh, every use of the
//! authorization server's sign-in cookie, and every code exchange.

use std::time::SystemTime;

use crate::store::{RevokeReason, Session, User};

/// Why a user may no longer use a session (or act on a sign-in made at some instant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The session was revoked or is past its absolute or idle expiry.
    SessionEnded,
    /// The account no longer exists.
    UserGone,
    /// The account is disabled.
    AccountDisabled,
    /// A user-wide cut-off (log out everywhere, password reset, disable) came after the
    /// sign-in.
    CutOff,
}

impl Refusal {
    /// A short machine-readable audit detail.
    pub(crate) const fn detail(self) -> &'static str {
        match self {
            Self::SessionEnded => "session_ended",
            Self::UserGone => "user_gone",
            Self::AccountDisabled => "account_disabled",
            Self::CutOff => "tokens_cut_off",
        }
    }

    /// The reason to revoke the session with, if it is still live.
    pub(crate) const fn revoke_reason(self) -> RevokeReason {
        match self {
            Self::SessionEnded | Self::UserGone => RevokeReason::Administrative,
            Self::AccountDisabled => RevokeReason::AccountDisabled,
            Self::CutOff => RevokeReason::LogoutAll,
        }
    }
}

/// Whether `user` (as loaded now; `None` when gone) may still act on a sign-in made at
/// `signed_in_at`: the account exists, is active, and its cut-off is not later than the
/// sign-in.
pub(crate) fn user_standing(user: Option<&User>, signed_in_at: SystemTime) -> Result<(), Refusal> {
    match user {
        None => Err(Refusal::UserGone),
        Some(user) if !user.active => Err(Refusal::AccountDisabled),
        Some(user)
            if user
                .tokens_valid_after
                .is_some_and(|cut_off| cut_off > signed_in_at) =>
        {
            Err(Refusal::CutOff)
        }
        Some(_) => Ok(()),
    }
}

/// Whether `user` may still use `session` at `now`: the session is live and
/// [`user_standing`] holds for its sign-in time.
pub(crate) fn standing(
    user: Option<&User>,
    session: &Session,
    now: SystemTime,
) -> Result<(), Refusal> {
    if !session.is_active(now) {
        return Err(Refusal::SessionEnded);
    }
    user_standing(user, session.created_at)
}
