//! [`OneTimeTokenStore`] on `auth_one_time_tokens`.

use std::time::SystemTime;

use async_trait::async_trait;
use auth_core::opaque::TokenHash;
use auth_core::store::{OneTimePurpose, OneTimeToken, OneTimeTokenStore, StoreError, UserId};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, TransactionTrait};

use crate::SeaOrmStore;
use crate::convert::{corrupt, db, micros, opt_micros, time, user_id};
use crate::entity::one_time_token;
use crate::error::conflict_or_backend;

fn from_model(row: one_time_token::Model) -> Result<OneTimeToken, StoreError> {
    let purpose = OneTimePurpose::parse(&row.purpose).ok_or_else(|| corrupt("purpose"))?;
    let hash = TokenHash::from_hex(&row.hash).map_err(|_| corrupt("token hash"))?;
    let mut token = OneTimeToken::new(
        purpose,
        hash,
        user_id(&row.user_id)?,
        time(row.created_at),
        time(row.expires_at),
    );
    token.used_at = row.used_at.map(time);
    Ok(token)
}

/// Deletes the unused tokens of `user_id` for `purpose`.
fn void_query(
    user_id: UserId,
    purpose: OneTimePurpose,
) -> sea_orm::DeleteMany<one_time_token::Entity> {
    one_time_token::Entity::delete_many()
        .filter(one_time_token::Column::UserId.eq(user_id.to_string()))
        .filter(one_time_token::Column::Purpose.eq(purpose.as_str()))
        .filter(one_time_token::Column::UsedAt.is_null())
}

#[async_trait]
impl OneTimeTokenStore for SeaOrmStore {
    #[tracing::instrument(level = "debug", skip_all, fields(purpose = token.purpose.as_str()))]
    async fn issue_one_time_token(&self, token: &OneTimeToken) -> Result<(), StoreError> {
        let row = one_time_token::ActiveModel {
            hash: Set(token.hash.to_hex()),
            purpose: Set(token.purpose.as_str().to_owned()),
            user_id: Set(token.user_id.to_string()),
            created_at: Set(micros(token.created_at)?),
            expires_at: Set(micros(token.expires_at)?),
            used_at: Set(opt_micros(token.used_at)?),
        };
        // Void the older ones and store the new one together: a failure leaves the old link
        // working rather than none.
        let txn = self.connection().begin().await.map_err(db)?;
        void_query(token.user_id, token.purpose)
            .exec(&txn)
            .await
            .map_err(db)?;
        one_time_token::Entity::insert(row)
            .exec_without_returning(&txn)
            .await
            .map_err(|error| conflict_or_backend(error, "one-time token"))?;
        txn.commit().await.map_err(db)
    }

    async fn consume_one_time_token(
        &self,
        hash: &TokenHash,
        purpose: OneTimePurpose,
        now: SystemTime,
    ) -> Result<Option<OneTimeToken>, StoreError> {
        let now = micros(now)?;
        let hash = hash.to_hex();
        // The conditional update is the decision: of concurrent consumers one matches.
        let consumed = one_time_token::Entity::update_many()
            .col_expr(one_time_token::Column::UsedAt, Expr::value(now))
            .filter(one_time_token::Column::Hash.eq(hash.as_str()))
            .filter(one_time_token::Column::Purpose.eq(purpose.as_str()))
            .filter(one_time_token::Column::UsedAt.is_null())
            .filter(one_time_token::Column::ExpiresAt.gt(now))
            .exec(self.connection())
            .await
            .map_err(db)?;
        if consumed.rows_affected != 1 {
            return Ok(None);
        }
        // `used_at` is set once and never cleared, so this read sees our own write.
        one_time_token::Entity::find_by_id(hash)
            .one(self.connection())
            .await
            .map_err(db)?
            .map(from_model)
            .transpose()
    }

    async fn void_one_time_tokens(
        &self,
        user_id: UserId,
        purpose: OneTimePurpose,
    ) -> Result<u64, StoreError> {
        let voided = void_query(user_id, purpose)
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(voided.rows_affected)
    }

    async fn purge_expired_one_time_tokens(&self, now: SystemTime) -> Result<u64, StoreError> {
        let purged = one_time_token::Entity::delete_many()
            .filter(one_time_token::Column::ExpiresAt.lt(micros(now)?))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(purged.rows_affected)
    }
}
