//! Presets configured from the environment, with the seeds' variable names.

use url::Url;

use super::presets::Preset;
use super::{Credentials, Endpoints, Provider};
use crate::error::ConfigError;
use crate::https;
use crate::secret::ClientSecret;

/// The variables one preset reads.
struct Names {
    client_id: &'static str,
    client_secret: &'static str,
    secret_required: bool,
    redirect_uri: &'static str,
    auth_url: &'static str,
    token_url: &'static str,
    userinfo_url: &'static str,
}

fn names(preset: Preset) -> Names {
    macro_rules! names {
        ($id:literal, $secret:literal, $required:literal, $p:literal) => {
            Names {
                client_id: $id,
                client_secret: $secret,
                secret_required: $required,
                redirect_uri: concat!($p, "_REDIRECT_URI"),
                auth_url: concat!($p, "_AUTH_URL"),
                token_url: concat!($p, "_TOKEN_URL"),
                userinfo_url: concat!($p, "_USERINFO_URL"),
            }
        };
    }
    match preset {
        Preset::Google => names!("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", true, "GOOGLE"),
        Preset::Kakao => names!("KAKAO_REST_API_KEY", "KAKAO_CLIENT_SECRET", false, "KAKAO"),
        Preset::Naver => names!("NAVER_CLIENT_ID", "NAVER_CLIENT_SECRET", true, "NAVER"),
        Preset::Discord => names!(
            "DISCORD_CLIENT_ID",
            "DISCORD_CLIENT_SECRET",
            true,
            "DISCORD"
        ),
        Preset::GitHub => names!("GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", true, "GITHUB"),
    }
}

/// The variable that names `preset`'s client: set means "configure this preset".
pub(crate) fn client_id_var(preset: Preset) -> &'static str {
    names(preset).client_id
}

impl Provider {
    /// The preset configured from the process environment.
    ///
    /// | preset | required | optional |
    /// |---|---|---|
    /// | Google | `GOOGLE_CLIENT_ID`, `GOOGLE_CLIENT_SECRET`, `GOOGLE_REDIRECT_URI` | `GOOGLE_AUTH_URL`, `GOOGLE_TOKEN_URL`, `GOOGLE_USERINFO_URL` |
    /// | Kakao | `KAKAO_REST_API_KEY`, `KAKAO_REDIRECT_URI` | `KAKAO_CLIENT_SECRET`, `KAKAO_AUTH_URL`, `KAKAO_TOKEN_URL`, `KAKAO_USERINFO_URL` |
    /// | Naver | `NAVER_CLIENT_ID`, `NAVER_CLIENT_SECRET`, `NAVER_REDIRECT_URI` | `NAVER_AUTH_URL`, `NAVER_TOKEN_URL`, `NAVER_USERINFO_URL` |
    /// | Discord | `DISCORD_CLIENT_ID`, `DISCORD_CLIENT_SECRET`, `DISCORD_REDIRECT_URI` | `DISCORD_AUTH_URL`, `DISCORD_TOKEN_URL`, `DISCORD_USERINFO_URL` |
    /// | GitHub | `GITHUB_CLIENT_ID`, `GITHUB_CLIENT_SECRET`, `GITHUB_REDIRECT_URI` | `GITHUB_AUTH_URL`, `GITHUB_TOKEN_URL`, `GITHUB_USERINFO_URL` |
    ///
    /// A missing required variable is reported by name ([`ConfigError::MissingEnv`]); an
    /// endpoint override that is not `https` (plain `http` is accepted only for a loopback
    /// host) by name too ([`ConfigError::InsecureUrl`]).
    pub fn from_env(preset: Preset) -> Result<Self, ConfigError> {
        Self::from_vars(preset, |name| std::env::var(name).ok())
    }

