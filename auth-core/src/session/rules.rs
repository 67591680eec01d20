//! The lifetimes every session kind is given, and the one error of the session rules.

use std::time::{Duration, SystemTime};

use crate::store::StoreError;

/// How long sessions and their refresh tokens live, and how long a rotated token is
/// tolerated (both the flows' and the authorization server's configurations have these).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SessionRules {
    /// Absolute lifetime of a session and of each refresh token.
    pub(crate) lifetime: Duration,
    /// Idle timeout: each rotation moves the idle expiry to `now + idle_timeout`.
    pub(crate) idle_timeout: Duration,
    /// How long after its rotation a token presented again is taken for a lost response
    /// rather than a replay.
    pub(crate) reuse_grace: Duration,
}

impl SessionRules {
    /// The rules from a configuration's three settings.
    pub(crate) const fn new(
        lifetime: Duration,
        idle_timeout: Duration,
        reuse_grace: Duration,
    ) -> Self {
        Self {
            lifetime,
            idle_timeout,
            reuse_grace,
        }
    }

    /// `now + by`, or `now` if that is not representable (an absurd lifetime expires at once
    /// rather than never).
    pub(crate) fn later(now: SystemTime, by: Duration) -> SystemTime {
        now.checked_add(by).unwrap_or(now)
    }
}

/// Why a session rule could not run: infrastructure, never a refused credential.
#[derive(Debug)]
pub(crate) enum SessionError {
    /// A store failed.
    Store(StoreError),
    /// The random number generator failed.
    Random,
}

impl From<StoreError> for SessionError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

impl From<SessionError> for crate::flows::AuthError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::Store(error) => Self::Store(error),
            SessionError::Random => Self::Random,
        }
    }
}

impl From<SessionError> for crate::oauth_server::OAuthError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::Store(error) => Self::Store(error),
            SessionError::Random => Self::Random,
        }
    }
}
