//! [`AuditStore`] on `auth_audit_events`.

use async_trait::async_trait;
use auth_core::store::{AuditEvent, AuditKind, AuditStore, StoreError, UserId};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::SeaOrmStore;
use crate::convert::{corrupt, db, micros, session_id, time, user_id};
use crate::entity::audit_event;

fn from_model(row: audit_event::Model) -> Result<AuditEvent, StoreError> {
    let kind = AuditKind::parse(&row.kind).ok_or_else(|| corrupt("audit kind"))?;
    let mut event = AuditEvent::new(kind, time(row.at), row.success);
    event.user_id = row.user_id.as_deref().map(user_id).transpose()?;
    event.session_id = row.session_id.as_deref().map(session_id).transpose()?;
    event.ip = row.ip;
    event.user_agent = row.user_agent;
    event.detail = row.detail;
    Ok(event)
}

#[async_trait]
impl AuditStore for SeaOrmStore {
    #[tracing::instrument(level = "debug", skip_all, fields(kind = event.kind.as_str()))]
    async fn record_event(&self, event: &AuditEvent) -> Result<(), StoreError> {
        let row = audit_event::ActiveModel {
            id: NotSet,
            kind: Set(event.kind.as_str().to_owned()),
            user_id: Set(event.user_id.map(|id| id.to_string())),
            session_id: Set(event.session_id.map(|id| id.to_string())),
            ip: Set(event.ip.clone()),
            user_agent: Set(event.user_agent.clone()),
            at: Set(micros(event.at)?),
            success: Set(event.success),
            detail: Set(event.detail.clone()),
        };
        audit_event::Entity::insert(row)
            .exec_without_returning(self.connection())
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn events_for_user(
        &self,
        user_id: UserId,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        audit_event::Entity::find()
            .filter(audit_event::Column::UserId.eq(user_id.to_string()))
            // Newest first; among equal times, the later insert first.
            .order_by_desc(audit_event::Column::At)
            .order_by_desc(audit_event::Column::Id)
            .limit(u64::try_from(limit).unwrap_or(u64::MAX))
            .all(self.connection())
            .await
            .map_err(db)?
            .into_iter()
            .map(from_model)
            .collect()
    }
}
