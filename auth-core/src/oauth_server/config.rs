//! [`OAuthServerConfig`]: the issuer, endpoints, scopes and lifetimes of the authorization
//! server.

use std::time::Duration;

use super::OAuthConfigError;
use crate::token::Scope;

/// The paths of the endpoints, appended to the issuer URL in the metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct EndpointPaths {
    /// Defaults to `/oauth/authorize`.
    pub authorization: String,
    /// Defaults to `/oauth/token`.
    pub token: String,
    /// Defaults to `/oauth/userinfo`.
    pub userinfo: String,
    /// Defaults to `/oauth/revoke`.
    pub revocation: String,
    /// Defaults to `/oauth/introspect`.
    pub introspection: String,
    /// Defaults to `/.well-known/jwks.json`.
    pub jwks: String,
}

impl Default for EndpointPaths {
    fn default() -> Self {
        Self {
            authorization: "/oauth/authorize".to_owned(),
            token: "/oauth/token".to_owned(),
            userinfo: "/oauth/userinfo".to_owned(),
            revocation: "/oauth/revoke".to_owned(),
            introspection: "/oauth/introspect".to_owned(),
            jwks: "/.well-known/jwks.json".to_owned(),
        }
    }
}

/// Which scopes open the userinfo endpoint and release which claims.
///
/// The defaults are OpenID Connect's (`openid`, `profile`, `email`). A host with scopes of
/// its own adds them, e.g. seed 003's `read:profile` (profile and email) and `read:groups`
/// (the user's roles as `groups`):
///
/// ```
/// use auth_core::oauth_server::UserInfoScopes;
/// use auth_core::token::Scope;
///
/// let mut scopes = UserInfoScopes::default();
/// scopes.access = Scope::parse("openid read:profile");
/// scopes.profile = Scope::parse("profile read:profile");
/// scopes.email = Scope::parse("email read:profile");
/// scopes.groups = Scope::parse("read:groups");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct UserInfoScopes {
    /// An access token needs one of these to call userinfo (`sub` is always released).
    /// Defaults to `openid`.
    pub access: Scope,
    /// Any of these releases `name`, `preferred_username`, `picture`, `locale`,
    /// `updated_at`. Defaults to `profile`.
    pub profile: Scope,
    /// Any of these releases `email`, `email_verified`. Defaults to `email`.
    pub email: Scope,
    /// Any of these releases `groups` (the user's roles). Defaults to none.
    pub groups: Scope,
}

impl Default for UserInfoScopes {
    fn default() -> Self {
        Self {
            access: Scope::parse("openid"),
            profile: Scope::parse("profile"),
            email: Scope::parse("email"),
            groups: Scope::default(),
        }
    }
}

/// What the authorization server is and allows.
///
/// [`OAuthServerConfig::new`] gives secure defaults for everything but the issuer:
///
/// ```
/// use auth_core::oauth_server::OAuthServerConfig;
/// use auth_core::token::Scope;
///
/// let mut config = OAuthServerConfig::new("https://auth.example", "https://api.example");
/// config.supported_scopes =
///     Scope::parse("openid profile email offline_access read:profile read:groups manage:workflows");
/// assert_eq!(config.code_ttl.as_secs(), 600);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OAuthServerConfig {
    /// The issuer identifier: an `https` URL without query or fragment (`http` is accepted
    /// for `localhost` and `127.0.0.1` only, for development). It is the `iss` of every
    /// token, the `iss` of every authorization response (RFC 9207), and the base of the
    /// endpoint URLs.
    pub issuer: String,
    /// The `aud` of access tokens: the resource servers' identifier.
    pub audience: String,
    /// The `client_id`s of confidential clients registered as **resource servers** for
    /// [`audience`](Self::audience): each may introspect (RFC 7662) every access token of
    /// this server. Any other client may introspect only the tokens issued to itself; for
    /// the rest it is told `{"active": false}` (RFC 7662 §4: a token's contents are not
    /// disclosed to whoever asks). Defaults to none.
    pub resource_servers: Vec<String>,
    /// The endpoint paths. Defaults to [`EndpointPaths::default`].
    pub endpoints: EndpointPaths,
    /// The scopes clients may be registered for and ask for. Defaults to
    /// `openid profile email offline_access`.
    pub supported_scopes: Scope,
    /// Scopes of the userinfo endpoint. Defaults to [`UserInfoScopes::default`].
    pub userinfo_scopes: UserInfoScopes,
    /// How long an authorization code can be redeemed. Defaults to, and may not exceed,
    /// 10 minutes (RFC 6749 §4.1.2).
    pub code_ttl: Duration,
    /// How long an access token lives. Defaults to 15 minutes.
    pub access_token_ttl: Duration,
    /// How long an id_token is valid. Defaults to 15 minutes.
    pub id_token_ttl: Duration,
    /// Absolute lifetime of a grant's session and its refresh tokens. Defaults to 30 days.
    pub refresh_token_lifetime: Duration,
    /// A grant not refreshed for this long ends. Defaults to 14 days.
    pub session_idle_timeout: Duration,
    /// How long after a rotation a second presentation of the old refresh token is answered
    /// `invalid_grant` without revoking anything (a racing retry), rather than treated as
    /// theft, which revokes the grant. Defaults to 5 seconds; zero turns it off.
    pub refresh_reuse_grace: Duration,
}

