//! The code exchange through the `oauth2` crate, with a token response lenient where real
//! providers deviate (Naver's `expires_in` as a string, GitHub's comma-separated scopes,
//! errors with HTTP 200) and strict where it matters.

use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AccessToken, AuthType, AuthorizationCode, ClientId, EndpointNotSet, EndpointSet,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, StandardRevocableToken,
    TokenUrl,
};
use serde::{Deserialize, Deserializer, Serialize};

use super::{ClientAuth, Credentials};
use crate::error::{HttpError, LoginError, clip, clip_code};
use crate::http::HttpClient;
use crate::secret::SecretValue;

const ENDPOINT: &str = "token endpoint";

/// A token endpoint's success answer. Only what a login needs is kept.
#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct ProviderTokenResponse {
    access_token: AccessToken,
    #[serde(deserialize_with = "oauth2::helpers::deserialize_untagged_enum_case_insensitive")]
    token_type: BasicTokenType,
    #[serde(default, deserialize_with = "lenient_seconds")]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<RefreshToken>,
    #[serde(default, deserialize_with = "lenient_scopes")]
    scope: Option<Vec<Scope>>,
    #[serde(default)]
    id_token: Option<String>,
}

impl oauth2::TokenResponse for ProviderTokenResponse {
    type TokenType = BasicTokenType;

    fn access_token(&self) -> &AccessToken {
        &self.access_token
    }
    fn token_type(&self) -> &BasicTokenType {
        &self.token_type
    }
    fn expires_in(&self) -> Option<Duration> {
        self.expires_in.map(Duration::from_secs)
    }
    fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }
    fn scopes(&self) -> Option<&Vec<Scope>> {
        self.scope.as_ref()
    }
}

/// `expires_in` as a number, or as a string of digits (Naver).
fn lenient_seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Number(u64),
        Text(String),
    }
    Ok(match Option::<Seconds>::deserialize(deserializer)? {
        None => None,
        Some(Seconds::Number(seconds)) => Some(seconds),
        Some(Seconds::Text(text)) => text.trim().parse().ok(),
    })
}

/// `scope` separated by spaces (RFC 6749) or commas (GitHub).
fn lenient_scopes<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<Scope>>, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.map(|text| {
        text.split([' ', ','])
            .filter(|scope| !scope.is_empty())
            .map(|scope| Scope::new(scope.to_owned()))
            .collect()
    }))
}

/// The tokens a login uses. `Debug` shows neither.
pub(crate) struct ProviderTokens {
    pub(crate) access_token: SecretValue,
    pub(crate) id_token: Option<String>,
}

impl std::fmt::Debug for ProviderTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProviderTokens([redacted])")
    }
}

type ExchangeClient = oauth2::Client<
    BasicErrorResponse,
    ProviderTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Exchanges `code` at `token_url` with the PKCE verifier.
pub(crate) async fn exchange_code(
    credentials: &Credentials,
    client_auth: ClientAuth,
    token_url: &url::Url,
    code: &str,
    pkce_verifier: &SecretValue,
    http: &HttpClient,
) -> Result<ProviderTokens, LoginError> {
    let mut client: ExchangeClient =
        oauth2::Client::new(ClientId::new(credentials.client_id.clone()))
            .set_token_uri(TokenUrl::from_url(token_url.clone()))
            .set_redirect_uri(RedirectUrl::from_url(credentials.redirect_uri.clone()))
            .set_auth_type(match client_auth {
                ClientAuth::Basic => AuthType::BasicAuth,
                ClientAuth::RequestBody => AuthType::RequestBody,
            });
    if let Some(secret) = &credentials.client_secret {
        client =
            client.set_client_secret(oauth2::ClientSecret::new(secret.expose_secret().to_owned()));
    }
    // oauth2 builds the request and parses the answer; the call goes through our client (the
    // timeout, the 1 MiB cap, no redirects) and records the status for error reports.
    let transport = Transport {
        http: http.clone(),
        status: std::sync::Mutex::new(None),
    };
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(
            pkce_verifier.expose_secret().to_owned(),
        ))
        .request_async(&transport)
        .await;
    let status = transport.status.lock().ok().and_then(|slot| *slot);
    match response {
        Ok(tokens) => {
            use oauth2::TokenResponse as _;
            Ok(ProviderTokens {
                access_token: SecretValue::new(tokens.access_token().secret().clone()),
                id_token: tokens.id_token,
            })
        }
        Err(error) => Err(map_exchange_error(error, status)),
    }
}

