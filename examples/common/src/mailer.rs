//! [`LogMailer`]: the examples' stand-in for a mail system.

use std::time::SystemTime;

use auth_core::flows::{MailError, Mailer};
use auth_core::opaque::OpaqueToken;
use auth_core::store::User;

/// Logs that a message would be sent — to whom (by user id) and which kind — and never the
/// one-time token, which must reach only the account's mailbox. Replace it with your mail
/// system (SMTP, an email API, a queue) by implementing [`Mailer`].
#[derive(Debug, Default, Clone, Copy)]
pub struct LogMailer;

#[auth_core::async_trait]
impl Mailer for LogMailer {
    async fn send_password_reset(
        &self,
        user: &User,
        _token: &OpaqueToken,
        _expires_at: SystemTime,
    ) -> Result<(), MailError> {
        tracing::info!(user_id = %user.id, "a password-reset mail would be sent here (plug in your Mailer)");
        Ok(())
    }

    async fn send_email_verification(
        &self,
        user: &User,
        _token: &OpaqueToken,
        _expires_at: SystemTime,
    ) -> Result<(), MailError> {
        tracing::info!(user_id = %user.id, "an email-verification mail would be sent here (plug in your Mailer)");
        Ok(())
    }
}
