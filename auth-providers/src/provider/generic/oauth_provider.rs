//! [`Provider`]'s implementation of [`OAuthProvider`]: its settings as the flow sees them,
//! the authorization URL, and completing a login (code exchange, then the profile).

use auth_core::async_trait;
use url::Url;

use super::{ProfileSource, Provider};
use crate::error::{ConfigError, LoginError};
use crate::https;
use crate::profile::ProviderProfile;
use crate::provider::exchange::exchange_code;
use crate::provider::{AuthorizationParams, CodeExchange, OAuthProvider};

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
