//! [`Provider`]: every preset, generic OIDC and generic OAuth2 in one implementation of
//! [`OAuthProvider`], differing only in data (endpoints, scopes) and in how the profile is read.

use std::time::Duration;

use auth_core::async_trait;
use auth_core::token::Algorithm;
use reqwest::Method;
use serde_json::Value;
use url::Url;

use super::exchange::{ProviderTokens, exchange_code};
use super::mapping::UserInfoMapping;
use super::{AuthorizationParams, ClientAuth, CodeExchange, Credentials, Endpoints, OAuthProvider};
use crate::error::{ConfigError, HttpError, LoginError};
use crate::http::HttpClient;
use crate::https;
use crate::oidc::id_token::{self, Expected};
use crate::oidc::jwks::{JwksCache, JwksConfig};
use crate::profile::{ProviderProfile, id_text, is_true, text};

/// Authorization parameters the flow owns; [`Provider::with_param`] refuses them.
const RESERVED_PARAMS: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
];

/// How the profile is obtained after the code exchange.
#[derive(Debug, Clone)]
pub(crate) enum ProfileSource {
    /// OpenID Connect: the validated id_token's claims, completed from userinfo if needed.
    Oidc(OidcSettings),
    /// Kakao `/v2/user/me`.
    Kakao,
    /// Naver `/v1/nid/me` (`resultcode`/`response` envelope).
    Naver,
    /// Discord `/users/@me`.
    Discord,
    /// GitHub `/user` + `/user/emails`.
    GitHub,
    /// A userinfo endpoint read through a mapping.
    Mapped(UserInfoMapping),
}

#[derive(Debug, Clone)]
pub(crate) struct OidcSettings {
    pub(crate) issuer: String,
    /// `issuer` and any other spelling the provider uses in `iss` (Google also writes
    /// `accounts.google.com`).
    pub(crate) accepted_issuers: Vec<String>,
    pub(crate) jwks: JwksCache,
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) leeway: Duration,
}

/// A configured login provider: a preset ([`Provider::google`], [`Provider::kakao`],
/// [`Provider::naver`], [`Provider::discord`], [`Provider::github`]), a discovered OpenID
/// Connect provider ([`Provider::discover_oidc`]) or a generic OAuth2 provider
/// ([`Provider::oauth2`]). Every endpoint can be replaced ([`Provider::with_endpoints`]).
#[derive(Debug, Clone)]
pub struct Provider {
    pub(crate) name: String,
    pub(crate) credentials: Credentials,
    pub(crate) endpoints: Endpoints,
    pub(crate) scopes: Vec<String>,
    pub(crate) scope_separator: &'static str,
    pub(crate) client_auth: ClientAuth,
    pub(crate) params: Vec<(String, String)>,
    pub(crate) source: ProfileSource,
}

impl Provider {
    /// A generic OAuth2 provider whose userinfo endpoint (`endpoints.userinfo`, required) is
    /// read through `mapping`. Every endpoint must be `https` (plain `http` only to a
    /// loopback host): [`ConfigError::InsecureUrl`] otherwise.
    pub fn oauth2(
        name: impl Into<String>,
        credentials: Credentials,
        endpoints: Endpoints,
        scopes: impl IntoIterator<Item = impl Into<String>>,
        mapping: UserInfoMapping,
    ) -> Result<Self, ConfigError> {
        if endpoints.userinfo.is_none() {
            return Err(ConfigError::Invalid {
                name: "endpoints.userinfo".into(),
                reason: "a generic OAuth2 provider needs a userinfo endpoint",
            });
        }
        endpoints.check_https()?;
        Ok(Self {
            name: name.into(),
            credentials,
            endpoints,
            scopes: scopes.into_iter().map(Into::into).collect(),
            scope_separator: " ",
            client_auth: ClientAuth::Basic,
            params: Vec::new(),
            source: ProfileSource::Mapped(mapping),
        })
    }

