//! [`RevocationStore`] on Redis: a key per revoked `jti` (hashed), expiring after the token.
//!
//! `revoke_access_token` is given the token's `exp` but no "now", and Redis expires keys by
//! its own clock, so the key lives until `exp` (by the system clock) plus
//! [`RedisConfig::revocation_grace`](crate::RedisConfig::revocation_grace): never shorter
//! than the token can still verify. A sorted set indexes the entries by `exp` for
//! [`purge_expired_revocations`](RevocationStore::purge_expired_revocations).

use std::sync::LazyLock;
use std::time::SystemTime;

use async_trait::async_trait;
use auth_core::store::{RevocationStore, RevokedAccessToken, StoreError};
use redis::{AsyncCommands, Script};

use crate::keys::hashed;
use crate::purge::Bound;
use crate::store::{RedisStore, duration_millis, millis};

/// KEYS: entry, expiry index. ARGV: time to live (ms), exp (ms), index member.
static REVOKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
",
    )
});

#[async_trait]
impl RevocationStore for RedisStore {
    async fn revoke_access_token(&self, revoked: &RevokedAccessToken) -> Result<(), StoreError> {
        let member = hashed(&revoked.jti);
        let entry = format!("{}{member}", self.keys.revoked_data());
        let left = revoked
            .expires_at
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        let ttl = duration_millis(left + self.revocation_grace).max(1);
        self.run(|mut connection| async move {
            REVOKE
                .key(entry)
                .key(self.keys.revoked_expiry())
                .arg(ttl)
                .arg(millis(revoked.expires_at))
                .arg(member)
                .invoke_async::<u8>(&mut connection)
                .await
        })
        .await?;
        Ok(())
    }

    async fn is_access_token_revoked(&self, jti: &str) -> Result<bool, StoreError> {
        let entry = format!("{}{}", self.keys.revoked_data(), hashed(jti));
        self.run(|mut connection| async move { connection.exists(entry).await })
            .await
    }

    async fn purge_expired_revocations(&self, now: SystemTime) -> Result<u64, StoreError> {
        let indexes = [self.keys.revoked_expiry()];
        self.purge(
            &indexes,
            &self.keys.revoked_data(),
            Bound::Below(millis(now)),
        )
        .await
    }
}
