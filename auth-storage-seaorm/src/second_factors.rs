//! [`SecondFactorStore`] on `auth_totp` and `auth_recovery_codes`.
//!
//! Every decision is one conditional statement whose affected-row count is the answer:
//!
//! ```sql
//! UPDATE auth_totp SET last_used_step = ?
//!  WHERE user_id = ? AND confirmed_at IS NOT NULL
//!    AND (last_used_step IS NULL OR last_used_step < ?)      -- use_totp_step
//! UPDATE auth_recovery_codes SET used_at = ?
//!  WHERE user_id = ? AND hash = ? AND used_at IS NULL        -- use_recovery_code
//! ```
//!
//! so of concurrent calls with one step (or one code) exactly one sees a row change, on
//! SQLite, PostgreSQL and MySQL alike.

use std::collections::BTreeSet;
use std::time::SystemTime;

use async_trait::async_trait;
use auth_core::opaque::TokenHash;
use auth_core::store::{SecondFactorStore, SecretHash, StoreError, TotpRecord, UserId};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter,
    TransactionTrait,
};

use crate::SeaOrmStore;
use crate::convert::{corrupt, db, micros, opt_micros, time};
use crate::entity::{recovery_code, totp};

/// A TOTP time step beyond what a `BIGINT` holds (about 8.8 × 10^19 seconds at 30 s a step:
/// no real clock gets there).
#[derive(Debug, thiserror::Error)]
#[error("TOTP time step is out of the storable range")]
struct StepOutOfRange;

fn step_column(step: u64) -> Result<i64, StoreError> {
    i64::try_from(step).map_err(|_| StoreError::backend(StepOutOfRange))
}

/// A code's hash as the 64 hex digits the column holds.
fn hex(hash: &SecretHash) -> String {
    TokenHash::from_bytes(*hash.as_bytes()).to_hex()
}

fn from_model(row: totp::Model) -> Result<TotpRecord, StoreError> {
    let mut record = TotpRecord::new(row.encrypted_secret, time(row.created_at));
    record.confirmed_at = row.confirmed_at.map(time);
    record.last_used_step = row
        .last_used_step
        .map(|step| u64::try_from(step).map_err(|_| corrupt("negative TOTP step")))
        .transpose()?;
    Ok(record)
}

#[async_trait]
impl SecondFactorStore for SeaOrmStore {
    /// One `INSERT … ON CONFLICT (user_id) DO UPDATE` (`ON DUPLICATE KEY UPDATE` on MySQL).
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user))]
    async fn put_totp(&self, user: UserId, record: TotpRecord) -> Result<(), StoreError> {
        let row = totp::ActiveModel {
            user_id: Set(user.to_string()),
            encrypted_secret: Set(record.encrypted_secret),
            confirmed_at: Set(opt_micros(record.confirmed_at)?),
            last_used_step: Set(record.last_used_step.map(step_column).transpose()?),
            created_at: Set(micros(record.created_at)?),
        };
        totp::Entity::insert(row)
            .on_conflict(
                OnConflict::column(totp::Column::UserId)
                    .update_columns([
                        totp::Column::EncryptedSecret,
                        totp::Column::ConfirmedAt,
                        totp::Column::LastUsedStep,
                        totp::Column::CreatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(self.connection())
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn totp(&self, user: UserId) -> Result<Option<TotpRecord>, StoreError> {
        totp::Entity::find_by_id(user.to_string())
            .one(self.connection())
            .await
            .map_err(db)?
            .map(from_model)
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user))]
    async fn confirm_totp(
        &self,
        user: UserId,
        step: u64,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        let confirmed = totp::Entity::update_many()
            .col_expr(totp::Column::ConfirmedAt, Expr::value(micros(now)?))
            .col_expr(totp::Column::LastUsedStep, Expr::value(step_column(step)?))
            .filter(totp::Column::UserId.eq(user.to_string()))
            .filter(totp::Column::ConfirmedAt.is_null())
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(confirmed.rows_affected == 1)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user))]
    async fn use_totp_step(&self, user: UserId, step: u64) -> Result<bool, StoreError> {
        let step = step_column(step)?;
        // The conditional update is the decision: of concurrent uses of one step, one
        // matches (the others find `last_used_step` already at `step`).
        let used = totp::Entity::update_many()
            .col_expr(totp::Column::LastUsedStep, Expr::value(step))
            .filter(totp::Column::UserId.eq(user.to_string()))
            .filter(totp::Column::ConfirmedAt.is_not_null())
            .filter(
                Condition::any()
                    .add(totp::Column::LastUsedStep.is_null())
                    .add(totp::Column::LastUsedStep.lt(step)),
            )
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(used.rows_affected == 1)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user))]
    async fn delete_totp(&self, user: UserId) -> Result<bool, StoreError> {
        let deleted = totp::Entity::delete_many()
            .filter(totp::Column::UserId.eq(user.to_string()))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(deleted.rows_affected > 0)
    }

    /// The old codes' `DELETE` and the new ones' `INSERT` in one transaction: a failure
    /// leaves the old codes working rather than none.
    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user, codes = hashes.len()))]
    async fn replace_recovery_codes(
        &self,
        user: UserId,
        hashes: &[SecretHash],
        now: SystemTime,
    ) -> Result<(), StoreError> {
        let user_id = user.to_string();
        let now = micros(now)?;
        let distinct: BTreeSet<String> = hashes.iter().map(hex).collect();
        let rows: Vec<recovery_code::ActiveModel> = distinct
            .into_iter()
            .map(|hash| recovery_code::ActiveModel {
                user_id: Set(user_id.clone()),
                hash: Set(hash),
                created_at: Set(now),
                used_at: Set(None),
            })
            .collect();
        let txn = self.connection().begin().await.map_err(db)?;
        recovery_code::Entity::delete_many()
            .filter(recovery_code::Column::UserId.eq(user_id.as_str()))
            .exec(&txn)
            .await
            .map_err(db)?;
        if !rows.is_empty() {
            recovery_code::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await
                .map_err(db)?;
        }
        txn.commit().await.map_err(db)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user))]
    async fn use_recovery_code(
        &self,
        user: UserId,
        hash: &SecretHash,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        // The conditional update is the decision: of concurrent uses of one code, one matches.
        let used = recovery_code::Entity::update_many()
            .col_expr(recovery_code::Column::UsedAt, Expr::value(micros(now)?))
            .filter(recovery_code::Column::UserId.eq(user.to_string()))
            .filter(recovery_code::Column::Hash.eq(hex(hash)))
            .filter(recovery_code::Column::UsedAt.is_null())
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(used.rows_affected == 1)
    }

    async fn recovery_codes_left(&self, user: UserId) -> Result<u32, StoreError> {
        let left = recovery_code::Entity::find()
            .filter(recovery_code::Column::UserId.eq(user.to_string()))
            .filter(recovery_code::Column::UsedAt.is_null())
            .count(self.connection())
            .await
            .map_err(db)?;
        Ok(u32::try_from(left).unwrap_or(u32::MAX))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(user_id = %user))]
    async fn delete_recovery_codes(&self, user: UserId) -> Result<u64, StoreError> {
        let deleted = recovery_code::Entity::delete_many()
            .filter(recovery_code::Column::UserId.eq(user.to_string()))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(deleted.rows_affected)
    }
}
