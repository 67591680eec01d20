//! [`SeaOrmStore::from_env`]: the database from `DATABASE_URL`, the family's env idiom
//! ([`auth_core::env`]).

use auth_core::env::{EnvError, Vars, process_env};

use crate::store::SeaOrmStore;
use crate::timeouts::Timeouts;

impl SeaOrmStore {
    /// Connects to the database the environment names:
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `DATABASE_URL` | `sqlite://auth.db` (created if missing), `postgres://USER:PASSWORD@HOST/DB` or `mysql://USER:PASSWORD@HOST/DB` | required |
    /// | `DATABASE_TIMEOUT_SECONDS` | the longest a call waits for a connection, opening one included, before it fails as unavailable (1–60; see [`Timeouts::acquire`]) | 2 |
    ///
    /// Apply the auth tables with [`migrate`](Self::migrate) before serving.
    ///
    /// # Errors
    /// [`EnvError::Missing`] or [`EnvError::Invalid`] naming the variable, or
    /// [`EnvError::Unusable`] for `DATABASE_URL` when the database cannot be reached or the
    /// URL is for a backend this build lacks. No error holds the URL's password.
    pub async fn from_env() -> Result<Self, EnvError> {
        Self::from_vars(process_env).await
    }

    /// [`from_env`](Self::from_env) reading the variables through `lookup`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), auth_core::env::EnvError> {
    /// use auth_storage_seaorm::SeaOrmStore;
    ///
    /// let vars = |name: &str| (name == "DATABASE_URL").then(|| "sqlite::memory:".to_owned());
    /// let store = SeaOrmStore::from_vars(vars).await?;
    /// store.migrate().await.expect("the auth tables");
    ///
    /// let missing = SeaOrmStore::from_vars(|_| None).await.unwrap_err();
    /// assert!(missing.to_string().starts_with("DATABASE_URL is not set"));
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub async fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, EnvError> {
        let vars = Vars::new(lookup);
        let url = vars.required(
            "DATABASE_URL",
            "sqlite://auth.db, postgres://USER:PASSWORD@HOST/DB or mysql://USER:PASSWORD@HOST/DB",
        )?;
        let mut timeouts = Timeouts::default();
        if let Some(acquire) = vars.seconds("DATABASE_TIMEOUT_SECONDS", 1..=60)? {
            timeouts.acquire = acquire;
        }
        // `connect_with` already rebuilds sea-orm's errors without the password.
        Self::connect_with(&url, timeouts)
            .await
            .map_err(|error| EnvError::Unusable {
                name: "DATABASE_URL",
                source: Box::new(error),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unreachable_database_is_named_without_its_password() {
        let vars = |name: &str| match name {
            "DATABASE_URL" => Some("postgres://app:hunter2@127.0.0.1:1/app".to_owned()),
            "DATABASE_TIMEOUT_SECONDS" => Some("1".to_owned()),
            _ => None,
        };
        let error = SeaOrmStore::from_vars(vars).await.unwrap_err();
        let text = format!("{error} {error:?}");
        assert!(text.starts_with("DATABASE_URL:"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[tokio::test]
    async fn the_timeout_is_range_checked() {
        for bad in ["0", "61", "two"] {
            let vars = |name: &str| match name {
                "DATABASE_URL" => Some("sqlite::memory:".to_owned()),
                "DATABASE_TIMEOUT_SECONDS" => Some(bad.to_owned()),
                _ => None,
            };
            let error = SeaOrmStore::from_vars(vars).await.unwrap_err();
            assert!(
                error
                    .to_string()
                    .starts_with("DATABASE_TIMEOUT_SECONDS is invalid"),
                "{error}"
            );
        }
    }
}
