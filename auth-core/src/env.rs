//! Settings from environment variables: the one idiom every crate of the family uses.
//!
//! Each configurable part has `from_env()` (the process environment) and `from_vars(lookup)`
//! (the same variables through your own lookup: a secrets manager, a parsed `.env` file, a
//! test, or defaults layered under the environment). A failure is an [`EnvError`] naming the
//! variable and what it needs — never a secret's value.
//!
//! | part | reads |
//! |---|---|
//! | [`AuthServiceBuilder::from_env`](crate::flows::AuthServiceBuilder::from_env) | `JWT_*`, token lifetimes, refresh grace, revocation cache |
//! | `SeaOrmStore::from_env` (auth-storage-seaorm) | `DATABASE_URL`, `DATABASE_TIMEOUT_SECONDS` |
//! | `RedisStore::from_env` (auth-storage-redis) | `REDIS_URL`, `REDIS_KEY_PREFIX` |
//! | `EndpointsConfig::from_env` (auth-tower) | `AUTH_TOKEN_DELIVERY`, `AUTH_ALLOWED_ORIGINS` |
//! | `OAuthEndpointsConfig::from_env` (auth-tower, the authorization server) | `OAUTH_CORS_ORIGINS`, `OAUTH_SITE_NAME` |
//! | `LoginFlow::from_env` (auth-providers) | `GOOGLE_CLIENT_ID`, `KAKAO_REST_API_KEY`, … |
//! | `RemoteJwtVerifier::from_env` (auth-providers) | `OAUTH_ISSUER`, `OAUTH_AUDIENCE`, `OAUTH_JWKS_URL` |
//!
//! Layering defaults under the environment is a lookup that falls back:
//!
//! ```
//! use auth_core::env::Vars;
//!
//! let defaults = |name: &str| (name == "DATABASE_URL").then(|| "sqlite://app.db".to_owned());
//! let vars = Vars::new(|name: &str| std::env::var(name).ok().or_else(|| defaults(name)));
//! assert!(vars.get("DATABASE_URL").is_some());
//! ```

use std::ops::RangeInclusive;
use std::time::Duration;

/// Why settings could not be read from the environment. The text names the variable and
/// what it needs; it never holds a secret's value.
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
        source: crate::token::KeyError,
    },
    /// The variable parsed, but what it names could not be reached or used (a database that
    /// does not answer, a URL the client library refuses).
    #[error("{name}: {source}")]
    Unusable {
        /// The variable.
        name: &'static str,
        /// Why (connection URLs in it have their password masked by the crate that failed).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Reads variables through a lookup, with the family's rules: an empty or blank value counts
/// as unset, numbers are whole and range-checked, and every error names its variable.
#[derive(Clone, Copy)]
pub struct Vars<L> {
    lookup: L,
}

impl<L> std::fmt::Debug for Vars<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The lookup may hold secrets; there is nothing else to show.
        f.debug_struct("Vars").finish_non_exhaustive()
    }
}

/// The process environment, as a lookup for [`Vars::new`] and every `from_vars`.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl<L: Fn(&str) -> Option<String>> Vars<L> {
    /// Variables read through `lookup` ([`process_env`] for the process environment).
    pub fn new(lookup: L) -> Self {
        Self { lookup }
    }

    /// The value of `name`, trimmed; `None` when unset, empty or blank.
    pub fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    /// The value of `name`, or [`EnvError::Missing`] with `hint` (what to set it to).
    ///
    /// # Errors
    /// [`EnvError::Missing`].
    pub fn required(&self, name: &'static str, hint: &'static str) -> Result<String, EnvError> {
        self.get(name).ok_or(EnvError::Missing { name, hint })
    }

    /// `name` as a whole number within `range`, if set.
    ///
    /// ```
    /// use auth_core::env::Vars;
    ///
    /// let vars = Vars::new(|name: &str| (name == "N").then(|| " 61 ".to_owned()));
    /// assert_eq!(vars.number("N", 1..=100)?, Some(61));
    /// assert_eq!(vars.number("UNSET", 1..=100)?, None);
    /// let error = vars.number("N", 1..=60).unwrap_err();
    /// assert_eq!(error.to_string(), "N is invalid: \"61\" is not a whole number from 1 to 60");
    /// # Ok::<(), auth_core::env::EnvError>(())
    /// ```
    ///
    /// # Errors
    /// [`EnvError::Invalid`] when it is not a whole number within `range`.
    pub fn number(
        &self,
        name: &'static str,
        range: RangeInclusive<u64>,
    ) -> Result<Option<u64>, EnvError> {
        let Some(text) = self.get(name) else {
            return Ok(None);
        };
        match text.parse::<u64>() {
            Ok(number) if range.contains(&number) => Ok(Some(number)),
            _ => Err(EnvError::Invalid {
                name,
                reason: format!(
                    "{text:?} is not a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            }),
        }
    }

    /// `name` as a whole number of seconds within `range`, if set.
    ///
    /// # Errors
    /// As [`number`](Self::number).
    pub fn seconds(
        &self,
        name: &'static str,
        range: RangeInclusive<u64>,
    ) -> Result<Option<Duration>, EnvError> {
        Ok(self.number(name, range)?.map(Duration::from_secs))
    }

    /// `name` as a comma-separated list, each entry trimmed, empty entries dropped; empty
    /// when unset.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.get(name)
            .map(|text| {
                text.split(',')
                    .map(str::trim)
                    .filter(|entry| !entry.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(
        pairs: &'static [(&'static str, &'static str)],
    ) -> Vars<impl Fn(&str) -> Option<String>> {
        Vars::new(move |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn blank_counts_as_unset() {
        let vars = vars(&[("A", "   "), ("B", "")]);
        assert_eq!(vars.get("A"), None);
        assert_eq!(vars.get("B"), None);
        assert!(matches!(
            vars.required("A", "set it"),
            Err(EnvError::Missing { name: "A", .. })
        ));
    }

    #[test]
    fn numbers_outside_their_range_name_the_variable() {
        let vars = vars(&[
            ("ZERO", "0"),
            ("NEG", "-1"),
            ("BIG", "99999999999999999999999"),
        ]);
        for name in ["ZERO", "NEG", "BIG"] {
            let error = vars.seconds(name, 1..=60).unwrap_err();
            assert!(error.to_string().starts_with(name), "{error}");
        }
        assert_eq!(vars.seconds("ZERO", 0..=60).unwrap(), Some(Duration::ZERO));
    }

    #[test]
    fn lists_drop_empty_entries() {
        let vars = vars(&[("L", " a, ,b ,")]);
        assert_eq!(vars.list("L"), ["a", "b"]);
        assert!(vars.list("UNSET").is_empty());
    }
}
