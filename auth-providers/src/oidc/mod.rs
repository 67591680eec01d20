//! OpenID Connect: discovery, the JWKS cache, and id_token validation.

pub(crate) mod id_token;
pub(crate) mod jwks;

use auth_core::token::Algorithm;
use reqwest::Method;
use serde::Deserialize;
use url::Url;

use crate::error::{ConfigError, HttpError};
use crate::http::HttpClient;
use crate::https;
use crate::provider::{Credentials, Endpoints, Provider};

const ENDPOINT: &str = "OIDC discovery";

/// The members of an OpenID Provider Metadata document this crate uses.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct ProviderMetadata {
    /// The issuer identifier; must equal the configured issuer exactly.
    pub issuer: String,
    /// The authorization endpoint.
    pub authorization_endpoint: Url,
    /// The token endpoint.
    pub token_endpoint: Url,
    /// The userinfo endpoint.
    #[serde(default)]
    pub userinfo_endpoint: Option<Url>,
    /// The JWKS endpoint.
    pub jwks_uri: Url,
    /// RFC 7662 introspection endpoint, when the server has one.
    #[serde(default)]
    pub introspection_endpoint: Option<Url>,
    /// RFC 7009 revocation endpoint, when the server has one.
    #[serde(default)]
    pub revocation_endpoint: Option<Url>,
    /// The id_token signing algorithms the provider uses.
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
}

impl ProviderMetadata {
    /// Refuses the document if any endpoint it names is neither `https` nor plain `http` to a
    /// loopback host, naming the member (`token_endpoint`, …). A document fetched over TLS can
    /// still point elsewhere in clear, and every one of these URLs carries codes, secrets,
    /// tokens or the keys that vouch for them.
    fn check_https(&self) -> Result<(), ConfigError> {
        https::require("authorization_endpoint", &self.authorization_endpoint)?;
        https::require("token_endpoint", &self.token_endpoint)?;
        https::require("jwks_uri", &self.jwks_uri)?;
        let optional = [
            ("userinfo_endpoint", &self.userinfo_endpoint),
            ("introspection_endpoint", &self.introspection_endpoint),
            ("revocation_endpoint", &self.revocation_endpoint),
        ];
        for (member, url) in optional {
            if let Some(url) = url {
                https::require(member, url)?;
            }
        }
        Ok(())
    }
}

/// Fetches `{issuer}/.well-known/openid-configuration` and checks that its `issuer` is exactly
/// `issuer` (OIDC Discovery §4.3: a document naming another issuer is refused, whatever it
/// serves).
///
/// The issuer must be an `https` URL (OIDC Discovery §3; plain `http` is accepted only for a
/// loopback host, for local identity providers and tests), checked before anything is
/// fetched, and so must every endpoint the document names: [`ConfigError::InsecureUrl`]
/// naming the field otherwise.
pub async fn discover(issuer: &str, http: &HttpClient) -> Result<ProviderMetadata, ConfigError> {
    https::require_issuer("issuer", issuer)?;
    let url = Url::parse(&format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    ))
    .map_err(|_| ConfigError::Invalid {
        name: "issuer".into(),
        reason: "not an absolute URL",
    })?;
    let json = http
        .json(http.request(Method::GET, url), ENDPOINT)
        .await
        .map_err(ConfigError::Discovery)?;
    let metadata: ProviderMetadata = serde_json::from_value(json).map_err(|_| {
        ConfigError::Discovery(HttpError::InvalidBody {
            endpoint: ENDPOINT,
            reason: "not OpenID Provider Metadata",
        })
    })?;
    if metadata.issuer != issuer {
        return Err(ConfigError::IssuerMismatch);
    }
    metadata.check_https()?;
    Ok(metadata)
}

impl Provider {
    /// A generic OpenID Connect provider (Keycloak, Auth0, your own server) configured by
    /// discovery from its issuer URL: endpoints from the metadata, id_token algorithms the
    /// asymmetric ones it announces (RS256 when it announces none).
    pub async fn discover_oidc(
        name: impl Into<String>,
        issuer: &str,
        credentials: Credentials,
        http: &HttpClient,
    ) -> Result<Self, ConfigError> {
        let metadata = discover(issuer, http).await?;
        let mut algorithms: Vec<Algorithm> = metadata
            .id_token_signing_alg_values_supported
            .iter()
            .filter_map(|name| name.parse::<Algorithm>().ok())
            .filter(|algorithm| jwks::DEFAULT_ALGORITHMS.contains(algorithm))
            .collect();
        if algorithms.is_empty() {
            algorithms.push(Algorithm::RS256);
        }
        let endpoints = Endpoints {
            userinfo: metadata.userinfo_endpoint,
            jwks: Some(metadata.jwks_uri),
            ..Endpoints::new(metadata.authorization_endpoint, metadata.token_endpoint)
        };
        Ok(Self::oidc(name, metadata.issuer, credentials, endpoints)?
            .with_id_token_algorithms(algorithms))
    }
}
