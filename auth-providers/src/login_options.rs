//! [`LoginOptions`]: what one login asks of the provider beyond its registration — who is
//! signing in (`login_hint`), whether to show the login or consent page again (`prompt`),
//! and extra scopes — without registering one provider per variant.

use crate::error::LoginError;

/// The longest `login_hint` accepted, in bytes: an email address or an account id.
const MAX_LOGIN_HINT_BYTES: usize = 256;
/// The most extra scopes one login may ask for.
const MAX_EXTRA_SCOPES: usize = 16;
/// The longest scope accepted, in bytes.
const MAX_SCOPE_BYTES: usize = 128;

/// The OpenID Connect `prompt` values (OIDC Core §3.1.2.1) a login may ask for. Providers
/// that do not know the parameter ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Prompt {
    /// `login`: ask the user to sign in again even with a session at the provider.
    Login,
    /// `consent`: show the consent page again (Google: needed to get a new refresh token).
    Consent,
    /// `select_account`: let the user pick one of several accounts.
    SelectAccount,
    /// `none`: no page at all; the provider answers `login_required` or
    /// `consent_required` when it would need one.
    None,
}

impl Prompt {
    /// The value on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Consent => "consent",
            Self::SelectAccount => "select_account",
            Self::None => "none",
        }
    }

    /// The prompt named `value`, if it is one of the four.
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Login, Self::Consent, Self::SelectAccount, Self::None]
            .into_iter()
            .find(|prompt| prompt.as_str() == value)
    }
}

/// Per-login parameters for [`LoginFlow::start_with`](crate::LoginFlow::start_with).
///
/// ```
/// use auth_providers::{LoginOptions, Prompt};
///
/// let options = LoginOptions::new()
///     .login_hint("kim@example.com")
///     .prompt(Prompt::SelectAccount)
///     .extra_scope("https://www.googleapis.com/auth/calendar.readonly");
/// ```
///
/// Nothing here can weaken the login: `state`, PKCE, the nonce and the browser binding are
/// the flow's, and a provider's own parameters (`response_type`, `client_id`, …) cannot be
/// overridden. Values are checked when the login starts ([`LoginError::InvalidOptions`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginOptions {
    /// `login_hint` (OIDC Core §3.1.2.1): the email or account the user is expected to sign
    /// in with. Up to 256 bytes, no control characters.
    pub login_hint: Option<String>,
    /// `prompt`.
    pub prompt: Option<Prompt>,
    /// Scopes asked for on top of the provider's configured ones (duplicates are sent once).
    /// At most 16, each up to 128 bytes of the characters RFC 6749 §3.3 allows in a scope.
    pub extra_scopes: Vec<String>,
}

impl LoginOptions {
    /// No per-login parameters: the provider's registration alone.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `login_hint`.
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.login_hint = Some(hint.into());
        self
    }

    /// Sets `prompt`.
    pub fn prompt(mut self, prompt: Prompt) -> Self {
        self.prompt = Some(prompt);
        self
    }

    /// Adds a scope to ask for on this login.
    pub fn extra_scope(mut self, scope: impl Into<String>) -> Self {
        self.extra_scopes.push(scope.into());
        self
    }

    /// Refuses what a provider could misread: an over-long or control-character
    /// `login_hint`, too many scopes, or a scope with characters RFC 6749 §3.3 forbids (a
    /// space would smuggle in a second scope).
    pub(crate) fn check(&self) -> Result<(), LoginError> {
        if let Some(hint) = &self.login_hint
            && (hint.is_empty()
                || hint.len() > MAX_LOGIN_HINT_BYTES
                || hint.chars().any(char::is_control))
        {
            return Err(LoginError::InvalidOptions(
                "login_hint must be 1 to 256 bytes without control characters",
            ));
        }
        if self.extra_scopes.len() > MAX_EXTRA_SCOPES {
            return Err(LoginError::InvalidOptions("at most 16 extra scopes"));
        }
        let scope_char = |c: char| matches!(c, '\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e');
        if self.extra_scopes.iter().any(|scope| {
            scope.is_empty() || scope.len() > MAX_SCOPE_BYTES || !scope.chars().all(scope_char)
        }) {
            return Err(LoginError::InvalidOptions(
                "a scope is 1 to 128 printable ASCII characters, without space, '\"' or '\\'",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_names_round_trip() {
        for prompt in [
            Prompt::Login,
            Prompt::Consent,
            Prompt::SelectAccount,
            Prompt::None,
        ] {
            assert_eq!(Prompt::parse(prompt.as_str()), Some(prompt));
        }
        assert_eq!(Prompt::parse("LOGIN"), None);
        assert_eq!(Prompt::parse("login consent"), None);
    }

    #[test]
    fn what_a_provider_could_misread_is_refused() {
        let refused = |options: LoginOptions| {
            assert!(
                matches!(options.check(), Err(LoginError::InvalidOptions(_))),
                "{options:?}"
            );
        };
        refused(LoginOptions::new().login_hint(""));
        refused(LoginOptions::new().login_hint("kim\r\nSet-Cookie: x=1"));
        refused(LoginOptions::new().login_hint("k".repeat(257)));
        refused(LoginOptions::new().extra_scope("openid email"));
        refused(LoginOptions::new().extra_scope(""));
        refused(LoginOptions::new().extra_scope("a\"b"));
        refused(LoginOptions::new().extra_scope("s".repeat(129)));
        let mut many = LoginOptions::new();
        for index in 0..17 {
            many = many.extra_scope(format!("scope{index}"));
        }
        refused(many);
        assert!(
            LoginOptions::new()
                .login_hint("kim@example.com")
                .extra_scope("https://www.googleapis.com/auth/calendar.readonly")
                .check()
                .is_ok()
        );
    }
}
