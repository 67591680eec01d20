//! The audit trail (login history and every other security event).

use async_trait::async_trait;

use super::{AuditEvent, StoreError, UserId};

/// Append-only security events.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends `event`.
    async fn record_event(&self, event: &AuditEvent) -> Result<(), StoreError>;

    /// The `limit` most recent events of `user_id`, newest first.
    async fn events_for_user(
        &self,
        user_id: UserId,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError>;
}
