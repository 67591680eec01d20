//! [`MemoryAuditStore`]: the audit trail as an append-only list.

use std::cmp::Reverse;
use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::lock;
use crate::store::{AuditEvent, AuditStore, StoreError, UserId};

/// An in-memory [`AuditStore`].
///
/// Events with the same `at` are listed newest-recorded first. The trail only grows. Clones
/// share the same trail; see the [module docs](super) for the rest.
#[derive(Clone, Default)]
pub struct MemoryAuditStore {
    inner: Arc<Mutex<Vec<AuditEvent>>>,
}

impl MemoryAuditStore {
    /// An empty trail.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every event recorded so far, in the order recorded, including those without a user
    /// (which [`AuditStore::events_for_user`] cannot return). Meant for tests that check what a
    /// flow recorded.
    pub fn events(&self) -> Vec<AuditEvent> {
        lock(&self.inner).clone()
    }
}

impl fmt::Debug for MemoryAuditStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let events = lock(&self.inner).len();
        f.debug_struct("MemoryAuditStore")
            .field("events", &events)
            .finish()
    }
}

#[async_trait]
impl AuditStore for MemoryAuditStore {
    async fn record_event(&self, event: &AuditEvent) -> Result<(), StoreError> {
        lock(&self.inner).push(event.clone());
        Ok(())
    }

    async fn events_for_user(
        &self,
        user_id: UserId,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let trail = lock(&self.inner);
        // Newest recorded first, then a stable sort by time keeps that order among equal times.
        let mut events: Vec<&AuditEvent> = trail
            .iter()
            .rev()
            .filter(|event| event.user_id == Some(user_id))
            .collect();
        events.sort_by_key(|event| Reverse(event.at));
        Ok(events.into_iter().take(limit).cloned().collect())
    }
}
