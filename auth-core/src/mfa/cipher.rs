//! Second-factor secrets at rest: [`SecretKey`] and XChaCha20-Poly1305 [`encrypt`] /
//! [`decrypt`].
//!
//! A TOTP secret must be readable by the server (it computes the codes), so unlike passwords
//! and tokens it cannot be stored as a hash. It is stored encrypted under a key the host
//! provides (from a secret manager or an environment variable, never generated at start-up:
//! a new key would make every stored secret unreadable), so a copy of the database alone
//! does not give an attacker anyone's second factor.
//!
//! The stored form is versioned bytes: `[version = 1][24-byte random nonce][ciphertext +
//! 16-byte tag]`. The version byte and the caller's *associated data* are authenticated
//! along with the ciphertext: the TOTP secrets use the account's id (see
//! [`TotpSecret::encrypt`](super::TotpSecret::encrypt)), so a ciphertext copied onto another
//! account's row does not decrypt. Random 192-bit nonces never repeat in practice, whatever
//! the number of secrets encrypted under one key.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use super::MfaError;

/// The format version this release writes (and the only one it reads).
const VERSION: u8 = 1;
/// XChaCha20's nonce.
const NONCE_LEN: usize = 24;
/// Poly1305's tag.
const TAG_LEN: usize = 16;

/// The 256-bit key that second-factor secrets are encrypted under.
///
/// Provided by the host (read it from a secret manager or an environment variable as 32
/// bytes of base64; `openssl rand -base64 32` makes one). Not `Clone`; `Debug` prints
/// `[redacted]`; the bytes are zeroed on drop.
pub struct SecretKey(Zeroizing<[u8; 32]>);

impl SecretKey {
    /// Wraps 32 key bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Reads a key written as base64 (standard or URL-safe alphabet, with or without
    /// padding; surrounding whitespace is ignored).
    ///
    /// # Errors
    ///
    /// [`MfaError::InvalidKey`] unless the text decodes to exactly 32 bytes. The message never
    /// contains the text.
    pub fn from_base64(text: &str) -> Result<Self, MfaError> {
        let text = text.trim();
        let decoded = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(text).ok())
            .map(Zeroizing::new)
            .ok_or(MfaError::InvalidKey)?;
        let bytes: [u8; 32] = decoded
            .as_slice()
            .try_into()
            .map_err(|_| MfaError::InvalidKey)?;
        Ok(Self::from_bytes(bytes))
    }

    /// A fresh random key, for tests and development servers.
    ///
    /// # Security
    ///
    /// Never call this at start-up of a real deployment: secrets encrypted under a key that
    /// dies with the process are lost with it. Provide a stored key through
    /// [`from_base64`](Self::from_base64).
    ///
    /// # Errors
    ///
    /// [`MfaError::Random`] if the operating system's generator fails.
    pub fn generate() -> Result<Self, MfaError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(bytes.as_mut_slice()).map_err(|_| MfaError::Random)?;
        Ok(Self(bytes))
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&(*self.0).into())
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

/// The associated data the cipher authenticates: the version byte, then the caller's.
fn associated(aad: &[u8]) -> Vec<u8> {
    let mut all = Vec::with_capacity(1 + aad.len());
    all.push(VERSION);
    all.extend_from_slice(aad);
    all
}

/// Encrypts `plaintext` under `key`, bound to `aad` (which is not stored: the same bytes
/// must be passed to [`decrypt`]). Returns the stored form, `[1][nonce][ciphertext+tag]`.
///
/// # Errors
///
/// [`MfaError::Random`] if no nonce could be drawn; [`MfaError::Encrypt`] for a plaintext
/// beyond the cipher's limit (256 GiB).
pub fn encrypt(key: &SecretKey, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, MfaError> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::getrandom(&mut nonce).map_err(|_| MfaError::Random)?;
    let aad = associated(aad);
    let sealed = key
        .cipher()
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| MfaError::Encrypt)?;
    let mut stored = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
    stored.push(VERSION);
    stored.extend_from_slice(&nonce);
    stored.extend_from_slice(&sealed);
    Ok(stored)
}

