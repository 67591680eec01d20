//! [`Mailer`]: how the flows hand one-time links to the host's mail system.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use async_trait::async_trait;

use super::MailError;
use crate::opaque::OpaqueToken;
use crate::store::{User, UserId};

/// Sends the messages that carry one-time tokens. The host implements it (SMTP, an email API,
/// a queue, …).
///
/// The token reaches the mailer and nothing else: flows never return it to the HTTP caller
/// and never log it. Build the link from `token.secret()` (for example
/// `https://app.example/reset?token=…`, sent only to the account's address); do not log it.
///
/// Implementations should enqueue rather than deliver synchronously, so that
/// [`AuthService::request_password_reset`](super::AuthService::request_password_reset) takes
/// about as long for unknown addresses (no mail) as for known ones.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends `user` (at `user.email`) a password-reset link with `token`, valid until
    /// `expires_at`.
    async fn send_password_reset(
        &self,
        user: &User,
        token: &OpaqueToken,
        expires_at: SystemTime,
    ) -> Result<(), MailError>;

    /// Sends `user` (at `user.email`) an email-verification link with `token`, valid until
    /// `expires_at`.
    async fn send_email_verification(
        &self,
        user: &User,
        token: &OpaqueToken,
        expires_at: SystemTime,
    ) -> Result<(), MailError>;

    /// Tells `user` (at `user.email`) that someone tried to sign up with their address
    /// ("if it was you, sign in or reset your password"): sent by the
    /// [enumeration-safe signup](super::SignupMode::EnumerationSafe) instead of revealing
    /// that the address is taken. Carries no token.
    ///
    /// The provided implementation only logs (by user id) that no such mail went out:
    /// implement it when you use the enumeration-safe mode, or the owner is never told —
    /// and a signup for a taken address then skips the mail a new one sends.
    async fn send_signup_attempt_notice(&self, user: &User) -> Result<(), MailError> {
        tracing::warn!(
            user_id = %user.id,
            "Mailer::send_signup_attempt_notice is not implemented; the owner was not told"
        );
        Ok(())
    }
}

/// Which message a [`SentMail`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MailKind {
    /// [`Mailer::send_password_reset`].
    PasswordReset,
    /// [`Mailer::send_email_verification`].
    EmailVerification,
    /// [`Mailer::send_signup_attempt_notice`] (its [`SentMail::token`] is empty).
    SignupAttempt,
}

/// One message a [`RecordingMailer`] was asked to send.
#[derive(Clone)]
#[non_exhaustive]
pub struct SentMail {
    /// Which message.
    pub kind: MailKind,
    /// The recipient account.
    pub user_id: UserId,
    /// The address it went to.
    pub email: String,
    /// The one-time token's text (what the link would carry). `Debug` hides it.
    pub token: String,
    /// When the token expires.
    pub expires_at: SystemTime,
}

impl fmt::Debug for SentMail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentMail")
            .field("kind", &self.kind)
            .field("user_id", &self.user_id)
            .field("email", &self.email)
            .field("token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A [`Mailer`] that sends nothing and remembers every message, for tests and local
/// development.
///
/// # Security
/// It keeps the tokens in memory in clear, for a test to read back. Never use it in a
/// deployed service. Clones share the same record.
///
/// ```
/// use auth_core::flows::{MailKind, RecordingMailer};
///
/// let mailer = RecordingMailer::default();
/// assert!(mailer.sent().is_empty());
/// assert!(mailer.last_token(MailKind::PasswordReset, "kim@example.com").is_none());
/// ```
#[derive(Clone, Default)]
pub struct RecordingMailer {
    sent: Arc<Mutex<Vec<SentMail>>>,
}

impl RecordingMailer {
    /// Every message so far, oldest first.
    pub fn sent(&self) -> Vec<SentMail> {
        self.lock().clone()
    }

    /// The token of the most recent message of `kind` to `email` (normalized the way the
    /// stores normalize it), if any.
    pub fn last_token(&self, kind: MailKind, email: &str) -> Option<String> {
        let email = crate::store::normalize_email(email);
        self.lock()
            .iter()
            .rev()
            .find(|mail| mail.kind == kind && mail.email == email)
            .map(|mail| mail.token.clone())
    }

    /// Forgets every message.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<SentMail>> {
        // The list stays consistent even if a holder panicked: pushes are atomic.
        self.sent.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, kind: MailKind, user: &User, token: &OpaqueToken, expires_at: SystemTime) {
        self.push(kind, user, token.secret().to_owned(), expires_at);
    }

    fn push(&self, kind: MailKind, user: &User, token: String, expires_at: SystemTime) {
        self.lock().push(SentMail {
            kind,
            user_id: user.id,
            email: user.email.clone(),
            token,
            expires_at,
        });
    }
}

impl fmt::Debug for RecordingMailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingMailer")
            .field("sent", &self.lock().len())
            .finish()
    }
}

#[async_trait]
impl Mailer for RecordingMailer {
    async fn send_password_reset(
        &self,
        user: &User,
        token: &OpaqueToken,
        expires_at: SystemTime,
    ) -> Result<(), MailError> {
        self.record(MailKind::PasswordReset, user, token, expires_at);
        Ok(())
    }

    async fn send_email_verification(
        &self,
        user: &User,
        token: &OpaqueToken,
        expires_at: SystemTime,
    ) -> Result<(), MailError> {
        self.record(MailKind::EmailVerification, user, token, expires_at);
        Ok(())
    }

    async fn send_signup_attempt_notice(&self, user: &User) -> Result<(), MailError> {
        self.push(
            MailKind::SignupAttempt,
            user,
            String::new(),
            SystemTime::UNIX_EPOCH,
        );
        Ok(())
    }
}

/// A [`Mailer`] for development servers and examples with no mail system: it logs (at
/// `info`, through `tracing`) that a message would go to a user — by user id and kind — and
/// never the one-time token, which must reach only the account's mailbox. Password reset and
/// email verification cannot complete with it; implement [`Mailer`] for production.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogMailer;

#[async_trait]
impl Mailer for LogMailer {
    async fn send_password_reset(
        &self,
        user: &User,
        _token: &OpaqueToken,
        _expires_at: SystemTime,
    ) -> Result<(), MailError> {
        tracing::info!(user_id = %user.id, "a password-reset mail would be sent here (no Mailer configured)");
        Ok(())
    }

    async fn send_email_verification(
        &self,
        user: &User,
        _token: &OpaqueToken,
        _expires_at: SystemTime,
    ) -> Result<(), MailError> {
        tracing::info!(user_id = %user.id, "an email-verification mail would be sent here (no Mailer configured)");
        Ok(())
    }

    async fn send_signup_attempt_notice(&self, user: &User) -> Result<(), MailError> {
        tracing::info!(user_id = %user.id, "a signup-attempt notice would be sent here (no Mailer configured)");
        Ok(())
    }
}
