//! Logout, logout everywhere, and the user's session list.

use super::service::{EventExt as _, event};
use super::{AuthError, AuthService};
use crate::store::{AuditKind, RevokeReason, Session, SessionId, UserId, UserUpdate};

impl AuthService {
    /// Ends session `session_id` (the `sid` of the caller's access token): its refresh
    /// tokens stop working at once, and its access tokens wherever the session is checked.
    /// Logging out of an already ended session succeeds and changes nothing. Audited as
    /// `logout`.
    ///
    /// # Errors
    /// [`AuthError::SessionNotFound`] when there is no such session.
    #[tracing::instrument(skip_all, fields(session_id = %session_id))]
    pub async fn logout(&self, session_id: SessionId) -> Result<(), AuthError> {
        let sessions = &self.inner.stores.sessions;
        let now = self.now();
        let session = sessions
            .session(session_id)
            .await?
            .ok_or(AuthError::SessionNotFound)?;
        if sessions
            .revoke_session(session_id, RevokeReason::Logout, now)
            .await?
        {
            self.inner.revocation.forget_session(session_id);
            self.audit(
                event(AuditKind::Logout, now, true)
                    .user(session.user_id)
                    .session(session_id),
            )
            .await?;
            tracing::info!(user_id = %session.user_id, "logged out");
        }
        Ok(())
    }

    /// Logs the user out everywhere: moves the user-wide cut-off `tokens_valid_after` forward
    /// to now (access tokens issued before it are refused wherever it is checked; a
    /// column-scoped write that changes nothing else) and revokes every session. Returns how
    /// many sessions were ended. Audited as `logout_all`.
    ///
    /// # Errors
    /// [`AuthError::UserNotFound`].
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn logout_all(&self, user_id: UserId) -> Result<u64, AuthError> {
        let stores = &self.inner.stores;
        let now = self.now();
        self.update_account(user_id, &UserUpdate::new(now).cut_off_tokens(now))
            .await?;
        let ended = stores
            .sessions
            .revoke_user_sessions(user_id, None, RevokeReason::LogoutAll, now)
            .await?;
        self.inner.revocation.forget_user(user_id);
        self.audit(
            event(AuditKind::LogoutAll, now, true)
                .user(user_id)
                .detail(format!("sessions_ended={ended}")),
        )
        .await?;
        tracing::info!(sessions_ended = ended, "logged out everywhere");
        Ok(ended)
    }

    /// The user's active sessions (devices), most recently used first.
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn list_sessions(&self, user_id: UserId) -> Result<Vec<Session>, AuthError> {
        Ok(self
            .inner
            .stores
            .sessions
            .active_sessions(user_id, self.now())
            .await?)
    }

    /// Ends one of the user's sessions from their session list. Audited as
    /// `session_ended`.
    ///
    /// # Errors
    /// [`AuthError::SessionNotFound`] when the session does not exist, has already ended,
    /// or belongs to another user — indistinguishably, and without touching it.
    #[tracing::instrument(skip_all, fields(user_id = %user_id, session_id = %session_id))]
    pub async fn end_session(
        &self,
        user_id: UserId,
        session_id: SessionId,
    ) -> Result<(), AuthError> {
        let sessions = &self.inner.stores.sessions;
        let now = self.now();
        match sessions.session(session_id).await? {
            Some(session) if session.user_id == user_id && session.is_active(now) => {}
            _ => return Err(AuthError::SessionNotFound),
        }
        if !sessions
            .revoke_session(session_id, RevokeReason::EndedByUser, now)
            .await?
        {
            return Err(AuthError::SessionNotFound);
        }
        self.inner.revocation.forget_session(session_id);
        self.audit(
            event(AuditKind::SessionEnded, now, true)
                .user(user_id)
                .session(session_id)
                .detail(RevokeReason::EndedByUser.as_str()),
        )
        .await?;
        tracing::info!("session ended by user");
        Ok(())
    }
}
