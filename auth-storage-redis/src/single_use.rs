//! One value under a secret's hash, written once and taken once: what pending social logins
//! and ceremonies are stored as. `SET NX` with a time to live (a key already there is a
//! conflict) plus an expiry index for purges, and `GETDEL` to take (consume-once: of
//! concurrent takes, Redis hands the value to exactly one).

use std::sync::LazyLock;
use std::time::SystemTime;

use auth_core::store::{SecretHash, StoreError};
use redis::Script;
use zeroize::Zeroizing;

use crate::keys::hex;
use crate::store::{RedisStore, duration_millis, millis};

/// KEYS: value, expiry index. ARGV: JSON, time to live (ms), expiry (ms), index member.
/// Returns 1 when stored, 0 when the key was already taken.
static PUT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
",
    )
});

/// KEYS: value, expiry index. ARGV: index member. Removes and returns the value.
static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local value = redis.call('GETDEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return value
",
    )
});

/// Where one kind of single-use value lives: the prefix of its keys and its expiry index.
pub(crate) struct Place {
    pub(crate) data_prefix: String,
    pub(crate) expiry_index: String,
}

impl RedisStore {
    /// Stores `json` under `id` in `place` until `expires_at`; `false` when `id` is already
    /// there. The time to live is relative to the caller's `now` (stores never read the
    /// clock); a value already expired still holds its key for a millisecond, so the
    /// conflict rule holds.
    pub(crate) async fn put_single_use(
        &self,
        place: Place,
        id: &SecretHash,
        json: &str,
        expires_at: SystemTime,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        let member = hex(id.as_bytes());
        let key = format!("{}{member}", place.data_prefix);
        let ttl = expires_at
            .duration_since(now)
            .map_or(1, |left| duration_millis(left).max(1));
        let expires = millis(expires_at);
        let stored: u8 = self
            .run(|mut connection| async move {
                PUT.key(key)
                    .key(place.expiry_index)
                    .arg(json)
                    .arg(ttl)
                    .arg(expires)
                    .arg(member)
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        Ok(stored == 1)
    }

    /// Removes and returns the JSON under `id` in `place` (zeroed when dropped). Redis may
    /// not have expired it yet: the caller's clock decides whether it still counts.
    pub(crate) async fn take_single_use(
        &self,
        place: Place,
        id: &SecretHash,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, StoreError> {
        let member = hex(id.as_bytes());
        let key = format!("{}{member}", place.data_prefix);
        let json: Option<Vec<u8>> = self
            .run(|mut connection| async move {
                TAKE.key(key)
                    .key(place.expiry_index)
                    .arg(member)
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        Ok(json.map(Zeroizing::new))
    }
}
