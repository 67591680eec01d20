//! [`ThrottleStore`] on `auth_throttle_failures`: one row per failure.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use auth_core::store::{StoreError, ThrottleStore};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};

use crate::SeaOrmStore;
use crate::convert::{db, micros};
use crate::entity::throttle_failure as failure;

/// Failures of `key` in `(now - window, now]`.
async fn count_in_window<C: ConnectionTrait>(
    connection: &C,
    key: &str,
    now: SystemTime,
    window: Duration,
) -> Result<u32, StoreError> {
    let mut query = failure::Entity::find()
        .filter(failure::Column::Key.eq(key))
        .filter(failure::Column::At.lte(micros(now)?));
    // A window reaching back before any representable time counts everything.
    if let Some(after) = now.checked_sub(window).and_then(|after| micros(after).ok()) {
        query = query.filter(failure::Column::At.gt(after));
    }
    let counted = query.count(connection).await.map_err(db)?;
    Ok(u32::try_from(counted).unwrap_or(u32::MAX))
}

#[async_trait]
impl ThrottleStore for SeaOrmStore {
    async fn record_failure(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<u32, StoreError> {
        // An insert per failure cannot lose a concurrent one; the count then includes ours.
        let row = failure::ActiveModel {
            id: NotSet,
            key: Set(key.to_owned()),
            at: Set(micros(now)?),
        };
        failure::Entity::insert(row)
            .exec_without_returning(self.connection())
            .await
            .map_err(db)?;
        count_in_window(self.connection(), key, now, window).await
    }

    async fn failures(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<u32, StoreError> {
        count_in_window(self.connection(), key, now, window).await
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        failure::Entity::delete_many()
            .filter(failure::Column::Key.eq(key))
            .exec(self.connection())
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
        let purged = failure::Entity::delete_many()
            .filter(failure::Column::At.lt(micros(cutoff)?))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(purged.rows_affected)
    }
}
