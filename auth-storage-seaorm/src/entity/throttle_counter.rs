//! `auth_throttle_counters`: one attempt counter per throttle key, over a window that opens
//! at the key's first attempt.

use sea_orm::entity::prelude::*;

/// The open (or last) window of `key`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_throttle_counters")]
pub struct Model {
    /// The throttle key (`login:user:<id>`, `login:ip:<network>`, …).
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// When the window opened (µs since the epoch).
    pub opened_at: i64,
    /// Attempts reserved in the window (granted ones only).
    pub attempts: i64,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
