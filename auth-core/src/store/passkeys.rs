//! Passkeys: the WebAuthn credentials registered to accounts ([`PasskeyRecord`]) and where
//! they are kept ([`PasskeyStore`]).

use std::fmt::Debug;
use std::time::SystemTime;

use async_trait::async_trait;

use super::{StoreError, UserId};

/// One passkey registered to an account.
///
/// Nothing in it is a secret: a passkey's private key never leaves the authenticator, and the
/// server keeps only the public key (inside [`passkey`](Self::passkey)).
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasskeyRecord {
    /// The WebAuthn credential id (at most 1023 bytes); unique across **all** users.
    pub credential_id: Vec<u8>,
    /// The account it signs in to.
    pub user_id: UserId,
    /// The name the user gave it ("YubiKey", "Kim's phone").
    pub name: String,
    /// webauthn-rs's `Passkey` (public key, algorithm, signature counter, backup flags) as
    /// JSON. Opaque to the store: kept and returned as is.
    pub passkey: String,
    /// When it was registered.
    pub created_at: SystemTime,
    /// When it last signed in, if ever.
    pub last_used_at: Option<SystemTime>,
    /// Whether the authenticator may back it up (sync it to other devices): set at
    /// registration, never changes.
    pub backup_eligible: bool,
    /// Whether it was backed up (synced) at its last use.
    pub backup_state: bool,
}

impl PasskeyRecord {
    /// A record of a passkey registered at `created_at`, never used yet.
    pub fn new(
        credential_id: Vec<u8>,
        user_id: UserId,
        name: impl Into<String>,
        passkey: impl Into<String>,
        created_at: SystemTime,
        backup_eligible: bool,
        backup_state: bool,
    ) -> Self {
        Self {
            credential_id,
            user_id,
            name: name.into(),
            passkey: passkey.into(),
            created_at,
            last_used_at: None,
            backup_eligible,
            backup_state,
        }
    }
}

/// Where passkeys are kept.
///
/// The contract:
/// * a credential id is unique across all users: [`add_passkey`](Self::add_passkey) of an id
///   that exists (for this user or any other) is a [`StoreError::Conflict`] and changes
///   nothing — of any number of concurrent adds of one id, exactly one succeeds;
/// * [`rename_passkey`](Self::rename_passkey) and [`delete_passkey`](Self::delete_passkey)
///   act only on the passkey of the **user named**: another user's credential id answers
///   `false` and is left alone;
/// * [`update_passkey_use`](Self::update_passkey_use) writes only the passkey JSON, the
///   backup state and the last use — never the owner, name or registration time;
/// * [`passkeys_of`](Self::passkeys_of) lists a user's passkeys oldest first.
///
/// The store does **not** enforce "never remove the last way in": deleting a user's only
/// passkey succeeds here. Whether an account keeps another way to sign in (a password, a
/// provider, another passkey) is for the flow that calls [`delete_passkey`](Self::delete_passkey)
/// to check.
///
/// `Debug` is required so services holding a `dyn PasskeyStore` can derive it; print counts,
/// never the records.
#[async_trait]
pub trait PasskeyStore: Debug + Send + Sync + 'static {
    /// Stores a new passkey.
    async fn add_passkey(&self, record: &PasskeyRecord) -> Result<(), StoreError>;

    /// Every passkey of `user_id`, oldest first.
    async fn passkeys_of(&self, user_id: UserId) -> Result<Vec<PasskeyRecord>, StoreError>;

    /// The passkey with this credential id, whoever it belongs to.
    async fn passkey_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<PasskeyRecord>, StoreError>;

    /// Records a sign-in: replaces the passkey JSON (its counter moved on), the backup state,
    /// and sets `last_used_at` to `now`. `false` when there is no such passkey.
    async fn update_passkey_use(
        &self,
        credential_id: &[u8],
        passkey: &str,
        backup_state: bool,
        now: SystemTime,
    ) -> Result<bool, StoreError>;

    /// Renames `user_id`'s passkey. `false` when `user_id` has no passkey with that id
    /// (another user's passkey included).
    async fn rename_passkey(
        &self,
        user_id: UserId,
        credential_id: &[u8],
        name: &str,
    ) -> Result<bool, StoreError>;

    /// Deletes `user_id`'s passkey. `false` when `user_id` has no passkey with that id
    /// (another user's passkey included). Does not check that the account keeps another way
    /// to sign in: see the [trait docs](Self).
    async fn delete_passkey(
        &self,
        user_id: UserId,
        credential_id: &[u8],
    ) -> Result<bool, StoreError>;
}
