//! The record a [`CeremonyStore`](super::CeremonyStore) keeps: one short-lived, consume-once
//! ceremony (a passkey registration or sign-in, a second-factor login challenge) and what it
//! is for.

use std::fmt;
use std::time::SystemTime;

use super::{SecretHash, SecretValue, UserId};
use crate::opaque::{OpaqueToken, OpaqueTokenError};

/// The token that names a ceremony between its start and its finish: 256 random bits
/// (43 base64url characters) handed to the client, while the store keeps only its
/// [`hash`](Self::hash).
///
/// Not `Clone` (it is used once); `Debug` prints `CeremonyToken([redacted])`; the text is
/// zeroed on drop.
pub struct CeremonyToken(OpaqueToken);

impl CeremonyToken {
    /// A fresh token from the operating system's CSPRNG.
    ///
    /// # Errors
    /// [`OpaqueTokenError::RandomUnavailable`] when the operating system has no randomness.
    pub fn generate() -> Result<Self, OpaqueTokenError> {
        OpaqueToken::generate().map(Self)
    }

    /// The token a client presented, if it has the form [`generate`](Self::generate) makes.
    ///
    /// # Errors
    /// As [`OpaqueToken::parse`]: the wrong length, a character outside base64url, or a
    /// non-canonical encoding.
    pub fn parse(presented: &str) -> Result<Self, OpaqueTokenError> {
        OpaqueToken::parse(presented).map(Self)
    }

    /// The token's text, to hand to the client once. Never log or store it.
    pub fn secret(&self) -> &str {
        self.0.secret()
    }

    /// The SHA-256 of the token: the [`CeremonyStore`](super::CeremonyStore) key.
    pub fn hash(&self) -> SecretHash {
        SecretHash::of(self.0.secret())
    }
}

impl fmt::Debug for CeremonyToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CeremonyToken([redacted])")
    }
}

/// What a ceremony is for. A ceremony started for one purpose never serves another: the
/// store answers `None` to a take that names another purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CeremonyPurpose {
    /// Adding a passkey to a signed-in account (WebAuthn `navigator.credentials.create`).
    PasskeyRegistration,
    /// Signing in with a passkey (WebAuthn `navigator.credentials.get`).
    PasskeyAuthentication,
    /// Creating an account whose only way in is the passkey being registered (passkey-only
    /// signup): never serves a registration to an existing account, nor the other way round.
    PasskeySignup,
    /// The second step of a login that needs a second factor (TOTP, passkey, recovery code).
    SecondFactor,
}

impl CeremonyPurpose {
    /// A stable lowercase name, for storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PasskeyRegistration => "passkey_registration",
            Self::PasskeyAuthentication => "passkey_authentication",
            Self::PasskeySignup => "passkey_signup",
            Self::SecondFactor => "second_factor",
        }
    }

    /// The purpose named by [`CeremonyPurpose::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::PasskeyRegistration,
            Self::PasskeyAuthentication,
            Self::PasskeySignup,
            Self::SecondFactor,
        ]
        .into_iter()
        .find(|purpose| purpose.as_str() == name)
    }
}

/// One ceremony between its start and its finish: what it is for, whose it is, the state the
/// finish needs, and until when. Not `Clone`: it is consumed once.
#[derive(Debug)]
#[non_exhaustive]
pub struct Ceremony {
    /// What it is for.
    pub purpose: CeremonyPurpose,
    /// The user it was started for, when known at the start (a registration, a second factor);
    /// `None` for a usernameless passkey sign-in.
    pub user_id: Option<UserId>,
    /// The state the finish needs (for passkeys, webauthn-rs's ceremony state as JSON: the
    /// challenge and the allowed credentials). Opaque to the store, kept as is; `Debug` prints
    /// `[redacted]` and the memory is zeroed on drop.
    pub state: SecretValue,
    /// When it stops being accepted.
    pub expires_at: SystemTime,
}

impl Ceremony {
    /// A ceremony (also for store implementations that load one back).
    pub fn new(
        purpose: CeremonyPurpose,
        user_id: Option<UserId>,
        state: SecretValue,
        expires_at: SystemTime,
    ) -> Self {
        Self {
            purpose,
            user_id,
            state,
            expires_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_round_trip_by_their_stable_names() {
        for purpose in [
            CeremonyPurpose::PasskeyRegistration,
            CeremonyPurpose::PasskeyAuthentication,
            CeremonyPurpose::SecondFactor,
        ] {
            assert_eq!(CeremonyPurpose::parse(purpose.as_str()), Some(purpose));
        }
        assert_eq!(CeremonyPurpose::parse("PasskeyRegistration"), None);
    }

    #[test]
    fn tokens_are_redacted_and_hash_to_their_store_key() {
        let token = CeremonyToken::generate().unwrap();
        assert_eq!(format!("{token:?}"), "CeremonyToken([redacted])");
        let presented = CeremonyToken::parse(token.secret()).unwrap();
        assert_eq!(presented.hash(), SecretHash::of(token.secret()));
        assert!(CeremonyToken::parse("short").is_err());
    }

    #[test]
    fn debug_never_shows_the_state() {
        let ceremony = Ceremony::new(
            CeremonyPurpose::SecondFactor,
            None,
            SecretValue::new("hunter2"),
            SystemTime::UNIX_EPOCH,
        );
        assert!(!format!("{ceremony:?}").contains("hunter2"));
    }
}