    /// An OpenID Connect provider with known endpoints (`endpoints.jwks` required) and issuer;
    /// [`Provider::discover_oidc`] finds them from the issuer alone. The issuer and every
    /// endpoint must be `https` URLs (plain `http` only to a loopback host):
    /// [`ConfigError::InsecureUrl`] otherwise.
    pub fn oidc(
        name: impl Into<String>,
        issuer: impl Into<String>,
        credentials: Credentials,
        endpoints: Endpoints,
    ) -> Result<Self, ConfigError> {
        let issuer: String = issuer.into();
        let jwks_url = endpoints.jwks.clone().ok_or(ConfigError::Invalid {
            name: "endpoints.jwks".into(),
            reason: "an OpenID Connect provider needs a JWKS endpoint",
        })?;
        https::require_issuer("issuer", &issuer)?;
        endpoints.check_https()?;
        Ok(Self {
            name: name.into(),
            credentials,
            endpoints,
            scopes: vec!["openid".into(), "email".into(), "profile".into()],
            scope_separator: " ",
            client_auth: ClientAuth::Basic,
            params: Vec::new(),
            source: ProfileSource::Oidc(OidcSettings {
                accepted_issuers: vec![issuer.clone()],
                issuer,
                jwks: JwksCache::new_unchecked(jwks_url, JwksConfig::default()),
                algorithms: vec![Algorithm::RS256],
                leeway: Duration::from_secs(60),
            }),
        })
    }

    /// The provider's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The endpoints in use.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// The client registration.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// The scopes requested.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The OIDC provider's JWKS cache, to share with a
    /// [`RemoteJwtVerifier`](crate::RemoteJwtVerifier). `None` for plain OAuth2 providers.
    pub fn jwks_cache(&self) -> Option<&JwksCache> {
        match &self.source {
            ProfileSource::Oidc(oidc) => Some(&oidc.jwks),
            _ => None,
        }
    }

    /// Replaces the endpoints (self-hosted servers, a local mock). For OIDC providers a new
    /// `jwks` URL starts a new key cache.
    ///
    /// The endpoints are checked when the provider is registered with a
    /// [`LoginFlow`](crate::LoginFlow) ([`OAuthProvider::check_config`]): one that is not
    /// `https` (or plain `http` to a loopback host) stops start-up there, and is never called.
    pub fn with_endpoints(mut self, endpoints: Endpoints) -> Self {
        if let (ProfileSource::Oidc(oidc), Some(jwks)) = (&mut self.source, &endpoints.jwks)
            && jwks != oidc.jwks.url()
        {
            oidc.jwks = JwksCache::new_unchecked(jwks.clone(), oidc.jwks.config().clone());
        }
        self.endpoints = endpoints;
        self
    }

    /// Points every endpoint at `base` (see [`Endpoints::rebase`]).
    pub fn rebased(self, base: &Url) -> Self {
        let endpoints = self.endpoints.clone().rebase(base);
        self.with_endpoints(endpoints)
    }

