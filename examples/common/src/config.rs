//! [`Settings`]: everything an example reads from the environment, checked at start.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::error::StartError;

/// Where the access-token signing key comes from.
#[non_exhaustive]
pub enum KeySource {
    /// `JWT_SECRET_KEY`: an HS256 secret (its UTF-8 bytes, at least 32).
    Secret(Zeroizing<String>),
    /// `JWT_PRIVATE_KEY_FILE`: a PEM private key; the algorithm follows the key (RSA → RS256,
    /// P-256 → ES256, P-384 → ES384, Ed25519 → EdDSA).
    PemFile(PathBuf),
    /// Neither set: a random HS256 secret generated once and kept in this file (mode 0600).
    /// For development only.
    GeneratedFile(PathBuf),
}

impl fmt::Debug for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Secret(_) => f.write_str("Secret([redacted])"),
            Self::PemFile(path) => f.debug_tuple("PemFile").field(path).finish(),
            Self::GeneratedFile(path) => f.debug_tuple("GeneratedFile").field(path).finish(),
        }
    }
}

/// An example's configuration. Build it with [`Settings::from_env`]; every field has a
/// working default so that `cargo run -p axum-app` needs no setup.
#[derive(Debug)]
#[non_exhaustive]
pub struct Settings {
    /// The example's name (`axum-app`, `actix-app`), used for default file names.
    pub app_name: &'static str,
    /// `PORT`: the loopback port to listen on. Defaults to 3000; 0 picks a free one.
    pub port: u16,
    /// `DATABASE_URL`. Defaults to `sqlite://<app_name>.db` in the working directory.
    pub database_url: String,
    /// `JWT_SECRET_KEY`, `JWT_PRIVATE_KEY_FILE`, or the generated development key in
    /// `JWT_DEV_KEY_FILE` (default `<app_name>.dev-key`).
    pub key: KeySource,
    /// `JWT_ISSUER`: the `iss` of access tokens. Defaults to `auth-rs-example`.
    pub issuer: String,
    /// `JWT_AUDIENCE`: the `aud` of access tokens. Defaults to `api`.
    pub audience: String,
    /// `ACCESS_TOKEN_EXPIRE_MINUTES`: access-token lifetime. Defaults to 15 minutes.
    pub access_token_ttl: Duration,
    /// `CORS_ORIGIN`: one origin (`http://localhost:5173`) allowed to call the API from
    /// another page, with credentials. Defaults to none (same origin only).
    pub cors_origin: Option<String>,
    /// `REVOCATION_CACHE_SECONDS`: how long a "not revoked" answer may be reused. Defaults to
    /// 0 (every request asks the database, so logout takes effect at once).
    pub revocation_cache: Duration,
    /// `REFRESH_REUSE_GRACE_SECONDS`: how long a just-rotated refresh token is answered with
    /// 409 instead of being treated as stolen. Defaults to 5 seconds.
    pub refresh_reuse_grace: Duration,
    /// `REDIS_URL`: Redis for the state several instances share — revoked access tokens,
    /// login throttling, pending social logins — and the channel that drops every instance's
    /// revocation cache on logout, so `REVOCATION_CACHE_SECONDS` can be raised safely.
    /// Defaults to none (all of it in the database, the cache per instance).
    pub redis_url: Option<String>,
    /// `REDIS_KEY_PREFIX`: what every Redis key starts with, so several apps can share one
    /// Redis. Defaults to `auth:`.
    pub redis_key_prefix: String,
    /// `DATABASE_TIMEOUT_SECONDS`: the longest a request waits for a database connection
    /// (opening one included) before it answers 503 with `Retry-After`. Defaults to 2
    /// seconds (auth-storage-seaorm's default); 1 to 60.
    pub database_timeout: Duration,
}

