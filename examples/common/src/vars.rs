//! [`ExampleVars`]: the variables the examples run on — the process environment over the
//! examples' no-setup defaults. The libraries read them (`SeaOrmStore::from_vars`,
//! `AuthServiceBuilder::from_vars`, `EndpointsConfig::from_vars`, `LoginFlow::from_vars`,
//! `RedisStore::from_vars`); the examples parse nothing themselves.

use std::path::PathBuf;

use auth_core::env::{EnvError, Vars, process_env};
use auth_core::mfa::SecretKey;
use zeroize::Zeroizing;

use crate::error::StartError;
use crate::keys::{dev_mfa_key, dev_secret};

/// A variable lookup: the process environment, or a test's table.
type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// The process environment, then the generated development key, then the defaults below.
///
/// | variable | example default |
/// |---|---|
/// | `PORT` | 3000 (0 picks a free port) |
/// | `DATABASE_URL` | `sqlite://<app>.db` in the working directory |
/// | `JWT_SECRET_KEY` | when neither it nor `JWT_PRIVATE_KEY_FILE` is set: a random secret generated once into `JWT_DEV_KEY_FILE` (default `<app>.dev-key`, mode 0600) — development only |
/// | `JWT_ISSUER`, `JWT_AUDIENCE` | `auth-rs-example`, `api` |
/// | `AUTH_TOKEN_DELIVERY` | `cookie` (the demo page is a browser front-end) |
/// | `REVOCATION_CACHE_SECONDS` | 0 (logout takes effect at once on every instance) |
/// | `PASSKEY_RP_ID`, `PASSKEY_RP_NAME` | `localhost`, `auth-rs demo` (and `PASSKEY_ORIGINS`: `http://localhost:PORT`, set where the port is known) |
/// | `MFA_ENCRYPTION_KEY` | with the generated development JWT key: a key derived from it ([`mfa_key`](Self::mfa_key)) — development only |
///
/// Every other variable keeps its library default (the README lists them all).
pub struct ExampleVars {
    app_name: &'static str,
    lookup: Box<Lookup>,
    dev_secret: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for ExampleVars {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExampleVars")
            .field("app_name", &self.app_name)
            .field("dev_key", &self.dev_secret.as_ref().map(|_| "[generated]"))
            .finish_non_exhaustive()
    }
}

impl ExampleVars {
    /// The process environment over the defaults, generating the development key if needed.
    ///
    /// # Errors
    /// [`StartError::DevKey`] when the development key file cannot be read or written.
    pub fn from_env(app_name: &'static str) -> Result<Self, StartError> {
        Self::from_lookup(app_name, process_env)
    }

    /// As [`from_env`](Self::from_env), with `lookup` in place of the process environment.
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_lookup(
        app_name: &'static str,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Result<Self, StartError> {
        let vars = Vars::new(&lookup);
        let needs_dev_key =
            vars.get("JWT_SECRET_KEY").is_none() && vars.get("JWT_PRIVATE_KEY_FILE").is_none();
        let dev_secret = if needs_dev_key {
            let path = vars
                .get("JWT_DEV_KEY_FILE")
                .unwrap_or_else(|| format!("{app_name}.dev-key"));
            Some(dev_secret(&PathBuf::from(path))?)
        } else {
            None
        };
        Ok(Self {
            app_name,
            lookup: Box::new(lookup),
            dev_secret,
        })
    }

    /// The value of `name`: the environment's, else the example's default.
    pub fn get(&self, name: &str) -> Option<String> {
        if let Some(value) = (self.lookup)(name).filter(|value| !value.trim().is_empty()) {
            return Some(value);
        }
        match name {
            "JWT_SECRET_KEY" => self.dev_secret.as_ref().map(|secret| secret.to_string()),
            "DATABASE_URL" => Some(format!("sqlite://{}.db", self.app_name)),
            "JWT_ISSUER" => Some("auth-rs-example".to_owned()),
            "JWT_AUDIENCE" => Some("api".to_owned()),
            "AUTH_TOKEN_DELIVERY" => Some("cookie".to_owned()),
            "REVOCATION_CACHE_SECONDS" => Some("0".to_owned()),
            "PASSKEY_RP_ID" => Some("localhost".to_owned()),
            "PASSKEY_RP_NAME" => Some("auth-rs demo".to_owned()),
            _ => None,
        }
    }

