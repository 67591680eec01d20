//! Email verification by a one-time link sent through the [`Mailer`](super::Mailer).

use tracing::field;

use super::service::{EventExt as _, event, later, new_opaque_token};
use super::{AuthError, AuthService, ClientInfo, Endpoint};
use crate::opaque::OpaqueToken;
use crate::store::{AuditKind, OneTimePurpose, OneTimeToken, RevokeReason, UserId, UserUpdate};

impl AuthService {
    /// Sends the signed-in user a link that proves they own their email address.
    ///
    /// Does nothing when the email is already verified. Otherwise a single-use token valid
    /// for [`email_verification_ttl`](super::AuthConfig::email_verification_ttl) is stored
    /// (as a hash; it voids any older verification link) and handed to the mailer only.
    ///
    /// # Errors
    /// [`AuthError::UserNotFound`], [`AuthError::AccountDisabled`], and
    /// [`AuthError::Mail`] when the mailer fails (the user is signed in, so this reveals
    /// nothing to anyone else).
    #[tracing::instrument(skip_all, fields(user_id = %user_id))]
    pub async fn request_email_verification(&self, user_id: UserId) -> Result<(), AuthError> {
        let user = self.signed_in_user(user_id).await?;
        if user.email_verified {
            tracing::debug!("email already verified; no mail sent");
            return Ok(());
        }
        self.issue_email_verification(&user, self.now()).await?;
        tracing::info!("email verification sent");
        Ok(())
    }

    /// Stores a new verification token for `user` (voiding older ones) and mails it.
    pub(super) async fn issue_email_verification(
        &self,
        user: &crate::store::User,
        now: std::time::SystemTime,
    ) -> Result<(), AuthError> {
        let token = new_opaque_token()?;
        let expires_at = later(now, self.inner.config.email_verification_ttl);
        self.inner
            .stores
            .one_time_tokens
            .issue_one_time_token(&OneTimeToken::new(
                OneTimePurpose::EmailVerification,
                token.hash(),
                user.id,
                now,
                expires_at,
            ))
            .await?;
        self.inner
            .mailer
            .send_email_verification(user, &token, expires_at)
            .await?;
        Ok(())
    }

    /// Marks the email of the token's account as verified (a column-scoped write: a
    /// concurrent disable or role change stays). Audited as `email_verified`.
    ///
    /// The link reached the address's owner, so provider identities that nothing ties to
    /// that owner are unlinked (pre-account takeover: see `unlink_unproven_identities`;
    /// each audited as `identity_unlinked`). If any was, whoever held the account until now
    /// may be signed in through it: every session is revoked (`email_ownership_proved`) and
    /// the user-wide cut-off moves to now.
    ///
    /// One request is first reserved under
    /// [`EndpointLimits::email_verify`](super::EndpointLimits::email_verify) for `client`'s
    /// network.
    ///
    /// # Errors
    /// [`AuthError::Throttled`]; [`AuthError::InvalidOneTimeToken`] for a malformed, unknown,
    /// used, expired or voided token, one for another purpose, or one whose account is gone
    /// or disabled.
    #[tracing::instrument(skip_all, fields(user_id = field::Empty))]
    pub async fn verify_email(&self, token: &str, client: &ClientInfo) -> Result<(), AuthError> {
        self.reserve_endpoint(Endpoint::EmailVerify, client).await?;
        let Ok(presented) = OpaqueToken::parse(token) else {
            return Err(AuthError::InvalidOneTimeToken);
        };
        let now = self.now();
        let user = self
            .consume_for_active_user(&presented, OneTimePurpose::EmailVerification, now)
            .await?;
        let unlinked = self.unlink_unproven_identities(&user, now).await?;
        let verified = UserUpdate::new(now).email_verified(true);
        let mut audit = event(AuditKind::EmailVerified, now, true).user(user.id);
        if unlinked > 0 {
            // Whoever held the account until now may be signed in: end that too.
            self.update_account(user.id, &verified.cut_off_tokens(now))
                .await?;
            let ended = self
                .inner
                .stores
                .sessions
                .revoke_user_sessions(user.id, None, RevokeReason::EmailOwnershipProved, now)
                .await?;
            self.inner.revocation.forget_user(user.id);
            audit = audit.detail(format!(
                "identities_unlinked={unlinked},sessions_ended={ended}"
            ));
        } else if !user.email_verified {
            self.update_account(user.id, &verified).await?;
        }
        self.audit(audit).await?;
        tracing::info!(identities_unlinked = unlinked, "email verified");
        Ok(())
    }
}
