//! [`PendingLoginStore`] on `auth_pending_logins`.

use std::time::SystemTime;

use async_trait::async_trait;
use auth_core::opaque::TokenHash;
use auth_core::store::{PendingLogin, PendingLoginStore, SecretHash, SecretValue, StoreError};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::SeaOrmStore;
use crate::convert::{corrupt, db, micros, time};
use crate::entity::pending_login;
use crate::error::conflict_or_backend;

/// A secret's hash as the 64 hex digits the columns hold.
fn hex(hash: &SecretHash) -> String {
    TokenHash::from_bytes(*hash.as_bytes()).to_hex()
}

fn from_model(row: pending_login::Model) -> Result<PendingLogin, StoreError> {
    let binding =
        TokenHash::from_hex(&row.browser_binding).map_err(|_| corrupt("browser-binding hash"))?;
    Ok(PendingLogin::new(
        row.provider,
        SecretValue::new(row.pkce_verifier),
        row.nonce.map(SecretValue::new),
        SecretHash::from_bytes(*binding.as_bytes()),
        time(row.expires_at),
    ))
}

#[async_trait]
impl PendingLoginStore for SeaOrmStore {
    #[tracing::instrument(level = "debug", skip_all, fields(provider = login.provider.as_str()))]
    async fn put_pending_login(
        &self,
        state: &SecretHash,
        login: PendingLogin,
        _now: SystemTime,
    ) -> Result<(), StoreError> {
        // Expired rows are left to `purge_expired`: a put stays one statement.
        let row = pending_login::ActiveModel {
            state_hash: Set(hex(state)),
            provider: Set(login.provider),
            pkce_verifier: Set(login.pkce_verifier.into_secret()),
            nonce: Set(login.nonce.map(SecretValue::into_secret)),
            browser_binding: Set(hex(&login.browser_binding)),
            expires_at: Set(micros(login.expires_at)?),
        };
        pending_login::Entity::insert(row)
            .exec_without_returning(self.connection())
            .await
            .map_err(|error| conflict_or_backend(error, "pending login"))?;
        Ok(())
    }

    async fn take_pending_login(
        &self,
        state: &SecretHash,
        now: SystemTime,
    ) -> Result<Option<PendingLogin>, StoreError> {
        let key = hex(state);
        let Some(row) = pending_login::Entity::find_by_id(key.as_str())
            .one(self.connection())
            .await
            .map_err(db)?
        else {
            return Ok(None);
        };
        // The DELETE is the decision: of concurrent takes that all read the row, exactly one
        // deletes it (rows_affected = 1) on every backend, so only that one may use it.
        let deleted = pending_login::Entity::delete_many()
            .filter(pending_login::Column::StateHash.eq(key.as_str()))
            .exec(self.connection())
            .await
            .map_err(db)?;
        if deleted.rows_affected != 1 || micros(now)? >= row.expires_at {
            return Ok(None);
        }
        from_model(row).map(Some)
    }

    async fn purge_expired_pending_logins(&self, now: SystemTime) -> Result<u64, StoreError> {
        let purged = pending_login::Entity::delete_many()
            .filter(pending_login::Column::ExpiresAt.lte(micros(now)?))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(purged.rows_affected)
    }
}
