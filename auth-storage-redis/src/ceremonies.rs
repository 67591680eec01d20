//! [`CeremonyStore`] on Redis: a ceremony is one JSON value under
//! `<prefix>ceremony:id:<hex of the token's SHA-256>`, written with `SET NX` (an id already
//! pending is a conflict), expiring with the ceremony, and taken with `GETDEL` (consume-once:
//! of concurrent takes, Redis hands the value to exactly one). The purpose is checked after
//! the take, so a ceremony presented for another purpose is spent too (fail closed).

use std::fmt;
use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use auth_core::store::{
    Ceremony, CeremonyPurpose, CeremonyStore, SecretHash, SecretValue, StoreError, UserId,
};
use redis::Script;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::keys::hex;
use crate::purge::Bound;
use crate::store::{RedisStore, duration_millis, millis};

/// KEYS: ceremony, expiry index. ARGV: JSON, time to live (ms), expiry (ms), index member.
/// Returns 1 when stored, 0 when the id was already pending.
static PUT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1
",
    )
});

/// KEYS: ceremony, expiry index. ARGV: index member. Removes and returns the ceremony.
static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local ceremony = redis.call('GETDEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return ceremony
",
    )
});

/// The stored form. It holds the ceremony state (a WebAuthn challenge); `Debug` is by hand
/// so it never reaches a log, and it is zeroed on drop.
#[derive(Serialize, Deserialize)]
struct Stored {
    purpose: String,
    user_id: Option<String>,
    state: String,
    expires_secs: u64,
    expires_nanos: u32,
}

impl fmt::Debug for Stored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stored")
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

impl Drop for Stored {
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        self.state.zeroize();
    }
}

impl Stored {
    fn from_ceremony(ceremony: &Ceremony) -> Self {
        let expires = ceremony
            .expires_at
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Self {
            purpose: ceremony.purpose.as_str().to_owned(),
            user_id: ceremony.user_id.map(|id| id.to_string()),
            state: ceremony.state.expose_secret().to_owned(),
            expires_secs: expires.as_secs(),
            expires_nanos: expires.subsec_nanos(),
        }
    }

    /// The ceremony, or `None` when the record is not one this crate wrote.
    fn into_ceremony(mut self) -> Option<Ceremony> {
        let purpose = CeremonyPurpose::parse(&self.purpose)?;
        let user_id = match self.user_id.as_deref() {
            Some(text) => Some(UserId::parse(text)?),
            None => None,
        };
        let expires_at =
            UNIX_EPOCH.checked_add(Duration::new(self.expires_secs, self.expires_nanos))?;
        Some(Ceremony::new(
            purpose,
            user_id,
            SecretValue::new(std::mem::take(&mut self.state)),
            expires_at,
        ))
    }
}

/// A record in Redis that does not parse (written by something else, or corrupted).
#[derive(Debug, thiserror::Error)]
#[error("a ceremony in Redis does not parse")]
struct Malformed;

#[async_trait]
impl CeremonyStore for RedisStore {
    async fn put_ceremony(
        &self,
        id: &SecretHash,
        ceremony: Ceremony,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        let member = hex(id.as_bytes());
        let key = format!("{}{member}", self.keys.ceremony_data());
        let json = Zeroizing::new(
            serde_json::to_string(&Stored::from_ceremony(&ceremony))
                .map_err(StoreError::backend)?,
        );
        // Relative to the caller's `now` (stores never read the clock); a ceremony already
        // expired still takes its id for a millisecond, so the conflict rule holds.
        let ttl = ceremony
            .expires_at
            .duration_since(now)
            .map_or(1, |left| duration_millis(left).max(1));
        let expires = millis(ceremony.expires_at);
        let stored: u8 = self
            .run(|mut connection| async move {
                PUT.key(key)
                    .key(self.keys.ceremony_expiry())
                    .arg(json.as_str())
                    .arg(ttl)
                    .arg(expires)
                    .arg(member)
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        if stored == 1 {
            Ok(())
        } else {
            Err(StoreError::Conflict("ceremony"))
        }
    }

    async fn take_ceremony(
        &self,
        id: &SecretHash,
        purpose: CeremonyPurpose,
        now: SystemTime,
    ) -> Result<Option<Ceremony>, StoreError> {
        let member = hex(id.as_bytes());
        let key = format!("{}{member}", self.keys.ceremony_data());
        let json: Option<Vec<u8>> = self
            .run(|mut connection| async move {
                TAKE.key(key)
                    .key(self.keys.ceremony_expiry())
                    .arg(member)
                    .invoke_async(&mut connection)
                    .await
            })
            .await?;
        let Some(json) = json.map(Zeroizing::new) else {
            return Ok(None);
        };
        let ceremony = serde_json::from_slice::<Stored>(&json)
            .ok()
            .and_then(Stored::into_ceremony)
            .ok_or_else(|| StoreError::backend(Malformed))?;
        // Redis may not have expired it yet; the caller's clock decides. Another purpose
        // was consumed above all the same.
        Ok((ceremony.purpose == purpose && ceremony.expires_at > now).then_some(ceremony))
    }

    async fn purge_expired_ceremonies(&self, now: SystemTime) -> Result<u64, StoreError> {
        let indexes = [self.keys.ceremony_expiry()];
        self.purge(
            &indexes,
            &self.keys.ceremony_data(),
            Bound::AtOrBelow(millis(now)),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_form_round_trips_and_never_shows_the_state() {
        let user = UserId::generate().unwrap();
        let ceremony = Ceremony::new(
            CeremonyPurpose::PasskeyRegistration,
            Some(user),
            SecretValue::new(r#"{"challenge":"hunter2"}"#),
            UNIX_EPOCH + Duration::new(1_800_000_000, 123),
        );
        let stored = Stored::from_ceremony(&ceremony);
        assert!(!format!("{stored:?}").contains("hunter2"));
        let json = serde_json::to_string(&stored).unwrap();
        let back = serde_json::from_str::<Stored>(&json)
            .unwrap()
            .into_ceremony()
            .unwrap();
        assert_eq!(back.purpose, CeremonyPurpose::PasskeyRegistration);
        assert_eq!(back.user_id, Some(user));
        assert_eq!(back.state.expose_secret(), r#"{"challenge":"hunter2"}"#);
        assert_eq!(back.expires_at, ceremony.expires_at);
    }

    #[test]
    fn a_malformed_record_is_refused_not_a_panic() {
        for (purpose, user) in [("nope", None), ("second_factor", Some("not-a-uuid"))] {
            let stored = Stored {
                purpose: purpose.to_owned(),
                user_id: user.map(str::to_owned),
                state: String::new(),
                expires_secs: u64::MAX,
                expires_nanos: 0,
            };
            assert!(stored.into_ceremony().is_none(), "{purpose}");
        }
    }
}
