//! What proving the account's email does to what was attached to the account before.
//!
//! A *pre-account takeover*: an attacker creates an account under the victim's address
//! before the victim does — by password signup, or (before this was refused) by a social
//! login whose provider never verified the address — and attaches a way in of their own: a
//! provider identity. When the victim later proves the address (password reset, verification
//! link) they reasonably believe the account is theirs, while the attacker's identity keeps
//! signing in. So when the owner proves the address, every identity that nothing ties to
//! that owner is unlinked and audited.

use std::time::SystemTime;

use super::service::{EventExt as _, event};
use super::{AuthError, AuthService};
use crate::store::{AuditKind, ProviderIdentity, User, normalize_email};

impl AuthService {
    /// Unlinks the provider identities of `user` that may not survive the proof of its
    /// email (see [`vouched_for`]), each audited as `identity_unlinked` with detail
    /// `<provider>:unproven_at_email_proof`. `user` is the account as read **before** the
    /// proof. Returns how many were unlinked.
    ///
    /// The account may be left without any identity and without a password: its owner signs
    /// in through a password reset, which the proof just showed they can receive.
    pub(super) async fn unlink_unproven_identities(
        &self,
        user: &User,
        now: SystemTime,
    ) -> Result<u64, AuthError> {
        let identities = &self.inner.stores.identities;
        let mut unlinked = 0;
        for identity in identities.identities_for_user(user.id).await? {
            if vouched_for(&identity, user) {
                continue;
            }
            if !identities
                .unlink_identity(user.id, &identity.provider, &identity.subject)
                .await?
            {
                continue; // unlinked concurrently
            }
            unlinked += 1;
            self.audit(
                event(AuditKind::IdentityUnlinked, now, true)
                    .user(user.id)
                    .detail(format!("{}:unproven_at_email_proof", identity.provider)),
            )
            .await?;
            tracing::warn!(
                provider = %identity.provider,
                "identity linked without proof of the account's email unlinked"
            );
        }
        Ok(unlinked)
    }
}

impl AuthService {
    /// Removes every passkey of `user` when its email was not verified before this proof
    /// (`user` as read **before** it): they were attached while nobody had proved the
    /// address — possibly by an attacker who signed up with a passkey under the victim's
    /// email. Each is audited as `passkey_changed` with detail `removed:unproven_at_email_proof`.
    /// Called at a password reset, which leaves the owner a password to sign in with. Returns
    /// how many were removed.
    #[cfg(feature = "passkey")]
    pub(super) async fn remove_unproven_passkeys(
        &self,
        user: &User,
        now: SystemTime,
    ) -> Result<u64, AuthError> {
        let Some(passkeys) = &self.inner.passkeys else {
            return Ok(0);
        };
        if user.email_verified {
            return Ok(0);
        }
        let store = passkeys.store();
        let mut removed = 0;
        for record in store.passkeys_of(user.id).await? {
            if !store.delete_passkey(user.id, &record.credential_id).await? {
                continue; // removed concurrently
            }
            removed += 1;
            self.audit(
                event(AuditKind::PasskeyChanged, now, true)
                    .user(user.id)
                    .detail("removed:unproven_at_email_proof"),
            )
            .await?;
            tracing::warn!("passkey registered before the account's email was proven removed");
        }
        Ok(removed)
    }
}

/// Whether `identity` stays linked when the owner of `user`'s email proves it (`user` as it
/// was before the proof):
///
/// * an identity whose provider reported **this** address keeps its link only if the
///   provider verified it: the provider then proved the same address the owner just proved.
///   Linked on an unverified claim, it proves nothing and goes — whatever the account's state;
/// * any other identity was attached by whoever held the account. It stays if the account's
///   email was already verified then (the proven owner attached it), and goes otherwise
///   (attached before anyone proved the address: possibly the attacker's).
fn vouched_for(identity: &ProviderIdentity, user: &User) -> bool {
    if identity.email.as_deref().map(normalize_email).as_ref() == Some(&user.email) {
        identity.email_verified
    } else {
        user.email_verified
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;
    use crate::store::UserId;

    fn account(verified: bool) -> User {
        let mut user = User::new(UserId(uuid::Uuid::nil()), "kim@example.com", UNIX_EPOCH);
        user.email_verified = verified;
        user
    }

    fn identity(email: Option<&str>, verified: bool) -> ProviderIdentity {
        let mut identity =
            ProviderIdentity::new("google", "g-1", UserId(uuid::Uuid::nil()), UNIX_EPOCH);
        identity.email = email.map(str::to_owned);
        identity.email_verified = verified;
        identity
    }

    #[test]
    fn which_identities_survive_the_proof_of_the_email() {
        let same = Some("Kim@Example.com"); // compared after normalization
        let other = Some("kim@elsewhere.example");
        for (identity, account_verified, stays) in [
            // The provider verified the very address: always stays.
            (identity(same, true), false, true),
            (identity(same, true), true, true),
            // The provider claimed the address without verifying it: always goes.
            (identity(same, false), false, false),
            (identity(same, false), true, false),
            // Another or no address: stays only if attached by the proven owner.
            (identity(other, true), true, true),
            (identity(None, false), true, true),
            (identity(other, true), false, false),
            (identity(None, false), false, false),
        ] {
            assert_eq!(
                vouched_for(&identity, &account(account_verified)),
                stays,
                "{identity:?}, account verified: {account_verified}"
            );
        }
    }
}
