//! `auth_totp`: each user's TOTP authenticator, its secret encrypted.

use sea_orm::entity::prelude::*;

/// One user's TOTP record. See [`auth_core::store::TotpRecord`].
///
/// `Debug` is written by hand: the ciphertext has no business in logs.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_totp")]
pub struct Model {
    /// Whose it is (one record per user).
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    /// The secret as auth-core's `mfa` module encrypted it (bound to the user id), never in
    /// clear.
    pub encrypted_secret: Vec<u8>,
    /// When the enrolment was confirmed (µs since the epoch); `NULL` while pending.
    pub confirmed_at: Option<i64>,
    /// The last TOTP time step accepted; codes of this step and earlier are refused.
    pub last_used_step: Option<i64>,
    /// When the enrolment started (µs since the epoch).
    pub created_at: i64,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("user_id", &self.user_id)
            .field("confirmed_at", &self.confirmed_at)
            .field("last_used_step", &self.last_used_step)
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

/// No relations are declared; the foreign key lives in the migration.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
