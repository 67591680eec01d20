//! Step-up: a signed-in user authenticates again, so that guards asking for a recent or a
//! multi-factor sign-in (RFC 9470) let their next access token through.

use std::time::SystemTime;

use super::service::{EventExt as _, event, password_gates, second_factor_throttle_key};
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
        self.record_step_up(&user, session, &[AuthMethod::Pwd.as_str()], now)
            .await
    }

    /// Re-authenticates the user of `current_session` with a code from their authenticator
    /// app (TOTP), as [`reauthenticate`](Self::reauthenticate) does with a password: for
    /// accounts with TOTP, and the way a passkey-only account with TOTP steps up. The code is
    /// spent (a replay is refused); a wrong one counts on the account's second-factor
    /// throttle. The session's `amr` gains `otp` (and `mfa`).
    ///
    /// # Errors
    /// [`AuthError::InvalidCredentials`] for a wrong, replayed or malformed code or an account
    /// without TOTP, [`AuthError::Throttled`], [`AuthError::SessionNotFound`],
    /// [`AuthError::AccountDisabled`], [`AuthError::NotEnabled`] without second factors.
    #[tracing::instrument(skip_all, fields(user_id = %user_id, session_id = %current_session))]
    pub async fn reauthenticate_with_totp(
        &self,
        user_id: UserId,
        current_session: SessionId,
        code: &str,
    ) -> Result<IssuedAccessToken, AuthError> {
        let now = self.now();
        let (user, session) = self
            .active_session_of(user_id, current_session, now)
            .await?;
        let gates = password_gates(
            &self.inner.config,
            &second_factor_throttle_key(user_id),
            session.ip.as_deref(),
        );
        let attempt = match self.reserve_attempt(gates, now).await? {
            Ok(attempt) => attempt,
            Err((retry_after, _)) => return Err(AuthError::Throttled { retry_after }),
        };
        if self.check_totp(user_id, code, now).await?.is_none() {
            drop(attempt); // kept: a wrong code is a failure
            self.audit(
                event(AuditKind::Reauthenticated, now, false)
                    .user(user_id)
                    .session(current_session)
                    .detail("wrong_code"),
            )
            .await?;
            return Err(AuthError::InvalidCredentials);
        }
        self.attempt_succeeded(attempt, now).await?;
        self.record_step_up(&user, session, &[AuthMethod::Otp.as_str()], now)
            .await
    }

    /// `user_id`, active, and their active session `session_id`.
    async fn active_session_of(
        &self,
        user_id: UserId,
        session_id: SessionId,
        now: SystemTime,
    ) -> Result<(User, Session), AuthError> {
        let user = self.signed_in_user(user_id).await?;
        match self.inner.stores.sessions.session(session_id).await? {
            Some(session) if session.user_id == user_id && session.is_active(now) => {
                Ok((user, session))
            }
            _ => Err(AuthError::SessionNotFound),
        }
    }

    /// Starts re-authenticating the user of `current_session` with one of their passkeys:
    /// the options for `navigator.credentials.get()` (the account's passkeys allowed) and the
    /// ceremony token for [`finish_passkey_reauthentication`](Self::finish_passkey_reauthentication).
    /// The way a passkey-only account steps up.
    ///
    /// # Errors
    /// [`AuthError::SessionNotFound`], [`AuthError::AccountDisabled`],
    /// [`AuthError::NotEnabled`] without passkeys, infrastructure errors.
    #[cfg(feature = "passkey")]
    pub async fn start_passkey_reauthentication(
        &self,
        user_id: UserId,
        current_session: SessionId,
    ) -> Result<super::PasskeyChallenge, AuthError> {
        let now = self.now();
        self.active_session_of(user_id, current_session, now)
            .await?;
        let passkeys = self
            .inner
            .passkeys
            .as_deref()
            .ok_or(AuthError::NotEnabled("passkeys"))?;
        let (token, options) = passkeys.start_authentication(Some(&user_id), now).await?;
        Ok(super::PasskeyChallenge { token, options })
    }

    /// Finishes a passkey re-authentication: the answer must verify and be one of the
    /// user's own passkeys. The session's `auth_time` becomes now and its `amr` gains the
    /// key (`hwk`/`swk`), `user` and `mfa`; answers the new access token.
    ///
    /// # Errors
    /// [`AuthError::InvalidPasskey`] for an unknown, expired or replayed ceremony, a refused
    /// answer, or another account's passkey; [`AuthError::SessionNotFound`],
    /// [`AuthError::AccountDisabled`], [`AuthError::NotEnabled`].
    #[cfg(feature = "passkey")]
    pub async fn finish_passkey_reauthentication(
        &self,
        user_id: UserId,
        current_session: SessionId,
        ceremony: &str,
        credential: serde_json::Value,
    ) -> Result<IssuedAccessToken, AuthError> {
        let now = self.now();
        let (user, session) = self
            .active_session_of(user_id, current_session, now)
            .await?;
        let passkeys = self
            .inner
            .passkeys
            .as_deref()
            .ok_or(AuthError::NotEnabled("passkeys"))?;
        let (owner, record) = passkeys
            .finish_authentication(ceremony, credential, now)
            .await?;
        if owner != user_id {
            self.audit(
                event(AuditKind::Reauthenticated, now, false)
                    .user(user_id)
                    .session(current_session)
                    .detail("passkey_of_another_account"),
            )
            .await?;
            return Err(AuthError::InvalidPasskey);
        }
        let methods = super::passkeys::passkey_methods(&record);
        self.record_step_up(&user, session, &methods, now).await
    }

    /// Records that the user of `session` just authenticated with `methods` (RFC 8176
    /// names), audits it, and issues the access token that carries it.
    pub(super) async fn record_step_up(
        &self,
        user: &User,
        mut session: Session,
        methods: &[&str],
        now: SystemTime,
    ) -> Result<IssuedAccessToken, AuthError> {
        // The session's methods and these; the acr follows from them.
        let assurance = self.assurance(
            now,
            session
                .amr
                .iter()
                .map(String::as_str)
                .chain(methods.iter().copied()),
        );
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
                .detail(methods.join(" ")),
        )
        .await?;
        session.auth_time = assurance.auth_time;
        session.amr = assurance.amr;
        session.acr = assurance.acr;
        tracing::info!(methods = %methods.join(" "), "re-authenticated");
        self.access_token(user, &session)
    }
}
