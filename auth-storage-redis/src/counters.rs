//! [`CounterStore`] on Redis: one script adds within the limit.
//!
//! A counter is a hash under `<prefix>counter:key:<sha256(key)>` (`n`: used, `e`: expiry in
//! ms, in the caller's clock) that Redis expires with it; a sorted set indexes the counters by
//! expiry for [`purge_expired_counters`](CounterStore::purge_expired_counters).
//!
//! Lua numbers are doubles, exact up to 2⁵³ − 1 ([`MAX_EXACT`]): a `limit` above that is
//! treated as that (nothing real counts so far), and a `cost` above it is refused.

use std::sync::LazyLock;
use std::time::SystemTime;

use async_trait::async_trait;
use auth_core::store::{Count, CounterStore, StoreError};
use redis::Script;

use crate::keys::hashed;
use crate::purge::Bound;
use crate::store::{MAX_EXACT, RedisStore, millis};

/// KEYS: counter, expiry index. ARGV: cost, limit, expires (ms), now (ms), index member.
/// Returns `{allowed, used}`. A counter whose `e` is not after `now` counts as 0 and is
/// re-created with this call's expiry; a live one keeps its expiry.
static ADD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local cost, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local expires, now = tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'n', 'e')
local used, live = 0, false
local e = tonumber(state[2])
if e ~= nil and e > now then
  used, live = tonumber(state[1]) or 0, true
end
if used > limit or cost > limit - used then return {0, used} end
if cost == 0 then return {1, used} end
if live then return {1, redis.call('HINCRBY', KEYS[1], 'n', ARGV[1])} end
if expires <= now then return {1, cost} end
redis.call('HSET', KEYS[1], 'n', ARGV[1], 'e', ARGV[3])
redis.call('PEXPIRE', KEYS[1], expires - now)
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[5])
return {1, cost}
",
    )
});

#[async_trait]
impl CounterStore for RedisStore {
    async fn add(
        &self,
        key: &str,
        cost: u64,
        limit: u64,
        expires_at: SystemTime,
        now: SystemTime,
    ) -> Result<Count, StoreError> {
        let member = hashed(key);
        let counter = format!("{}{member}", self.keys.counter_data());
        // One past the exact range is still exact (2⁵³) and above every clamped limit.
        let cost = cost.min(MAX_EXACT + 1);
        let limit = limit.min(MAX_EXACT);
        let (allowed, used): (u8, u64) = self
            .run(|mut connection| async move {
                ADD.key(counter)
                    .key(self.keys.counter_expiry())
                    .arg(cost)
                    .arg(limit)
                    .arg(millis(expires_at))
                    .arg(millis(now))
                    .arg(member)
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        Ok(Count {
            allowed: allowed == 1,
            used,
        })
    }

    async fn purge_expired_counters(&self, now: SystemTime) -> Result<u64, StoreError> {
        let indexes = [self.keys.counter_expiry()];
        self.purge(
            &indexes,
            &self.keys.counter_data(),
            Bound::AtOrBelow(millis(now)),
        )
        .await
    }
}
