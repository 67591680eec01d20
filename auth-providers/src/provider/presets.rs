//! The presets: Google (OpenID Connect), Kakao, Naver, Discord and GitHub, with their real
//! endpoints, scopes and response shapes.

use std::time::Duration;

use auth_core::token::Algorithm;
use url::Url;

use super::generic::{OidcSettings, ProfileSource, Provider};
use super::{ClientAuth, Credentials, Endpoints};
use crate::oidc::jwks::{JwksCache, JwksConfig};

/// The built-in providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Preset {
    /// Google (OpenID Connect).
    Google,
    /// Kakao Login (REST API).
    Kakao,
    /// Naver Login.
    Naver,
    /// Discord OAuth2.
    Discord,
    /// GitHub OAuth apps.
    GitHub,
}

impl Preset {
    /// Every preset, in the order a sign-in page usually lists them.
    pub const ALL: [Preset; 5] = [
        Self::Google,
        Self::GitHub,
        Self::Discord,
        Self::Kakao,
        Self::Naver,
    ];

    /// The provider's own name for a button (`Google`, `GitHub`, `Discord`, `Kakao`, `Naver`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Google => "Google",
            Self::Kakao => "Kakao",
            Self::Naver => "Naver",
            Self::Discord => "Discord",
            Self::GitHub => "GitHub",
        }
    }

    /// The preset named `name` ([`Preset::name`]), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|preset| preset.name() == name)
    }

    /// The provider name (`google`, `kakao`, `naver`, `discord`, `github`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Kakao => "kakao",
            Self::Naver => "naver",
            Self::Discord => "discord",
            Self::GitHub => "github",
        }
    }

    /// The provider's real endpoints.
    pub fn endpoints(self) -> Endpoints {
        let url = |text: &str| Url::parse(text).unwrap_or_else(|_| unreachable_url());
        match self {
            Self::Google => Endpoints {
                authorization: url("https://accounts.google.com/o/oauth2/v2/auth"),
                token: url("https://oauth2.googleapis.com/token"),
                userinfo: Some(url("https://openidconnect.googleapis.com/v1/userinfo")),
                emails: None,
                jwks: Some(url("https://www.googleapis.com/oauth2/v3/certs")),
                avatar_base: None,
            },
            Self::Kakao => Endpoints::new(
                url("https://kauth.kakao.com/oauth/authorize"),
                url("https://kauth.kakao.com/oauth/token"),
            )
            .userinfo(url("https://kapi.kakao.com/v2/user/me")),
            Self::Naver => Endpoints::new(
                url("https://nid.naver.com/oauth2.0/authorize"),
                url("https://nid.naver.com/oauth2.0/token"),
            )
            .userinfo(url("https://openapi.naver.com/v1/nid/me")),
            Self::Discord => Endpoints {
                avatar_base: Some(url("https://cdn.discordapp.com/")),
                ..Endpoints::new(
                    url("https://discord.com/oauth2/authorize"),
                    url("https://discord.com/api/oauth2/token"),
                )
                .userinfo(url("https://discord.com/api/users/@me"))
            },
            Self::GitHub => Endpoints {
                emails: Some(url("https://api.github.com/user/emails")),
                ..Endpoints::new(
                    url("https://github.com/login/oauth/authorize"),
                    url("https://github.com/login/oauth/access_token"),
                )
                .userinfo(url("https://api.github.com/user"))
            },
        }
    }
}

/// The preset URLs are constants that parse; this is never reached.
fn unreachable_url() -> Url {
    // A fixed, valid URL: if a constant above were ever mistyped, logins would fail against
    // this host instead of the process panicking.
    Url::parse("https://invalid.invalid/").unwrap_or_else(|_| unreachable!("constant URL"))
}

impl Provider {
    /// The preset `preset` with `credentials`.
    pub fn preset(preset: Preset, credentials: Credentials) -> Self {
        match preset {
            Preset::Google => Self::google(credentials),
            Preset::Kakao => Self::kakao(credentials),
            Preset::Naver => Self::naver(credentials),
            Preset::Discord => Self::discord(credentials),
            Preset::GitHub => Self::github(credentials),
        }
    }