    /// Replaces the scopes requested.
    pub fn with_scopes(mut self, scopes: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets how the client authenticates at the token endpoint.
    pub fn with_client_auth(mut self, client_auth: ClientAuth) -> Self {
        self.client_auth = client_auth;
        self
    }

    /// Renames the provider (to register two of one kind).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Adds an authorization request parameter (`prompt`, `access_type`, `hd`, …). The
    /// parameters the flow owns (`state`, `nonce`, `code_challenge`, `redirect_uri`, …) are
    /// refused.
    pub fn with_param(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<Self, ConfigError> {
        let name = name.into();
        if RESERVED_PARAMS.contains(&name.as_str()) {
            return Err(ConfigError::Invalid {
                name,
                reason: "this parameter is set by the login flow",
            });
        }
        self.params.push((name, value.into()));
        Ok(self)
    }

    /// OIDC only: the id_token signature algorithms accepted (default RS256, or what
    /// discovery announced among the asymmetric ones).
    pub fn with_id_token_algorithms(
        mut self,
        algorithms: impl IntoIterator<Item = Algorithm>,
    ) -> Self {
        if let ProfileSource::Oidc(oidc) = &mut self.source {
            oidc.algorithms = algorithms.into_iter().collect();
        }
        self
    }

    /// OIDC only: the JWKS cache settings (refresh interval, algorithms).
    pub fn with_jwks_config(mut self, config: JwksConfig) -> Self {
        if let ProfileSource::Oidc(oidc) = &mut self.source {
            oidc.jwks = JwksCache::new_unchecked(oidc.jwks.url().clone(), config);
        }
        self
    }

    async fn get_json(
        &self,
        http: &HttpClient,
        url: Option<&Url>,
        tokens: &ProviderTokens,
        endpoint: &'static str,
    ) -> Result<Value, LoginError> {
        let url = url
            .cloned()
            .ok_or(LoginError::Config("the provider has no userinfo endpoint"))?;
        http.json(
            http.request(Method::GET, url)
                .bearer_auth(tokens.access_token.expose_secret()),
            endpoint,
        )
        .await
        .map_err(LoginError::Unavailable)
    }

    async fn profile(
        &self,
        exchange: &CodeExchange<'_>,
        tokens: &ProviderTokens,
    ) -> Result<ProviderProfile, LoginError> {
        let http = exchange.http;
        let userinfo = self.endpoints.userinfo.as_ref();
        match &self.source {
            ProfileSource::Oidc(oidc) => self.oidc_profile(oidc, exchange, tokens).await,
            ProfileSource::Kakao => kakao_profile(
                &self.name,
                self.get_json(http, userinfo, tokens, "Kakao user/me")
                    .await?,
            ),
            ProfileSource::Naver => naver_profile(
                &self.name,
                self.get_json(http, userinfo, tokens, "Naver nid/me")
                    .await?,
            ),
            ProfileSource::Discord => discord_profile(
                &self.name,
                self.get_json(http, userinfo, tokens, "Discord users/@me")
                    .await?,
                self.endpoints.avatar_base.as_ref(),
            ),
            ProfileSource::GitHub => {
                let user = self
                    .get_json(http, userinfo, tokens, "GitHub /user")
                    .await?;
                // Without the user:email scope this answers 403/404: no verified email then.
                let emails = match self.endpoints.emails.as_ref() {
                    Some(url) => match self
                        .get_json(http, Some(url), tokens, "GitHub /user/emails")
                        .await
                    {
                        Ok(emails) => Some(emails),
                        Err(LoginError::Unavailable(HttpError::Status { status, .. })) => {
                            tracing::debug!(
                                status,
                                "GitHub /user/emails refused; email stays unverified"
                            );
                            None
                        }
                        Err(error) => return Err(error),
                    },
                    None => None,
                };
                github_profile(&self.name, user, emails)
            }
            ProfileSource::Mapped(mapping) => mapping.apply(
                &self.name,
                self.get_json(http, userinfo, tokens, "userinfo endpoint")
                    .await?,
            ),
        }
    }

    async fn oidc_profile(
        &self,
        oidc: &OidcSettings,
        exchange: &CodeExchange<'_>,
        tokens: &ProviderTokens,
    ) -> Result<ProviderProfile, LoginError> {
        let id_token = tokens
            .id_token
            .as_deref()
            .ok_or(crate::error::IdTokenError::InvalidClaim("id_token"))?;
        let nonce = exchange
            .nonce
            .ok_or(crate::error::IdTokenError::NonceMismatch)?;
        let claims = id_token::validate(
            id_token,
            &oidc.jwks,
            exchange.http,
            exchange.clock,
            &Expected {
                issuers: &oidc.accepted_issuers,
                client_id: &self.credentials.client_id,
                nonce: nonce.expose_secret(),
                access_token: Some(tokens.access_token.expose_secret()),
                algorithms: &oidc.algorithms,
                leeway: oidc.leeway,
            },
        )
        .await?;
        let mut claims = Value::Object(claims);
        // Some providers keep the email out of the id_token: complete it from userinfo, whose
        // `sub` must be the id_token's (OIDC Core §5.3.2).
        if claims.get("email").is_none()
            && let Some(url) = self.endpoints.userinfo.as_ref()
        {
            let info = self
                .get_json(exchange.http, Some(url), tokens, "userinfo endpoint")
                .await?;
            if info.get("sub") != claims.get("sub") {
                return Err(LoginError::InvalidProfile(
                    "the userinfo subject is not the id_token's",
                ));
            }
            for field in ["email", "email_verified", "name", "picture", "locale"] {
                if let (Some(value), Value::Object(map)) = (info.get(field), &mut claims)
                    && !map.contains_key(field)
                {
                    map.insert(field.to_owned(), value.clone());
                }
            }
        }
        UserInfoMapping::default().apply(&self.name, claims)
    }
}

#[async_trait]
impl OAuthProvider for Provider {
    fn name(&self) -> &str {
        &self.name
    }

    fn uses_nonce(&self) -> bool {
        matches!(self.source, ProfileSource::Oidc(_))
    }

    fn issuer(&self) -> Option<&str> {
        match &self.source {
            ProfileSource::Oidc(oidc) => Some(&oidc.issuer),
            _ => None,
        }
    }

    fn check_config(&self) -> Result<(), ConfigError> {
        if let ProfileSource::Oidc(oidc) = &self.source {
            https::require_issuer("issuer", &oidc.issuer)?;
        }
        self.endpoints.check_https()
    }

    fn authorization_url(&self, params: &AuthorizationParams<'_>) -> Result<Url, LoginError> {
        let mut url = self.endpoints.authorization.clone();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &self.credentials.client_id)
                .append_pair("redirect_uri", self.credentials.redirect_uri.as_str());
            let mut scopes: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
            for extra in &params.options.extra_scopes {
                if !scopes.contains(&extra.as_str()) {
                    scopes.push(extra);
                }
            }
            if !scopes.is_empty() {
                query.append_pair("scope", &scopes.join(self.scope_separator));
            }
            query
                .append_pair("state", params.state)
                .append_pair("code_challenge", params.pkce_challenge)
                .append_pair("code_challenge_method", "S256");
            if let Some(nonce) = params.nonce {
                query.append_pair("nonce", nonce);
            }
            // This login's own values win over the registration's defaults of the same name.
            let per_login = [
                ("login_hint", params.options.login_hint.as_deref()),
                (
                    "prompt",
                    params.options.prompt.map(|prompt| prompt.as_str()),
                ),
            ];
            for (name, value) in &self.params {
                if !per_login
                    .iter()
                    .any(|(own, set)| own == name && set.is_some())
                {
                    query.append_pair(name, value);
                }
            }
            for (name, value) in per_login {
                if let Some(value) = value {
                    query.append_pair(name, value);
                }
            }
        }
        Ok(url)
    }

