//! `auth_throttle_failures`: one row per recorded failure, counted over a sliding window.

use sea_orm::entity::prelude::*;

/// One failure of `key` at `at`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_throttle_failures")]
pub struct Model {
    /// Row id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The throttle key (`account:<email>`, `ip:<address>`, …).
    pub key: String,
    /// When the failure happened (µs since the epoch).
    pub at: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
