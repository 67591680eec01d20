//! OpenID Connect providers: their settings (issuer, JWKS, accepted algorithms) and the
//! profile read from the validated id_token, completed from userinfo.

use std::time::Duration;

use auth_core::token::Algorithm;
use serde_json::Value;

use super::Provider;
use crate::error::LoginError;
use crate::oidc::id_token::{self, Expected};
use crate::oidc::jwks::JwksCache;
use crate::profile::ProviderProfile;
use crate::provider::CodeExchange;
use crate::provider::exchange::ProviderTokens;
use crate::provider::mapping::UserInfoMapping;

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

impl Provider {
    pub(super) async fn oidc_profile(
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
