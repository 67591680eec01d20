//! [`EndpointsConfig`]: how the ready endpoints deliver tokens and whom they trust.

use http::HeaderName;

/// How login, signup and refresh hand the refresh token to the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum TokenDelivery {
    /// Both tokens in the JSON body; the client sends the refresh token back in the body of
    /// `POST /refresh`. For mobile apps and other non-browser clients. The default.
    Bearer,
    /// For browsers: the refresh token only in a `__Host-` cookie (Secure, HttpOnly,
    /// SameSite=Strict, Path=/), never in the body; the access token in the body (keep it in
    /// memory). `POST /refresh` reads the cookie and requires the CSRF double-submit token
    /// (see [`EndpointsConfig::csrf_header`]).
    Cookie,
}

/// Where the client IP used for throttling and the audit trail comes from.
///
/// In a config file (feature `serde`): `"peer_addr"`, or
/// `{ "dangerous_trust_proxy_header": "x-forwarded-for" }`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(from = "crate::config_serde::ClientIpSetting")
)]
#[non_exhaustive]
pub enum ClientIpSource {
    /// The TCP peer address (axum `ConnectInfo`, actix `peer_addr`, or a [`PeerAddr`] in
    /// the request extensions). The default: nothing the client writes is trusted.
    ///
    /// [`PeerAddr`]: super::PeerAddr
    PeerAddr,
    /// The last address in this header (set by your reverse proxy), falling back to the peer
    /// address when it is absent or unparsable. Only through
    /// [`EndpointsConfig::dangerous_trust_proxy_header`].
    ProxyHeader(HeaderName),
}

/// Configuration of [`AuthEndpoints`](super::AuthEndpoints). Secure defaults; change fields on
/// [`EndpointsConfig::default`], or read it with [`from_env`](Self::from_env) or (feature
/// `serde`) from a file: a field left out keeps its default, an unknown one is an error.
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct EndpointsConfig {
    /// Bearer (JSON body) or cookie delivery of the refresh token. Defaults to
    /// [`TokenDelivery::Bearer`].
    pub token_delivery: TokenDelivery,
    /// Largest request body accepted, in bytes; larger ones get 413 before they are read
    /// to the end. Defaults to 16 KiB.
    pub max_body_bytes: usize,
    /// Name of the refresh-token cookie in cookie mode. Must start with `__Host-`.
    /// Defaults to `__Host-refresh`.
    pub refresh_cookie: String,
    /// Name of the CSRF double-submit cookie in cookie mode (readable by scripts, not
    /// HttpOnly). Defaults to `__Host-csrf`.
    pub csrf_cookie: String,
    /// The header in which the client echoes the CSRF cookie's value. Defaults to
    /// `x-csrf-token`.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::config_serde::header_name")
    )]
    pub csrf_header: HeaderName,
    /// Origins (`https://app.example`) allowed to send state-changing requests in cookie
    /// mode. Empty (the default) means only `https://` + the request's `Host`.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::config_serde::origins")
    )]
    pub allowed_origins: Vec<String>,
    /// Where the client IP comes from. Defaults to [`ClientIpSource::PeerAddr`].
    pub client_ip: ClientIpSource,
    /// Send the email-verification link right after signup. Defaults to `true`; a mail
    /// failure is logged and does not fail the signup. (In auth-core's enumeration-safe
    /// signup mode the flow always sends it, whatever this says.)
    pub verify_email_on_signup: bool,
}

impl Default for EndpointsConfig {
    fn default() -> Self {
        Self {
            token_delivery: TokenDelivery::Bearer,
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
            refresh_cookie: "__Host-refresh".to_owned(),
            csrf_cookie: "__Host-csrf".to_owned(),
            csrf_header: HeaderName::from_static("x-csrf-token"),
            allowed_origins: Vec::new(),
            client_ip: ClientIpSource::PeerAddr,
            verify_email_on_signup: true,
        }
    }
}

impl EndpointsConfig {
    /// The default body limit: 16 KiB.
    pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024;

    /// The defaults with cookie delivery, for browser front-ends.
    pub fn cookie_mode() -> Self {
        Self {
            token_delivery: TokenDelivery::Cookie,
            ..Self::default()
        }
    }

    /// Takes the client IP from the last entry of `header` (e.g. `x-forwarded-for`,
    /// `x-real-ip`).
    ///
    /// # Security
    /// Only correct behind a reverse proxy that overwrites or appends this header on every
    /// request. Without one, any client picks its own IP and walks around per-IP throttling
    /// and poisons the audit trail.
    pub fn dangerous_trust_proxy_header(mut self, header: HeaderName) -> Self {
        self.client_ip = ClientIpSource::ProxyHeader(header);
        self
    }
}

/// Why [`AuthEndpoints::new`](crate::AuthEndpoints::new) refused its parts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EndpointsError {
    /// The authenticator has no revocation check. Logout, logout-all and password changes
    /// would answer success while the access tokens they end kept working until they expire.
    /// Give the authenticator `with_revocation(…)`, or — knowingly — use
    /// [`AuthEndpoints::dangerous_without_revocation_check`](crate::AuthEndpoints::dangerous_without_revocation_check).
    #[error(
        "the auth endpoints' authenticator has no revocation check, so logout would not reach \
         access tokens: give it `with_revocation(RevocationChecker)`"
    )]
    NoRevocationCheck,
    /// [`AuthEndpoints::protect`](crate::AuthEndpoints::protect) was given a path the
    /// endpoints cannot be mounted at.
    #[error(
        "cannot mount the auth endpoints at {0:?}: give a path such as \"/auth\" (it starts \
         with '/', is not the root, has no trailing '/', and holds only letters, digits, '/', \
         '-', '.', '_' and '~')"
    )]
    MountPath(String),
}
