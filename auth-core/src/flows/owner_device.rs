//! A password login from a device that already holds a live session of the account: it is
//! not counted on the account-wide ceiling ([`AuthConfig::account_ceiling`]).
//!
//! [`AuthConfig::account_ceiling`]: super::AuthConfig::account_ceiling

use std::time::SystemTime;

use super::{AuthError, AuthService, ClientInfo, TokenPair};
use crate::opaque::OpaqueToken;
use crate::password::Password;
use crate::store::{SessionKind, User};

impl AuthService {
    /// [`login`](Self::login) from a device that presents `device_refresh_token`: the
    /// current refresh token of one of its live first-party sessions (auth-tower reads it
    /// from the refresh cookie, or from `refresh_token` in a bearer-mode login body).
    ///
    /// When that token is the **current** (not rotated), unexpired refresh token of an
    /// active first-party session **of the account being signed in to**, the attempt is not
    /// counted on — nor refused by — the account-wide
    /// [`account_ceiling`](super::AuthConfig::account_ceiling): strangers who exhaust the
    /// ceiling from many networks do not lock the owner's signed-in device out. The
    /// per-network account limit and the IP limit apply as always. Any other token (unknown,
    /// rotated, expired, revoked, another account's, a third-party client's) is ignored and
    /// the login is an ordinary one — so the token's validity is never revealed by a
    /// different answer. The token is only looked up, never rotated.
    ///
    /// # Errors
    /// As [`login`](Self::login).
    #[tracing::instrument(skip_all, fields(user_id = tracing::field::Empty, session_id = tracing::field::Empty))]
    pub async fn login_on_device(
        &self,
        identifier: &str,
        password: Password,
        client: &ClientInfo,
        device_refresh_token: &str,
    ) -> Result<TokenPair, AuthError> {
        self.login_checked(identifier, password, client, Some(device_refresh_token))
            .await
    }

    /// Whether `presented` is the current refresh token of a live first-party session of
    /// `user` at `now`.
    pub(super) async fn is_owner_device(
        &self,
        user: &User,
        presented: &str,
        now: SystemTime,
    ) -> Result<bool, AuthError> {
        let Ok(token) = OpaqueToken::parse(presented) else {
            return Ok(false);
        };
        let sessions = &self.inner.stores.sessions;
        let Some(record) = sessions
            .refresh_token(&token.hash(), SessionKind::FirstParty)
            .await?
        else {
            return Ok(false);
        };
        if record.rotated_at.is_some() || now >= record.expires_at {
            return Ok(false);
        }
        let owner = match sessions.session(record.session_id).await? {
            Some(session) => session.user_id == user.id && session.is_active(now),
            None => false,
        };
        if owner {
            tracing::debug!("login from a device with a live session; ceiling not counted");
        }
        Ok(owner)
    }
}
