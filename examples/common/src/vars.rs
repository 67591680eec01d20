//! [`ExampleVars`]: the variables the examples run on — the process environment over the
//! examples' no-setup defaults. The libraries read them (`SeaOrmStore::from_vars`,
//! `AuthServiceBuilder::from_vars`, `EndpointsConfig::from_vars`, `LoginFlow::from_vars`,
//! `RedisStore::from_vars`); the examples parse nothing themselves.

use std::path::PathBuf;

use auth_core::env::{Vars, process_env};
use zeroize::Zeroizing;

use crate::error::StartError;
use crate::keys::dev_secret;

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