    async fn complete(&self, exchange: CodeExchange<'_>) -> Result<ProviderProfile, LoginError> {
        let tokens = exchange_code(
            &self.credentials,
            self.client_auth,
            &self.endpoints.token,
            exchange.code,
            exchange.pkce_verifier,
            exchange.http,
        )
        .await?;
        self.profile(&exchange, &tokens).await
    }
}

/// Kakao `/v2/user/me`: `id` (number), `kakao_account.email`, `is_email_valid`,
/// `is_email_verified`, `profile.nickname`, `profile.profile_image_url`.
pub(crate) fn kakao_profile(provider: &str, json: Value) -> Result<ProviderProfile, LoginError> {
    let subject = id_text(json.get("id"))
        .ok_or(LoginError::InvalidProfile("Kakao answered without an id"))?;
    let account = json.get("kakao_account");
    let field = |name: &str| account.and_then(|account| account.get(name));
    let kakao_profile = field("profile");
    let email = text(field("email"));
    let mut profile = ProviderProfile::new(provider, subject, Value::Null);
    // Kakao's email counts as verified only when it is both valid (still the account's) and
    // verified.
    profile.email_verified =
        email.is_some() && is_true(field("is_email_valid")) && is_true(field("is_email_verified"));
    profile.email = email;
    profile.name = text(kakao_profile.and_then(|p| p.get("nickname")))
        .or_else(|| text(json.pointer("/properties/nickname")));
    profile.avatar_url = text(kakao_profile.and_then(|p| p.get("profile_image_url")))
        .or_else(|| text(json.pointer("/properties/profile_image")));
    profile.raw = json;
    Ok(profile)
}

