//! What can go wrong with a second factor: [`MfaError`] for keys, encryption and recovery
//! codes, [`TotpError`] for TOTP codes and configuration.
//!
//! No message carries a secret, a code or a ciphertext: they are safe to log.

/// A failure of the second-factor building blocks other than checking a TOTP code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MfaError {
    /// [`SecretKey::from_base64`](super::SecretKey::from_base64) was given something that is
    /// not the base64 (standard or URL-safe, padded or not) of exactly 32 bytes.
    #[error("the second-factor encryption key must be the base64 of exactly 32 bytes")]
    InvalidKey,
    /// A stored ciphertext does not decrypt: it was made with another key, for another user
    /// or purpose, or it was altered. Also returned for a truncated value.
    #[error(
        "the encrypted second-factor secret does not decrypt \
         (another key, another account, or altered)"
    )]
    Decrypt,
    /// A stored ciphertext starts with a format version this release does not know.
    #[error("the encrypted second-factor secret has unknown format version {0}")]
    UnknownVersion(u8),
    /// The operating system's random number generator failed (a new key, nonce, TOTP secret
    /// or recovery code could not be made).
    #[error("the operating system's random number generator failed")]
    Random,
    /// Encrypting failed (the plaintext is beyond what the cipher can take in one message).
    #[error("encrypting the second-factor secret failed")]
    Encrypt,
    /// A recovery code as typed is not one this module could have made: after dropping
    /// spaces and dashes and folding case, it is not 12 characters of the code alphabet.
    #[error("a recovery code is 12 letters and digits (dashes and spaces are ignored)")]
    MalformedRecoveryCode,
    /// A TOTP problem (an invalid configuration or secret, while enrolling).
    #[error(transparent)]
    Totp(#[from] TotpError),
}

/// Why a TOTP code was refused, or why a TOTP configuration or secret cannot be used.
///
/// [`Malformed`](Self::Malformed), [`Mismatch`](Self::Mismatch) and
/// [`Replayed`](Self::Replayed) are rejected credentials: answer them alike (and count
/// them against a throttle). The others are the host's configuration or data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TotpError {
    /// The code is not exactly [`TotpConfig::digits`](super::TotpConfig::digits) ASCII digits
    /// (spaces are ignored).
    #[error("the code is not the expected number of digits")]
    Malformed,
    /// The code matches no time step in the accepted window.
    #[error("the code does not match")]
    Mismatch,
    /// The code matches a time step already used, or older than the last one used
    /// (RFC 6238 §5.2: a code is accepted once).
    #[error("the code was already used")]
    Replayed,
    /// `now` is before the Unix epoch, where TOTP has no time step.
    #[error("the time is before the Unix epoch")]
    TimeBeforeEpoch,
    /// The [`TotpConfig`](super::TotpConfig) is outside what authenticator apps and RFC 6238
    /// accept; the message says which field.
    #[error("invalid TOTP configuration: {0}")]
    InvalidConfig(&'static str),
    /// A TOTP secret shorter than 128 bits (RFC 4226 §4), or a stored one that is.
    #[error("a TOTP secret must be at least 16 bytes")]
    SecretTooShort,
    /// The issuer or account name cannot be put in an otpauth label (it contains `:` or the
    /// account name is empty).
    #[error("the issuer and account name must be non-empty and contain no ':'")]
    InvalidLabel,
    /// The otpauth URI is too long for a QR code.
    #[error("the otpauth URI does not fit in a QR code")]
    QrCode,
}
