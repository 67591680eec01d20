//! Where accounts live.

use std::time::SystemTime;

use async_trait::async_trait;

use super::{StoreError, User, UserId};

/// Accounts, unique by normalized email and (case-insensitively) by username.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Inserts `user`. [`StoreError::Conflict`] when its id, email or username is taken
    /// (atomically: two concurrent inserts of one email cannot both succeed).
    async fn insert_user(&self, user: &User) -> Result<(), StoreError>;

    /// The user with `id`.
    async fn user_by_id(&self, id: UserId) -> Result<Option<User>, StoreError>;

    /// The user whose normalized email equals `email` (the caller normalizes).
    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;

    /// The user whose username equals `username`, compared case-insensitively.
    async fn user_by_username(&self, username: &str) -> Result<Option<User>, StoreError>;

    /// Replaces the stored record with `user` (matched by id). [`StoreError::NotFound`] when
    /// there is none; [`StoreError::Conflict`] when the new email or username is taken.
    async fn update_user(&self, user: &User) -> Result<(), StoreError>;

    /// Sets `last_login_at` (a hot path: one small write, no read-modify-write).
    async fn record_login(&self, id: UserId, at: SystemTime) -> Result<(), StoreError>;
}