/// Naver `/v1/nid/me`: `{"resultcode":"00","message":"success","response":{…}}`. Naver gives
/// no email-verified signal: the email is reported unverified.
pub(crate) fn naver_profile(provider: &str, json: Value) -> Result<ProviderProfile, LoginError> {
    if json.get("resultcode").and_then(Value::as_str) != Some("00") {
        return Err(LoginError::InvalidProfile(
            "Naver answered with an error resultcode",
        ));
    }
    let response = json.get("response").ok_or(LoginError::InvalidProfile(
        "Naver answered without a response",
    ))?;
    let subject = id_text(response.get("id"))
        .ok_or(LoginError::InvalidProfile("Naver answered without an id"))?;
    let mut profile = ProviderProfile::new(provider, subject, Value::Null);
    profile.email = text(response.get("email"));
    profile.name = text(response.get("name")).or_else(|| text(response.get("nickname")));
    profile.avatar_url = text(response.get("profile_image"));
    profile.raw = json;
    Ok(profile)
}

/// Discord `/users/@me`: `id` (string snowflake), `email`, `verified`, `global_name`,
/// `username`, `avatar` (a hash on the CDN), `locale`.
pub(crate) fn discord_profile(
    provider: &str,
    json: Value,
    avatar_base: Option<&Url>,
) -> Result<ProviderProfile, LoginError> {
    let subject = id_text(json.get("id"))
        .ok_or(LoginError::InvalidProfile("Discord answered without an id"))?;
    let mut profile = ProviderProfile::new(provider, subject.clone(), Value::Null);
    profile.email = text(json.get("email"));
    profile.email_verified = profile.email.is_some() && is_true(json.get("verified"));
    profile.name = text(json.get("global_name")).or_else(|| text(json.get("username")));
    profile.locale = text(json.get("locale"));
    profile.avatar_url = match (text(json.get("avatar")), avatar_base) {
        (Some(hash), Some(base))
            if hash.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && subject.chars().all(|c| c.is_ascii_digit()) =>
        {
            let extension = if hash.starts_with("a_") { "gif" } else { "png" };
            base.join(&format!("avatars/{subject}/{hash}.{extension}"))
                .ok()
                .map(String::from)
        }
        _ => None,
    };
    profile.raw = json;
    Ok(profile)
}

/// GitHub `/user` (`id` number, `login`, `name`, `avatar_url`, public `email`) and
/// `/user/emails` (`[{email, primary, verified}]`): only a primary, verified address is
/// reported verified.
pub(crate) fn github_profile(
    provider: &str,
    user: Value,
    emails: Option<Value>,
) -> Result<ProviderProfile, LoginError> {
    let subject = id_text(user.get("id"))
        .ok_or(LoginError::InvalidProfile("GitHub answered without an id"))?;
    let mut profile = ProviderProfile::new(provider, subject, Value::Null);
    profile.name = text(user.get("name")).or_else(|| text(user.get("login")));
    profile.avatar_url = text(user.get("avatar_url"));
    let list = emails.as_ref().and_then(Value::as_array);
    let primary = list.and_then(|list| list.iter().find(|entry| is_true(entry.get("primary"))));
    match primary {
        Some(entry) if is_true(entry.get("verified")) => {
            profile.email = text(entry.get("email"));
            profile.email_verified = profile.email.is_some();
        }
        Some(entry) => profile.email = text(entry.get("email")),
        None => profile.email = text(user.get("email")),
    }
    profile.raw = serde_json::json!({ "user": user, "emails": emails });
    Ok(profile)
}