/// Decrypts the stored form [`encrypt`] made, with the same `key` and `aad`.
///
/// # Errors
///
/// [`MfaError::UnknownVersion`] for a format this release does not read;
/// [`MfaError::Decrypt`] for a wrong key, different `aad`, or any altered or truncated byte.
pub fn decrypt(key: &SecretKey, stored: &[u8], aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, MfaError> {
    let (&version, rest) = stored.split_first().ok_or(MfaError::Decrypt)?;
    if version != VERSION {
        return Err(MfaError::UnknownVersion(version));
    }
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(MfaError::Decrypt);
    }
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| MfaError::Decrypt)?;
    let aad = associated(aad);
    key.cipher()
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: sealed,
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| MfaError::Decrypt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::generate().unwrap()
    }

    #[test]
    fn round_trip_with_the_same_key_and_associated_data() {
        let key = key();
        let stored = encrypt(&key, b"totp secret", b"user-1").unwrap();
        assert_eq!(stored[0], 1, "version byte first");
        assert_eq!(stored.len(), 1 + 24 + 11 + 16);
        assert_eq!(
            decrypt(&key, &stored, b"user-1").unwrap().as_slice(),
            b"totp secret"
        );
    }

    #[test]
    fn every_encryption_draws_a_fresh_nonce() {
        let key = key();
        let one = encrypt(&key, b"same", b"").unwrap();
        let two = encrypt(&key, b"same", b"").unwrap();
        assert_ne!(one, two);
    }

    // An attacker with write access to the table flips a bit of the stored secret (or its
    // nonce, or the version): the AEAD tag refuses it, never a garbled secret.
    #[test]
    fn tampered_ciphertext_is_refused() {
        let key = key();
        let stored = encrypt(&key, b"totp secret", b"user-1").unwrap();
        for index in 1..stored.len() {
            let mut altered = stored.clone();
            altered[index] ^= 0x01;
            assert!(
                matches!(decrypt(&key, &altered, b"user-1"), Err(MfaError::Decrypt)),
                "a flipped bit at {index} must not decrypt"
            );
        }
        let mut version = stored.clone();
        version[0] = 2;
        assert!(matches!(
            decrypt(&key, &version, b"user-1"),
            Err(MfaError::UnknownVersion(2))
        ));
        for len in [0, 1, 24, 40] {
            assert!(matches!(
                decrypt(&key, &stored[..len], b"user-1"),
                Err(MfaError::Decrypt)
            ));
        }
    }

    #[test]
    fn wrong_key_is_refused() {
        let stored = encrypt(&key(), b"totp secret", b"user-1").unwrap();
        assert!(matches!(
            decrypt(&key(), &stored, b"user-1"),
            Err(MfaError::Decrypt)
        ));
    }

    // A ciphertext copied from one account's row onto another's must not decrypt there.
    #[test]
    fn ciphertext_moved_to_another_account_is_refused() {
        let key = key();
        let stored = encrypt(&key, b"totp secret", b"user-1").unwrap();
        assert!(matches!(
            decrypt(&key, &stored, b"user-2"),
            Err(MfaError::Decrypt)
        ));
    }

    #[test]
    fn keys_read_from_base64_in_any_common_spelling() {
        let bytes = [7u8; 32];
        for text in [
            STANDARD.encode(bytes),
            STANDARD_NO_PAD.encode(bytes),
            URL_SAFE.encode(bytes),
            format!("  {}\n", URL_SAFE_NO_PAD.encode(bytes)),
        ] {
            let key = SecretKey::from_base64(&text).unwrap();
            assert_eq!(*key.0, bytes);
        }
        for bad in [
            "",
            "not base64!",
            &STANDARD.encode([7u8; 31]),
            &STANDARD.encode([7u8; 33]),
        ] {
            assert!(matches!(
                SecretKey::from_base64(bad),
                Err(MfaError::InvalidKey)
            ));
        }
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = SecretKey::from_bytes([0x41; 32]);
        let shown = format!("{key:?}");
        assert_eq!(shown, "SecretKey([redacted])");
        let error = SecretKey::from_base64("QUFB").unwrap_err().to_string();
        assert!(!error.contains("QUFB"), "{error}");
    }
}
