//! [`CeremonyStore`] on `auth_ceremonies`.

use std::time::SystemTime;

use async_trait::async_trait;
use auth_core::opaque::TokenHash;
use auth_core::store::{
    Ceremony, CeremonyPurpose, CeremonyStore, SecretHash, SecretValue, StoreError,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::SeaOrmStore;
use crate::convert::{corrupt, db, micros, time, user_id};
use crate::entity::ceremony;
use crate::error::conflict_or_backend;

/// A ceremony id's hash as the 64 hex digits the column holds.
fn hex(hash: &SecretHash) -> String {
    TokenHash::from_bytes(*hash.as_bytes()).to_hex()
}

fn from_model(row: ceremony::Model) -> Result<Ceremony, StoreError> {
    let purpose =
        CeremonyPurpose::parse(&row.purpose).ok_or_else(|| corrupt("unknown ceremony purpose"))?;
    Ok(Ceremony::new(
        purpose,
        row.user_id.as_deref().map(user_id).transpose()?,
        SecretValue::new(row.state),
        time(row.expires_at),
    ))
}

#[async_trait]
impl CeremonyStore for SeaOrmStore {
    #[tracing::instrument(level = "debug", skip_all, fields(purpose = ceremony.purpose.as_str()))]
    async fn put_ceremony(
        &self,
        id: &SecretHash,
        ceremony: Ceremony,
        _now: SystemTime,
    ) -> Result<(), StoreError> {
        // Expired rows are left to `purge_expired`: a put stays one statement.
        let row = ceremony::ActiveModel {
            id_hash: Set(hex(id)),
            purpose: Set(ceremony.purpose.as_str().to_owned()),
            user_id: Set(ceremony.user_id.map(|id| id.to_string())),
            state: Set(ceremony.state.into_secret()),
            expires_at: Set(micros(ceremony.expires_at)?),
        };
        ceremony::Entity::insert(row)
            .exec_without_returning(self.connection())
            .await
            .map_err(|error| conflict_or_backend(error, "ceremony"))?;
        Ok(())
    }

    async fn take_ceremony(
        &self,
        id: &SecretHash,
        purpose: CeremonyPurpose,
        now: SystemTime,
    ) -> Result<Option<Ceremony>, StoreError> {
        let key = hex(id);
        let Some(row) = ceremony::Entity::find_by_id(key.as_str())
            .one(self.connection())
            .await
            .map_err(db)?
        else {
            return Ok(None);
        };
        // The DELETE is the decision, as for pending logins: of concurrent takes that all
        // read the row, exactly one deletes it (rows_affected = 1) on every backend, so only
        // that one may use it. It runs whatever the purpose: a ceremony presented for
        // another purpose is spent (fail closed).
        let deleted = ceremony::Entity::delete_many()
            .filter(ceremony::Column::IdHash.eq(key.as_str()))
            .exec(self.connection())
            .await
            .map_err(db)?;
        if deleted.rows_affected != 1
            || micros(now)? >= row.expires_at
            || row.purpose != purpose.as_str()
        {
            return Ok(None);
        }
        from_model(row).map(Some)
    }

    async fn purge_expired_ceremonies(&self, now: SystemTime) -> Result<u64, StoreError> {
        let purged = ceremony::Entity::delete_many()
            .filter(ceremony::Column::ExpiresAt.lte(micros(now)?))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(purged.rows_affected)
    }
}
