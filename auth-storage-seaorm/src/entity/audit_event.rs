//! `auth_audit_events`: the append-only security trail.

use sea_orm::entity::prelude::*;

/// One security event. See [`auth_core::store::AuditEvent`].
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_audit_events")]
pub struct Model {
    /// Row id, increasing in insertion order.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What happened ([`auth_core::store::AuditKind::as_str`]).
    pub kind: String,
    /// The user concerned. Not a foreign key: the trail outlives accounts.
    pub user_id: Option<String>,
    /// The session concerned.
    pub session_id: Option<String>,
    /// Client IP.
    pub ip: Option<String>,
    /// Client user agent.
    pub user_agent: Option<String>,
    /// When (µs since the epoch).
    pub at: i64,
    /// Whether the attempt succeeded.
    pub success: bool,
    /// A short machine-readable detail (never a secret).
    pub detail: Option<String>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