/// oauth2's HTTP transport for the exchange: our [`HttpClient`], remembering the status.
struct Transport {
    http: HttpClient,
    status: std::sync::Mutex<Option<u16>>,
}

impl<'c> oauth2::AsyncHttpClient<'c> for Transport {
    type Error = HttpError;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<oauth2::HttpResponse, HttpError>> + Send + 'c>,
    >;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)
                .map_err(|_| HttpError::Unreachable(ENDPOINT))?;
            let (code, content_type, body) = self.http.send_prepared(request, ENDPOINT).await?;
            if let Ok(mut slot) = self.status.lock() {
                *slot = Some(code);
            }
            let mut response = oauth2::http::Response::builder().status(code);
            if let Some(content_type) = content_type {
                response = response.header(oauth2::http::header::CONTENT_TYPE, content_type);
            }
            response.body(body).map_err(|_| HttpError::InvalidBody {
                endpoint: ENDPOINT,
                reason: "not an HTTP response",
            })
        })
    }
}

fn rejected(error: &BasicErrorResponse) -> LoginError {
    LoginError::TokenRejected {
        error: clip_code(error.error().as_ref()),
        description: error.error_description().map(|text| clip(text, 256)),
    }
}

fn map_exchange_error(
    error: RequestTokenError<HttpError, BasicErrorResponse>,
    status: Option<u16>,
) -> LoginError {
    let failed_status = status.filter(|status| *status != 200);
    match error {
        RequestTokenError::ServerResponse(error) => rejected(&error),
        RequestTokenError::Request(error) => LoginError::Unavailable(error),
        // A body that is not a token response may still be an OAuth error answered with HTTP
        // 200 (Naver, GitHub): report it as the refusal it is.
        RequestTokenError::Parse(_, body) => {
            match serde_json::from_slice::<BasicErrorResponse>(&body) {
                Ok(error) => rejected(&error),
                Err(_) => LoginError::Unavailable(match failed_status {
                    Some(status) => HttpError::Status {
                        endpoint: ENDPOINT,
                        status,
                    },
                    None => HttpError::InvalidBody {
                        endpoint: ENDPOINT,
                        reason: "not a token response",
                    },
                }),
            }
        }
        RequestTokenError::Other(_) => LoginError::Unavailable(match failed_status {
            Some(status) => HttpError::Status {
                endpoint: ENDPOINT,
                status,
            },
            None => HttpError::InvalidBody {
                endpoint: ENDPOINT,
                reason: "not a JSON token response",
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naver_expires_in_string_and_github_comma_scopes_parse() {
        let naver: ProviderTokenResponse = serde_json::from_str(
            r#"{"access_token":"AT","refresh_token":"RT","token_type":"bearer","expires_in":"3600"}"#,
        )
        .unwrap();
        assert_eq!(naver.expires_in, Some(3600));
        let github: ProviderTokenResponse = serde_json::from_str(
            r#"{"access_token":"AT","token_type":"bearer","scope":"read:user,user:email"}"#,
        )
        .unwrap();
        assert_eq!(github.scope.map(|s| s.len()), Some(2));
    }

    #[test]
    fn an_error_body_is_not_a_token_response() {
        assert!(
            serde_json::from_str::<ProviderTokenResponse>(
                r#"{"error":"invalid_request","error_description":"no valid data in session"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn debug_hides_tokens() {
        let tokens = ProviderTokens {
            access_token: SecretValue::new("AT-secret"),
            id_token: Some("ID-secret".into()),
        };
        assert!(!format!("{tokens:?}").contains("secret"));
    }
}
