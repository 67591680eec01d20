//! Writes to an account: column-scoped, never the whole record.

use super::{AuthError, AuthService};
use crate::store::{StoreError, UserId, UserUpdate};

impl AuthService {
    /// Writes the columns `update` sets to user `id`, and nothing else (see
    /// [`UserUpdate`] for why no flow writes a whole record). `Ok(false)` when the update's
    /// precondition did not hold.
    ///
    /// # Errors
    /// [`AuthError::UserNotFound`] when the account is gone; infrastructure errors.
    pub(super) async fn update_account(
        &self,
        id: UserId,
        update: &UserUpdate,
    ) -> Result<bool, AuthError> {
        match self.inner.stores.users.update_user_fields(id, update).await {
            Err(StoreError::NotFound(_)) => Err(AuthError::UserNotFound),
            other => Ok(other?),
        }
    }
}
