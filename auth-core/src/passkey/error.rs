//! [`PasskeyError`]: why a passkey operation failed.

use crate::store::StoreError;

/// Why a passkey operation failed.
///
/// What a client may be told is one of three answers: the ceremony is unknown (start again),
/// the passkey was refused, or the service failed. The reason behind a refusal (wrong origin,
/// wrong RP id, bad signature, unknown credential, counter gone backwards) goes to `tracing`
/// at debug level, never into the error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PasskeyError {
    /// The ceremony token is unknown, expired, already used (a replay), malformed, or belongs
    /// to another purpose or another user. One variant for all of these: the client starts
    /// the ceremony again.
    #[error("unknown or expired passkey ceremony")]
    UnknownCeremony,
    /// The authenticator's answer was refused: it does not parse, was made for another origin
    /// or RP id, has a bad signature, names a credential that is not registered (or belongs
    /// to someone else), misses user verification, shows a signature counter that went
    /// backwards, or registers a credential id that is already registered.
    #[error("passkey refused")]
    Rejected,
    /// The name given to a passkey is empty (after trimming), longer than
    /// [`MAX_PASSKEY_NAME_CHARS`](super::MAX_PASSKEY_NAME_CHARS) characters, or has control
    /// characters.
    #[error("invalid passkey name")]
    InvalidName,
    /// A store failed (or a stored passkey or ceremony does not parse). Refuse; see
    /// [`StoreError`] for 500 vs 503.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// [`PasskeyConfig`](super::PasskeyConfig) is not usable; the message says what to fix.
    #[error("invalid passkey configuration: {0}")]
    Config(String),
    /// webauthn-rs could not build a challenge, or the operating system has no randomness for
    /// a ceremony token. The cause is logged at error level.
    #[error("passkey ceremony could not be started")]
    Internal,
}
