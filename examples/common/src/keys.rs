//! The development signing key: when neither `JWT_SECRET_KEY` nor `JWT_PRIVATE_KEY_FILE` is
//! set, a random secret generated once into a 0600 file — only in these example binaries,
//! never in a library (docs/design.md). auth-core reads it as `JWT_SECRET_KEY` through
//! [`ExampleVars`](crate::ExampleVars).

use std::io::Write as _;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
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
