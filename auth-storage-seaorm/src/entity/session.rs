//! `auth_sessions`: one row per login on a device.

use sea_orm::entity::prelude::*;

/// One session. See [`auth_core::store::Session`].
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_sessions")]
pub struct Model {
    /// The session id (`sid`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// What it is for ([`auth_core::store::SessionKind::as_str`]).
    pub kind: String,
    /// Whose session it is.
    pub user_id: String,
    /// Created at (µs since the epoch).
    pub created_at: i64,
    /// Last refresh (µs since the epoch).
    pub last_used_at: i64,
    /// Absolute expiry (µs since the epoch).
    pub expires_at: i64,
    /// Idle expiry (µs since the epoch).
    pub idle_expires_at: i64,
    /// Client IP at login.
    pub ip: Option<String>,
    /// User agent at login.
    pub user_agent: Option<String>,
    /// Device name the client gave.
    pub device_name: Option<String>,
    /// Revoked at (µs since the epoch).
    pub revoked_at: Option<i64>,
    /// Why it was revoked ([`auth_core::store::RevokeReason::as_str`]).
    pub revoke_reason: Option<String>,
    /// When the user last authenticated (µs since the epoch); `None` in sessions from before
    /// the column existed, read as `created_at`.
    pub auth_time: Option<i64>,
    /// How, as space-separated RFC 8176 names.
    pub amr: String,
    /// The authentication context class satisfied.
    pub acr: Option<String>,
}

/// No relations are declared; the foreign keys live in the migration.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
