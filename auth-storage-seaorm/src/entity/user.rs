//! `auth_users`: accounts.

use sea_orm::entity::prelude::*;

/// One account. See [`auth_core::store::User`] for what each field means.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_users")]
pub struct Model {
    /// The user id (hyphenated UUID).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The normalized (trimmed, lowercase) email; unique.
    pub email: String,
    /// Whether the email is verified.
    pub email_verified: bool,
    /// The username as the user chose it.
    pub username: Option<String>,
    /// The username lowercased: unique, so usernames are unique case-insensitively.
    pub username_key: Option<String>,
    /// Name to show.
    pub display_name: Option<String>,
    /// Avatar URL.
    pub avatar_url: Option<String>,
    /// Preferred locale.
    pub locale: Option<String>,
    /// The PHC password hash, if the account has a password.
    pub password_hash: Option<String>,
    /// Whether the account may sign in.
    pub active: bool,
    /// Roles, as a JSON array of strings.
    pub roles: String,
    /// Permissions, as a JSON array of strings.
    pub permissions: String,
    /// Plan tier.
    pub plan: Option<String>,
    /// Tenant id.
    pub tenant_id: Option<String>,
    /// Created at (µs since the epoch).
    pub created_at: i64,
    /// Last changed at (µs since the epoch).
    pub updated_at: i64,
    /// Last successful login (µs since the epoch).
    pub last_login_at: Option<i64>,
    /// Access tokens issued before this instant are refused (µs since the epoch).
    pub tokens_valid_after: Option<i64>,
}

/// No relations are declared; the foreign keys live in the migration.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
