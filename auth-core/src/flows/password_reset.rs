//! Password reset by a one-time link sent through the [`Mailer`](super::Mailer).

use std::time::SystemTime;

use tracing::field;

use super::limits::address_key;
use super::service::{EventExt as _, event, later, new_opaque_token, user_throttle_key};
use super::{AuthError, AuthService, ClientInfo, Endpoint, ThrottleLimit};
use crate::ErrorChain;
use crate::opaque::OpaqueToken;
use crate::password::Password;
use crate::store::{
    AuditKind, OneTimePurpose, OneTimeToken, RevokeReason, UserUpdate, normalize_email,
};

impl AuthService {
    /// Sends a password-reset link to `email` if an active account has it — answering
    /// before any of that work is done, so that the answer takes the same time and does the
    /// same work whether or not the account exists.
    ///
    /// Inline, on every path alike (all keyed by the address as given, never by whether an
    /// account has it):
    /// 1. one request is reserved for `client`'s network under
    ///    [`EndpointLimits::password_forgot`](super::EndpointLimits::password_forgot), and one
    ///    for the address under
    ///    [`password_forgot_per_address`](super::EndpointLimits::password_forgot_per_address);
    ///    either refused is [`AuthError::Throttled`];
    /// 2. the address's [cooldown](super::AuthConfig::password_reset_cooldown) is taken: if
    ///    a link was issued for it less than the cooldown ago, nothing more is done and the
    ///    answer is the same `Ok(())` — the owner's live link is not voided by every request.
    ///
    /// Then the lookup, the token and the mail run **in the background** (a task on the
    /// current tokio runtime; see [`drain_background_work`](Self::drain_background_work)):
    /// for an active account, a single-use token valid for
    /// [`password_reset_ttl`](super::AuthConfig::password_reset_ttl) is stored (as a hash; it
    /// voids any older reset link) and handed to the mailer only. Every request that gets
    /// this far is audited as `password_reset_requested` (`success: false` when no mail was
    /// sent). A failure there (store or mailer) is logged at error level — the caller was
    /// already answered.
    ///
    /// # Errors
    /// [`AuthError::Throttled`], and infrastructure failures of the throttle store.
    #[tracing::instrument(skip_all)]
    pub async fn request_password_reset(
        &self,
        email: &str,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let now = self.now();
        let config = &self.inner.config;
        let email = normalize_email(email);
        let address = address_key(&email);
        self.reserve_endpoint(Endpoint::PasswordForgot, client)
            .await?;
        if let Some(limit) = config.endpoint_limits.password_forgot_per_address.limit() {
            let key = format!("endpoint:password_forgot:addr:{address}");
            self.reserve_key(&key, limit, "password_forgot_per_address", now)
                .await?;
        }
        let cooldown = config.password_reset_cooldown;
        if !cooldown.is_zero() {
            let key = format!("reset:cooldown:addr:{address}");
            let first = ThrottleLimit::new(1, cooldown);
            if let Err(AuthError::Throttled { .. }) = self
                .reserve_key(&key, first, "password_reset_cooldown", now)
                .await
            {
                // The same answer: the link sent within the cooldown stays the live one.
                tracing::info!("password reset within the cooldown; no new link");
                return Ok(());
            }
        }
        let service = self.clone();
        let client = client.clone();
        self.spawn_background(async move {
            if let Err(error) = service.send_password_reset(&email, &client, now).await {
                tracing::error!(error = %ErrorChain::new(&error), "password reset request failed");
            }
        });
        Ok(())
    }

    /// The background part of [`request_password_reset`](Self::request_password_reset).
    #[tracing::instrument(skip_all, fields(user_id = field::Empty))]
    async fn send_password_reset(
        &self,
        email: &str,
        client: &ClientInfo,
        now: SystemTime,
    ) -> Result<(), AuthError> {
        let stores = &self.inner.stores;
        let user = if email.is_empty() {
            None
        } else {
            stores.users.user_by_email(email).await?
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
            tracing::error!(error = %ErrorChain::new(&error), "password reset mail could not be sent");
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
    /// newer link. The new password must satisfy the policy; it is first checked without the
    /// account's details and hashed, so that neither an obviously weak password nor a full
    /// hashing queue spends the link; then the token is consumed (single use) before the
    /// account is touched, and the password is checked again with the account's details (a
    /// password equal to the account's email or name is refused after the link is spent,
    /// and a new link must be requested). Then, in one column-scoped write (a concurrent
    /// disable or role change stays), the password is replaced, the email counts as verified
    /// (the link reached its inbox) and the user-wide cut-off `tokens_valid_after` moves
    /// forward to now — after provider identities that nothing ties to the owner of the
    /// address were unlinked (pre-account takeover: see `unlink_unproven_identities`; each
    /// audited as `identity_unlinked`) and, with passkeys configured, the passkeys of an
    /// account whose email was not verified were removed (`remove_unproven_passkeys`).
    /// Every session is revoked (`password_changed`), login
    /// throttling of the account is cleared, and the reset is audited as `password_reset`.
    ///
    /// Before anything else, one request is reserved under
    /// [`EndpointLimits::password_reset`](super::EndpointLimits::password_reset) for
    /// `client`'s network.
    ///
    /// # Errors
    /// [`AuthError::Throttled`]; [`AuthError::InvalidOneTimeToken`] for a malformed, unknown,
    /// used, expired or voided token, or one whose account is gone or disabled;
    /// [`AuthError::WeakPassword`]; [`AuthError::Busy`] when the hashing queue is full — the
    /// new password is hashed before the link is spent, so the link stays usable and the
    /// request does not count against the limit.
    #[tracing::instrument(skip_all, fields(user_id = field::Empty))]
    pub async fn reset_password(
        &self,
        token: &str,
        new: Password,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        self.reserve_endpoint(Endpoint::PasswordReset, client)
            .await?;
        let Ok(presented) = OpaqueToken::parse(token) else {
            return Err(AuthError::InvalidOneTimeToken);
        };
        let config = &self.inner.config;
        let stores = &self.inner.stores;
        config.password_policy.check(new.expose_secret(), &[])?;
        // Hashed before the link is spent: a full hashing queue (503 `Busy`) must leave the
        // link usable for the retry. The cost — a hash for a request whose token turns out
        // invalid — is bounded by the endpoint limit, as a login's dummy hash is.
        let password_hash = self
            .hash_password_under(
                Password::from(new.expose_secret()),
                Endpoint::PasswordReset,
                client,
            )
            .await?;
        let now = self.now();
        let user = self
            .consume_for_active_user(&presented, OneTimePurpose::PasswordReset, now)
            .await?;
        self.check_new_password(&user, &new)?;

        // Unlink first: should a later step fail, the account is left without the suspect
        // identities rather than with a new password and them still linked.
        self.unlink_unproven_identities(&user, now).await?;
        #[cfg(feature = "passkey")]
        self.remove_unproven_passkeys(&user, now).await?;
        let update = UserUpdate::new(now)
            .password_hash(password_hash)
            .email_verified(true)
            .cut_off_tokens(now);
        self.update_account(user.id, &update).await?;
        let ended = stores
            .sessions
            .revoke_user_sessions(user.id, None, RevokeReason::PasswordChanged, now)
            .await?;
        self.inner.revocation.forget_user(user.id);
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
