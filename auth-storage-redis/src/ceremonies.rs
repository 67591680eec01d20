//! [`CeremonyStore`] on Redis: a ceremony is one JSON value under
//! `<prefix>ceremony:id:<hex of the token's SHA-256>`, written with `SET NX` (an id already
//! pending is a conflict), expiring with the ceremony, and taken with `GETDEL` (consume-once:
//! of concurrent takes, Redis hands the value to exactly one). The purpose is checked after
//! the take, so a ceremony presented for another purpose is spent too (fail closed).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use auth_core::store::{
    Ceremony, CeremonyPurpose, CeremonyStore, SecretHash, SecretValue, StoreError, UserId,
};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::purge::Bound;
use crate::single_use::Place;
use crate::store::{RedisStore, millis};

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

impl RedisStore {
    fn ceremony_place(&self) -> Place {
        Place {
            data_prefix: self.keys.ceremony_data(),
            expiry_index: self.keys.ceremony_expiry(),
        }
    }
}

#[async_trait]
impl CeremonyStore for RedisStore {
    async fn put_ceremony(
        &self,
        id: &SecretHash,
        ceremony: Ceremony,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        let json = Zeroizing::new(
            serde_json::to_string(&Stored::from_ceremony(&ceremony))
                .map_err(StoreError::backend)?,
        );
        let place = self.ceremony_place();
        if self
            .put_single_use(place, id, &json, ceremony.expires_at, now)
            .await?
        {
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
        let Some(json) = self.take_single_use(self.ceremony_place(), id).await? else {
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