    /// As [`Provider::from_env`], reading variables through `lookup` (a config file, tests).
    ///
    /// ```
    /// use auth_providers::{ConfigError, Preset, Provider};
    ///
    /// let vars = |name: &str| match name {
    ///     "KAKAO_REST_API_KEY" => Some("rest-key".to_owned()),
    ///     _ => None,
    /// };
    /// let missing = Provider::from_vars(Preset::Kakao, vars).unwrap_err();
    /// assert_eq!(missing, ConfigError::MissingEnv("KAKAO_REDIRECT_URI"));
    /// ```
    pub fn from_vars(
        preset: Preset,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let names = names(preset);
        let get = |name: &'static str| lookup(name).filter(|value| !value.trim().is_empty());
        let require = |name: &'static str| get(name).ok_or(ConfigError::MissingEnv(name));
        let parse_url = |name: &'static str, value: String| {
            Url::parse(value.trim()).map_err(|_| ConfigError::Invalid {
                name: name.into(),
                reason: "not an absolute URL",
            })
        };
        let client_id = require(names.client_id)?;
        let client_secret = if names.secret_required {
            Some(require(names.client_secret)?)
        } else {
            get(names.client_secret)
        };
        let redirect_uri = parse_url(names.redirect_uri, require(names.redirect_uri)?)?;
        let credentials = Credentials {
            client_id,
            client_secret: client_secret.map(ClientSecret::new),
            redirect_uri,
        };
        // An endpoint override must be https (plain http only to a loopback host), reported
        // under the variable that set it.
        let parse_endpoint = |name: &'static str, value: String| {
            let url = parse_url(name, value)?;
            https::require(name, &url)?;
            Ok::<Url, ConfigError>(url)
        };
        let mut endpoints: Endpoints = preset.endpoints();
        if let Some(value) = get(names.auth_url) {
            endpoints.authorization = parse_endpoint(names.auth_url, value)?;
        }
        if let Some(value) = get(names.token_url) {
            endpoints.token = parse_endpoint(names.token_url, value)?;
        }
        if let Some(value) = get(names.userinfo_url) {
            endpoints.userinfo = Some(parse_endpoint(names.userinfo_url, value)?);
        }
        Ok(Self::preset(preset, credentials).with_endpoints(endpoints))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn each_missing_variable_is_named() {
        let full = [
            ("GOOGLE_CLIENT_ID", "id"),
            ("GOOGLE_CLIENT_SECRET", "secret"),
            ("GOOGLE_REDIRECT_URI", "https://app.example/cb"),
        ];
        assert!(Provider::from_vars(Preset::Google, vars(&full)).is_ok());
        for skip in 0..full.len() {
            let partial: Vec<_> = full
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, pair)| *pair)
                .collect();
            assert_eq!(
                Provider::from_vars(Preset::Google, vars(&partial)).unwrap_err(),
                ConfigError::MissingEnv(full[skip].0)
            );
        }
    }

    #[test]
    fn kakao_secret_is_optional_and_urls_are_overridable() {
        let provider = Provider::from_vars(
            Preset::Kakao,
            vars(&[
                ("KAKAO_REST_API_KEY", "rest"),
                ("KAKAO_REDIRECT_URI", "https://app.example/kakao"),
                ("KAKAO_TOKEN_URL", "http://127.0.0.1:9/token"),
            ]),
        )
        .unwrap();
        assert!(provider.credentials().client_secret.is_none());
        assert_eq!(
            provider.endpoints().token.as_str(),
            "http://127.0.0.1:9/token"
        );
        let bad = Provider::from_vars(
            Preset::Discord,
            vars(&[
                ("DISCORD_CLIENT_ID", "id"),
                ("DISCORD_CLIENT_SECRET", "s"),
                ("DISCORD_REDIRECT_URI", "not a url"),
            ]),
        );
        assert!(matches!(bad, Err(ConfigError::Invalid { .. })));
    }

    // RFC 6749 §3.2 (TLS for the token endpoint), issue 12 item 12: an endpoint override in
    // the environment that is plain http to another machine stops configuration, naming the
    // variable; loopback http (a local mock) stays accepted (see the test above).
    #[test]
    fn rfc6749_3_2_http_endpoint_override_off_loopback_is_refused() {
        for (var, url) in [
            ("KAKAO_TOKEN_URL", "http://kauth.kakao.com/oauth/token"),
            ("KAKAO_AUTH_URL", "http://10.0.0.7/oauth/authorize"),
            ("KAKAO_USERINFO_URL", "http://kapi.kakao.com/v2/user/me"),
        ] {
            let result = Provider::from_vars(
                Preset::Kakao,
                vars(&[
                    ("KAKAO_REST_API_KEY", "rest"),
                    ("KAKAO_REDIRECT_URI", "https://app.example/kakao"),
                    (var, url),
                ]),
            );
            assert_eq!(
                result.unwrap_err(),
                ConfigError::InsecureUrl { field: var.into() },
                "{var}"
            );
        }
    }
}
