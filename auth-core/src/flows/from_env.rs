//! [`AuthServiceBuilder::from_env`]: the service's keys, issuer and lifetimes from the
//! environment variables the seeds use, with an error that names what to set.

use std::time::Duration;

use super::{AuthConfig, AuthService, AuthServiceBuilder, Stores};
use crate::token::{Algorithm, KeyError, KeySet, SigningKey};

/// The `kid` of a key read from the environment when `JWT_KEY_ID` is not set.
const DEFAULT_KEY_ID: &str = "default";

/// Why [`AuthServiceBuilder::from_env`] could not read its settings. The text names the
/// variable and what it needs; it never holds a secret's value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnvError {
    /// A required variable is unset or empty.
    #[error("{name} is not set: {hint}")]
    Missing {
        /// The variable.
        name: &'static str,
        /// What to set it to.
        hint: &'static str,
    },
    /// A variable is set to something unusable.
    #[error("{name} is invalid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Why (never the value of a secret).
        reason: String,
    },
    /// Both `JWT_SECRET_KEY` and `JWT_PRIVATE_KEY_FILE` are set: which key signs would be a
    /// guess.
    #[error("JWT_SECRET_KEY and JWT_PRIVATE_KEY_FILE are both set: keep the one to sign with")]
    TwoKeys,
    /// The signing key could not be used.
    #[error("{name}: {source}")]
    Key {
        /// The variable the key came from.
        name: &'static str,
        /// Why the key was refused (never key material).
        #[source]
        source: KeyError,
    },
}

impl AuthServiceBuilder {
    /// A builder over `stores` with its keys, issuer and lifetimes read from the environment:
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `JWT_PRIVATE_KEY_FILE` | a PEM private key (RSA ≥ 2048 bits → RS256, P-256 → ES256, P-384 → ES384, Ed25519 → EdDSA) | one of the two required |
    /// | `JWT_SECRET_KEY` | an HMAC secret of 32 bytes or more (HS256), for a service that also verifies its own tokens | one of the two required |
    /// | `JWT_KEY_ID` | the key's `kid` | `default` |
    /// | `JWT_ISSUER` | the tokens' `iss` (your base URL) | required |
    /// | `JWT_AUDIENCE` | the tokens' `aud` (your API's identifier) | required |
    /// | `ACCESS_TOKEN_EXPIRE_MINUTES` | access-token lifetime | 15 |
    /// | `REFRESH_TOKEN_EXPIRE_DAYS` | session and refresh-token lifetime | 30 |
    ///
    /// The rest is set on the builder as usual — `.mailer(…)` is still required, and a later
    /// `.config(…)` replaces the refresh lifetime read here. The database comes with
    /// `stores` (auth-storage-seaorm: `SeaOrmStore::connect(&std::env::var("DATABASE_URL")?)`).
    ///
    /// # Errors
    /// [`EnvError`] naming the first variable that is missing or invalid; a key that is not
    /// one of the accepted kinds or is too weak (an HMAC secret under 32 bytes, RSA under 2048
    /// bits) is refused rather than used.
    pub fn from_env(stores: Stores) -> Result<Self, EnvError> {
        Self::from_vars(stores, |name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) reading the variables through `lookup` (a secrets
    /// manager, a `.env` file already parsed, a test).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use auth_core::flows::{AuthServiceBuilder, EnvError, Stores};
    ///
    /// let vars = HashMap::from([
    ///     ("JWT_SECRET_KEY", "an HMAC secret of at least 32 bytes!!"),
    ///     ("JWT_ISSUER", "https://auth.example.com"),
    ///     ("JWT_AUDIENCE", "https://api.example.com"),
    ///     ("ACCESS_TOKEN_EXPIRE_MINUTES", "10"),
    /// ]);
    /// let lookup = |name: &str| vars.get(name).map(|value| value.to_string());
    /// let builder = AuthServiceBuilder::from_vars(Stores::in_memory(), lookup)?;
    /// // … .mailer(Arc::new(YourMailer)).build()?
    ///
    /// let error = AuthServiceBuilder::from_vars(Stores::in_memory(), |_| None).unwrap_err();
    /// assert!(error.to_string().contains("JWT_PRIVATE_KEY_FILE"));
    /// # Ok::<(), EnvError>(())
    /// ```
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_vars(
        stores: Stores,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, EnvError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let kid = get("JWT_KEY_ID").unwrap_or_else(|| DEFAULT_KEY_ID.to_owned());
        let key = match (get("JWT_SECRET_KEY"), get("JWT_PRIVATE_KEY_FILE")) {
            (Some(_), Some(_)) => return Err(EnvError::TwoKeys),
            (Some(secret), None) => SigningKey::hmac(kid, Algorithm::HS256, secret.as_bytes())
                .map_err(|source| EnvError::Key {
                    name: "JWT_SECRET_KEY",
                    source,
                })?,
            (None, Some(path)) => {
                let pem = std::fs::read(&path).map_err(|error| EnvError::Invalid {
                    name: "JWT_PRIVATE_KEY_FILE",
                    reason: format!("cannot read {path:?}: {error}"),
                })?;
                SigningKey::from_pem_detect(kid, &pem).map_err(|source| EnvError::Key {
                    name: "JWT_PRIVATE_KEY_FILE",
                    source,
                })?
            }
            (None, None) => {
                return Err(EnvError::Missing {
                    name: "JWT_PRIVATE_KEY_FILE",
                    hint: "the path of a PEM private key (`openssl genpkey -algorithm ed25519`), \
                           or set JWT_SECRET_KEY to an HMAC secret of 32 bytes or more",
                });
            }
        };
        let required = |name: &'static str, hint: &'static str| {
            get(name).ok_or(EnvError::Missing { name, hint })
        };
        let issuer = required("JWT_ISSUER", "the tokens' `iss`, usually your base URL")?;
        let audience = required("JWT_AUDIENCE", "the tokens' `aud`, your API's identifier")?;
        let mut builder = AuthService::builder(KeySet::new(key), stores).issuer(issuer, audience);
        if let Some(minutes) = whole_number(&get, "ACCESS_TOKEN_EXPIRE_MINUTES", 24 * 60)? {
            builder = builder.access_token_ttl(Duration::from_secs(minutes * 60));
        }
        if let Some(days) = whole_number(&get, "REFRESH_TOKEN_EXPIRE_DAYS", 400)? {
            builder = builder.config(AuthConfig {
                refresh_token_lifetime: Duration::from_secs(days * 24 * 3600),
                ..AuthConfig::default()
            });
        }
        Ok(builder)
    }
}

/// The variable `name` as a whole number from 1 to `max`, if set.
fn whole_number(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    max: u64,
) -> Result<Option<u64>, EnvError> {
    let Some(text) = get(name) else {
        return Ok(None);
    };
    match text.trim().parse::<u64>() {
        Ok(number) if (1..=max).contains(&number) => Ok(Some(number)),
        _ => Err(EnvError::Invalid {
            name,
            reason: format!("{text:?} is not a whole number from 1 to {max}"),
        }),
    }
}
