//! TOTP and recovery codes on a signed-in account: enrolment (secret, `otpauth://` URI, QR
//! code), confirmation by a first code, removal, regenerating recovery codes, status.

use std::time::SystemTime;

use super::super::service::{EventExt as _, event};
use super::super::{AuthError, AuthService};
use crate::mfa::{RecoveryCodes, TotpEnrolment};
use crate::store::{AuditKind, Session, SessionId, TotpRecord, UserId};
use crate::token::{AuthMethod, IssuedAccessToken};

/// Which second factors an account has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecondFactorStatus {
    /// TOTP is enrolled and confirmed: logins ask for a second factor.
    pub totp: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: u32,
}

impl AuthService {
    /// The session `session_id` of `user_id`, if it is active and its sign-in is at most
    /// [`recent_sign_in`](super::SecondFactorSetup::recent_sign_in) old (see
    /// [`recent_session_within`](AuthService::recent_session_within)).
    async fn recent_session(
        &self,
        user_id: UserId,
        session_id: SessionId,
        now: SystemTime,
    ) -> Result<Session, AuthError> {
        let Some(setup) = &self.inner.second_factors else {
            return Err(AuthError::NotEnabled("second factors"));
        };
        self.recent_session_within(user_id, session_id, setup.recent_sign_in, now)
            .await
    }

    /// Starts enrolling TOTP for the signed-in user: a new secret, stored encrypted and
    /// unconfirmed (replacing an earlier unconfirmed one), and what the authenticator app
    /// needs — the `otpauth://` URI, the key to type, the QR code as SVG. Nothing changes for
    /// logins until [`confirm_totp`](Self::confirm_totp).
    ///
    /// # Errors
    /// [`AuthError::ReauthenticationRequired`] when the session's sign-in is older than
    /// [`recent_sign_in`](super::SecondFactorSetup::recent_sign_in),
    /// [`AuthError::TotpAlreadyEnrolled`] when a confirmed TOTP exists (remove it first),
    /// [`AuthError::SessionNotFound`], [`AuthError::NotEnabled`].
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn start_totp_enrolment(
        &self,
        user_id: UserId,
        session_id: SessionId,
    ) -> Result<TotpEnrolment, AuthError> {
        let now = self.now();
        self.recent_session(user_id, session_id, now).await?;
        let user = self.signed_in_user(user_id).await?;
        let Some(setup) = &self.inner.second_factors else {
            return Err(AuthError::NotEnabled("second factors"));
        };
        if setup
            .store
            .totp(user_id)
            .await?
            .is_some_and(|record| record.is_confirmed())
        {
            return Err(AuthError::TotpAlreadyEnrolled);
        }
        let enrolment = setup.totp.enrol(&user.email).map_err(mfa_failure)?;
        let encrypted = enrolment
            .secret()
            .encrypt(&setup.key, user_id)
            .map_err(mfa_failure)?;
        setup
            .store
            .put_totp(user_id, TotpRecord::new(encrypted, now))
            .await?;
        self.audit(
            event(AuditKind::TotpChanged, now, true)
                .user(user_id)
                .session(session_id)
                .detail("enrolment_started"),
        )
        .await?;
        Ok(enrolment)
    }

    /// Confirms the pending TOTP enrolment with a first code from the app: from now on logins
    /// ask for a second factor. Answers ten new recovery codes (show them once; only their
    /// hashes are kept) and a new access token for this session, which now counts the code
    /// as a second factor (`amr` gains `otp` and `mfa`).
    ///
    /// # Errors
    /// [`AuthError::InvalidCode`] for a wrong, malformed or replayed code,
    /// [`AuthError::TotpNotEnrolled`] without a pending enrolment,
    /// [`AuthError::TotpAlreadyEnrolled`] if it is already confirmed,
    /// [`AuthError::ReauthenticationRequired`], [`AuthError::SessionNotFound`],
    /// [`AuthError::NotEnabled`].
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn confirm_totp(
        &self,
        user_id: UserId,
        session_id: SessionId,
        code: &str,
    ) -> Result<(RecoveryCodes, IssuedAccessToken), AuthError> {
        let now = self.now();
        let session = self.recent_session(user_id, session_id, now).await?;
        let user = self.signed_in_user(user_id).await?;
        let Some(setup) = &self.inner.second_factors else {
            return Err(AuthError::NotEnabled("second factors"));
        };
        let record = setup
            .store
            .totp(user_id)
            .await?
            .ok_or(AuthError::TotpNotEnrolled)?;
        if record.is_confirmed() {
            return Err(AuthError::TotpAlreadyEnrolled);
        }
        let secret = crate::mfa::TotpSecret::decrypt(&setup.key, user_id, &record.encrypted_secret)
            .map_err(mfa_failure)?;
        let Ok(step) = setup.totp.verify(&secret, code, now, record.last_used_step) else {
            self.audit(
                event(AuditKind::TotpChanged, now, false)
                    .user(user_id)
                    .session(session_id)
                    .detail("wrong_code"),
            )
            .await?;
            return Err(AuthError::InvalidCode);
        };
        if !setup.store.confirm_totp(user_id, step, now).await? {
            // Confirmed meanwhile by a concurrent request with the same code.
            return Err(AuthError::TotpAlreadyEnrolled);
        }
        let codes = self
            .replace_recovery_codes(user_id, session_id, now)
            .await?;
        self.audit(
            event(AuditKind::TotpChanged, now, true)
                .user(user_id)
                .session(session_id)
                .detail("confirmed"),
        )
        .await?;
        let token = self
            .record_step_up(&user, session, &[AuthMethod::Otp.as_str()], now)
            .await?;
        Ok((codes, token))
    }

