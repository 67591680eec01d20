//! The access-token signing key: from `JWT_SECRET_KEY`, from the PEM file named by
//! `JWT_PRIVATE_KEY_FILE`, or — for development only, and only in these example binaries —
//! generated once into a 0600 file.

use std::io::Write as _;
use std::path::Path;

use auth_core::token::{Algorithm, KeyError, SigningKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use crate::config::KeySource;
use crate::error::StartError;

/// The shortest HS256 secret accepted (the SHA-256 output size).
pub(crate) const MIN_SECRET_BYTES: usize = 32;

/// Bytes of a generated development secret.
const GENERATED_SECRET_BYTES: usize = 64;

/// Loads the signing key described by `source`.
///
/// # Errors
///
/// [`StartError`] saying which variable or file to fix.
pub fn load_signing_key(source: &KeySource) -> Result<SigningKey, StartError> {
    match source {
        KeySource::Secret(secret) => SigningKey::hmac("env", Algorithm::HS256, secret.as_bytes())
            .map_err(|_| StartError::SecretTooShort {
                actual: secret.len(),
            }),
        KeySource::PemFile(path) => load_pem(path),
        KeySource::GeneratedFile(path) => load_or_generate(path),
    }
}

fn load_pem(path: &Path) -> Result<SigningKey, StartError> {
    let error = |reason: String| StartError::PrivateKey {
        path: path.to_owned(),
        reason,
    };
    let pem =
        Zeroizing::new(std::fs::read(path).map_err(|e| error(format!("cannot be read ({e})")))?);
    // The algorithm follows the key: RSA → RS256, P-256 → ES256, P-384 → ES384, Ed25519 →
    // EdDSA.
    let key = SigningKey::from_pem_detect("pem", &pem).map_err(|e| match e {
        // "… is not a PEM private key for RS256 (RSA, 2048 bits or more), …"
        KeyError::InvalidKey { reason, .. } => error(format!("is {reason}")),
        other => error(other.to_string()),
    })?;
    tracing::info!(algorithm = ?key.algorithm(), "signing access tokens with the key from JWT_PRIVATE_KEY_FILE");
    Ok(key)
}

fn load_or_generate(path: &Path) -> Result<SigningKey, StartError> {
    let error = |reason: String| StartError::DevKey {
        path: path.to_owned(),
        reason,
    };
    let secret = match std::fs::read_to_string(path) {
        Ok(text) => {
            let text = Zeroizing::new(text);
            warn_if_readable_by_others(path);
            let secret =
                Zeroizing::new(STANDARD.decode(text.trim()).map_err(|_| {
                    error("is not base64; delete it to generate a new key".to_owned())
                })?);
            tracing::warn!(
                file = %path.display(),
                "DEVELOPMENT KEY: signing access tokens with the generated key kept in this file. \
                 Set JWT_SECRET_KEY or JWT_PRIVATE_KEY_FILE for anything but local development."
            );
            secret
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut secret = Zeroizing::new(vec![0u8; GENERATED_SECRET_BYTES]);
            getrandom::getrandom(&mut secret)
                .map_err(|e| error(format!("no randomness for a new key ({e})")))?;
            write_private(path, STANDARD.encode(&*secret).as_bytes())
                .map_err(|e| error(format!("cannot be created ({e})")))?;
            tracing::warn!(
                file = %path.display(),
                "DEVELOPMENT KEY: neither JWT_SECRET_KEY nor JWT_PRIVATE_KEY_FILE is set, so a \
                 random HS256 key was generated and saved to this file (mode 0600); tokens survive \
                 restarts while it stays. Never use this in production: set JWT_SECRET_KEY or \
                 JWT_PRIVATE_KEY_FILE."
            );
            secret
        }
        Err(e) => return Err(error(format!("cannot be read ({e})"))),
    };
    SigningKey::hmac("dev", Algorithm::HS256, &secret).map_err(|_| {
        error("holds a key shorter than 32 bytes; delete it to generate a new one".to_owned())
    })
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
        let first = load_signing_key(&KeySource::GeneratedFile(path.clone())).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let second = load_signing_key(&KeySource::GeneratedFile(path.clone())).unwrap();
        assert_eq!(
            first.hmac_secret(),
            second.hmac_secret(),
            "a restart keeps the key"
        );
        assert_eq!(
            first.hmac_secret().map(<[u8]>::len),
            Some(GENERATED_SECRET_BYTES)
        );
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[test]
    fn a_corrupt_dev_key_file_is_refused_not_replaced() {
        let path = temp_path("corrupt");
        std::fs::write(&path, "not base64 !!!").unwrap();
        let error = load_signing_key(&KeySource::GeneratedFile(path.clone())).unwrap_err();
        assert!(error.to_string().contains("delete it"), "{error}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "not base64 !!!");
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[test]
    fn the_algorithm_follows_the_pem_key() {
        let keys =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../auth-core/tests/keys");
        for (file, algorithm) in [
            ("rsa2048.pem", Algorithm::RS256),
            ("p256.pem", Algorithm::ES256),
            ("p384.pem", Algorithm::ES384),
            ("ed25519.pem", Algorithm::EdDSA),
        ] {
            let key = load_signing_key(&KeySource::PemFile(keys.join(file)))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(key.algorithm(), algorithm, "{file}");
        }
        // RSA under 2048 bits is refused by auth-core, whatever the algorithm tried.
        assert!(load_signing_key(&KeySource::PemFile(keys.join("rsa1024.pem"))).is_err());
    }

    #[test]
    fn a_pem_file_that_is_no_key_names_the_variable() {
        let path = temp_path("pem");
        std::fs::write(
            &path,
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        let message = load_signing_key(&KeySource::PemFile(path.clone()))
            .unwrap_err()
            .to_string();
        assert!(message.starts_with("JWT_PRIVATE_KEY_FILE="), "{message}");
        let missing = load_signing_key(&KeySource::PemFile(path.with_extension("missing")))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("cannot be read"), "{missing}");
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
