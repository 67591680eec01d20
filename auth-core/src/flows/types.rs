//! The values the flows take and give: [`ClientInfo`], [`SignupRequest`], [`SocialProfile`],
//! [`TokenPair`].

use std::time::SystemTime;

use crate::opaque::OpaqueToken;
use crate::password::Password;
use crate::store::SessionId;
use crate::token::IssuedAccessToken;

/// Longest IP text kept (an IPv6 address with zone fits easily).
const MAX_IP_CHARS: usize = 64;
/// Longest user agent kept; real ones are a few hundred characters.
const MAX_USER_AGENT_CHARS: usize = 512;
/// Longest device name kept.
const MAX_DEVICE_NAME_CHARS: usize = 128;

/// What the HTTP layer knows about the client making a request: recorded on sessions and in
/// the audit trail, and the IP is a throttling key.
///
/// Values are client-supplied, so they are cut to a sane length (64 characters for the IP,
/// 512 for the user agent, 128 for the device name) when the flows use them.
///
/// ```
/// use auth_core::flows::ClientInfo;
///
/// let client = ClientInfo::default().ip("203.0.113.7").user_agent("curl/8.5");
/// assert_eq!(client.ip.as_deref(), Some("203.0.113.7"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientInfo {
    /// The client's IP address, as the host determined it (behind a proxy, from a trusted
    /// forwarding header only).
    pub ip: Option<String>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
    /// A name the client gives the device ("Kim's phone"), shown in the session list.
    pub device_name: Option<String>,
}

impl ClientInfo {
    /// Sets [`ip`](Self::ip).
    pub fn ip(mut self, ip: impl Into<String>) -> Self {
        self.ip = Some(ip.into());
        self
    }

    /// Sets [`user_agent`](Self::user_agent).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Sets [`device_name`](Self::device_name).
    pub fn device_name(mut self, device_name: impl Into<String>) -> Self {
        self.device_name = Some(device_name.into());
        self
    }

    pub(super) fn clean_ip(&self) -> Option<String> {
        clean(self.ip.as_deref(), MAX_IP_CHARS)
    }

    pub(super) fn clean_user_agent(&self) -> Option<String> {
        clean(self.user_agent.as_deref(), MAX_USER_AGENT_CHARS)
    }

    pub(super) fn clean_device_name(&self) -> Option<String> {
        clean(self.device_name.as_deref(), MAX_DEVICE_NAME_CHARS)
    }
}

/// Trims, drops control characters, cuts to `max` characters; empty becomes `None`.
fn clean(value: Option<&str>, max: usize) -> Option<String> {
    let cleaned: String = value?
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect();
    (!cleaned.is_empty()).then_some(cleaned)
}

/// A new account, for [`AuthService::signup_with`](super::AuthService::signup_with).
#[derive(Debug)]
#[non_exhaustive]
pub struct SignupRequest {
    /// Email address; normalized (trimmed, lower-cased) before use.
    pub email: String,
    /// The password, checked against the policy.
    pub password: Password,
    /// Optional login name, unique case-insensitively.
    pub username: Option<String>,
    /// Name to show.
    pub display_name: Option<String>,
    /// Preferred locale (BCP 47).
    pub locale: Option<String>,
}

impl SignupRequest {
    /// A signup with `email` and `password` and nothing else.
    pub fn new(email: impl Into<String>, password: Password) -> Self {
        Self {
            email: email.into(),
            password,
            username: None,
            display_name: None,
            locale: None,
        }
    }

    /// Sets [`username`](Self::username).
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// Sets [`display_name`](Self::display_name).
    pub fn display_name(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = Some(display_name.into());
        self
    }

    /// Sets [`locale`](Self::locale).
    pub fn locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = Some(locale.into());
        self
    }
}

/// What an OAuth/OIDC provider said about the user, after the provider client verified the
/// callback (state, PKCE, id_token signature and nonce). Input to
/// [`AuthService::complete_social_login`](super::AuthService::complete_social_login) and
/// [`AuthService::link_identity`](super::AuthService::link_identity).
///
/// ```
/// use auth_core::flows::SocialProfile;
///
/// let mut profile = SocialProfile::new("google", "1098765");
/// profile.email = Some("kim@example.com".into());
/// profile.email_verified = true; // only if the provider itself says so
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SocialProfile {
    /// Provider name, e.g. `google`, `kakao`.
    pub provider: String,
    /// The provider's stable account id (`sub`); never the email.
    pub subject: String,
    /// The email the provider reported, if any.
    pub email: Option<String>,
    /// Whether the provider itself asserts `email` as verified (OIDC `email_verified`,
    /// GitHub's verified primary email, …). Never set it from anything else: accounts are
    /// linked by email only on this signal.
    pub email_verified: bool,
    /// Name to show.
    pub display_name: Option<String>,
    /// Avatar URL.
    pub avatar_url: Option<String>,
    /// Preferred locale (BCP 47).
    pub locale: Option<String>,
}

impl SocialProfile {
    /// A profile of `subject` at `provider`, with no email or details.
    pub fn new(provider: impl Into<String>, subject: impl Into<String>) -> Self {
        Self {
            provider: provider.into(),
            subject: subject.into(),
            email: None,
            email_verified: false,
            display_name: None,
            avatar_url: None,
            locale: None,
        }
    }

    /// Sets [`email`](Self::email) and [`email_verified`](Self::email_verified).
    pub fn email(mut self, email: impl Into<String>, verified_by_provider: bool) -> Self {
        self.email = Some(email.into());
        self.email_verified = verified_by_provider;
        self
    }
}

/// What a successful login, signup or refresh gives the client.
///
/// Not `Clone` (the refresh token is single-use). `Debug` shows neither token.
#[derive(Debug)]
#[non_exhaustive]
pub struct TokenPair {
    /// The access token (JWT) with its `jti` and expiry.
    pub access_token: IssuedAccessToken,
    /// The refresh token: hand it to the client once (HttpOnly cookie or response body).
    pub refresh_token: OpaqueToken,
    /// The session both belong to (the `sid` claim).
    pub session_id: SessionId,
    /// When the refresh token (and its session) expires at the latest.
    pub refresh_expires_at: SystemTime,
}

/// What [`AuthService::register`](super::AuthService::register) did, by
/// [`SignupMode`](super::SignupMode).
#[derive(Debug)]
#[non_exhaustive]
pub enum SignupOutcome {
    /// [`SignupMode::RevealTaken`](super::SignupMode::RevealTaken): the account was created
    /// and signed in.
    SignedIn {
        /// The new account.
        user: Box<crate::store::User>,
        /// Its first session's tokens.
        tokens: TokenPair,
    },
    /// [`SignupMode::EnumerationSafe`](super::SignupMode::EnumerationSafe): the request was
    /// accepted — a new account was created and sent a verification link, or the owner of
    /// the taken address was told — and which of the two is deliberately not said.
    VerificationSent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_info_is_cleaned() {
        let client = ClientInfo::default()
            .ip("  10.0.0.1\n")
            .user_agent("x".repeat(2000))
            .device_name("   ");
        assert_eq!(client.clean_ip().as_deref(), Some("10.0.0.1"));
        assert_eq!(client.clean_user_agent().map(|ua| ua.len()), Some(512));
        assert_eq!(client.clean_device_name(), None);
        assert_eq!(ClientInfo::default().clean_ip(), None);
    }
}
