//! [`RedisStore::from_env`]: Redis from `REDIS_URL`, the family's env idiom
//! ([`auth_core::env`]).

use auth_core::env::{EnvError, Vars, process_env};

use crate::config::RedisConfig;
use crate::store::RedisStore;

impl RedisStore {
    /// Connects to the Redis the environment names, or `None` when `REDIS_URL` is unset —
    /// Redis is optional in a deployment (one instance keeps the same state in its database):
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `REDIS_URL` | `redis://[:PASSWORD@]HOST[:PORT][/DB]` (`rediss://` for TLS) | unset: `None` |
    /// | `REDIS_KEY_PREFIX` | what every key starts with, so several apps share one Redis | `auth:` |
    ///
    /// A deployment that requires Redis turns `None` into its own error.
    ///
    /// # Errors
    /// [`EnvError::Unusable`] for `REDIS_URL` when it is not a Redis URL or Redis does not
    /// answer within [`RedisConfig::timeout`]; no error holds the password.
    pub async fn from_env() -> Result<Option<Self>, EnvError> {
        Self::from_vars(process_env).await
    }

    /// [`from_env`](Self::from_env) reading the variables through `lookup`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), auth_core::env::EnvError> {
    /// use auth_storage_redis::RedisStore;
    ///
    /// assert!(RedisStore::from_vars(|_| None).await?.is_none());
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub async fn from_vars(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, EnvError> {
        let vars = Vars::new(lookup);
        let Some(url) = vars.get("REDIS_URL") else {
            return Ok(None);
        };
        let mut config = RedisConfig::default();
        if let Some(prefix) = vars.get("REDIS_KEY_PREFIX") {
            config = config.key_prefix(prefix);
        }
        let store = Self::connect_with(&url, config)
            .await
            .map_err(|error| EnvError::Unusable {
                name: "REDIS_URL",
                source: Box::new(error),
            })?;
        Ok(Some(store))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unreachable_redis_is_named_without_its_password() {
        let vars =
            |name: &str| (name == "REDIS_URL").then(|| "redis://:hunter2@127.0.0.1:1/0".to_owned());
        let error = RedisStore::from_vars(vars).await.map(drop).unwrap_err();
        let text = format!("{error} {error:?}");
        assert!(text.starts_with("REDIS_URL:"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}