    /// [`get`](Self::get) as a lookup for the libraries' `from_vars`.
    pub fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        |name| self.get(name)
    }

    /// `PORT`: the loopback port to listen on.
    ///
    /// # Errors
    /// [`StartError::Env`] naming `PORT` when it is not a port number.
    pub fn port(&self) -> Result<u16, StartError> {
        let port = Vars::new(self.lookup()).number("PORT", 0..=u64::from(u16::MAX))?;
        Ok(port.map_or(3000, |port| port as u16))
    }

    /// The key TOTP secrets are encrypted under: `MFA_ENCRYPTION_KEY` (32 bytes of base64,
    /// `openssl rand -base64 32`); unset, with the generated development JWT key, a key
    /// [derived](dev_mfa_key) from that key (a warning says so: TOTP enrolments live as long
    /// as the development key file); unset with a configured JWT key, `None` — second
    /// factors stay off (a warning says which variable turns them on) rather than
    /// encrypting under a key that would not be kept.
    ///
    /// # Errors
    /// [`StartError::Env`] naming `MFA_ENCRYPTION_KEY` when it is not 32 bytes of base64
    /// (the message never holds the value).
    pub fn mfa_key(&self) -> Result<Option<SecretKey>, StartError> {
        if let Some(text) = (self.lookup)("MFA_ENCRYPTION_KEY").filter(|v| !v.trim().is_empty()) {
            let text = Zeroizing::new(text);
            return SecretKey::from_base64(&text).map(Some).map_err(|_| {
                StartError::Env(EnvError::Invalid {
                    name: "MFA_ENCRYPTION_KEY",
                    reason: "must be 32 bytes in base64 (openssl rand -base64 32)".to_owned(),
                })
            });
        }
        match &self.dev_secret {
            Some(secret) => {
                tracing::warn!(
                    "DEVELOPMENT KEY: MFA_ENCRYPTION_KEY is not set, so TOTP secrets are \
                     encrypted under a key derived from the generated development key; they \
                     stay readable as long as that file does. Set MFA_ENCRYPTION_KEY (openssl \
                     rand -base64 32) for anything but local development."
                );
                Ok(Some(dev_mfa_key(secret)))
            }
            None => {
                tracing::warn!(
                    "TOTP and recovery codes are off: MFA_ENCRYPTION_KEY is not set (a JWT key is \
                     configured, so no development key is derived). Set MFA_ENCRYPTION_KEY to 32 \
                     bytes of base64 (openssl rand -base64 32) to turn them on."
                );
                Ok(None)
            }
        }
    }

    /// The example's name (`axum-app`, `actix-app`).
    pub fn app_name(&self) -> &'static str {
        self.app_name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> ExampleVars {
        ExampleVars::from_lookup("demo", move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
        .unwrap()
    }

    #[test]
    fn the_environment_wins_over_the_defaults() {
        let vars = vars(&[
            (
                "JWT_SECRET_KEY",
                "an HMAC secret of 32 bytes or more, not less",
            ),
            ("DATABASE_URL", "postgres://app@db/app"),
            ("PORT", "8080"),
        ]);
        assert_eq!(vars.get("DATABASE_URL").unwrap(), "postgres://app@db/app");
        assert_eq!(vars.get("JWT_AUDIENCE").unwrap(), "api");
        assert_eq!(vars.port().unwrap(), 8080);
        assert!(
            vars.dev_secret.is_none(),
            "no key generated when one is set"
        );
    }

    #[test]
    fn the_mfa_key_comes_from_the_environment_or_the_development_key() {
        use auth_core::mfa::{decrypt, encrypt};

        let configured = vars(&[
            ("JWT_SECRET_KEY", "an HMAC secret of 32 bytes or more!"),
            (
                "MFA_ENCRYPTION_KEY",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            ),
        ]);
        let key = configured.mfa_key().unwrap().expect("the configured key");
        let sealed = encrypt(&key, b"secret", b"aad").unwrap();
        let expected = SecretKey::from_bytes(std::array::from_fn(|i| i as u8));
        assert!(decrypt(&expected, &sealed, b"aad").is_ok());

        // A configured JWT key and no MFA key: second factors off, no key made up.
        let production = vars(&[("JWT_SECRET_KEY", "an HMAC secret of 32 bytes or more!")]);
        assert!(production.mfa_key().unwrap().is_none());
    }

    #[test]
    fn the_development_mfa_key_survives_a_restart() {
        use auth_core::mfa::{decrypt, encrypt};

        let dir = std::env::temp_dir().join(format!("example-common-mfa-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("dev-key").display().to_string();
        let start = || {
            let file = file.clone();
            ExampleVars::from_lookup("demo", move |name| {
                (name == "JWT_DEV_KEY_FILE").then(|| file.clone())
            })
            .unwrap()
        };
        let first = start().mfa_key().unwrap().expect("a development key");
        let sealed = encrypt(&first, b"secret", b"aad").unwrap();
        let again = start().mfa_key().unwrap().expect("a development key");
        assert!(
            decrypt(&again, &sealed, b"aad").is_ok(),
            "a restart keeps it"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_bad_mfa_key_is_named_without_its_value() {
        let vars = vars(&[
            ("JWT_SECRET_KEY", "an HMAC secret of 32 bytes or more!"),
            ("MFA_ENCRYPTION_KEY", "c2hvcnQtYnV0LXNlY3JldA=="),
        ]);
        let message = vars.mfa_key().unwrap_err().to_string();
        assert!(
            message.starts_with("MFA_ENCRYPTION_KEY is invalid"),
            "{message}"
        );
        assert!(!message.contains("c2hvcnQtYnV0LXNlY3JldA"), "{message}");
    }

    #[test]
    fn a_bad_port_is_named() {
        let vars = vars(&[
            ("JWT_SECRET_KEY", "an HMAC secret of 32 bytes or more!"),
            ("PORT", "70000"),
        ]);
        assert!(
            vars.port()
                .unwrap_err()
                .to_string()
                .starts_with("PORT is invalid")
        );
    }
}
