//! [`OAuthEndpointsConfig::from_env`]: the authorization server's browser-facing settings
//! from the environment, the family's env idiom ([`auth_core::env`]).

use auth_core::env::{EnvError, Vars, process_env};

use super::config::OAuthEndpointsConfig;
use crate::origin::origins_var;

impl OAuthEndpointsConfig {
    /// The defaults with what the environment sets:
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `OAUTH_CORS_ORIGINS` | comma-separated exact origins of browser apps (public clients) allowed to call the token, userinfo and revocation endpoints from script | none |
    /// | `OAUTH_SITE_NAME` | the name shown on the login and consent pages | `Sign in` |
    ///
    /// The issuer, keys and grant paths come from the [`AuthService`](auth_core::flows::AuthService)
    /// the server is made from ([`AuthService::oauth_server`](auth_core::flows::AuthService::oauth_server)).
    ///
    /// # Errors
    /// [`EnvError::Invalid`] naming `OAUTH_CORS_ORIGINS` for an entry that is not exactly
    /// `scheme://host[:port]`.
    pub fn from_env() -> Result<Self, EnvError> {
        Self::from_vars(process_env)
    }

    /// [`from_env`](Self::from_env) reading the variables through `lookup`.
    ///
    /// ```
    /// use auth_tower::oauth_server::OAuthEndpointsConfig;
    ///
    /// let config = OAuthEndpointsConfig::from_vars(|name: &str| match name {
    ///     "OAUTH_CORS_ORIGINS" => Some("https://spa.example".to_owned()),
    ///     "OAUTH_SITE_NAME" => Some("Workflow accounts".to_owned()),
    ///     _ => None,
    /// })?;
    /// assert_eq!(config.cors_allowed_origins, ["https://spa.example"]);
    /// assert_eq!(config.site_name, "Workflow accounts");
    /// # Ok::<(), auth_core::env::EnvError>(())
    /// ```
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, EnvError> {
        let vars = Vars::new(lookup);
        let mut config = Self {
            cors_allowed_origins: origins_var(&vars, "OAUTH_CORS_ORIGINS")?,
            ..Self::default()
        };
        if let Some(name) = vars.get("OAUTH_SITE_NAME") {
            config.site_name = name;
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wildcard_origin_is_refused_by_name() {
        let error = OAuthEndpointsConfig::from_vars(|name: &str| {
            (name == "OAUTH_CORS_ORIGINS").then(|| "https://ok.example, *".to_owned())
        })
        .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("OAUTH_CORS_ORIGINS is invalid"),
            "{error}"
        );
    }
}