impl Settings {
    /// Reads the process environment.
    ///
    /// # Errors
    ///
    /// [`StartError`] naming the variable that is unusable.
    pub fn from_env(app_name: &'static str) -> Result<Self, StartError> {
        Self::from_vars(app_name, |name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup` (tests, config files). Empty values count as unset.
    ///
    /// # Errors
    ///
    /// [`StartError`] naming the variable that is unusable.
    pub fn from_vars(
        app_name: &'static str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, StartError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let port = match get("PORT") {
            None => 3000,
            Some(value) => value.trim().parse().map_err(|_| StartError::InvalidVar {
                name: "PORT",
                reason: format!("{value:?} is not a port number (0-65535)"),
            })?,
        };
        let database_url = get("DATABASE_URL").unwrap_or_else(|| format!("sqlite://{app_name}.db"));
        let key = match (get("JWT_SECRET_KEY"), get("JWT_PRIVATE_KEY_FILE")) {
            (Some(_), Some(_)) => return Err(StartError::TwoKeySources),
            (Some(secret), None) => {
                let secret = Zeroizing::new(secret);
                if secret.len() < crate::keys::MIN_SECRET_BYTES {
                    return Err(StartError::SecretTooShort {
                        actual: secret.len(),
                    });
                }
                KeySource::Secret(secret)
            }
            (None, Some(path)) => KeySource::PemFile(PathBuf::from(path)),
            (None, None) => KeySource::GeneratedFile(PathBuf::from(
                get("JWT_DEV_KEY_FILE").unwrap_or_else(|| format!("{app_name}.dev-key")),
            )),
        };
        let minutes = |name: &'static str, default: u64| -> Result<u64, StartError> {
            match get(name) {
                None => Ok(default),
                Some(value) => match value.trim().parse::<u64>() {
                    Ok(n) if (1..=24 * 60).contains(&n) => Ok(n),
                    _ => Err(StartError::InvalidVar {
                        name,
                        reason: format!(
                            "{value:?} is not a whole number of minutes from 1 to 1440"
                        ),
                    }),
                },
            }
        };
        let seconds = |name: &'static str, default: u64| -> Result<u64, StartError> {
            match get(name) {
                None => Ok(default),
                Some(value) => match value.trim().parse::<u64>() {
                    Ok(n) if n <= 3600 => Ok(n),
                    _ => Err(StartError::InvalidVar {
                        name,
                        reason: format!(
                            "{value:?} is not a whole number of seconds from 0 to 3600"
                        ),
                    }),
                },
            }
        };
        let database_timeout = match get("DATABASE_TIMEOUT_SECONDS") {
            None => auth_storage_seaorm::Timeouts::DEFAULT_ACQUIRE,
            Some(value) => match value.trim().parse::<u64>() {
                Ok(n) if (1..=60).contains(&n) => Duration::from_secs(n),
                _ => {
                    return Err(StartError::InvalidVar {
                        name: "DATABASE_TIMEOUT_SECONDS",
                        reason: format!("{value:?} is not a whole number of seconds from 1 to 60"),
                    });
                }
            },
        };
        let cors_origin = get("CORS_ORIGIN")
            .map(|origin| parse_origin(&origin))
            .transpose()?;
        Ok(Self {
            app_name,
            port,
            database_url,
            key,
            issuer: get("JWT_ISSUER").unwrap_or_else(|| "auth-rs-example".to_owned()),
            audience: get("JWT_AUDIENCE").unwrap_or_else(|| "api".to_owned()),
            access_token_ttl: Duration::from_secs(60 * minutes("ACCESS_TOKEN_EXPIRE_MINUTES", 15)?),
            cors_origin,
            revocation_cache: Duration::from_secs(seconds("REVOCATION_CACHE_SECONDS", 0)?),
            refresh_reuse_grace: Duration::from_secs(seconds("REFRESH_REUSE_GRACE_SECONDS", 5)?),
            redis_url: get("REDIS_URL"),
            redis_key_prefix: get("REDIS_KEY_PREFIX").unwrap_or_else(|| "auth:".to_owned()),
            database_timeout,
        })
    }
}

/// `CORS_ORIGIN` must be exactly an origin: scheme, host and optional port, nothing else —
/// the browser compares it byte for byte, and a wildcard with credentials is never allowed.
fn parse_origin(value: &str) -> Result<String, StartError> {
    let invalid = |reason: &str| StartError::InvalidVar {
        name: "CORS_ORIGIN",
        reason: format!("{value:?} {reason}; write it like http://localhost:5173"),
    };
    let url = url::Url::parse(value.trim()).map_err(|_| invalid("is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid("is not an http(s) origin"));
    }
    if url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
    {
        return Err(invalid("has more than scheme, host and port"));
    }
    Ok(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, StartError> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_vars("demo", move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_need_no_setup() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.port, 3000);
        assert_eq!(s.database_url, "sqlite://demo.db");
        assert!(
            matches!(&s.key, KeySource::GeneratedFile(p) if p == &PathBuf::from("demo.dev-key"))
        );
        assert_eq!(s.access_token_ttl, Duration::from_secs(900));
        assert_eq!(s.revocation_cache, Duration::ZERO);
        assert_eq!(s.refresh_reuse_grace, Duration::from_secs(5));
        assert_eq!(s.database_timeout, Duration::from_secs(2));
        assert!(s.cors_origin.is_none());
    }

    #[test]
    fn database_timeout_is_bounded_and_says_what_to_fix() {
        let s = settings(&[("DATABASE_TIMEOUT_SECONDS", "5")]).unwrap();
        assert_eq!(s.database_timeout, Duration::from_secs(5));
        for bad in ["0", "61", "two"] {
            let message = settings(&[("DATABASE_TIMEOUT_SECONDS", bad)])
                .unwrap_err()
                .to_string();
            assert!(message.contains("DATABASE_TIMEOUT_SECONDS"), "{message}");
            assert!(message.contains("1 to 60"), "{message}");
        }
    }

    #[test]
    fn a_short_secret_is_refused_with_what_to_do() {
        let error = settings(&[("JWT_SECRET_KEY", "too-short")]).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("JWT_SECRET_KEY is 9 bytes"), "{message}");
        assert!(message.contains("at least 32"), "{message}");
        assert!(
            !message.contains("too-short"),
            "the secret must not be echoed: {message}"
        );
        let ok = settings(&[("JWT_SECRET_KEY", &"x".repeat(32))]).unwrap();
        assert!(matches!(ok.key, KeySource::Secret(_)));
        assert_eq!(format!("{:?}", ok.key), "Secret([redacted])");
    }

    #[test]
    fn two_key_sources_are_refused() {
        let error = settings(&[
            ("JWT_SECRET_KEY", &"x".repeat(40)),
            ("JWT_PRIVATE_KEY_FILE", "key.pem"),
        ])
        .unwrap_err();
        assert!(matches!(error, StartError::TwoKeySources));
    }

    #[test]
    fn bad_numbers_name_their_variable() {
        for (name, value) in [
            ("PORT", "http"),
            ("PORT", "70000"),
            ("ACCESS_TOKEN_EXPIRE_MINUTES", "0"),
            ("REVOCATION_CACHE_SECONDS", "-1"),
        ] {
            let message = settings(&[(name, value)]).unwrap_err().to_string();
            assert!(message.starts_with(name), "{message}");
        }
    }

    #[test]
    fn cors_origin_must_be_an_exact_origin() {
        let s = settings(&[("CORS_ORIGIN", "http://localhost:5173")]).unwrap();
        assert_eq!(s.cors_origin.as_deref(), Some("http://localhost:5173"));
        for bad in [
            "*",
            "localhost:5173",
            "http://localhost:5173/app",
            "ftp://x",
        ] {
            assert!(settings(&[("CORS_ORIGIN", bad)]).is_err(), "{bad}");
        }
    }
}
