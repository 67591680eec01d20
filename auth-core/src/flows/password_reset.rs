//! Password reset by a one-time link sent through the [`Mailer`](super::Mailer).

use tracing::field;

use super::service::{EventExt as _, event, later, new_opaque_token, user_throttle_key};
use super::{AuthError, AuthService, ClientInfo};
use crate::opaque::OpaqueToken;
use crate::password::Password;
use crate::store::{
    AuditKind, OneTimePurpose, OneTimeToken, RevokeReason, UserUpdate, normalize_email,
};

impl AuthService {
    /// Sends a password-reset link to `email` if an active account has it.
    ///
    /// Always answers `Ok(())` — for unknown addresses and disabled accounts too, and even
    /// when the [`Mailer`](super::Mailer) fails (logged at error level) — so that the answer
    /// does not reveal which addresses have accounts. For an active account, a single-use
    /// token valid for [`password_reset_ttl`](super::AuthConfig::password_reset_ttl) is
    /// stored (as a hash; it voids any older reset link) and handed to the mailer only.
    /// Every request is audited as `password_reset_requested` (`success: false` when no
    /// mail was sent).
    ///
    /// # Errors
    /// Only infrastructure failures of the stores.
    #[tracing::instrument(skip_all, fields(user_id = field::Empty))]
    pub async fn request_password_reset(
        &self,
        email: &str,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let stores = &self.inner.stores;
        let now = self.now();
        let email = normalize_email(email);
        let user = if email.is_empty() {
            None
        } else {
            stores.users.user_by_email(&email).await?
        };
        let user = match user {
            Some(user) if user.active => user,
            other => {
                let detail = if other.is_some() {
                    "account_disabled"
                } else {
                    "unknown_account"
                };
                self.audit(
                    event(AuditKind::PasswordResetRequested, now, false)
                        .maybe_user(other.map(|user| user.id))
                        .client(client)
                        .detail(detail),
                )
                .await?;
                tracing::info!(reason = detail, "password reset requested; no mail sent");
                return Ok(());
            }
        };
        tracing::Span::current().record("user_id", field::display(user.id));

        let token = new_opaque_token()?;
        let expires_at = later(now, self.inner.config.password_reset_ttl);
        stores
            .one_time_tokens
            .issue_one_time_token(&OneTimeToken::new(
                OneTimePurpose::PasswordReset,
                token.hash(),
                user.id,
                now,
                expires_at,
            ))
            .await?;
        let sent = self
            .inner
            .mailer
            .send_password_reset(&user, &token, expires_at)
            .await;
        if let Err(error) = &sent {
            tracing::error!(%error, "password reset mail could not be sent");
        }
        let mut audit = event(AuditKind::PasswordResetRequested, now, sent.is_ok())
            .user(user.id)
            .client(client);
        if sent.is_err() {
            audit = audit.detail("mail_failed");
        }
        self.audit(audit).await?;
        tracing::info!("password reset requested");
        Ok(())
    }

    /// Sets a new password with a reset link's token.
    ///
    /// The token must be a current password-reset token: unused, unexpired, not voided by a
    /// newer link. It is consumed (single use) before anything else is done. The new
    /// password must satisfy the policy; it is first checked without the account's details
    /// so that an obviously weak password does not spend the link, then with them (a
    /// password equal to the account's email or name is refused after the link is spent,
    /// and a new link must be requested). Then, in one column-scoped write (a concurrent
    /// disable or role change stays), the password is replaced, the email counts as verified
    /// (the link reached its inbox) and the user-wide cut-off `tokens_valid_after` moves
    /// forward to now — after provider identities that nothing ties to the owner of the
    /// address were unlinked (pre-account takeover: see `unlink_unproven_identities`; each
    /// audited as `identity_unlinked`). Every session is revoked (`password_changed`), login
    /// throttling of the account is cleared, and the reset is audited as `password_reset`.
    ///
    /// # Errors
    /// [`AuthError::InvalidOneTimeToken`] for a malformed, unknown, used, expired or voided
    /// token, or one whose account is gone or disabled; [`AuthError::WeakPassword`].
    #[tracing::instrument(skip_all, fields(user_id = field::Empty))]
    pub async fn reset_password(&self, token: &str, new: Password) -> Result<(), AuthError> {
        let Ok(presented) = OpaqueToken::parse(token) else {
            return Err(AuthError::InvalidOneTimeToken);
        };
        let config = &self.inner.config;
        let stores = &self.inner.stores;
        config.password_policy.check(new.expose_secret(), &[])?;
        let now = self.now();
        let user = self
            .consume_for_active_user(&presented, OneTimePurpose::PasswordReset, now)
            .await?;
        let password_hash = self.new_password_hash(&user, new).await?;

        // Unlink first: should a later step fail, the account is left without the suspect
        // identities rather than with a new password and them still linked.
        self.unlink_unproven_identities(&user, now).await?;
        let update = UserUpdate::new(now)
            .password_hash(password_hash)
            .email_verified(true)
            .cut_off_tokens(now);
        self.update_account(user.id, &update).await?;
        let ended = stores
            .sessions
            .revoke_user_sessions(user.id, None, RevokeReason::PasswordChanged, now)
            .await?;
        stores
            .one_time_tokens
            .void_one_time_tokens(user.id, OneTimePurpose::PasswordReset)
            .await?;
        stores
            .throttle
            .clear_failures(&user_throttle_key(user.id))
            .await?;
        self.audit(
            event(AuditKind::PasswordReset, now, true)
                .user(user.id)
                .detail(format!("sessions_ended={ended}")),
        )
        .await?;
        tracing::info!(sessions_ended = ended, "password reset");
        Ok(())
    }
}