impl OAuthServerConfig {
    /// The default and maximum authorization-code lifetime: 10 minutes.
    pub const MAX_CODE_TTL: Duration = Duration::from_secs(10 * 60);
    /// The default access-token and id_token lifetime: 15 minutes.
    pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);
    /// The default absolute grant lifetime: 30 days.
    pub const DEFAULT_REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
    /// The default idle timeout: 14 days.
    pub const DEFAULT_SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(14 * 24 * 3600);
    /// The default reuse grace window: 5 seconds.
    pub const DEFAULT_REFRESH_REUSE_GRACE: Duration = Duration::from_secs(5);

    /// A configuration for `issuer`, issuing access tokens for `audience`, with the defaults.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            resource_servers: Vec::new(),
            endpoints: EndpointPaths::default(),
            supported_scopes: Scope::parse("openid profile email offline_access"),
            userinfo_scopes: UserInfoScopes::default(),
            code_ttl: Self::MAX_CODE_TTL,
            access_token_ttl: Self::DEFAULT_TOKEN_TTL,
            id_token_ttl: Self::DEFAULT_TOKEN_TTL,
            refresh_token_lifetime: Self::DEFAULT_REFRESH_TOKEN_LIFETIME,
            session_idle_timeout: Self::DEFAULT_SESSION_IDLE_TIMEOUT,
            refresh_reuse_grace: Self::DEFAULT_REFRESH_REUSE_GRACE,
        }
    }

    /// Checks the configuration; [`OAuthServer::new`](super::OAuthServer::new) calls it.
    pub fn validate(&self) -> Result<(), OAuthConfigError> {
        if !is_valid_issuer(&self.issuer) {
            return Err(OAuthConfigError::InvalidIssuer);
        }
        if self.code_ttl.is_zero() || self.code_ttl > Self::MAX_CODE_TTL {
            return Err(OAuthConfigError::InvalidCodeTtl);
        }
        if [
            self.access_token_ttl,
            self.id_token_ttl,
            self.refresh_token_lifetime,
            self.session_idle_timeout,
        ]
        .iter()
        .any(Duration::is_zero)
        {
            return Err(OAuthConfigError::InvalidTokenTtl);
        }
        if self.supported_scopes.is_empty() {
            return Err(OAuthConfigError::NoScopes);
        }
        let paths = &self.endpoints;
        if [
            &paths.authorization,
            &paths.token,
            &paths.userinfo,
            &paths.revocation,
            &paths.introspection,
            &paths.jwks,
        ]
        .iter()
        .any(|path| {
            !path.starts_with('/') || path.chars().any(|c| c.is_whitespace() || c.is_control())
        }) {
            return Err(OAuthConfigError::InvalidEndpointPath);
        }
        Ok(())
    }

    /// The full URL of an endpoint at `path`.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer.trim_end_matches('/'))
    }
}

/// `https://host[:port][/path]`, or `http://localhost…` / `http://127.0.0.1…`; no query, no
/// fragment, no user info, no whitespace.
fn is_valid_issuer(issuer: &str) -> bool {
    if issuer.contains(['?', '#', '@'])
        || issuer.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return false;
    }
    let host_and_path = if let Some(rest) = issuer.strip_prefix("https://") {
        rest
    } else if let Some(rest) = issuer.strip_prefix("http://") {
        let host = super::redirect::authority_host(rest);
        if !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
            return false;
        }
        rest
    } else {
        return false;
    };
    !super::redirect::authority_host(host_and_path).is_empty()
}

