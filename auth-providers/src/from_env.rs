//! Social login and remote token verification from the environment, the family's env idiom
//! (`from_env()` and `from_vars(lookup)`, see `auth_core::env`).

use std::sync::Arc;

use auth_core::env::{Vars, process_env};
use auth_core::store::PendingLoginStore;
use auth_core::token::VerifierConfig;
use url::Url;

use crate::error::ConfigError;
use crate::flow::LoginFlow;
use crate::http::HttpClient;
use crate::oidc::jwks::{JwksCache, JwksConfig};
use crate::provider::{Preset, Provider, client_id_var};
use crate::remote::RemoteJwtVerifier;

impl LoginFlow {
    /// A login flow with every preset whose client variable is set (`GOOGLE_CLIENT_ID`,
    /// `GITHUB_CLIENT_ID`, `DISCORD_CLIENT_ID`, `KAKAO_REST_API_KEY`, `NAVER_CLIENT_ID`; the
    /// rest of each preset's variables are in [`Provider::from_env`]), keeping pending logins
    /// in `pending`; `None` when no preset is configured.
    ///
    /// A preset whose client variable is set but whose secret or redirect URI is missing or
    /// invalid is an error naming the variable, not a provider quietly left out: its button
    /// would otherwise vanish from the sign-in page with nothing in the log.
    ///
    /// # Errors
    /// [`ConfigError::MissingEnv`], [`ConfigError::Invalid`] or [`ConfigError::InsecureUrl`]
    /// for the first unusable variable; [`ConfigError::HttpClient`] when no HTTP client can be
    /// built.
    pub fn from_env(pending: Arc<dyn PendingLoginStore>) -> Result<Option<Self>, ConfigError> {
        Self::from_vars(pending, process_env)
    }

    /// [`from_env`](Self::from_env) reading the variables through `lookup`.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use auth_providers::{ConfigError, LoginFlow, MemoryPendingLoginStore};
    ///
    /// let pending = Arc::new(MemoryPendingLoginStore::new());
    /// let vars = |name: &str| match name {
    ///     "GITHUB_CLIENT_ID" => Some("Iv1.8a61f9b3a7aba766".to_owned()),
    ///     "GITHUB_CLIENT_SECRET" => Some("a-client-secret".to_owned()),
    ///     "GITHUB_REDIRECT_URI" => Some("https://app.example/auth/oauth/github/callback".to_owned()),
    ///     _ => None,
    /// };
    /// let flow = LoginFlow::from_vars(pending.clone(), vars)?.expect("GitHub is configured");
    /// assert_eq!(flow.provider_names().collect::<Vec<_>>(), ["github"]);
    ///
    /// assert!(LoginFlow::from_vars(pending.clone(), |_| None)?.is_none());
    /// let half = |name: &str| (name == "GOOGLE_CLIENT_ID").then(|| "id".to_owned());
    /// let error = LoginFlow::from_vars(pending, half).unwrap_err();
    /// assert_eq!(error, ConfigError::MissingEnv("GOOGLE_CLIENT_SECRET"));
    /// # Ok::<(), ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_vars(
        pending: Arc<dyn PendingLoginStore>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        let vars = Vars::new(&lookup);
        let configured: Vec<Preset> = Preset::ALL
            .into_iter()
            .filter(|&preset| vars.get(client_id_var(preset)).is_some())
            .collect();
        if configured.is_empty() {
            return Ok(None);
        }
        let http = HttpClient::new().map_err(ConfigError::HttpClient)?;
        let mut flow = Self::new(pending, http);
        for preset in configured {
            flow = flow.with_provider(Provider::from_vars(preset, &lookup)?)?;
        }
        Ok(Some(flow))
    }
}

impl RemoteJwtVerifier {
    /// A verifier of another authorization server's access tokens, configured by:
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `OAUTH_ISSUER` | the authorization server's issuer identifier (the tokens' `iss`) | required |
    /// | `OAUTH_AUDIENCE` | this API's identifier: the `aud` its tokens must carry | required |
    /// | `OAUTH_JWKS_URL` | where the server publishes its keys | the issuer + `/.well-known/jwks.json` |
    ///
    /// # Errors
    /// [`ConfigError::MissingEnv`] or [`ConfigError::Invalid`] naming the variable;
    /// [`ConfigError::InsecureUrl`] for a JWKS URL that is plain `http` to another machine
    /// than this one; [`ConfigError::HttpClient`] when no HTTP client can be built.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(process_env)
    }

    /// [`from_env`](Self::from_env) reading the variables through `lookup`.
    ///
    /// ```
    /// use auth_providers::{ConfigError, RemoteJwtVerifier};
    ///
    /// let vars = |name: &str| match name {
    ///     "OAUTH_ISSUER" => Some("https://auth.example".to_owned()),
    ///     "OAUTH_AUDIENCE" => Some("https://api.example".to_owned()),
    ///     _ => None,
    /// };
    /// let verifier = RemoteJwtVerifier::from_vars(vars)?;
    ///
    /// let plain = |name: &str| match name {
    ///     "OAUTH_JWKS_URL" => Some("http://auth.example/jwks.json".to_owned()),
    ///     other => vars(other),
    /// };
    /// assert!(matches!(
    ///     RemoteJwtVerifier::from_vars(plain),
    ///     Err(ConfigError::InsecureUrl { .. })
    /// ));
    /// # Ok::<(), ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// As [`from_env`](Self::from_env).
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let vars = Vars::new(lookup);
        let required = |name: &'static str| vars.get(name).ok_or(ConfigError::MissingEnv(name));
        let issuer = required("OAUTH_ISSUER")?;
        let audience = required("OAUTH_AUDIENCE")?;
        let (name, jwks) = match vars.get("OAUTH_JWKS_URL") {
            Some(url) => ("OAUTH_JWKS_URL", url),
            None => (
                "OAUTH_ISSUER",
                format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/')),
            ),
        };
        let jwks = Url::parse(&jwks).map_err(|_| ConfigError::Invalid {
            name: name.into(),
            reason: "not an absolute URL",
        })?;
        let jwks = JwksCache::new(jwks, JwksConfig::default())?;
        let http = HttpClient::new().map_err(ConfigError::HttpClient)?;
        Ok(Self::new(jwks, VerifierConfig::new(issuer, audience), http))
    }
}
