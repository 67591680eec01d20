//! [`OAuthEndpointsConfig`]: the authorization server's own sign-in session, its pages and
//! limits.

use std::time::Duration;

use http::HeaderName;

use crate::endpoints::ClientIpSource;

/// Configuration of [`OAuthEndpoints`](super::OAuthEndpoints). Secure defaults; change fields
/// on [`OAuthEndpointsConfig::default`].
///
/// The endpoint paths of the grant logic (`/oauth/authorize`, `/oauth/token`, …) come from
/// auth-core's [`EndpointPaths`](auth_core::oauth_server::EndpointPaths) in the
/// [`OAuthServerConfig`](auth_core::oauth_server::OAuthServerConfig), so that the metadata
/// and the routes never disagree; this struct adds the two paths only the HTTP layer has.
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct OAuthEndpointsConfig {
    /// The cookie holding the authorization server's sign-in session: an opaque, 256-bit
    /// reference to an auth-core session (stored only as its SHA-256), never a user id.
    /// `__Host-` prefixed, Secure, HttpOnly, SameSite=Lax (it must reach
    /// `GET /oauth/authorize` when a client's page navigates there), Path=/. Must start with
    /// `__Host-`. Defaults to `__Host-oauth-session`.
    pub session_cookie: String,
    /// The cookie of the CSRF double-submit token of the login and consent forms. `__Host-`
    /// prefixed, Secure, HttpOnly (the page embeds the value; no script needs it),
    /// SameSite=Strict. Must start with `__Host-`. Defaults to `__Host-oauth-csrf`.
    pub csrf_cookie: String,
    /// Where the login form posts (`username`, `password`, the CSRF token and the
    /// authorization request's parameters). Defaults to `/oauth/login`.
    pub login_path: String,
    /// Where the consent form posts (the decision, the CSRF token and the authorization
    /// request's parameters). Defaults to `/oauth/consent`.
    pub consent_path: String,
    /// Where a signed-in user ends the sign-in session (`POST`, with the CSRF token). Defaults
    /// to `/oauth/logout`.
    pub logout_path: String,
    /// Largest request body accepted, in bytes; larger ones get 413 before they are read to
    /// the end. Defaults to 16 KiB.
    pub max_body_bytes: usize,
    /// How long the CSRF cookie lives: the longest a user may take to fill in a form.
    /// Defaults to 1 hour.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "auth_core::config_serde::duration")
    )]
    pub csrf_ttl: Duration,
    /// Where the client IP (login throttling, audit trail) comes from. Defaults to
    /// [`ClientIpSource::PeerAddr`].
    pub client_ip: ClientIpSource,
    /// The name shown on the login and consent pages. Defaults to `Sign in`.
    pub site_name: String,
    /// Origins (`https://app.example`) of browser apps — public clients — allowed to call the
    /// token, userinfo and revocation endpoints from script (CORS, without credentials:
    /// cookies are never sent or honoured there). Each must be exactly `scheme://host[:port]`.
    /// Defaults to none. The authorization endpoint is a navigation and needs no CORS; the
    /// metadata and JWKS are readable from any origin.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::config_serde::origins")
    )]
    pub cors_allowed_origins: Vec<String>,
    /// The `Retry-After` of the 503 answered when a store could not be reached in time (a
    /// database outage): on the token, revocation, introspection and userinfo endpoints as
    /// RFC 6749 `temporarily_unavailable`, on the browser pages as a "temporarily
    /// unavailable" page. Sent in whole seconds, at least 1. Defaults to
    /// [`DEFAULT_OUTAGE_RETRY_AFTER`](crate::DEFAULT_OUTAGE_RETRY_AFTER) (2 s).
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "auth_core::config_serde::duration")
    )]
    pub outage_retry_after: Duration,
}

impl Default for OAuthEndpointsConfig {
    fn default() -> Self {
        Self {
            session_cookie: "__Host-oauth-session".to_owned(),
            csrf_cookie: "__Host-oauth-csrf".to_owned(),
            login_path: "/oauth/login".to_owned(),
            consent_path: "/oauth/consent".to_owned(),
            logout_path: "/oauth/logout".to_owned(),
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
            csrf_ttl: Duration::from_secs(3600),
            client_ip: ClientIpSource::PeerAddr,
            site_name: "Sign in".to_owned(),
            cors_allowed_origins: Vec::new(),
            outage_retry_after: crate::DEFAULT_OUTAGE_RETRY_AFTER,
        }
    }
}

