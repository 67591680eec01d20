//! [`AuthServiceBuilder::from_env`]: the service's keys, issuer and lifetimes from the
//! environment variables the seeds use, with an error that names what to set.

use std::time::Duration;

use super::{AuthConfig, AuthService, AuthServiceBuilder, Stores};
use crate::env::{EnvError, Vars, process_env};
use crate::revocation::RevocationConfig;
use crate::token::{Algorithm, KeySet, SigningKey};

/// The `kid` of a key read from the environment when `JWT_KEY_ID` is not set.
const DEFAULT_KEY_ID: &str = "default";

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
    /// | `REFRESH_TOKEN_EXPIRE_DAYS` | session and refresh-token lifetime (1–400) | 30 |
    /// | `REFRESH_REUSE_GRACE_SECONDS` | how long a just-rotated refresh token is answered 409 instead of ending the session as stolen (0–60) | 5 |
    /// | `REVOCATION_CACHE_SECONDS` | how long the access-token check may reuse a "not revoked" answer (0–3600; 0 asks the store on every request) | 5 |
    ///
    /// The rest is set on the builder as usual — `.mailer(…)` is still required, and a later
    /// `.config(…)` or `.revocation(…)` replaces what was read here. The database comes with
    /// `stores` (auth-storage-seaorm: `SeaOrmStore::connect(&std::env::var("DATABASE_URL")?)`).
    ///
    /// # Errors
    /// [`EnvError`] naming the first variable that is missing or invalid; a key that is not
    /// one of the accepted kinds or is too weak (an HMAC secret under 32 bytes, RSA under 2048
    /// bits) is refused rather than used.
    pub fn from_env(stores: Stores) -> Result<Self, EnvError> {
        Self::from_vars(stores, process_env)
    }

    /// [`from_env`](Self::from_env) reading the variables through `lookup` (a secrets
    /// manager, a `.env` file already parsed, a test).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use auth_core::env::EnvError;
    /// use auth_core::flows::{AuthServiceBuilder, Stores};
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
        let vars = Vars::new(lookup);
        let kid = vars
            .get("JWT_KEY_ID")
            .unwrap_or_else(|| DEFAULT_KEY_ID.to_owned());
        let key = match (vars.get("JWT_SECRET_KEY"), vars.get("JWT_PRIVATE_KEY_FILE")) {
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
                let key =
                    SigningKey::from_pem_detect(kid, &pem).map_err(|source| EnvError::Key {
                        name: "JWT_PRIVATE_KEY_FILE",
                        source,
                    })?;
                tracing::info!(
                    algorithm = ?key.algorithm(),
                    "signing access tokens with the key from JWT_PRIVATE_KEY_FILE"
                );
                key
            }
            (None, None) => {
                return Err(EnvError::Missing {
                    name: "JWT_PRIVATE_KEY_FILE",
                    hint: "the path of a PEM private key (`openssl genpkey -algorithm ed25519`), \
                           or set JWT_SECRET_KEY to an HMAC secret of 32 bytes or more",
                });
            }
        };
        let issuer = vars.required("JWT_ISSUER", "the tokens' `iss`, usually your base URL")?;
        let audience = vars.required("JWT_AUDIENCE", "the tokens' `aud`, your API's identifier")?;
        let mut builder = AuthService::builder(KeySet::new(key), stores).issuer(issuer, audience);
        if let Some(minutes) = vars.number("ACCESS_TOKEN_EXPIRE_MINUTES", 1..=24 * 60)? {
            builder = builder.access_token_ttl(Duration::from_secs(minutes * 60));
        }
        let mut config = AuthConfig::default();
        if let Some(days) = vars.number("REFRESH_TOKEN_EXPIRE_DAYS", 1..=400)? {
            config.refresh_token_lifetime = Duration::from_secs(days * 24 * 3600);
        }
        if let Some(grace) = vars.seconds("REFRESH_REUSE_GRACE_SECONDS", 0..=60)? {
            config.refresh_reuse_grace = grace;
        }
        builder = builder.config(config);
        if let Some(staleness) = vars.seconds("REVOCATION_CACHE_SECONDS", 0..=3600)? {
            builder = builder.revocation(RevocationConfig::default().max_staleness(staleness));
        }
        Ok(builder)
    }
}
