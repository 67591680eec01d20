//! [`IdentityStore`] on `auth_identities`.

use async_trait::async_trait;
use auth_core::store::{IdentityStore, ProviderIdentity, StoreError, UserId};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::SeaOrmStore;
use crate::convert::{db, micros, time, user_id};
use crate::entity::identity;
use crate::error::conflict_or_backend;

fn from_model(row: identity::Model) -> Result<ProviderIdentity, StoreError> {
    let mut identity = ProviderIdentity::new(
        row.provider,
        row.subject,
        user_id(&row.user_id)?,
        time(row.linked_at),
    );
    identity.email = row.email;
    identity.email_verified = row.email_verified;
    Ok(identity)
}

#[async_trait]
impl IdentityStore for SeaOrmStore {
    #[tracing::instrument(level = "debug", skip_all, fields(provider = %identity.provider))]
    async fn link_identity(&self, identity: &ProviderIdentity) -> Result<(), StoreError> {
        let row = identity::ActiveModel {
            provider: Set(identity.provider.clone()),
            subject: Set(identity.subject.clone()),
            user_id: Set(identity.user_id.to_string()),
            email: Set(identity.email.clone()),
            email_verified: Set(identity.email_verified),
            linked_at: Set(micros(identity.linked_at)?),
        };
        // The primary key (provider, subject) refuses a second link atomically.
        identity::Entity::insert(row)
            .exec_without_returning(self.connection())
            .await
            .map_err(|error| conflict_or_backend(error, "provider identity"))?;
        Ok(())
    }

    async fn identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<ProviderIdentity>, StoreError> {
        identity::Entity::find_by_id((provider.to_owned(), subject.to_owned()))
            .one(self.connection())
            .await
            .map_err(db)?
            .map(from_model)
            .transpose()
    }

    async fn identities_for_user(
        &self,
        user_id: UserId,
    ) -> Result<Vec<ProviderIdentity>, StoreError> {
        identity::Entity::find()
            .filter(identity::Column::UserId.eq(user_id.to_string()))
            .order_by_asc(identity::Column::LinkedAt)
            .order_by_asc(identity::Column::Provider)
            .order_by_asc(identity::Column::Subject)
            .all(self.connection())
            .await
            .map_err(db)?
            .into_iter()
            .map(from_model)
            .collect()
    }

    async fn unlink_identity(
        &self,
        user_id: UserId,
        provider: &str,
        subject: &str,
    ) -> Result<bool, StoreError> {
        let deleted = identity::Entity::delete_many()
            .filter(identity::Column::UserId.eq(user_id.to_string()))
            .filter(identity::Column::Provider.eq(provider))
            .filter(identity::Column::Subject.eq(subject))
            .exec(self.connection())
            .await
            .map_err(db)?;
        Ok(deleted.rows_affected > 0)
    }
}
