//! [`EndpointsConfig::from_env`]: token delivery and trusted origins from the environment,
//! the family's env idiom ([`auth_core::env`]).

use auth_core::env::{EnvError, Vars, process_env};

use super::config::EndpointsConfig;
use crate::origin::origins_var;

impl EndpointsConfig {
    /// The defaults with what the environment sets:
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `AUTH_TOKEN_DELIVERY` | `bearer` (tokens in the JSON body: apps, CLIs) or `cookie` (the refresh token in an HttpOnly `__Host-` cookie, with CSRF checks: browser front-ends) | `bearer` |
    /// | `AUTH_ALLOWED_ORIGINS` | comma-separated exact origins (`https://app.example,http://localhost:5173`) allowed to send state-changing requests in cookie mode; the same list is what a host's CORS layer should allow | empty: only `https://` + the request's `Host` |
    ///
    /// The rest keeps its secure default; set fields on the result as usual.
    ///
    /// # Errors
    /// [`EnvError::Invalid`] naming the variable: an unknown delivery, or an origin that is
    /// not exactly `scheme://host[:port]` (a path, user info or wildcard is refused).
    pub fn from_env() -> Result<Self, EnvError> {
        Self::from_vars(process_env)
    }

    /// [`from_env`](Self::from_env) reading the variables through `lookup`.
    ///
    /// ```
    /// use auth_tower::{EndpointsConfig, TokenDelivery};
    ///
    /// let config = EndpointsConfig::from_vars(|name: &str| match name {
    ///     "AUTH_TOKEN_DELIVERY" => Some("cookie".to_owned()),
    ///     "AUTH_ALLOWED_ORIGINS" => Some("https://app.example, http://localhost:5173".to_owned()),
    ///     _ => None,
    /// })?;
    /// assert_eq!(config.token_delivery, TokenDelivery::Cookie);
    /// assert_eq!(config.allowed_origins, ["https://app.example", "http://localhost:5173"]);
    ///
    /// let wildcard = EndpointsConfig::from_vars(|name: &str| {
    ///     (name == "AUTH_ALLOWED_ORIGINS").then(|| "*".to_owned())
    /// });
    /// assert!(wildcard.unwrap_err().to_string().starts_with("AUTH_ALLOWED_ORIGINS is invalid"));
    /// # Ok::<(), auth_core::env::EnvError>(())
    /// ```
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, EnvError> {
        let vars = Vars::new(lookup);
        let mut config = match vars.get("AUTH_TOKEN_DELIVERY").as_deref() {
            None | Some("bearer") => Self::default(),
            Some("cookie") => Self::cookie_mode(),
            Some(other) => {
                return Err(EnvError::Invalid {
                    name: "AUTH_TOKEN_DELIVERY",
                    reason: format!("{other:?} is neither `bearer` nor `cookie`"),
                });
            }
        };
        config.allowed_origins = origins_var(&vars, "AUTH_ALLOWED_ORIGINS")?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoints::TokenDelivery;

    #[test]
    fn unset_is_the_secure_default() {
        let config = EndpointsConfig::from_vars(|_| None).unwrap();
        assert_eq!(config.token_delivery, TokenDelivery::Bearer);
        assert!(config.allowed_origins.is_empty());
    }

    #[test]
    fn an_origin_with_a_path_or_user_info_is_refused() {
        for bad in [
            "https://app.example/",
            "https://u@app.example",
            "app.example",
        ] {
            let error = EndpointsConfig::from_vars(|name: &str| {
                (name == "AUTH_ALLOWED_ORIGINS").then(|| format!("https://ok.example,{bad}"))
            })
            .unwrap_err();
            assert!(error.to_string().contains(bad), "{error}");
        }
        let error = EndpointsConfig::from_vars(|name: &str| {
            (name == "AUTH_TOKEN_DELIVERY").then(|| "cookies".to_owned())
        })
        .unwrap_err();
        assert!(
            error.to_string().starts_with("AUTH_TOKEN_DELIVERY"),
            "{error}"
        );
    }
}
