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

/// A way into an account that is about to be removed, for [`AuthService::keeps_a_way_in`].
#[derive(Debug, Clone, Copy)]
pub(super) enum Removing<'a> {
    /// Nothing: does the account, as it is now, have a way in?
    #[cfg_attr(not(feature = "passkey"), allow(dead_code))] // only passkey flows build it
    Nothing,
    /// The provider identity `(provider, subject)`.
    Identity(&'a str, &'a str),
    /// The passkey with this credential id.
    #[cfg_attr(not(feature = "passkey"), allow(dead_code))] // only passkey flows build it
    Passkey(&'a [u8]),
}

impl AuthService {
    /// Whether `user` still has a way to sign in without `removing`: a password, another
    /// provider identity, or (with passkeys configured) another passkey. The one home of
    /// "never remove the last way in", for unlinking a provider and removing a passkey alike.
    pub(super) async fn keeps_a_way_in(
        &self,
        user: &crate::store::User,
        removing: Removing<'_>,
    ) -> Result<bool, AuthError> {
        if user.password_hash.is_some() {
            return Ok(true);
        }
        let identities = self
            .inner
            .stores
            .identities
            .identities_for_user(user.id)
            .await?;
        let other_identity = identities.iter().any(|identity| {
            !matches!(removing, Removing::Identity(provider, subject)
                if identity.provider == provider && identity.subject == subject)
        });
        if other_identity {
            return Ok(true);
        }
        #[cfg(feature = "passkey")]
        if let Some(passkeys) = &self.inner.passkeys {
            let other_passkey = passkeys.store().passkeys_of(user.id).await?.iter().any(
                |record| !matches!(removing, Removing::Passkey(id) if record.credential_id == id),
            );
            if other_passkey {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
