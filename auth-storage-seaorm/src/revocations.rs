//! [`RevocationStore`] on `auth_revoked_access_tokens`.

use std::time::SystemTime;

use async_trait::async_trait;
use auth_core::store::{RevocationStore, RevokedAccessToken, StoreError};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, SqlErr};

use crate::SeaOrmStore;
use crate::convert::{db, micros};
use crate::entity::revoked_access_token as revoked;

#[async_trait]
impl RevocationStore for SeaOrmStore {
    async fn revoke_access_token(&self, token: &RevokedAccessToken) -> Result<(), StoreError> {
        let expires_at = micros(token.expires_at)?;
        let row = revoked::ActiveModel {
            jti: Set(token.jti.clone()),
            expires_at: Set(expires_at),
        };
        match revoked::Entity::insert(row)
            .exec_without_returning(self.connection())
            .await
        {
            Ok(_) => Ok(()),
            Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                // Already revoked: keep the row until the later of the two expiries.
                revoked::Entity::update_many()
                    .col_expr(revoked::Column::ExpiresAt, Expr::value(expires_at))
                    .filter(revoked::Column::Jti.eq(token.jti.as_str()))
                    .filter(revoked::Column::ExpiresAt.lt(expires_at))
                    .exec(self.connection())
                    .await
                    .map_err(db)?;
                Ok(())
            }
            Err(error) => Err(db(error)),
        }
    }

    async fn is_access_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        let found = revoked::Entity::find()
            .filter(revoked::Column::Jti.eq(jti))
            .count(self.connection())
            .await
            .map_err(db)?;
        Ok(found > 0)
    }

    async fn purge_expired_revocations(&self, now: SystemTime) -> Result<u64, StoreError> {
        let purged = revoked::Entity::delete_many()
            .filter(revoked::Column::ExpiresAt.lt(micros(now)?))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(purged.rows_affected)
    }
}