impl OAuthEndpointsConfig {
    /// The default body limit: 16 KiB.
    pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;

    /// Takes the client IP from the last entry of `header` (e.g. `x-forwarded-for`).
    ///
    /// # Security
    /// Only correct behind a reverse proxy that overwrites or appends this header on every
    /// request. Without one, any client picks its own IP and walks around per-IP login
    /// throttling.
    pub fn dangerous_trust_proxy_header(mut self, header: HeaderName) -> Self {
        self.client_ip = ClientIpSource::ProxyHeader(header);
        self
    }

    pub(super) fn validate(&self) -> Result<(), OAuthEndpointsError> {
        for cookie in [&self.session_cookie, &self.csrf_cookie] {
            let name = cookie.strip_prefix("__Host-").unwrap_or_default();
            if name.is_empty()
                || !name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            {
                return Err(OAuthEndpointsError::InvalidCookieName);
            }
        }
        if self.session_cookie == self.csrf_cookie {
            return Err(OAuthEndpointsError::InvalidCookieName);
        }
        for path in [&self.login_path, &self.consent_path, &self.logout_path] {
            if !path.starts_with('/')
                || path
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#'))
            {
                return Err(OAuthEndpointsError::InvalidPath);
            }
        }
        if !self
            .cors_allowed_origins
            .iter()
            .all(|origin| crate::origin::is_exact_origin(origin))
        {
            return Err(OAuthEndpointsError::InvalidOrigin);
        }
        if self.max_body_bytes == 0 || self.csrf_ttl.is_zero() {
            return Err(OAuthEndpointsError::InvalidLimit);
        }
        Ok(())
    }
}

/// Why [`OAuthEndpoints::new`](super::OAuthEndpoints::new) refused its configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OAuthEndpointsError {
    /// A cookie name does not start with `__Host-`, has characters other than
    /// `A–Z a–z 0–9 - _ .` after it, or both cookies have the same name.
    #[error("the OAuth cookies need distinct __Host- names")]
    InvalidCookieName,
    /// The login, consent or logout path does not start with `/`, or holds whitespace, a
    /// query or a fragment.
    #[error("the login, consent and logout paths must start with '/'")]
    InvalidPath,
    /// A CORS origin is not `scheme://host[:port]` (no path, no wildcard).
    #[error("CORS origins must be scheme://host[:port]")]
    InvalidOrigin,
    /// The body limit or the CSRF lifetime is zero.
    #[error("the body limit and the CSRF lifetime must be positive")]
    InvalidLimit,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_cookie_names_are_checked() {
        assert_eq!(OAuthEndpointsConfig::default().validate(), Ok(()));
        for bad in [
            "oauth-session",
            "__Host-",
            "__Secure-x",
            "__Host-a;b",
            "__Host-a b",
        ] {
            let config = OAuthEndpointsConfig {
                session_cookie: bad.to_owned(),
                ..OAuthEndpointsConfig::default()
            };
            assert_eq!(
                config.validate(),
                Err(OAuthEndpointsError::InvalidCookieName),
                "{bad}"
            );
        }
        let mut config = OAuthEndpointsConfig::default();
        config.csrf_cookie = config.session_cookie.clone();
        assert_eq!(
            config.validate(),
            Err(OAuthEndpointsError::InvalidCookieName)
        );
        let config = OAuthEndpointsConfig {
            login_path: "login".to_owned(),
            ..OAuthEndpointsConfig::default()
        };
        assert_eq!(config.validate(), Err(OAuthEndpointsError::InvalidPath));
        for bad in [
            "*",
            "https://app.example/",
            "app.example",
            "https://*.example",
        ] {
            let config = OAuthEndpointsConfig {
                cors_allowed_origins: vec![bad.to_owned()],
                ..OAuthEndpointsConfig::default()
            };
            assert_eq!(
                config.validate(),
                Err(OAuthEndpointsError::InvalidOrigin),
                "{bad}"
            );
        }
    }
}
