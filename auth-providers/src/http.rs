//! The one outbound HTTP client: reqwest 0.12 (the version oauth2 5 uses), with a timeout on
//! every call, no redirects followed, a cap on response bodies, and no call to a URL that is
//! not `https` (plain `http` only to loopback hosts, see [`crate::https`]).

use std::time::Duration;

use reqwest::header::{ACCEPT, HeaderValue, USER_AGENT};
use serde_json::Value;

use crate::error::HttpError;
use crate::https;

/// The largest response body read from a provider: 1 MiB.
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Sent on every request; GitHub's API refuses requests without a `User-Agent`.
const USER_AGENT_VALUE: &str = concat!("auth-providers/", env!("CARGO_PKG_VERSION"));

/// The HTTP client every provider call goes through. Cheap to clone.
///
/// [`HttpClient::new`] builds a reqwest client that follows no redirects (a token endpoint
/// that redirects is refused rather than followed — SSRF) and times out after 10 seconds.
/// Every call, through either constructor, is refused with [`HttpError::InsecureUrl`] unless
/// its URL is `https` or plain `http` to a loopback host.
/// [`HttpClient::with_client`] takes the host's own `reqwest::Client`; the timeout set here is
/// still applied to every call, on top of whatever the host's client has.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    timeout: Duration,
}

impl HttpClient {
    /// The default timeout for one call: 10 seconds.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A client with the default timeout and no redirects.
    pub fn new() -> Result<Self, HttpError> {
        Self::with_timeout(Self::DEFAULT_TIMEOUT)
    }

    /// A client with `timeout` per call and no redirects.
    pub fn with_timeout(timeout: Duration) -> Result<Self, HttpError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(USER_AGENT_VALUE)
            .build()
            .map_err(|_| HttpError::Unreachable("the HTTP client could not be built"))?;
        Ok(Self { client, timeout })
    }

    /// Uses the host's client, with `timeout` enforced per call.
    ///
    /// # Security
    /// Configure the client not to follow redirects
    /// (`reqwest::redirect::Policy::none()`): a token endpoint that redirects could otherwise
    /// send the authorization code and the client secret elsewhere.
    pub fn with_client(client: reqwest::Client, timeout: Duration) -> Self {
        Self { client, timeout }
    }

    /// The per-call timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The underlying reqwest client (oauth2 implements its `AsyncHttpClient` for it).
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.client
    }

    /// A request with the timeout, `Accept: application/json` and our `User-Agent` set.
    pub(crate) fn request(
        &self,
        method: reqwest::Method,
        url: url::Url,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, url)
            .timeout(self.timeout)
            .header(ACCEPT, HeaderValue::from_static("application/json"))
            .header(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE))
    }

    /// Sends `request` and reads a JSON body, requiring HTTP 200.
    pub(crate) async fn json(
        &self,
        request: reqwest::RequestBuilder,
        endpoint: &'static str,
    ) -> Result<Value, HttpError> {
        let (status, body) = self.send(request, endpoint).await?;
        if status != 200 {
            return Err(HttpError::Status { endpoint, status });
        }
        parse_json(&body, endpoint)
    }

    /// Sends `request` and reads the status and the (capped) body.
    pub(crate) async fn send(
        &self,
        request: reqwest::RequestBuilder,
        endpoint: &'static str,
    ) -> Result<(u16, Vec<u8>), HttpError> {
        self.send_full(request, endpoint)
            .await
            .map(|(status, _, body)| (status, body))
    }

    /// Sends a request built elsewhere (by oauth2), with our timeout and `User-Agent`.
    pub(crate) async fn send_prepared(
        &self,
        mut request: reqwest::Request,
        endpoint: &'static str,
    ) -> Result<(u16, Option<HeaderValue>, Vec<u8>), HttpError> {
        request
            .headers_mut()
            .entry(USER_AGENT)
            .or_insert(HeaderValue::from_static(USER_AGENT_VALUE));
        *request.timeout_mut() = Some(self.timeout);
        let builder = reqwest::RequestBuilder::from_parts(self.client.clone(), request);
        self.send_full(builder, endpoint).await
    }

    /// Sends `request` and reads the status, the content type and the (capped) body.
    async fn send_full(
        &self,
        request: reqwest::RequestBuilder,
        endpoint: &'static str,
    ) -> Result<(u16, Option<HeaderValue>, Vec<u8>), HttpError> {
        let (client, request) = request.build_split();
        let request = request.map_err(|e| map_error(&e, endpoint))?;
        // The last line of the transport rule: whatever configuration let through, nothing
        // goes out over plain HTTP to another machine.
        if !https::is_allowed(request.url()) {
            tracing::warn!(endpoint, "refused a call to a URL that is not https");
            return Err(HttpError::InsecureUrl(endpoint));
        }
        let call = async {
            let mut response = client
                .execute(request)
                .await
                .map_err(|e| map_error(&e, endpoint))?;
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .cloned();
            let mut body = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| map_error(&e, endpoint))?
            {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(HttpError::InvalidBody {
                        endpoint,
                        reason: "larger than 1 MiB",
                    });
                }
                body.extend_from_slice(&chunk);
            }
            Ok((status, content_type, body))
        };
        // The host's client may have no timeout of its own: this one always applies.
        tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| HttpError::Timeout(endpoint))?
    }
}

pub(crate) fn parse_json(body: &[u8], endpoint: &'static str) -> Result<Value, HttpError> {
    serde_json::from_slice(body).map_err(|_| HttpError::InvalidBody {
        endpoint,
        reason: "not JSON",
    })
}

pub(crate) fn map_error(error: &reqwest::Error, endpoint: &'static str) -> HttpError {
    tracing::debug!(%error, endpoint, "outbound HTTP call failed");
    if error.is_timeout() {
        HttpError::Timeout(endpoint)
    } else if error.is_redirect() {
        HttpError::Status {
            endpoint,
            status: 302,
        }
    } else {
        HttpError::Unreachable(endpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The last line of the https rule (issue 12 item 12): a URL that slipped past
    // configuration is refused before any connection is made, not called.
    #[tokio::test]
    async fn plain_http_off_loopback_is_never_called() {
        let http = HttpClient::new().unwrap();
        for url in ["http://idp.example/token", "ftp://127.0.0.1/x"] {
            let request = http.request(reqwest::Method::GET, url.parse().unwrap());
            assert_eq!(
                http.json(request, "token endpoint").await.unwrap_err(),
                HttpError::InsecureUrl("token endpoint"),
                "{url}"
            );
        }
    }
}
