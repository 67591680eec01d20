//! The development keys: when neither `JWT_SECRET_KEY` nor `JWT_PRIVATE_KEY_FILE` is set, a
//! random secret generated once into a 0600 file — only in these example binaries, never in
//! a library (docs/design.md). auth-core reads it as `JWT_SECRET_KEY` through
//! [`ExampleVars`](crate::ExampleVars); the key TOTP secrets are encrypted under, when
//! `MFA_ENCRYPTION_KEY` is unset, is [derived](dev_mfa_key) from it.

use std::io::Write as _;
use std::path::Path;

use auth_core::mfa::SecretKey;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::error::StartError;

/// Bytes of a generated development secret (its base64 text is the HS256 secret).
const GENERATED_SECRET_BYTES: usize = 64;

/// The development secret kept in `path`, generated (mode 0600) when the file does not exist.
///
/// # Errors
///
/// [`StartError::DevKey`] when the file cannot be read or created, or does not hold a key
/// this function wrote.
pub fn dev_secret(path: &Path) -> Result<Zeroizing<String>, StartError> {
    let error = |reason: String| StartError::DevKey {
        path: path.to_owned(),
        reason,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let text = Zeroizing::new(text.trim().to_owned());
            warn_if_readable_by_others(path);
            let decoded =
                Zeroizing::new(STANDARD.decode(text.as_bytes()).map_err(|_| {
                    error("is not base64; delete it to generate a new key".to_owned())
                })?);
            if decoded.len() < 32 {
                return Err(error(
                    "holds a key shorter than 32 bytes; delete it to generate a new one".to_owned(),
                ));
            }
            tracing::warn!(
                file = %path.display(),
                "DEVELOPMENT KEY: signing access tokens with the generated key kept in this file. \
                 Set JWT_SECRET_KEY or JWT_PRIVATE_KEY_FILE for anything but local development."
            );
            Ok(text)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut secret = Zeroizing::new(vec![0u8; GENERATED_SECRET_BYTES]);
            getrandom::getrandom(&mut secret)
                .map_err(|e| error(format!("no randomness for a new key ({e})")))?;
            let text = Zeroizing::new(STANDARD.encode(&*secret));
            write_private(path, text.as_bytes())
                .map_err(|e| error(format!("cannot be created ({e})")))?;
            tracing::warn!(
                file = %path.display(),
                "DEVELOPMENT KEY: neither JWT_SECRET_KEY nor JWT_PRIVATE_KEY_FILE is set, so a \
                 random HS256 key was generated and saved to this file (mode 0600); tokens survive \
                 restarts while it stays. Never use this in production: set JWT_SECRET_KEY or \
                 JWT_PRIVATE_KEY_FILE."
            );
            Ok(text)
        }
        Err(e) => Err(error(format!("cannot be read ({e})"))),
    }
}

/// What [`dev_mfa_key`] hashes before the development secret: the derived key is good for
/// this one use only (it is not the JWT secret, nor anything else derived from it).
const MFA_KEY_LABEL: &[u8] =
    b"auth-rs example: MFA_ENCRYPTION_KEY derived from the development key\0";

/// The development key TOTP secrets are encrypted under, derived from the development JWT
/// secret (`dev_secret`'s text): SHA-256 over a fixed label and the secret. It lives as long
/// as the development key file does, so enrolled authenticator apps survive restarts, and it
/// is useless for anything else. Only for local development, like the secret it comes from.
///
/// ```
/// use auth_core::mfa::{decrypt, encrypt};
/// use example_common::keys::dev_mfa_key;
///
/// let sealed = encrypt(&dev_mfa_key("a development key"), b"totp secret", b"user")?;
/// // The same development key file gives the same key after a restart…
/// assert!(decrypt(&dev_mfa_key("a development key"), &sealed, b"user").is_ok());
/// // …and another one does not open it.
/// assert!(decrypt(&dev_mfa_key("another development key"), &sealed, b"user").is_err());
/// # Ok::<(), auth_core::mfa::MfaError>(())
/// ```
pub fn dev_mfa_key(dev_secret: &str) -> SecretKey {
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(
        &Sha256::new()
            .chain_update(MFA_KEY_LABEL)
            .chain_update(dev_secret.as_bytes())
            .finalize(),
    );
    SecretKey::from_bytes(*key)
}

/// Creates `path` (never overwriting, never following a planted file) readable by the owner
/// only.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.write_all(b"\n")?;
    file.sync_all()
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(file = %path.display(), "the development key file is readable by other users; chmod 600 it");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("example-common-keys-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("dev-key")
    }

    #[test]
    fn the_generated_key_is_private_and_kept() {
        let path = temp_path("kept");
        let first = dev_secret(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let second = dev_secret(&path).unwrap();
        assert_eq!(*first, *second, "a restart keeps the key");
        assert_eq!(
            STANDARD.decode(first.as_bytes()).unwrap().len(),
            GENERATED_SECRET_BYTES
        );
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[test]
    fn a_corrupt_dev_key_file_is_refused_not_replaced() {
        let path = temp_path("corrupt");
        std::fs::write(&path, "not base64 !!!").unwrap();
        let error = dev_secret(&path).unwrap_err();
        assert!(error.to_string().contains("delete it"), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not base64 !!!");
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
