//! [`MemoryPasskeyStore`]: passkeys by credential id.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use async_trait::async_trait;

use super::lock;
use crate::store::{PasskeyRecord, PasskeyStore, StoreError, UserId};

/// An in-memory [`PasskeyStore`]: one map from credential id to record, so a credential id is
/// unique across all users by construction. Listing a user's passkeys scans the map (fine for
/// tests and development servers).
///
/// Clones share the same passkeys; see the [module docs](super) for the rest.
#[derive(Clone, Default)]
pub struct MemoryPasskeyStore {
    inner: Arc<Mutex<HashMap<Vec<u8>, PasskeyRecord>>>,
}

impl MemoryPasskeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many passkeys are stored.
    pub fn len(&self) -> usize {
        lock(&self.inner).len()
    }

    /// Whether no passkey is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for MemoryPasskeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryPasskeyStore")
            .field("passkeys", &self.len())
            .finish()
    }
}

#[async_trait]
impl PasskeyStore for MemoryPasskeyStore {
    async fn add_passkey(&self, record: &PasskeyRecord) -> Result<(), StoreError> {
        let mut passkeys = lock(&self.inner);
        if passkeys.contains_key(&record.credential_id) {
            return Err(StoreError::Conflict("passkey credential id"));
        }
        passkeys.insert(record.credential_id.clone(), record.clone());
        Ok(())
    }

    async fn passkeys_of(&self, user_id: UserId) -> Result<Vec<PasskeyRecord>, StoreError> {
        let mut found: Vec<PasskeyRecord> = lock(&self.inner)
            .values()
            .filter(|record| record.user_id == user_id)
            .cloned()
            .collect();
        found.sort_by(|a, b| {
            (a.created_at, &a.credential_id).cmp(&(b.created_at, &b.credential_id))
        });
        Ok(found)
    }

    async fn passkey_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> Result<Option<PasskeyRecord>, StoreError> {
        Ok(lock(&self.inner).get(credential_id).cloned())
    }

    async fn update_passkey_use(
        &self,
        credential_id: &[u8],
        passkey: &str,
        backup_state: bool,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        let mut passkeys = lock(&self.inner);
        let Some(record) = passkeys.get_mut(credential_id) else {
            return Ok(false);
        };
        passkey.clone_into(&mut record.passkey);
        record.backup_state = backup_state;
        record.last_used_at = Some(now);
        Ok(true)
    }

    async fn rename_passkey(
        &self,
        user_id: UserId,
        credential_id: &[u8],
        name: &str,
    ) -> Result<bool, StoreError> {
        let mut passkeys = lock(&self.inner);
        match passkeys.get_mut(credential_id) {
            Some(record) if record.user_id == user_id => {
                name.clone_into(&mut record.name);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn delete_passkey(
        &self,
        user_id: UserId,
        credential_id: &[u8],
    ) -> Result<bool, StoreError> {
        let mut passkeys = lock(&self.inner);
        if passkeys
            .get(credential_id)
            .is_some_and(|record| record.user_id == user_id)
        {
            passkeys.remove(credential_id);
            return Ok(true);
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_counts_only() {
        let text = format!("{:?}", MemoryPasskeyStore::new());
        assert_eq!(text, "MemoryPasskeyStore { passkeys: 0 }");
    }
}
