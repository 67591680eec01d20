//! [`PasskeyConfig`]: the relying party a [`Passkeys`](super::Passkeys) speaks for.

use std::time::Duration;

use url::Url;

use super::PasskeyError;

/// The relying party: its id, its name, the origins its pages are served from, and how long a
/// ceremony may take.
///
/// ```
/// use auth_core::passkey::PasskeyConfig;
///
/// let config = PasskeyConfig::new(
///     "example.com",
///     "Example",
///     vec!["https://example.com".parse()?, "https://login.example.com".parse()?],
/// );
/// assert_eq!(config.ceremony_ttl.as_secs(), 300);
/// # Ok::<(), url::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasskeyConfig {
    /// The WebAuthn relying-party id: a registrable domain that every origin's host equals or
    /// is a subdomain of (`example.com` for `https://login.example.com`). Passkeys are bound
    /// to it: changing it later orphans every registered passkey.
    pub rp_id: String,
    /// The name authenticators show ("Example").
    pub rp_name: String,
    /// The origins (scheme, host, port) whose pages may run the ceremonies, each `https://…`
    /// or `http://localhost[:port]` for development. An assertion made on any other origin is
    /// refused (phishing resistance).
    pub origins: Vec<Url>,
    /// How long a started ceremony stays usable, also sent to the browser as its timeout.
    /// Defaults to 5 minutes (WebAuthn's recommendation); at least 10 seconds, at most
    /// 30 minutes.
    pub ceremony_ttl: Duration,
    /// How recent the session's sign-in must be to add or remove a passkey through
    /// [`AuthService`](crate::flows::AuthService) (older:
    /// [`AuthError::ReauthenticationRequired`](crate::flows::AuthError::ReauthenticationRequired)):
    /// changing the ways into an account needs the user, not a stolen token, at the keyboard.
    /// Defaults to 10 minutes.
    pub recent_sign_in: Duration,
}

impl PasskeyConfig {
    /// The default time a ceremony stays usable.
    pub const DEFAULT_CEREMONY_TTL: Duration = Duration::from_secs(5 * 60);

    /// The default of [`recent_sign_in`](Self::recent_sign_in).
    pub const DEFAULT_RECENT_SIGN_IN: Duration = Duration::from_secs(10 * 60);

    /// A relying party with the default ceremony lifetime. User verification (a PIN or a
    /// biometric on the authenticator) is always required: the passkey is a whole sign-in,
    /// not a second factor beside a password.
    pub fn new(rp_id: impl Into<String>, rp_name: impl Into<String>, origins: Vec<Url>) -> Self {
        Self {
            rp_id: rp_id.into(),
            rp_name: rp_name.into(),
            origins,
            ceremony_ttl: Self::DEFAULT_CEREMONY_TTL,
            recent_sign_in: Self::DEFAULT_RECENT_SIGN_IN,
        }
    }

    /// The same config with another ceremony lifetime.
    pub fn ceremony_ttl(mut self, ttl: Duration) -> Self {
        self.ceremony_ttl = ttl;
        self
    }

    /// Checks what webauthn-rs does not: every origin is an origin (no path, query, fragment
    /// or credentials) served over https (or http on `localhost`), `rp_id` is a lower-case
    /// domain that every origin's host equals or ends with `.` + it, and the ceremony lifetime
    /// is sane.
    pub(crate) fn validate(&self) -> Result<(), PasskeyError> {
        let fail = |message: String| Err(PasskeyError::Config(message));
        let rp_id = self.rp_id.as_str();
        if rp_id.is_empty()
            || rp_id != rp_id.to_ascii_lowercase()
            || rp_id.starts_with('.')
            || rp_id.ends_with('.')
            || !rp_id
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'.')
        {
            return fail(format!(
                "rp_id {rp_id:?} must be a lower-case domain name without scheme, port or path \
                 (e.g. \"example.com\")"
            ));
        }
        if !rp_id.contains('.') && rp_id != "localhost" {
            return fail(format!(
                "rp_id {rp_id:?} must be a registrable domain (e.g. \"example.com\"), not a \
                 top-level domain"
            ));
        }
        if self.rp_name.trim().is_empty() {
            return fail("rp_name must not be empty".to_owned());
        }
        if self.origins.is_empty() {
            return fail(
                "origins must list at least one origin (e.g. https://example.com)".to_owned(),
            );
        }
        for origin in &self.origins {
            let Some(host) = origin.host_str() else {
                return fail(format!("origin {origin} has no host"));
            };
            let local = host == "localhost";
            match origin.scheme() {
                "https" => {}
                "http" if local => {}
                _ => {
                    return fail(format!(
                        "origin {origin} must be https (http is allowed for localhost only)"
                    ));
                }
            }
            if origin.path() != "/"
                || origin.query().is_some()
                || origin.fragment().is_some()
                || !origin.username().is_empty()
                || origin.password().is_some()
            {
                return fail(format!(
                    "origin {origin} must be scheme, host and port only (no path, query or \
                     credentials)"
                ));
            }
            if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
                return fail(format!(
                    "rp_id {rp_id:?} must be the host of origin {origin} or a parent domain of it"
                ));
            }
        }
        if self.ceremony_ttl < Duration::from_secs(10)
            || self.ceremony_ttl > Duration::from_secs(30 * 60)
        {
            return fail(format!(
                "ceremony_ttl {:?} must be between 10 seconds and 30 minutes",
                self.ceremony_ttl
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(rp_id: &str, origins: &[&str]) -> PasskeyConfig {
        PasskeyConfig::new(
            rp_id,
            "Example",
            origins
                .iter()
                .map(|origin| origin.parse().unwrap())
                .collect(),
        )
    }

    #[test]
    fn good_configs_pass() {
        for (rp_id, origins) in [
            ("example.com", &["https://example.com"][..]),
            (
                "example.com",
                &["https://login.example.com", "https://example.com:8443"],
            ),
            ("localhost", &["http://localhost:3000"]),
        ] {
            assert!(
                config(rp_id, origins).validate().is_ok(),
                "{rp_id} {origins:?}"
            );
        }
    }

    #[test]
    fn bad_configs_are_refused_with_what_to_fix() {
        for (rp_id, origins) in [
            // http outside localhost: anyone on the path could run the ceremony.
            ("example.com", &["http://example.com"][..]),
            // rp_id not a suffix of the origin's host (and not on a label boundary).
            ("example.com", &["https://example.org"]),
            ("example.com", &["https://notexample.com"]),
            // a top-level domain, upper case, a scheme, a port.
            ("com", &["https://example.com"]),
            ("Example.com", &["https://example.com"]),
            ("https://example.com", &["https://example.com"]),
            ("example.com:443", &["https://example.com"]),
            // not an origin.
            ("example.com", &["https://example.com/login"]),
            ("example.com", &["https://user:pw@example.com"]),
            // none at all.
            ("example.com", &[]),
        ] {
            let result = config(rp_id, origins).validate();
            assert!(
                matches!(result, Err(PasskeyError::Config(_))),
                "{rp_id} {origins:?}: {result:?}"
            );
        }
        let short =
            config("example.com", &["https://example.com"]).ceremony_ttl(Duration::from_secs(1));
        assert!(matches!(short.validate(), Err(PasskeyError::Config(_))));
    }
}
