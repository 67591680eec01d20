//! [`Provider`]: every preset, generic OIDC and generic OAuth2 in one implementation of
//! [`OAuthProvider`](crate::OAuthProvider), differing only in data (endpoints, scopes) and in
//! how the profile is read.
//!
//! This file holds the type, its constructors and builder methods; beside it:
//! [`oauth_provider`] (the [`OAuthProvider`](crate::OAuthProvider) implementation:
//! authorization URL, completing a login), [`fetch`] (fetching the profile after the code exchange), [`oidc`] (the OpenID
//! Connect settings and the id_token-based profile) and [`preset_profiles`] (reading Kakao,
//! Naver, Discord and GitHub answers).

mod fetch;
mod oauth_provider;
mod oidc;
mod preset_profiles;

use std::time::Duration;

use auth_core::token::Algorithm;
use url::Url;

pub(crate) use oidc::OidcSettings;

use super::mapping::UserInfoMapping;
use super::{ClientAuth, Credentials, Endpoints};
use crate::error::ConfigError;
use crate::https;
use crate::oidc::jwks::{JwksCache, JwksConfig};

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
    /// [`LoginFlow`](crate::LoginFlow)
    /// ([`OAuthProvider::check_config`](crate::OAuthProvider::check_config)): one that is not
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
}
