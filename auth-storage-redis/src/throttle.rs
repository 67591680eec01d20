//! [`ThrottleStore`] on Redis: one script per operation, so each decision is atomic.
//!
//! A key's state is a hash under `<prefix>throttle:key:<key>` (`o`: when its window opened,
//! `n`: attempts in it) that Redis expires when the window ends. Two sorted sets index the
//! keys: by opening time (for [`purge_old_failures`](ThrottleStore::purge_old_failures)) and
//! by name at one score (for the literal prefix range of
//! [`clear_failures`](ThrottleStore::clear_failures)).

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use auth_core::store::{Reservation, StoreError, ThrottleStore};
use redis::Script;

use crate::purge::Bound;
use crate::store::{RedisStore, duration_millis, millis};

/// KEYS: state, opened index, names index. ARGV: now (ms), window (ms), max, key.
/// Returns `{1, 0}` when granted, `{0, retry_after_ms}` when refused. Counts before the
/// caller checks anything: the count and the decision are this one script.
static RESERVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local now, window, max = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'o', 'n')
local opened = tonumber(state[1])
if opened == nil or opened + window <= now then
  if max == 0 then return {0, window} end
  redis.call('HSET', KEYS[1], 'o', ARGV[1], 'n', 1)
  redis.call('PEXPIRE', KEYS[1], math.max(window, 1))
  redis.call('ZADD', KEYS[2], ARGV[1], ARGV[4])
  redis.call('ZADD', KEYS[3], 0, ARGV[4])
  return {1, 0}
end
local left = opened + window - now
if (tonumber(state[2]) or 0) >= max then return {0, left} end
redis.call('HINCRBY', KEYS[1], 'n', 1)
if left > redis.call('PTTL', KEYS[1]) then redis.call('PEXPIRE', KEYS[1], left) end
return {1, 0}
",
    )
});

/// KEYS: state. ARGV: now (ms), window (ms). Gives one attempt back in an open window.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local state = redis.call('HMGET', KEYS[1], 'o', 'n')
local opened, n = tonumber(state[1]), tonumber(state[2]) or 0
if opened == nil or opened + tonumber(ARGV[2]) <= tonumber(ARGV[1]) or n <= 0 then
  return 0
end
redis.call('HINCRBY', KEYS[1], 'n', -1)
return 1
",
    )
});

/// KEYS: opened index, names index. ARGV: state-key prefix, key. Deletes `key` and every
/// `key:…`: the names from `key:` (inclusive) up to `key;` (exclusive, `;` follows `:`) are
/// exactly those that start with `key:`, compared byte for byte, no pattern involved.
static CLEAR: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local names = redis.call('ZRANGEBYLEX', KEYS[2], '[' .. ARGV[2] .. ':', '(' .. ARGV[2] .. ';')
table.insert(names, ARGV[2])
for _, name in ipairs(names) do
  redis.call('DEL', ARGV[1] .. name)
  redis.call('ZREM', KEYS[1], name)
  redis.call('ZREM', KEYS[2], name)
end
return #names
",
    )
});

#[async_trait]
impl ThrottleStore for RedisStore {
    async fn reserve(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
        max: u32,
    ) -> Result<Reservation, StoreError> {
        let state = format!("{}{key}", self.keys.throttle_data());
        let (granted, retry_after_ms): (u8, u64) = self
            .run(|mut connection| async move {
                RESERVE
                    .key(state)
                    .key(self.keys.throttle_opened())
                    .key(self.keys.throttle_names())
                    .arg(millis(now))
                    .arg(duration_millis(window))
                    .arg(max)
                    .arg(key)
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        Ok(if granted == 1 {
            Reservation::Granted
        } else {
            Reservation::Refused {
                retry_after: Duration::from_millis(retry_after_ms),
            }
        })
    }

    async fn release(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<(), StoreError> {
        let state = format!("{}{key}", self.keys.throttle_data());
        self.run(|mut connection| async move {
            RELEASE
                .key(state)
                .arg(millis(now))
                .arg(duration_millis(window))
                .invoke_async::<u8>(&mut connection)
                .await
        })
        .await?;
        Ok(())
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        self.run(|mut connection| async move {
            CLEAR
                .key(self.keys.throttle_opened())
                .key(self.keys.throttle_names())
                .arg(self.keys.throttle_data())
                .arg(key)
                .invoke_async::<u64>(&mut connection)
                .await
        })
        .await?;
        Ok(())
    }

    async fn purge_old_failures(
        &self,
        now: SystemTime,
        window: Duration,
    ) -> Result<u64, StoreError> {
        let cut_off = millis(now.checked_sub(window).unwrap_or(SystemTime::UNIX_EPOCH));
        let indexes = [self.keys.throttle_opened(), self.keys.throttle_names()];
        self.purge(&indexes, &self.keys.throttle_data(), Bound::Below(cut_off))
            .await
    }
}
