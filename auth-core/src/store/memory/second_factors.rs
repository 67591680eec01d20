//! [`MemorySecondFactorStore`]: TOTP records and recovery codes per user.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use async_trait::async_trait;

use super::{count, lock};
use crate::store::{SecondFactorStore, SecretHash, StoreError, TotpRecord, UserId};

/// An in-memory [`SecondFactorStore`].
///
/// Every method is one critical section, so the conditional writes
/// ([`use_totp_step`](SecondFactorStore::use_totp_step),
/// [`use_recovery_code`](SecondFactorStore::use_recovery_code)) have exactly one winner.
/// It knows no users: records of unknown users are kept, and deleting a user from a
/// [`MemoryUserStore`](super::MemoryUserStore) leaves them (delete them here too).
///
/// Clones share the same records; see the [module docs](super) for the rest.
#[derive(Clone, Default)]
pub struct MemorySecondFactorStore {
    inner: Arc<Mutex<Factors>>,
}

#[derive(Default)]
struct Factors {
    totp: HashMap<UserId, TotpRecord>,
    /// Each user's recovery codes: the hash, and when it was used.
    recovery: HashMap<UserId, Vec<RecoveryCode>>,
}

struct RecoveryCode {
    hash: SecretHash,
    used_at: Option<SystemTime>,
}

impl MemorySecondFactorStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemorySecondFactorStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let factors = lock(&self.inner);
        f.debug_struct("MemorySecondFactorStore")
            .field("totp", &factors.totp.len())
            .field(
                "recovery_codes",
                &factors.recovery.values().map(Vec::len).sum::<usize>(),
            )
            .finish()
    }
}

#[async_trait]
impl SecondFactorStore for MemorySecondFactorStore {
    async fn put_totp(&self, user: UserId, record: TotpRecord) -> Result<(), StoreError> {
        lock(&self.inner).totp.insert(user, record);
        Ok(())
    }

    async fn totp(&self, user: UserId) -> Result<Option<TotpRecord>, StoreError> {
        Ok(lock(&self.inner).totp.get(&user).cloned())
    }

    async fn confirm_totp(
        &self,
        user: UserId,
        step: u64,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        let mut factors = lock(&self.inner);
        match factors.totp.get_mut(&user) {
            Some(record) if record.confirmed_at.is_none() => {
                record.confirmed_at = Some(now);
                record.last_used_step = Some(step);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn use_totp_step(&self, user: UserId, step: u64) -> Result<bool, StoreError> {
        let mut factors = lock(&self.inner);
        match factors.totp.get_mut(&user) {
            Some(record)
                if record.confirmed_at.is_some()
                    && record.last_used_step.is_none_or(|last| last < step) =>
            {
                record.last_used_step = Some(step);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn delete_totp(&self, user: UserId) -> Result<bool, StoreError> {
        Ok(lock(&self.inner).totp.remove(&user).is_some())
    }

    async fn replace_recovery_codes(
        &self,
        user: UserId,
        hashes: &[SecretHash],
        _now: SystemTime,
    ) -> Result<(), StoreError> {
        let mut codes: Vec<RecoveryCode> = Vec::with_capacity(hashes.len());
        for hash in hashes {
            if !codes.iter().any(|code| code.hash.ct_eq(hash)) {
                codes.push(RecoveryCode {
                    hash: *hash,
                    used_at: None,
                });
            }
        }
        lock(&self.inner).recovery.insert(user, codes);
        Ok(())
    }

    async fn use_recovery_code(
        &self,
        user: UserId,
        hash: &SecretHash,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        let mut factors = lock(&self.inner);
        let Some(codes) = factors.recovery.get_mut(&user) else {
            return Ok(false);
        };
        match codes
            .iter_mut()
            .find(|code| code.used_at.is_none() && code.hash.ct_eq(hash))
        {
            Some(code) => {
                code.used_at = Some(now);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    async fn recovery_codes_left(&self, user: UserId) -> Result<u32, StoreError> {
        let left = lock(&self.inner).recovery.get(&user).map_or(0, |codes| {
            codes.iter().filter(|code| code.used_at.is_none()).count()
        });
        Ok(u32::try_from(left).unwrap_or(u32::MAX))
    }

    async fn delete_recovery_codes(&self, user: UserId) -> Result<u64, StoreError> {
        let removed = lock(&self.inner).recovery.remove(&user);
        Ok(count(removed.map_or(0, |codes| codes.len())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_counts_only() {
        assert_eq!(
            format!("{:?}", MemorySecondFactorStore::new()),
            "MemorySecondFactorStore { totp: 0, recovery_codes: 0 }"
        );
    }
}
