//! Where accounts live.

use std::time::SystemTime;

use async_trait::async_trait;

use super::{StoreError, User, UserId, UserUpdate};

/// Accounts, unique by normalized email and by [`username_key`](super::username_key).
///
/// **Lookups compare exactly.** Emails and username keys are normalized in one place
/// ([`normalize_email`](super::normalize_email), [`username_key`](super::username_key)) and
/// the store compares them byte for byte, for lookups and for uniqueness alike: no case,
/// accent or trailing-space folding by a database collation (MySQL/MariaDB's default ones
/// fold all three, and would let `alícé@example.com` find `alice@example.com`).
///
/// **Writes are column-scoped.** Flows change an account with
/// [`update_user_fields`](Self::update_user_fields), which writes only the columns it is
/// given; [`update_user`](Self::update_user) replaces the whole record and is for tools that
/// own it (administration, imports).
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts `user`. [`StoreError::Conflict`] when its id, email or username is taken
    /// (atomically: two concurrent inserts of one email cannot both succeed).
    async fn insert_user(&self, user: &User) -> Result<(), StoreError>;

    /// The user with `id`.
    async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError>;

    /// The user whose email equals `email` exactly (the caller normalizes it with
    /// [`normalize_email`](super::normalize_email)).
    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;

    /// The user whose [`username_key`](super::username_key) equals that of `username`,
    /// compared exactly: letter case does not matter, accents do.
    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError>;

    /// Replaces the whole stored record with `user` (matched by id; its id and creation
    /// time are kept). [`StoreError::NotFound`] when there is none;
    /// [`StoreError::Conflict`] when the new email or username is taken.
    ///
    /// For tools that own the whole record (an admin screen, an import). It silently undoes
    /// every change made between the caller's read and this write — a disable, a role
    /// removal, a password change, a cut-off — so the flows never call it: use
    /// [`update_user_fields`](Self::update_user_fields) to change some columns.
    async fn update_user(&self, user: &User) -> Result<(), StoreError>;

    /// Writes the columns `update` sets, and only those, to user `id` in one atomic write:
    /// a concurrent write of other columns is never undone. The cut-off only moves forward
    /// (the stored `tokens_valid_after` becomes the later of the two).
    ///
    /// `Ok(true)` when written; `Ok(false)` when the update's
    /// [`if_password_hash`](UserUpdate::if_password_hash) precondition did not hold (nothing
    /// written); [`StoreError::NotFound`] when there is no user `id`.
    async fn update_user_fields(&self, id: UserId, update: &UserUpdate)
    -> Result<bool, StoreError>;

    /// Sets `last_login_at` (a hot path: one small write, no read-modify-write).
    async fn record_login(&self, id: UserId, at: SystemTime) -> Result<(), StoreError>;

    /// Deletes account `id`; its email and username are free again at once. `Ok(false)`
    /// when there is no such account.
    ///
    /// A store that keeps the account's other records in the same database deletes them with
    /// it (auth-storage-seaorm: identities, sessions and their refresh tokens, one-time
    /// tokens, OAuth grants, by `ON DELETE CASCADE`; audit events stay). Records kept
    /// elsewhere outlive it harmlessly: every token check and flow looks the user up first
    /// and refuses a user that does not exist.
    ///
    /// The flows call it to undo a signup that failed after the account was inserted (the
    /// session, the audit record or the identity link could not be written), so that the
    /// retry is not answered "email taken" for an account nobody can sign in to.
    async fn delete_user(&self, id: UserId) -> Result<bool, StoreError>;
}