/// From a config file (feature `serde`): `issuer` and `audience` are required, everything
/// else keeps the default of [`OAuthServerConfig::new`] when left out, an unknown field is an
/// error, durations are written `"10m"` or in seconds, scopes as one space-separated string.
/// [`OAuthServer::new`](super::OAuthServer::new) still [validates](OAuthServerConfig::validate)
/// the result.
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for OAuthServerConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Fields {
            issuer: String,
            audience: String,
            #[serde(default)]
            resource_servers: Option<Vec<String>>,
            #[serde(default)]
            endpoints: Option<EndpointPaths>,
            #[serde(default)]
            supported_scopes: Option<Scope>,
            #[serde(default)]
            userinfo_scopes: Option<UserInfoScopes>,
            #[serde(default, deserialize_with = "crate::config_serde::optional_duration")]
            code_ttl: Option<Duration>,
            #[serde(default, deserialize_with = "crate::config_serde::optional_duration")]
            access_token_ttl: Option<Duration>,
            #[serde(default, deserialize_with = "crate::config_serde::optional_duration")]
            id_token_ttl: Option<Duration>,
            #[serde(default, deserialize_with = "crate::config_serde::optional_duration")]
            refresh_token_lifetime: Option<Duration>,
            #[serde(default, deserialize_with = "crate::config_serde::optional_duration")]
            session_idle_timeout: Option<Duration>,
            #[serde(default, deserialize_with = "crate::config_serde::optional_duration")]
            refresh_reuse_grace: Option<Duration>,
        }
        let fields = Fields::deserialize(deserializer)?;
        let mut config = Self::new(fields.issuer, fields.audience);
        let set = |slot: &mut Duration, value: Option<Duration>| {
            if let Some(value) = value {
                *slot = value;
            }
        };
        if let Some(servers) = fields.resource_servers {
            config.resource_servers = servers;
        }
        if let Some(endpoints) = fields.endpoints {
            config.endpoints = endpoints;
        }
        if let Some(scopes) = fields.supported_scopes {
            config.supported_scopes = scopes;
        }
        if let Some(scopes) = fields.userinfo_scopes {
            config.userinfo_scopes = scopes;
        }
        set(&mut config.code_ttl, fields.code_ttl);
        set(&mut config.access_token_ttl, fields.access_token_ttl);
        set(&mut config.id_token_ttl, fields.id_token_ttl);
        set(
            &mut config.refresh_token_lifetime,
            fields.refresh_token_lifetime,
        );
        set(
            &mut config.session_idle_timeout,
            fields.session_idle_timeout,
        );
        set(&mut config.refresh_reuse_grace, fields.refresh_reuse_grace);
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let config = OAuthServerConfig::new("https://auth.example", "api");
        assert_eq!(config.code_ttl, Duration::from_secs(600));
        assert_eq!(config.access_token_ttl, Duration::from_secs(900));
        assert_eq!(
            config.refresh_token_lifetime,
            Duration::from_secs(2_592_000)
        );
        assert_eq!(
            config.supported_scopes.as_str(),
            "openid profile email offline_access"
        );
        assert!(config.validate().is_ok());
        assert_eq!(
            config.url("/oauth/token"),
            "https://auth.example/oauth/token"
        );
    }

    #[test]
    fn code_ttl_may_not_exceed_ten_minutes() {
        let mut config = OAuthServerConfig::new("https://auth.example", "api");
        config.code_ttl = Duration::from_secs(601);
        assert!(matches!(
            config.validate(),
            Err(OAuthConfigError::InvalidCodeTtl)
        ));
        config.code_ttl = Duration::ZERO;
        assert!(matches!(
            config.validate(),
            Err(OAuthConfigError::InvalidCodeTtl)
        ));
    }

    #[test]
    fn issuer_must_be_https_or_loopback_http() {
        for good in [
            "https://auth.example",
            "https://auth.example:8443/tenant",
            "http://localhost:8000",
            "http://127.0.0.1:3000",
        ] {
            assert!(is_valid_issuer(good), "{good}");
        }
        for bad in [
            "http://auth.example",
            "https://auth.example?x=1",
            "https://auth.example#f",
            "https://user@auth.example",
            "auth.example",
            "https://",
            "ftp://auth.example",
            "http://localhost.evil.example",
        ] {
            assert!(!is_valid_issuer(bad), "{bad}");
        }
    }
}
