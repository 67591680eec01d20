//! [`MemoryIdentityStore`]: provider links keyed by `(provider, subject)`.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::lock;
use crate::store::{IdentityStore, ProviderIdentity, StoreError, UserId};

/// An in-memory [`IdentityStore`].
///
/// `(provider, subject)` is unique and compared exactly. Links made at the same `linked_at` are
/// listed in the order they were made. Clones share the same links; see the
/// [module docs](super) for the rest.
#[derive(Clone, Default)]
pub struct MemoryIdentityStore {
    inner: Arc<Mutex<Identities>>,
}

#[derive(Default)]
struct Identities {
    links: HashMap<(String, String), Link>,
    /// Sequence number of the next link, to list links with equal `linked_at` stably.
    next_sequence: u64,
}

struct Link {
    sequence: u64,
    identity: ProviderIdentity,
}

fn key(provider: &str, subject: &str) -> (String, String) {
    (provider.to_owned(), subject.to_owned())
}

impl MemoryIdentityStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryIdentityStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let links = lock(&self.inner).links.len();
        f.debug_struct("MemoryIdentityStore")
            .field("identities", &links)
            .finish()
    }
}

#[async_trait]
impl IdentityStore for MemoryIdentityStore {
    async fn link_identity(&self, identity: &ProviderIdentity) -> Result<(), StoreError> {
        let mut identities = lock(&self.inner);
        let key = key(&identity.provider, &identity.subject);
        if identities.links.contains_key(&key) {
            return Err(StoreError::Conflict("provider identity"));
        }
        let sequence = identities.next_sequence;
        identities.next_sequence = sequence.wrapping_add(1);
        identities.links.insert(
            key,
            Link {
                sequence,
                identity: identity.clone(),
            },
        );
        Ok(())
    }

    async fn identity(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<ProviderIdentity>, StoreError> {
        Ok(lock(&self.inner)
            .links
            .get(&key(provider, subject))
            .map(|link| link.identity.clone()))
    }

    async fn identities_for_user(
        &self,
        user_id: UserId,
    ) -> Result<Vec<ProviderIdentity>, StoreError> {
        let identities = lock(&self.inner);
        let mut links: Vec<&Link> = identities
            .links
            .values()
            .filter(|link| link.identity.user_id == user_id)
            .collect();
        links.sort_by_key(|link| (link.identity.linked_at, link.sequence));
        Ok(links
            .into_iter()
            .map(|link| link.identity.clone())
            .collect())
    }

    async fn unlink_identity(
        &self,
        user_id: UserId,
        provider: &str,
        subject: &str,
    ) -> Result<bool, StoreError> {
        let mut identities = lock(&self.inner);
        let key = key(provider, subject);
        let linked_to_user = identities
            .links
            .get(&key)
            .is_some_and(|link| link.identity.user_id == user_id);
        if linked_to_user {
            identities.links.remove(&key);
        }
        Ok(linked_to_user)
    }
}
