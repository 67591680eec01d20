//! The one purge every store here shares: delete, batch by batch, the entries a sorted-set
//! index scores at or below a bound, and drop them from the index (and from any other index
//! naming them). Redis expires the entries by itself; the purge exists so the indexes stay
//! bounded and the stores count what they delete, as the trait contracts ask.

use std::sync::LazyLock;

use auth_core::store::StoreError;
use redis::Script;

use crate::store::RedisStore;

/// How many index entries one script run handles, so a large purge never blocks Redis for
/// long (scripts run alone).
const BATCH: u64 = 500;

/// KEYS: the scored index, then other indexes naming the same members. ARGV: entry-key
/// prefix, the highest score to purge (`(n` for "below n"), batch. Returns `{seen, deleted}`.
static PURGE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local names = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local deleted = 0
for _, name in ipairs(names) do
  deleted = deleted + redis.call('DEL', ARGV[1] .. name)
  for i = 1, #KEYS do redis.call('ZREM', KEYS[i], name) end
end
return {#names, deleted}
",
    )
});

/// Up to where [`purge`] deletes.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Bound {
    /// Scores below this.
    Below(u64),
    /// Scores at or below this.
    AtOrBelow(u64),
}

impl RedisStore {
    /// Deletes the entries `<data_prefix><member>` of the members of `indexes[0]` scored
    /// within `bound`, and those members from every index in `indexes`; returns how many
    /// entries existed to delete.
    pub(crate) async fn purge(
        &self,
        indexes: &[String],
        data_prefix: &str,
        bound: Bound,
    ) -> Result<u64, StoreError> {
        let max = match bound {
            Bound::Below(score) => format!("({score}"),
            Bound::AtOrBelow(score) => score.to_string(),
        };
        let max = max.as_str();
        let mut purged = 0;
        loop {
            let (seen, deleted): (u64, u64) = self
                .run(|mut connection| async move {
                    let mut call = PURGE.prepare_invoke();
                    for index in indexes {
                        call.key(index);
                    }
                    call.arg(data_prefix)
                        .arg(max)
                        .arg(BATCH)
                        .invoke_async(&mut connection)
                        .await
                })
                .await?;
            purged += deleted;
            if seen < BATCH {
                return Ok(purged);
            }
        }
    }
}
