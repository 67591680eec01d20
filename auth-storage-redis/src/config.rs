//! How a [`RedisStore`](crate::RedisStore) names its keys and how long it waits.

use std::time::Duration;

/// Settings of a [`RedisStore`](crate::RedisStore). `RedisConfig::default()` is what
/// [`RedisStore::connect`](crate::RedisStore::connect) uses.
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct RedisConfig {
    /// Prepended to every key and to the invalidation channel, so several applications (or
    /// environments) can share one Redis. Give each its own prefix, and no prefix that is the
    /// start of another's. Defaults to `"auth:"`.
    pub key_prefix: String,
    /// The longest any Redis command (a connection attempt included) may take; past it the
    /// call fails with [`StoreError::Unavailable`](auth_core::store::StoreError::Unavailable)
    /// instead of hanging, and the host answers 503. Defaults to 2 seconds.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "auth_core::config_serde::duration")
    )]
    pub timeout: Duration,
    /// How long a revoked `jti` is kept after its token's `exp`, to cover the clock leeway
    /// verifiers grant an expired token. Defaults to 5 minutes.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "auth_core::config_serde::duration")
    )]
    pub revocation_grace: Duration,
}

impl Default for RedisConfig {
    fn default() -> Self {
        Self {
            key_prefix: "auth:".to_owned(),
            timeout: Duration::from_secs(2),
            revocation_grace: Duration::from_secs(300),
        }
    }
}

impl RedisConfig {
    /// Sets [`RedisConfig::key_prefix`].
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// Sets [`RedisConfig::timeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets [`RedisConfig::revocation_grace`].
    pub fn revocation_grace(mut self, grace: Duration) -> Self {
        self.revocation_grace = grace;
        self
    }
}

#[cfg(all(test, feature = "serde"))]
mod serde_tests {
    use super::*;

    #[test]
    fn a_config_file_keeps_the_defaults_it_leaves_out_and_names_a_misspelt_field() {
        let read: RedisConfig =
            serde_json::from_str(r#"{ "key_prefix": "app:", "timeout": "500ms" }"#).unwrap();
        assert_eq!(read.key_prefix, "app:");
        assert_eq!(read.timeout, Duration::from_millis(500));
        assert_eq!(
            read.revocation_grace,
            RedisConfig::default().revocation_grace
        );
        let error = serde_json::from_str::<RedisConfig>(r#"{ "prefix": "app:" }"#).unwrap_err();
        assert!(error.to_string().contains("unknown field"), "{error}");
    }
}
