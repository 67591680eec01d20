//! Which social-login providers the environment configures, for the demo page's buttons.

use std::sync::Arc;

use auth_core::store::PendingLoginStore;
use auth_providers::{ConfigError, HttpClient, LoginFlow, Preset, Provider};

/// The presets in the order their buttons appear, with the variable that names the client.
const PRESETS: [(Preset, &str, &str); 5] = [
    (Preset::Google, "Google", "GOOGLE_CLIENT_ID"),
    (Preset::GitHub, "GitHub", "GITHUB_CLIENT_ID"),
    (Preset::Discord, "Discord", "DISCORD_CLIENT_ID"),
    (Preset::Kakao, "Kakao", "KAKAO_REST_API_KEY"),
    (Preset::Naver, "Naver", "NAVER_CLIENT_ID"),
];

/// A provider the environment configures completely.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConfiguredProvider {
    /// The route name (`google`, …): the button links to `/auth/oauth/{name}`.
    pub name: &'static str,
    /// The button label (`Google`, …).
    pub label: &'static str,
    /// Which preset it is.
    pub preset: Preset,
}

/// The presets configured in the process environment ([`Provider::from_env`]).
pub fn configured_providers() -> Vec<ConfiguredProvider> {
    configured_from(|preset| Provider::from_env(preset).map(drop))
}

/// As [`configured_providers`], with the configuration check given (tests).
///
/// A preset whose client variable is unset is simply not configured; one that is half
/// configured (client id set, secret or redirect URI missing or invalid) is logged with the
/// variable to fix and left out.
pub fn configured_from(
    check: impl Fn(Preset) -> Result<(), ConfigError>,
) -> Vec<ConfiguredProvider> {
    PRESETS
        .iter()
        .filter_map(|&(preset, label, client_var)| match check(preset) {
            Ok(()) => Some(ConfiguredProvider {
                name: preset.name(),
                label,
                preset,
            }),
            Err(ConfigError::MissingEnv(name)) if name == client_var => None,
            Err(error) => {
                tracing::warn!(provider = preset.name(), %error, "social login provider left out");
                None
            }
        })
        .collect()
}

/// The social-login flow for `providers` (from [`configured_providers`]), or `None` when
/// there are none. auth-tower mounts its routes (`GET /auth/oauth/{provider}` and
/// `/callback`) on the endpoints given this flow. Pending logins live in `pending` — the
/// example passes its database (or Redis), so a login started on one instance completes on
/// another, and across a restart.
///
/// # Errors
///
/// A provider whose configuration changed since it was checked, or an HTTP client that
/// cannot be built, as a message for the start-up error.
pub fn login_flow(
    providers: &[ConfiguredProvider],
    pending: Arc<dyn PendingLoginStore>,
) -> Result<Option<LoginFlow>, String> {
    if providers.is_empty() {
        return Ok(None);
    }
    let http = HttpClient::new().map_err(|error| format!("social login HTTP client: {error}"))?;
    let mut flow = LoginFlow::new(pending, http);
    for configured in providers {
        let provider = Provider::from_env(configured.preset)
            .map_err(|error| format!("{} login: {error}", configured.label))?;
        flow = flow
            .with_provider(provider)
            .map_err(|error| format!("{} login: {error}", configured.label))?;
    }
    Ok(Some(flow))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_configured_is_an_empty_list() {
        let none = configured_from(|preset| Provider::from_vars(preset, |_| None).map(drop));
        assert!(none.is_empty());
    }

    #[test]
    fn only_complete_presets_get_a_button() {
        let vars = |name: &str| match name {
            "GITHUB_CLIENT_ID" => Some("id".to_owned()),
            "GITHUB_CLIENT_SECRET" => Some("secret".to_owned()),
            "GITHUB_REDIRECT_URI" => {
                Some("http://127.0.0.1:3000/auth/oauth/github/callback".to_owned())
            }
            // Half configured: no secret, no redirect URI.
            "GOOGLE_CLIENT_ID" => Some("id".to_owned()),
            _ => None,
        };
        let configured = configured_from(|preset| Provider::from_vars(preset, vars).map(drop));
        assert_eq!(
            configured,
            vec![ConfiguredProvider {
                name: "github",
                label: "GitHub",
                preset: Preset::GitHub,
            }]
        );
    }
}
