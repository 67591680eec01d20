//! `auth_counters`: named usage counters for rate limits and quotas (see
//! [`auth_core::store::CounterStore`]), each living until its expiry.

use sea_orm::entity::prelude::*;

/// One counter: how much of its window's limit is used.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_counters")]
pub struct Model {
    /// The counter's name, window included (`rate:ip:192.0.2.0:29301220`,
    /// `quota:user:<id>:2026-12`); compared byte for byte on every backend.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// How much has been added (never negative, never past the limit it was added under).
    pub used: i64,
    /// When the counter counts as 0 again and may be purged (µs since the epoch).
    pub expires_at: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
