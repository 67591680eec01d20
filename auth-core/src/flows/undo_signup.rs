//! A signup that fails after its account was inserted leaves nothing behind.
//!
//! Signup writes several stores one after another — the account, then its session, audit
//! record or provider link — and no store trait offers a transaction across them. Without
//! this, a failure after the insert left a half-created account: the retry was answered
//! "email taken" and the login failed, for an account nobody could use. Compensation undoes
//! the one write that matters: the account is deleted again, and with it (where the store
//! cascades) whatever was written for it.

use std::future::Future;

use super::service::{EventExt as _, event};
use super::{AuthError, AuthService};
use crate::ErrorChain;
use crate::store::{AuditKind, User};

impl AuthService {
    /// Runs `rest` — the signup's writes after `user` was inserted — and, if it fails, deletes
    /// `user` again before returning `rest`'s error.
    pub(super) async fn or_undo_signup<T>(
        &self,
        user: &User,
        rest: impl Future<Output = Result<T, AuthError>>,
    ) -> Result<T, AuthError> {
        let error = match rest.await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        match self.inner.stores.users.delete_user(user.id).await {
            Ok(_) => {
                tracing::warn!(
                    error = %ErrorChain::new(&error),
                    "signup failed after the account was created; the account was removed again"
                );
                // So the trail does not end on a `signup` record for an account that is gone.
                // Best effort: the audit store may be what failed.
                let undone = event(AuditKind::SignupUndone, self.now(), false)
                    .user(user.id)
                    .detail(error.error_code());
                if let Err(audit) = self.audit(undone).await {
                    tracing::warn!(error = %ErrorChain::new(&audit), "signup_undone not audited");
                }
            }
            Err(undo) => tracing::error!(
                error = %ErrorChain::new(&error),
                undo_error = %ErrorChain::new(&undo),
                user_id = %user.id,
                "signup failed after the account was created, and removing it failed too: \
                 its email stays taken until the account is deleted"
            ),
        }
        Err(error)
    }
}