    /// Google, as an OpenID Connect provider: scopes `openid email profile`, id_token
    /// validated against Google's JWKS (RS256), issuer `https://accounts.google.com` (Google
    /// also writes `accounts.google.com`). `email_verified` comes from the id_token.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// use auth_providers::{ClientSecret, Credentials, HttpClient, LoginFlow,
    ///     MemoryPendingLoginStore, Provider};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let provider = Provider::google(Credentials::new(
    ///     "client-id",
    ///     ClientSecret::new("client-secret"),
    ///     "https://app.example/oauth/google/callback".parse()?,
    /// ));
    /// let flow = LoginFlow::new(Arc::new(MemoryPendingLoginStore::new()), HttpClient::new()?)
    ///     .with_provider(provider)?;
    /// let url = flow.start("google").await?.authorization_url;
    /// assert_eq!(url.host_str(), Some("accounts.google.com"));
    /// assert!(url.query_pairs().any(|(k, v)| k == "scope" && v == "openid email profile"));
    /// assert!(url.query_pairs().any(|(k, _)| k == "nonce"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn google(credentials: Credentials) -> Self {
        let endpoints = Preset::Google.endpoints();
        let jwks = endpoints.jwks.clone().unwrap_or_else(unreachable_url);
        Self {
            name: Preset::Google.name().into(),
            credentials,
            endpoints,
            scopes: vec!["openid".into(), "email".into(), "profile".into()],
            scope_separator: " ",
            client_auth: ClientAuth::Basic,
            params: Vec::new(),
            source: ProfileSource::Oidc(OidcSettings {
                issuer: "https://accounts.google.com".into(),
                accepted_issuers: vec![
                    "https://accounts.google.com".into(),
                    "accounts.google.com".into(),
                ],
                jwks: JwksCache::new_unchecked(jwks, JwksConfig::default()),
                algorithms: vec![Algorithm::RS256],
                leeway: Duration::from_secs(60),
            }),
        }
    }

    /// Kakao Login: the client id is the app's REST API key; the secret (optional at Kakao)
    /// goes in the request body. Scopes `profile_nickname profile_image account_email`
    /// (comma-separated, as Kakao takes them). Profile from `/v2/user/me`; the email is
    /// verified only when `is_email_valid` and `is_email_verified` are both true.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// use auth_providers::{ClientSecret, Credentials, HttpClient, LoginFlow,
    ///     MemoryPendingLoginStore, Provider};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let provider = Provider::kakao(Credentials::new(
    ///     "client-id",
    ///     ClientSecret::new("client-secret"),
    ///     "https://app.example/oauth/kakao/callback".parse()?,
    /// ));
    /// let flow = LoginFlow::new(Arc::new(MemoryPendingLoginStore::new()), HttpClient::new()?)
    ///     .with_provider(provider)?;
    /// let url = flow.start("kakao").await?.authorization_url;
    /// assert_eq!(url.host_str(), Some("kauth.kakao.com"));
    /// assert!(url.query_pairs().any(|(k, v)| k == "code_challenge_method" && v == "S256"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn kakao(credentials: Credentials) -> Self {
        Self::plain(
            Preset::Kakao,
            credentials,
            &["profile_nickname", "profile_image", "account_email"],
            ",",
            ClientAuth::RequestBody,
            ProfileSource::Kakao,
        )
    }

    /// Naver Login: no scopes (consent is configured in the Naver console), secret in the
    /// request body, profile from `/v1/nid/me` inside its `resultcode`/`response` envelope.
    /// Naver gives no email-verified signal, so its emails count as unverified.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// use auth_providers::{ClientSecret, Credentials, HttpClient, LoginFlow,
    ///     MemoryPendingLoginStore, Provider};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let provider = Provider::naver(Credentials::new(
    ///     "client-id",
    ///     ClientSecret::new("client-secret"),
    ///     "https://app.example/oauth/naver/callback".parse()?,
    /// ));
    /// let flow = LoginFlow::new(Arc::new(MemoryPendingLoginStore::new()), HttpClient::new()?)
    ///     .with_provider(provider)?;
    /// let url = flow.start("naver").await?.authorization_url;
    /// assert_eq!(url.host_str(), Some("nid.naver.com"));
    /// assert!(url.query_pairs().any(|(k, _)| k == "state"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn naver(credentials: Credentials) -> Self {
        Self::plain(
            Preset::Naver,
            credentials,
            &[],
            " ",
            ClientAuth::RequestBody,
            ProfileSource::Naver,
        )
    }

    /// Discord: scopes `identify email`, profile from `/users/@me` (`verified` is the email
    /// signal), avatar URL built on `cdn.discordapp.com`.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// use auth_providers::{ClientSecret, Credentials, HttpClient, LoginFlow,
    ///     MemoryPendingLoginStore, Provider};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let provider = Provider::discord(Credentials::new(
    ///     "client-id",
    ///     ClientSecret::new("client-secret"),
    ///     "https://app.example/oauth/discord/callback".parse()?,
    /// ));
    /// let flow = LoginFlow::new(Arc::new(MemoryPendingLoginStore::new()), HttpClient::new()?)
    ///     .with_provider(provider)?;
    /// let url = flow.start("discord").await?.authorization_url;
    /// assert_eq!(url.host_str(), Some("discord.com"));
    /// assert!(url.query_pairs().any(|(k, v)| k == "scope" && v == "identify email"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn discord(credentials: Credentials) -> Self {
        Self::plain(
            Preset::Discord,
            credentials,
            &["identify", "email"],
            " ",
            ClientAuth::Basic,
            ProfileSource::Discord,
        )
    }

    /// GitHub: scopes `read:user user:email`, profile from `/user`, email from
    /// `/user/emails` (only a primary, verified address counts as verified).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// use auth_providers::{ClientSecret, Credentials, HttpClient, LoginFlow,
    ///     MemoryPendingLoginStore, Provider};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let provider = Provider::github(Credentials::new(
    ///     "client-id",
    ///     ClientSecret::new("client-secret"),
    ///     "https://app.example/oauth/github/callback".parse()?,
    /// ));
    /// let flow = LoginFlow::new(Arc::new(MemoryPendingLoginStore::new()), HttpClient::new()?)
    ///     .with_provider(provider)?;
    /// let url = flow.start("github").await?.authorization_url;
    /// assert_eq!(url.host_str(), Some("github.com"));
    /// assert!(url.query_pairs().any(|(k, v)| k == "scope" && v == "read:user user:email"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn github(credentials: Credentials) -> Self {
        Self::plain(
            Preset::GitHub,
            credentials,
            &["read:user", "user:email"],
            " ",
            ClientAuth::RequestBody,
            ProfileSource::GitHub,
        )
    }

    fn plain(
        preset: Preset,
        credentials: Credentials,
        scopes: &[&str],
        scope_separator: &'static str,
        client_auth: ClientAuth,
        source: ProfileSource,
    ) -> Self {
        Self {
            name: preset.name().into(),
            credentials,
            endpoints: preset.endpoints(),
            scopes: scopes.iter().map(|scope| (*scope).to_owned()).collect(),
            scope_separator,
            client_auth,
            params: Vec::new(),
            source,
        }
    }
}
