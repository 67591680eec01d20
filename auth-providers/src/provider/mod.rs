//! The provider trait, and [`Provider`]: the one implementation behind every preset, generic
//! OIDC and generic OAuth2.

mod env;
mod exchange;
mod generic;
mod mapping;
mod presets;

use std::fmt::Debug;

use auth_core::{Clock, async_trait};
use url::Url;

use crate::error::{ConfigError, LoginError};
use crate::http::HttpClient;
use crate::https;
use crate::login_options::LoginOptions;
use crate::profile::ProviderProfile;
use crate::secret::{ClientSecret, SecretValue};

pub(crate) use env::client_id_var;
pub use generic::Provider;
pub use mapping::UserInfoMapping;
pub use presets::Preset;

/// What the authorization request carries besides the provider's own settings.
#[derive(Debug)]
#[non_exhaustive]
pub struct AuthorizationParams<'a> {
    /// The `state` (256 random bits).
    pub state: &'a str,
    /// The PKCE S256 `code_challenge`.
    pub pkce_challenge: &'a str,
    /// The OIDC `nonce`, for providers whose [`OAuthProvider::uses_nonce`] is true.
    pub nonce: Option<&'a str>,
    /// This login's own parameters (`login_hint`, `prompt`, extra scopes), already checked.
    /// An implementation sends what its provider understands and ignores the rest.
    pub options: &'a LoginOptions,
}

/// What the callback gives the provider to finish a login with, after the flow has checked
/// `state`, the browser binding and the provider.
#[non_exhaustive]
pub struct CodeExchange<'a> {
    /// The authorization `code`.
    pub code: &'a str,
    /// The PKCE verifier of this login.
    pub pkce_verifier: &'a SecretValue,
    /// The nonce sent with this login, if any.
    pub nonce: Option<&'a SecretValue>,
    /// The HTTP client.
    pub http: &'a HttpClient,
    /// The clock (id_token expiry).
    pub clock: &'a dyn Clock,
}

impl Debug for CodeExchange<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeExchange")
            .field("code", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// An OAuth 2.0 / OpenID Connect login provider.
///
/// [`Provider`] implements it for every preset and for generic OIDC and OAuth2; implement it
/// yourself for a provider that fits none of them. The [`LoginFlow`](crate::LoginFlow) owns
/// `state`, PKCE, nonce and the browser binding, so an implementation cannot get them wrong:
/// it only builds the authorization URL and turns a code into a profile.
#[async_trait]
pub trait OAuthProvider: Debug + Send + Sync + 'static {
    /// The provider's name (`google`, `kakao`, …): the `{provider}` of the login routes and the
    /// `provider` of the profile.
    fn name(&self) -> &str;

    /// Whether the provider is OpenID Connect (a `nonce` is sent and checked in the id_token).
    fn uses_nonce(&self) -> bool;

    /// The issuer identifier, for providers that have one: a callback carrying an `iss`
    /// parameter (RFC 9207) must match it.
    fn issuer(&self) -> Option<&str> {
        None
    }

    /// Checks the configuration when the provider is registered with a
    /// [`LoginFlow`](crate::LoginFlow), so that a mistake stops start-up instead of a login.
    /// The default accepts anything; [`Provider`] refuses an issuer or endpoint that is
    /// neither `https` nor plain `http` to a loopback host ([`ConfigError::InsecureUrl`]).
    /// Implementations that call URLs of their own should check them here the same way.
    fn check_config(&self) -> Result<(), ConfigError> {
        Ok(())
    }

    /// The URL to send the browser to.
    fn authorization_url(&self, params: &AuthorizationParams<'_>) -> Result<Url, LoginError>;

    /// Exchanges the code (with the PKCE verifier) and returns the user's profile.
    async fn complete(&self, exchange: CodeExchange<'_>) -> Result<ProviderProfile, LoginError>;
}

/// A client's registration at a provider.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Credentials {
    /// The client id (Kakao: the REST API key).
    pub client_id: String,
    /// The client secret; `None` for public clients (PKCE only) and Kakao apps without one.
    pub client_secret: Option<ClientSecret>,
    /// The redirect URI registered at the provider, where the callback is served.
    pub redirect_uri: Url,
}

impl Credentials {
    /// Credentials with a client secret.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: ClientSecret,
        redirect_uri: Url,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: Some(client_secret),
            redirect_uri,
        }
    }

    /// Credentials of a public client (no secret).
    pub fn public(client_id: impl Into<String>, redirect_uri: Url) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: None,
            redirect_uri,
        }
    }
}

/// A provider's endpoints. Every one is overridable (self-hosted servers, local tests).
///
/// Each must be `https`, or plain `http` to a loopback host (`127.0.0.0/8`, `[::1]`,
/// `localhost`): [`Provider`]'s constructors and [`LoginFlow`](crate::LoginFlow) refuse
/// anything else with [`ConfigError::InsecureUrl`] naming the field.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Endpoints {
    /// The authorization endpoint (where the browser goes).
    pub authorization: Url,
    /// The token endpoint.
    pub token: Url,
    /// The userinfo / profile endpoint.
    pub userinfo: Option<Url>,
    /// GitHub only: the `/user/emails` endpoint.
    pub emails: Option<Url>,
    /// OIDC only: the JWKS endpoint.
    pub jwks: Option<Url>,
    /// Discord only: the CDN base for avatar URLs.
    pub avatar_base: Option<Url>,
}

impl Endpoints {
    /// An authorization and a token endpoint, nothing else.
    pub fn new(authorization: Url, token: Url) -> Self {
        Self {
            authorization,
            token,
            userinfo: None,
            emails: None,
            jwks: None,
            avatar_base: None,
        }
    }

    /// Sets [`userinfo`](Self::userinfo).
    pub fn userinfo(mut self, url: Url) -> Self {
        self.userinfo = Some(url);
        self
    }

    /// Refuses any endpoint that is neither `https` nor plain `http` to a loopback host,
    /// naming it (`endpoints.token`, …).
    pub(crate) fn check_https(&self) -> Result<(), ConfigError> {
        https::require("endpoints.authorization", &self.authorization)?;
        https::require("endpoints.token", &self.token)?;
        let optional = [
            ("endpoints.userinfo", &self.userinfo),
            ("endpoints.emails", &self.emails),
            ("endpoints.jwks", &self.jwks),
            ("endpoints.avatar_base", &self.avatar_base),
        ];
        for (field, url) in optional {
            if let Some(url) = url {
                https::require(field, url)?;
            }
        }
        Ok(())
    }

    /// Points every endpoint at `base` instead, keeping each path: for self-hosted mirrors
    /// and tests against a local server.
    pub fn rebase(mut self, base: &Url) -> Self {
        let move_to = |url: &mut Url| {
            let mut moved = base.clone();
            moved.set_path(url.path());
            moved.set_query(url.query());
            *url = moved;
        };
        move_to(&mut self.authorization);
        move_to(&mut self.token);
        for url in [
            &mut self.userinfo,
            &mut self.emails,
            &mut self.jwks,
            &mut self.avatar_base,
        ]
        .into_iter()
        .flatten()
        {
            move_to(url);
        }
        self
    }
}

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// HTTP Basic (`client_secret_basic`, RFC 6749's default).
    Basic,
    /// In the form body (`client_secret_post`): Kakao and Naver.
    RequestBody,
}
