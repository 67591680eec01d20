//! Fetching the user's profile after the code exchange, by the provider's
//! [`ProfileSource`]: the userinfo endpoint (and GitHub's `/user/emails`) with the access token.

use reqwest::Method;
use serde_json::Value;
use url::Url;

use super::preset_profiles::{discord_profile, github_profile, kakao_profile, naver_profile};
use super::{ProfileSource, Provider};
use crate::error::{HttpError, LoginError};
use crate::http::HttpClient;
use crate::profile::ProviderProfile;
use crate::provider::CodeExchange;
use crate::provider::exchange::ProviderTokens;

impl Provider {
    pub(super) async fn get_json(
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

    pub(super) async fn profile(
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
}