    /// Removes the user's TOTP and recovery codes: logins stop asking for a second factor.
    ///
    /// # Errors
    /// [`AuthError::TotpNotEnrolled`] when there is none,
    /// [`AuthError::ReauthenticationRequired`], [`AuthError::SessionNotFound`],
    /// [`AuthError::NotEnabled`].
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn remove_totp(
        &self,
        user_id: UserId,
        session_id: SessionId,
    ) -> Result<(), AuthError> {
        let now = self.now();
        self.recent_session(user_id, session_id, now).await?;
        let Some(setup) = &self.inner.second_factors else {
            return Err(AuthError::NotEnabled("second factors"));
        };
        if !setup.store.delete_totp(user_id).await? {
            return Err(AuthError::TotpNotEnrolled);
        }
        setup.store.delete_recovery_codes(user_id).await?;
        self.audit(
            event(AuditKind::TotpChanged, now, true)
                .user(user_id)
                .session(session_id)
                .detail("removed"),
        )
        .await?;
        Ok(())
    }

    /// Ten new recovery codes for a user with confirmed TOTP; the old ones stop working.
    ///
    /// # Errors
    /// [`AuthError::TotpNotEnrolled`] without confirmed TOTP,
    /// [`AuthError::ReauthenticationRequired`], [`AuthError::SessionNotFound`],
    /// [`AuthError::NotEnabled`].
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn regenerate_recovery_codes(
        &self,
        user_id: UserId,
        session_id: SessionId,
    ) -> Result<RecoveryCodes, AuthError> {
        let now = self.now();
        self.recent_session(user_id, session_id, now).await?;
        if !self.second_factor_status(user_id).await?.totp {
            return Err(AuthError::TotpNotEnrolled);
        }
        self.replace_recovery_codes(user_id, session_id, now).await
    }

    /// Which second factors `user_id` has.
    ///
    /// # Errors
    /// [`AuthError::NotEnabled`], store failures.
    pub async fn second_factor_status(
        &self,
        user_id: UserId,
    ) -> Result<SecondFactorStatus, AuthError> {
        let Some(setup) = &self.inner.second_factors else {
            return Err(AuthError::NotEnabled("second factors"));
        };
        let totp = setup
            .store
            .totp(user_id)
            .await?
            .is_some_and(|record| record.is_confirmed());
        Ok(SecondFactorStatus {
            totp,
            recovery_codes_left: setup.store.recovery_codes_left(user_id).await?,
        })
    }

    async fn replace_recovery_codes(
        &self,
        user_id: UserId,
        session_id: SessionId,
        now: SystemTime,
    ) -> Result<RecoveryCodes, AuthError> {
        let Some(setup) = &self.inner.second_factors else {
            return Err(AuthError::NotEnabled("second factors"));
        };
        let codes =
            RecoveryCodes::generate(RecoveryCodes::DEFAULT_COUNT).map_err(|_| AuthError::Random)?;
        setup
            .store
            .replace_recovery_codes(user_id, codes.hashes(), now)
            .await?;
        self.audit(
            event(AuditKind::RecoveryCodesChanged, now, true)
                .user(user_id)
                .session(session_id)
                .detail("generated"),
        )
        .await?;
        Ok(codes)
    }
}

/// An [`MfaError`](crate::mfa::MfaError) where none should happen (randomness, a key that does
/// not decrypt what it encrypted): logged, answered as a server failure.
fn mfa_failure(error: crate::mfa::MfaError) -> AuthError {
    tracing::error!(error = %crate::ErrorChain::new(&error), "second-factor crypto failed");
    AuthError::SecondFactorCrypto
}
