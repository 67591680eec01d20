//! The record a [`SecondFactorStore`](super::SecondFactorStore) keeps for a user's TOTP.

use std::fmt;
use std::time::SystemTime;

/// A user's TOTP authenticator: its secret (encrypted), whether enrolment was confirmed, and
/// the last time step accepted.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TotpRecord {
    /// The secret as [`TotpSecret::encrypt`](crate::mfa::TotpSecret::encrypt) stored it
    /// (bound to the user's id). Never the secret itself.
    pub encrypted_secret: Vec<u8>,
    /// When the user proved the authenticator works by typing a first code; `None` while
    /// the enrolment is pending (such a record must not be accepted at sign-in).
    pub confirmed_at: Option<SystemTime>,
    /// The latest time step a code was accepted for (RFC 6238 §5.2): codes of this step and
    /// earlier are refused.
    pub last_used_step: Option<u64>,
    /// When the enrolment started.
    pub created_at: SystemTime,
}

impl TotpRecord {
    /// A new, unconfirmed record with no step used.
    pub fn new(encrypted_secret: Vec<u8>, created_at: SystemTime) -> Self {
        Self {
            encrypted_secret,
            confirmed_at: None,
            last_used_step: None,
            created_at,
        }
    }

    /// Whether the enrolment was confirmed.
    pub fn is_confirmed(&self) -> bool {
        self.confirmed_at.is_some()
    }
}

// By hand: the ciphertext is harmless without the key, but it has no business in logs.
impl fmt::Debug for TotpRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpRecord")
            .field("encrypted_secret", &"[redacted]")
            .field("confirmed_at", &self.confirmed_at)
            .field("last_used_step", &self.last_used_step)
            .field("created_at", &self.created_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_ciphertext() {
        let record = TotpRecord::new(b"SECRETBYTES".to_vec(), SystemTime::UNIX_EPOCH);
        let shown = format!("{record:?}");
        assert!(!shown.contains("83, 69"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
        assert!(!record.is_confirmed());
    }
}
