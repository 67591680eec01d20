//! [`PendingLoginStore`] on Redis: a login is one JSON value under
//! `<prefix>pending:state:<hex of the state's SHA-256>`, written with `SET NX` (a state already
//! pending is a conflict), expiring with the login, and taken with `GETDEL` (consume-once:
//! of concurrent takes, Redis hands the value to exactly one).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use auth_core::store::{PendingLogin, PendingLoginStore, SecretHash, SecretValue, StoreError};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::keys::hex;
use crate::purge::Bound;
use crate::single_use::Place;
use crate::store::{RedisStore, millis};

/// The stored form. It holds the PKCE verifier and the nonce (the code exchange needs
/// them); `Debug` is by hand so they never reach a log.
#[derive(Serialize, Deserialize)]
struct Stored {
    provider: String,
    pkce_verifier: String,
    nonce: Option<String>,
    /// Hex SHA-256 of the browser binding.
    browser_binding: String,
    expires_secs: u64,
    expires_nanos: u32,
}

impl fmt::Debug for Stored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stored")
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

impl Drop for Stored {
    fn drop(&mut self) {
        use zeroize::Zeroize as _;
        self.pkce_verifier.zeroize();
        if let Some(nonce) = &mut self.nonce {
            nonce.zeroize();
        }
    }
}

impl Stored {
    fn from_login(login: &PendingLogin) -> Self {
        let expires = login
            .expires_at
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Self {
            provider: login.provider.clone(),
            pkce_verifier: login.pkce_verifier.expose_secret().to_owned(),
            nonce: login
                .nonce
                .as_ref()
                .map(|nonce| nonce.expose_secret().to_owned()),
            browser_binding: hex(login.browser_binding.as_bytes()),
            expires_secs: expires.as_secs(),
            expires_nanos: expires.subsec_nanos(),
        }
    }

    /// The login, or `None` when the record is not one this crate wrote.
    fn into_login(mut self) -> Option<PendingLogin> {
        let binding = parse_hash(&self.browser_binding)?;
        let expires_at =
            UNIX_EPOCH.checked_add(Duration::new(self.expires_secs, self.expires_nanos))?;
        Some(PendingLogin::new(
            std::mem::take(&mut self.provider),
            SecretValue::new(std::mem::take(&mut self.pkce_verifier)),
            self.nonce.take().map(SecretValue::new),
            binding,
            expires_at,
        ))
    }
}

fn parse_hash(text: &str) -> Option<SecretHash> {
    if text.len() != 64 {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(SecretHash::from_bytes(bytes))
}

/// A record in Redis that does not parse (written by something else, or corrupted).
#[derive(Debug, thiserror::Error)]
#[error("a pending login in Redis does not parse")]
struct Malformed;

impl RedisStore {
    fn pending_place(&self) -> Place {
        Place {
            data_prefix: self.keys.pending_data(),
            expiry_index: self.keys.pending_expiry(),
        }
    }
}

#[async_trait]
impl PendingLoginStore for RedisStore {
    async fn put_pending_login(
        &self,
        state: &SecretHash,
        login: PendingLogin,
        now: SystemTime,
    ) -> Result<(), StoreError> {
        let json = Zeroizing::new(
            serde_json::to_string(&Stored::from_login(&login)).map_err(StoreError::backend)?,
        );
        let place = self.pending_place();
        if self
            .put_single_use(place, state, &json, login.expires_at, now)
            .await?
        {
            Ok(())
        } else {
            Err(StoreError::Conflict("pending login state"))
        }
    }

    async fn take_pending_login(
        &self,
        state: &SecretHash,
        now: SystemTime,
    ) -> Result<Option<PendingLogin>, StoreError> {
        let Some(json) = self.take_single_use(self.pending_place(), state).await? else {
            return Ok(None);
        };
        let login = serde_json::from_slice::<Stored>(&json)
            .ok()
            .and_then(Stored::into_login)
            .ok_or_else(|| StoreError::backend(Malformed))?;
        // Redis may not have expired it yet; the caller's clock decides.
        Ok((login.expires_at > now).then_some(login))
    }

    async fn purge_expired_pending_logins(&self, now: SystemTime) -> Result<u64, StoreError> {
        let indexes = [self.keys.pending_expiry()];
        self.purge(
            &indexes,
            &self.keys.pending_data(),
            Bound::AtOrBelow(millis(now)),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_form_round_trips_and_never_shows_secrets() {
        let login = PendingLogin::new(
            "google",
            SecretValue::new("verifier-hunter2"),
            Some(SecretValue::new("nonce-hunter2")),
            SecretHash::of("binding"),
            UNIX_EPOCH + Duration::new(1_800_000_000, 123),
        );
        let stored = Stored::from_login(&login);
        assert!(!format!("{stored:?}").contains("hunter2"));
        let json = serde_json::to_string(&stored).unwrap();
        let back = serde_json::from_str::<Stored>(&json)
            .unwrap()
            .into_login()
            .unwrap();
        assert_eq!(back.pkce_verifier.expose_secret(), "verifier-hunter2");
        assert_eq!(
            back.nonce.as_ref().map(SecretValue::expose_secret),
            Some("nonce-hunter2")
        );
        assert!(back.browser_binding.ct_eq(&SecretHash::of("binding")));
        assert_eq!(back.expires_at, login.expires_at);
    }

    #[test]
    fn a_malformed_binding_is_refused_not_a_panic() {
        for text in ["", "zz", &"é".repeat(32), &"0".repeat(63)] {
            assert!(parse_hash(text).is_none(), "{text}");
        }
    }
}
