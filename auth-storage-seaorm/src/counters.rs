//! [`CounterStore`] on `auth_counters`: rate-limit and quota counters, one row per key.
//!
//! **One conditional statement decides**, as for the throttle counters
//! ([`crate::throttle`]): an addition to an existing counter is
//!
//! ```sql
//! UPDATE auth_counters
//! SET used       = CASE WHEN expires_at <= :now THEN :cost    ELSE used + :cost END,
//!     expires_at = CASE WHEN expires_at <= :now THEN :expires ELSE expires_at   END
//! WHERE key = :key AND (expires_at <= :now OR used <= :limit - :cost)
//! ```
//!
//! and one row changed means allowed. Every backend evaluates that `WHERE` on the latest
//! committed row under its write lock (PostgreSQL re-checks it after waiting for a concurrent
//! writer, InnoDB's `UPDATE` reads the current row, SQLite serialises writers), so N
//! concurrent additions allow exactly what fits. `used <= limit - cost` (with
//! `cost <= limit` checked first) cannot overflow where `used + cost <= limit` could. A key
//! without a row is created by `INSERT … ON CONFLICT DO NOTHING` (MySQL: `INSERT IGNORE`)
//! with `used = cost`, again one atomic decision; losing that insert to a concurrent one falls
//! back to the `UPDATE`. MySQL assigns left to right, so `used` is assigned while
//! `expires_at` is still the old one.
//!
//! `used` is then read back for the answer: it informs, it does not decide (a concurrent
//! addition may already show in it). A `cost` of 0 is only that read. Counters hold a signed
//! `BIGINT`, so a limit above `i64::MAX` acts as `i64::MAX`.

use std::time::SystemTime;

use async_trait::async_trait;
use auth_core::store::{Count, CounterStore, StoreError};
use sea_orm::sea_query::{Condition, Expr, ExprTrait as _};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Statement,
};

use crate::SeaOrmStore;
use crate::convert::{corrupt, db, micros};
use crate::entity::counter;
use crate::migration::COUNTER_KEY;

/// A counter key longer than the column holds. Refused before any SQL: MySQL's
/// `INSERT IGNORE` would truncate it into another key and share that counter.
#[derive(Debug, thiserror::Error)]
#[error("counter key is longer than {COUNTER_KEY} characters")]
struct KeyTooLong;

impl SeaOrmStore {
    /// The conditional `UPDATE` that decides an addition to an existing row.
    async fn add_existing(
        &self,
        key: &str,
        cost: i64,
        limit: i64,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, StoreError> {
        use counter::Column;
        let expired = Expr::col(Column::ExpiresAt).lte(now);
        let updated = counter::Entity::update_many()
            // `used` first: MySQL assigns left to right and must see the old `expires_at`.
            .col_expr(
                Column::Used,
                Expr::case(expired.clone(), cost)
                    .finally(Expr::col(Column::Used).add(cost))
                    .into(),
            )
            .col_expr(
                Column::ExpiresAt,
                Expr::case(expired.clone(), expires_at)
                    .finally(Expr::col(Column::ExpiresAt))
                    .into(),
            )
            .filter(Column::Key.eq(key))
            .filter(
                Condition::any()
                    .add(expired)
                    .add(Column::Used.lte(limit - cost)),
            )
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(updated.rows_affected > 0)
    }

    /// Creates `key`'s counter at `cost`; `false` if a row was there already.
    async fn add_new(&self, key: &str, cost: i64, expires_at: i64) -> Result<bool, StoreError> {
        let backend = self.backend();
        let sql = match backend {
            DbBackend::MySql => {
                "INSERT IGNORE INTO `auth_counters` (`key`, `used`, `expires_at`) VALUES (?, ?, ?)"
            }
            DbBackend::Postgres => {
                r#"INSERT INTO "auth_counters" ("key", "used", "expires_at") VALUES ($1, $2, $3) ON CONFLICT ("key") DO NOTHING"#
            }
            _ => {
                r#"INSERT INTO "auth_counters" ("key", "used", "expires_at") VALUES (?, ?, ?) ON CONFLICT ("key") DO NOTHING"#
            }
        };
        let inserted = self
            .connection()
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [key.into(), cost.into(), expires_at.into()],
            ))
            .await
            .map_err(db)?;
        Ok(inserted.rows_affected() > 0)
    }

    /// `key`'s value at `now`: 0 when it does not exist or has expired.
    async fn counter_value(&self, key: &str, now: i64) -> Result<u64, StoreError> {
        let used: Option<i64> = counter::Entity::find_by_id(key.to_owned())
            .filter(counter::Column::ExpiresAt.gt(now))
            .select_only()
            .column(counter::Column::Used)
            .into_tuple()
            .one(self.connection())
            .await
            .map_err(db)?;
        u64::try_from(used.unwrap_or(0)).map_err(|_| corrupt("negative counter"))
    }
}

#[async_trait]
impl CounterStore for SeaOrmStore {
    #[tracing::instrument(level = "debug", skip_all, fields(cost = cost, limit = limit))]
    async fn add(
        &self,
        key: &str,
        cost: u64,
        limit: u64,
        expires_at: SystemTime,
        now: SystemTime,
    ) -> Result<Count, StoreError> {
        let max_key = usize::try_from(COUNTER_KEY).unwrap_or(usize::MAX);
        if key.chars().count() > max_key {
            return Err(StoreError::backend(KeyTooLong));
        }
        let now = micros(now)?;
        let expires_at = micros(expires_at)?;
        // No counter can pass the column's `i64::MAX`, so neither can a limit.
        let column_limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let cost = match i64::try_from(cost) {
            Ok(0) => {
                let used = self.counter_value(key, now).await?;
                return Ok(Count {
                    allowed: used <= limit,
                    used,
                });
            }
            Ok(cost) if cost <= column_limit => cost,
            // Would pass the limit even on a counter at 0: refused, nothing written.
            _ => {
                return Ok(Count {
                    allowed: false,
                    used: self.counter_value(key, now).await?,
                });
            }
        };
        // The usual case (the key has a row) is one statement; a new key is an insert; an
        // insert lost to a concurrent one is decided by the update after all.
        let allowed = self
            .add_existing(key, cost, column_limit, expires_at, now)
            .await?
            || self.add_new(key, cost, expires_at).await?
            || self
                .add_existing(key, cost, column_limit, expires_at, now)
                .await?;
        Ok(Count {
            allowed,
            used: self.counter_value(key, now).await?,
        })
    }

    async fn purge_expired_counters(&self, now: SystemTime) -> Result<u64, StoreError> {
        let purged = counter::Entity::delete_many()
            .filter(counter::Column::ExpiresAt.lte(micros(now)?))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(purged.rows_affected)
    }
}
