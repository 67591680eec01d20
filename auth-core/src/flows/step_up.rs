//! Step-up: a signed-in user authenticates again, so that guards asking for a recent or a
//! multi-factor sign-in (RFC 9470) let their next access token through.

use std::time::SystemTime;

use super::service::{EventExt as _, event};
use super::{AuthError, AuthService};
use crate::password::Password;
use crate::store::{AuditKind, Session, SessionId, User, UserId};
use crate::token::{AuthMethod, IssuedAccessToken};

impl AuthService {
    /// Re-authenticates the user of `current_session` with their password: the session's
    /// `auth_time` becomes now (its `amr` keeps what it had and gains `pwd`), and the answer
    /// is a new access token carrying them — what a client fetches after a 401
    /// `insufficient_user_authentication` with `max_age` (see auth-tower's
    /// `Guard::authenticated_within`). The refresh token is unchanged: the session's later
    /// refreshes carry the new `auth_time` too.
    ///
    /// Throttled and audited like a password change (a wrong password counts as a failed
    /// login of the account); audited as `reauthenticated` with `pwd`.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use auth_core::flows::{AuthService, RecordingMailer, Stores};
    /// # use auth_core::password::{Password, PasswordHasher};
    /// # use auth_core::token::{Algorithm, KeySet, SigningKey};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[7; 32])?);
    /// # let auth = AuthService::builder(keys, Stores::in_memory())
    /// #     .issuer("https://auth.example.com", "https://api.example.com")
    /// #     .mailer(Arc::new(RecordingMailer::default()))
    /// #     .hasher(PasswordHasher::insecure_fast_for_tests())
    /// #     .build()?;
    /// # let client = Default::default();
    /// let (user, pair) = auth.signup("kim@example.com", Password::from("mauve-tulip-orbit-42"), &client).await?;
    /// // … later, a guard asks for a sign-in within the last 5 minutes:
    /// let fresh = auth
    ///     .reauthenticate(user.id, pair.session_id, Password::from("mauve-tulip-orbit-42"))
    ///     .await?;
    /// let claims = auth.access_token_verifier().verify(fresh.token.secret())?;
    /// assert!(claims.has_amr("pwd") && claims.auth_time.is_some());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// [`AuthError::InvalidCredentials`] for a wrong password or an account without one,
    /// [`AuthError::Throttled`], [`AuthError::SessionNotFound`] when `current_session` is not
    /// an active session of the user, [`AuthError::UserNotFound`],
    /// [`AuthError::AccountDisabled`].
    #[tracing::instrument(skip_all, fields(user_id = %user_id, session_id = %current_session))]
    pub async fn reauthenticate(
        &self,
        user_id: UserId,
        current_session: SessionId,
        password: Password,
    ) -> Result<IssuedAccessToken, AuthError> {
        let now = self.now();
        let (user, session) = self
            .check_current_password(
                user_id,
                current_session,
                password,
                AuditKind::Reauthenticated,
                now,
            )
            .await?;
        self.record_step_up(&user, session, AuthMethod::Pwd.as_str(), now)
            .await
    }

    /// Records that the user of `session` just authenticated with `method` (an RFC 8176
    /// name), audits it, and issues the access token that carries it.
    pub(super) async fn record_step_up(
        &self,
        user: &User,
        mut session: Session,
        method: &str,
        now: SystemTime,
    ) -> Result<IssuedAccessToken, AuthError> {
        // The session's methods and this one; the acr follows from them.
        let assurance = self.assurance(now, session.amr.iter().map(String::as_str).chain([method]));
        let recorded = self
            .inner
            .stores
            .sessions
            .record_authentication(session.id, &assurance, now)
            .await?;
        if !recorded {
            // Revoked or expired since it was read: a step-up never revives a session.
            return Err(AuthError::SessionNotFound);
        }
        self.audit(
            event(AuditKind::Reauthenticated, now, true)
                .user(user.id)
                .session(session.id)
                .detail(method),
        )
        .await?;
        session.auth_time = assurance.auth_time;
        session.amr = assurance.amr;
        session.acr = assurance.acr;
        tracing::info!(method, "re-authenticated");
        self.access_token(user, &session)
    }
}
