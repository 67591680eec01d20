//! Email verification by a one-time link sent through the [`Mailer`](super::Mailer).

use tracing::field;

use super::service::{EventExt as _, event, later, new_opaque_token};
use super::{AuthError, AuthService};
use crate::opaque::OpaqueToken;
use crate::store::{AuditKind, OneTimePurpose, OneTimeToken, UserId, UserUpdate};

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
        let now = self.now();
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
            .send_email_verification(&user, &token, expires_at)
            .await?;
        tracing::info!("email verification sent");
        Ok(())
    }

    /// Marks the email of the token's account as verified (a column-scoped write: a
    /// concurrent disable or role change stays). Audited as `email_verified`.
    ///
    /// # Errors
    /// [`AuthError::InvalidOneTimeToken`] for a malformed, unknown, used, expired or voided
    /// token, one for another purpose, or one whose account is gone or disabled.
    #[tracing::instrument(skip_all, fields(user_id = field::Empty))]
    pub async fn verify_email(&self, token: &str) -> Result<(), AuthError> {
        let Ok(presented) = OpaqueToken::parse(token) else {
            return Err(AuthError::InvalidOneTimeToken);
        };
        let now = self.now();
        let user = self
            .consume_for_active_user(&presented, OneTimePurpose::EmailVerification, now)
            .await?;
        if !user.email_verified {
            self.update_account(user.id, &UserUpdate::new(now).email_verified(true))
                .await?;
        }
        self.audit(event(AuditKind::EmailVerified, now, true).user(user.id))
            .await?;
        tracing::info!("email verified");
        Ok(())
    }
}
