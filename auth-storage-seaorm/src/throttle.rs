//! [`ThrottleStore`] on `auth_throttle_counters`: one counter row per key.
//!
//! **Count before you check, in one statement.** A reservation is decided by a single
//! conditional `UPDATE`:
//!
//! ```sql
//! UPDATE auth_throttle_counters
//! SET attempts  = CASE WHEN opened_at <= :now - :window THEN 1    ELSE attempts + 1 END,
//!     opened_at = CASE WHEN opened_at <= :now - :window THEN :now ELSE opened_at    END
//! WHERE key = :key AND (opened_at <= :now - :window OR attempts < :max)
//! ```
//!
//! One row changed means granted. Every backend runs it under the row's write lock and
//! evaluates the `WHERE` on the latest committed row (PostgreSQL re-checks it after waiting
//! for a concurrent writer; InnoDB's `UPDATE` reads the current row; SQLite serialises
//! writers), so N concurrent reservations grant at most `max` — there is no read before the
//! write. A key without a row yet is created by `INSERT … ON CONFLICT DO NOTHING` (MySQL:
//! `INSERT IGNORE`) with one attempt, which is again one atomic decision; losing that insert
//! to a concurrent one falls back to the `UPDATE`. (MySQL assigns left to right, so
//! `attempts` is assigned before `opened_at` changes.) The read after a refusal only computes
//! `retry_after`; it decides nothing.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use auth_core::store::{Reservation, StoreError, ThrottleStore};
use sea_orm::sea_query::{Condition, Expr, ExprTrait as _, LikeExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Statement,
};

use crate::SeaOrmStore;
use crate::convert::{db, micros, time};
use crate::entity::throttle_counter as counter;

/// `now - window` in µs, or `None` when that is before any representable time (then no
/// window ever closes).
fn closes_before(now: SystemTime, window: Duration) -> Option<i64> {
    now.checked_sub(window).and_then(|after| micros(after).ok())
}

impl SeaOrmStore {
    /// The conditional `UPDATE` that decides a reservation on an existing row.
    async fn reserve_existing(
        &self,
        key: &str,
        now: i64,
        closed: Option<i64>,
        max: u32,
    ) -> Result<bool, StoreError> {
        use counter::Column;
        // A window opened at or before `closed` has closed: the attempt opens a new one.
        let expired = match closed {
            Some(closed) => Expr::col(Column::OpenedAt).lte(closed),
            None => Expr::val(false),
        };
        let updated = counter::Entity::update_many()
            // `attempts` first: MySQL assigns left to right and must see the old `opened_at`.
            .col_expr(
                Column::Attempts,
                Expr::case(expired.clone(), 1_i64)
                    .finally(Expr::col(Column::Attempts).add(1_i64))
                    .into(),
            )
            .col_expr(
                Column::OpenedAt,
                Expr::case(expired.clone(), now)
                    .finally(Expr::col(Column::OpenedAt))
                    .into(),
            )
            .filter(Column::Key.eq(key))
            .filter(
                Condition::any()
                    .add(expired)
                    .add(Column::Attempts.lt(i64::from(max))),
            )
            .exec(self.counter_connection())
            .await
            .map_err(db)?;
        Ok(updated.rows_affected > 0)
    }

    /// Creates `key`'s row with one attempt; `false` if a row was there already.
    async fn reserve_new(&self, key: &str, now: i64) -> Result<bool, StoreError> {
        let backend = self.backend();
        let sql = match backend {
            DbBackend::MySql => {
                "INSERT IGNORE INTO `auth_throttle_counters` (`key`, `opened_at`, `attempts`) \
                 VALUES (?, ?, 1)"
            }
            DbBackend::Postgres => {
                r#"INSERT INTO "auth_throttle_counters" ("key", "opened_at", "attempts") VALUES ($1, $2, 1) ON CONFLICT ("key") DO NOTHING"#
            }
            _ => {
                r#"INSERT INTO "auth_throttle_counters" ("key", "opened_at", "attempts") VALUES (?, ?, 1) ON CONFLICT ("key") DO NOTHING"#
            }
        };
        let inserted = self
            .connection()
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [key.into(), now.into()],
            ))
            .await
            .map_err(db)?;
        Ok(inserted.rows_affected() > 0)
    }

    /// How long until `key`'s window closes (informational: read after the decision).
    async fn retry_after(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<Duration, StoreError> {
        let opened: Option<i64> = counter::Entity::find_by_id(key.to_owned())
            .select_only()
            .column(counter::Column::OpenedAt)
            .into_tuple()
            .one(self.counter_connection())
            .await
            .map_err(db)?;
        Ok(opened
            .and_then(|opened| time(opened).checked_add(window))
            .and_then(|closes| closes.duration_since(now).ok())
            .unwrap_or(window)
            .min(window))
    }
}

#[async_trait]
impl ThrottleStore for SeaOrmStore {
    async fn reserve(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
        max: u32,
    ) -> Result<Reservation, StoreError> {
        if max == 0 {
            return Ok(Reservation::Refused {
                retry_after: window,
            });
        }
        let at = micros(now)?;
        let closed = closes_before(now, window);
        // The usual case (the key has a row) is one statement; a new key is an insert; an
        // insert lost to a concurrent one is decided by the update after all.
        let granted = self.reserve_existing(key, at, closed, max).await?
            || self.reserve_new(key, at).await?
            || self.reserve_existing(key, at, closed, max).await?;
        if granted {
            Ok(Reservation::Granted)
        } else {
            Ok(Reservation::Refused {
                retry_after: self.retry_after(key, now, window).await?,
            })
        }
    }

    async fn release(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<(), StoreError> {
        use counter::Column;
        let mut update = counter::Entity::update_many()
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).sub(1_i64))
            .filter(Column::Key.eq(key))
            .filter(Column::Attempts.gt(0_i64));
        if let Some(closed) = closes_before(now, window) {
            update = update.filter(Column::OpenedAt.gt(closed));
        }
        update.exec(self.counter_connection()).await.map_err(db)?;
        Ok(())
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        // `key` and the keys nested under it; `!` escapes the LIKE wildcards in `key` (a
        // login name may contain `%` or `_`), and is a plain character in every dialect's
        // string literals, unlike `\`.
        let escaped: String = key
            .chars()
            .flat_map(|c| match c {
                '!' | '%' | '_' => vec!['!', c],
                c => vec![c],
            })
            .collect();
        let nested = LikeExpr::new(format!("{escaped}:%")).escape('!');
        counter::Entity::delete_many()
            .filter(
                Condition::any()
                    .add(counter::Column::Key.eq(key))
                    .add(counter::Column::Key.like(nested)),
            )
            .exec(self.counter_connection())
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn purge_old_failures(
        &self,
        now: SystemTime,
        window: Duration,
    ) -> Result<u64, StoreError> {
        let Some(cutoff) = now.checked_sub(window) else {
            return Ok(0); // the window reaches back before any representable time
        };
        let purged = counter::Entity::delete_many()
            .filter(counter::Column::OpenedAt.lt(micros(cutoff)?))
            .exec(self.counter_connection())
            .await
            .map_err(db)?;
        Ok(purged.rows_affected)
    }
}
