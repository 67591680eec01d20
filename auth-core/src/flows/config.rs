//! [`AuthConfig`]: lifetimes, throttling and policy of the flows.

use std::time::Duration;

use super::EndpointLimits;
use crate::password::PasswordPolicy;

/// How many failures a throttling key may collect within a window before attempts are
/// refused with [`AuthError::Throttled`](super::AuthError::Throttled).
///
/// Each attempt is reserved before the check it guards; a failure keeps its reservation. A
/// key's window opens at its first attempt and lasts `window`; once it holds `max_failures`
/// attempts, further ones are refused until it closes (see
/// [`ThrottleStore`](crate::store::ThrottleStore)). Throttling is always temporary: there is
/// no permanent lock-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct ThrottleLimit {
    /// Attempts tolerated within [`window`](Self::window); the next one is refused. Zero
    /// refuses every attempt.
    pub max_failures: u32,
    /// How long a key's window lasts, from its first attempt.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::config_serde::duration")
    )]
    pub window: Duration,
}

impl ThrottleLimit {
    /// `max_failures` failures within `window`.
    pub const fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures,
            window,
        }
    }
}

/// What signup answers when the address already has an account
/// ([`AuthConfig::signup_mode`]).
///
/// # Why the default reveals
/// [`RevealTaken`](Self::RevealTaken) is what seed 001 specifies and what every host built on
/// this library expects: signup signs the user in at once and a taken address is a 409. The
/// enumeration-safe mode cannot keep that promise — it must not sign anyone in at signup,
/// because a taken address cannot be answered with a session — so switching it on silently
/// would break every client. Signup is limited per network
/// ([`EndpointLimits::signup`]), which bounds how fast the 409 can be used to enumerate;
/// hosts for whom the existence of an account is sensitive choose
/// [`EnumerationSafe`](Self::EnumerationSafe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum SignupMode {
    /// Seed 001: a new address gets an account and a session at once; a taken address is
    /// refused with [`AuthError::EmailTaken`](super::AuthError::EmailTaken) (409).
    #[default]
    RevealTaken,
    /// The same answer whether or not the address has an account
    /// ([`SignupOutcome::VerificationSent`](super::SignupOutcome::VerificationSent), 202), after
    /// the same work (one argon2 hash, one mail): a new account is created unverified and
    /// sent a verification link, and signs in only after it (with its password, as usual);
    /// the owner of a taken address is mailed that someone tried to sign up with it
    /// ([`Mailer::send_signup_attempt_notice`](super::Mailer::send_signup_attempt_notice)).
    /// No session or token is issued by signup in this mode.
    EnumerationSafe,
}

/// What the flows of [`AuthService`](super::AuthService) allow, for how long.
///
/// The [`Default`] is the secure choice for every field; change fields on a default value:
///
/// ```
/// use std::time::Duration;
/// use auth_core::flows::AuthConfig;
///
/// let mut config = AuthConfig::default();
/// config.session_idle_timeout = Duration::from_secs(7 * 24 * 3600);
/// assert_eq!(config.account_throttle.max_failures, 5);
/// ```
///
/// With the feature `serde` it can be read from a file or the environment; every field left
/// out keeps its default, and an unknown field is an error that names it:
///
/// ```
/// # #[cfg(feature = "serde")] {
/// use auth_core::flows::AuthConfig;
///
/// let config: AuthConfig = serde_json::from_str(r#"{
///     "refresh_token_lifetime": "14d",
///     "account_throttle": { "max_failures": 3, "window": "10m" }
/// }"#).unwrap();
/// assert_eq!(config.refresh_token_lifetime.as_secs(), 14 * 24 * 3600);
/// assert!(serde_json::from_str::<AuthConfig>(r#"{ "refresh_lifetime": "1d" }"#).is_err());
/// # }
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct AuthConfig {
    /// Absolute lifetime of a session and of its refresh tokens, counted from login: no
    /// refresh after it, however active the session. Defaults to 30 days.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::config_serde::duration")
    )]
    pub refresh_token_lifetime: Duration,
    /// A session not refreshed for this long ends (each refresh moves the idle expiry
    /// forward, never past the absolute one). Defaults to 14 days.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::config_serde::duration")
    )]
    pub session_idle_timeout: Duration,
    /// How long after a refresh token was rotated a second presentation of it is answered
    /// with [`AuthError::RefreshTokenRecentlyRotated`](super::AuthError::RefreshTokenRecentlyRotated)
    /// (nothing revoked, no tokens issued) rather than treated as theft, which revokes the
    /// session. Covers two tabs or a retry racing one refresh. Defaults to 5 seconds; zero
    /// turns the tolerance off.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::config_serde::duration")
    )]
    pub refresh_reuse_grace: Duration,
    /// Password attempts tolerated per account (and per unknown login name) **from one client
    /// network** — an IPv4 address (/32) or an IPv6 /64 — counted also by wrong current
    /// passwords at password change (from the session's network). Defaults to 5 in 15
    /// minutes.
    ///
    /// # Why per network
    /// An account-wide limit lets anyone keep a known account locked by failing on purpose.
    /// Keyed by (account, network), strangers' failures lock out only their own network; the
    /// owner's network stays open. The attempt is reserved before the password is checked,
    /// so concurrent guesses cannot get more checks than the limit; a successful login clears
    /// its network's count. A guesser spread over many networks is bounded by
    /// [`account_ceiling`](Self::account_ceiling).
    pub account_throttle: ThrottleLimit,
    /// Password attempts tolerated per account from **all** networks together: the bound on
    /// a guesser spread over many addresses, set well above
    /// [`account_throttle`](Self::account_throttle) so that strangers need many networks —
    /// and many failures — before the owner is refused too. A successful login gives back
    /// its own attempt but never erases strangers' failures. Defaults to 50 in 15 minutes.
    ///
    /// # The owner's device passes
    /// A login that presents the refresh token of a live first-party session **of the same
    /// account** ([`AuthService::login_on_device`](super::AuthService::login_on_device);
    /// auth-tower reads the refresh cookie, or `refresh_token` in a bearer-mode login body)
    /// is not counted on this ceiling: a device the owner already signed in on stays able
    /// to sign in again while strangers exhaust the ceiling from many networks. It is never
    /// exempt from [`account_throttle`](Self::account_throttle) or
    /// [`ip_throttle`](Self::ip_throttle), so a stolen refresh token buys a guesser no more
    /// than 5 guesses per network — and whoever holds one is signed in already.
    pub account_ceiling: ThrottleLimit,
    /// Password-login failures tolerated per client IP, across all accounts (credential
    /// stuffing). Defaults to 20 in 15 minutes. An IPv6 client is counted by its /64 (one
    /// subscriber's usual allocation), an IPv4-mapped IPv6 address as its IPv4 address.
    /// Requests without an IP in their [`ClientInfo`](super::ClientInfo) are throttled per
    /// account only.
    pub ip_throttle: ThrottleLimit,
    /// What a new password must satisfy at signup, change and reset. Defaults to
    /// [`PasswordPolicy::default`] (NIST SP 800-63B).
    pub password_policy: PasswordPolicy,
    /// How long a password-reset link works. Defaults to 30 minutes.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::config_serde::duration")
    )]
    pub password_reset_ttl: Duration,
    /// After a password-reset link was issued for an address, further requests for it
    /// within this time issue and mail nothing (and answer the same `Ok`), so that nobody
    /// can keep the owner's live link dead by asking again and again (a new link voids the
    /// older one). Defaults to 15 minutes — half the link's lifetime, so the link the owner
    /// receives keeps working at least that long; someone who lost the mail asks again once
    /// it has passed. Zero turns the cooldown off.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::config_serde::duration")
    )]
    pub password_reset_cooldown: Duration,
    /// Limits of the unauthenticated endpoints (signup, password forgot and reset, email
    /// verification, refresh, OAuth token, social-login start), per client network. On by
    /// default; see [`EndpointLimits`] for the defaults and why.
    pub endpoint_limits: EndpointLimits,
    /// What signup answers for an address that has an account. Defaults to
    /// [`SignupMode::RevealTaken`] (409 `email_taken`, then signed in at once) — see
    /// [`SignupMode`] for why, and for the enumeration-safe mode.
    pub signup_mode: SignupMode,
    /// How long an email-verification link works. Defaults to 24 hours.
    #[cfg_attr(
        feature = "serde",
        serde(deserialize_with = "crate::config_serde::duration")
    )]
    pub email_verification_ttl: Duration,
    /// At social login, link a new provider identity to the existing account with the same
    /// email — only when the provider asserts that email as verified; an unverified email is
    /// never linked. When `false`, such a login is refused with
    /// [`AuthError::EmailTaken`](super::AuthError::EmailTaken) and the user links the
    /// provider from their account instead. Defaults to `true`.
    pub link_social_by_verified_email: bool,
    /// Answer a correct password for a disabled account with
    /// [`AuthError::InvalidCredentials`](super::AuthError::InvalidCredentials), exactly as a
    /// wrong password, so that login does not reveal which accounts exist or are disabled.
    /// When `false`, it is answered with
    /// [`AuthError::AccountDisabled`](super::AuthError::AccountDisabled) (only after the
    /// password verified). Defaults to `true`.
    pub hide_inactive_accounts: bool,
    /// The `acr` (authentication context class) sessions get: a host-defined value for a
    /// sign-in with one kind of factor and one for a multi-factor sign-in (`amr` has `mfa`).
    /// Defaults to none: tokens carry no `acr`.
    pub acr: AcrLevels,
}

/// The `acr` values of [`AuthConfig::acr`]: which class a sign-in satisfied, by whether it
/// was multi-factor. Use URIs or short names your clients and guards agree on (say
/// `urn:example:loa:1` / `urn:example:loa:2`); guards check them with
/// `Requirement::AcrOneOf`, clients request them with `acr_values`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
#[non_exhaustive]
pub struct AcrLevels {
    /// The `acr` of a sign-in with one kind of factor (a password; a social login).
    pub single_factor: Option<String>,
    /// The `acr` of a multi-factor sign-in (password + TOTP, a passkey with user
    /// verification).
    pub multi_factor: Option<String>,
}

impl AcrLevels {
    /// Levels naming `single_factor` and `multi_factor`.
    pub fn new(single_factor: impl Into<String>, multi_factor: impl Into<String>) -> Self {
        Self {
            single_factor: Some(single_factor.into()),
            multi_factor: Some(multi_factor.into()),
        }
    }

    /// The `acr` of a sign-in whose `amr` is `amr`.
    pub fn for_amr(&self, amr: &[String]) -> Option<String> {
        if amr.iter().any(|method| method == "mfa") {
            self.multi_factor.clone()
        } else {
            self.single_factor.clone()
        }
    }
}

impl AuthConfig {
    /// The default absolute session lifetime: 30 days.
    pub const DEFAULT_REFRESH_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
    /// The default idle timeout: 14 days.
    pub const DEFAULT_SESSION_IDLE_TIMEOUT: Duration = Duration::from_secs(14 * 24 * 3600);
    /// The default reuse grace window: 5 seconds.
    pub const DEFAULT_REFRESH_REUSE_GRACE: Duration = Duration::from_secs(5);
    /// The default per-account limit: 5 failures in 15 minutes.
    pub const DEFAULT_ACCOUNT_THROTTLE: ThrottleLimit =
        ThrottleLimit::new(5, Duration::from_secs(15 * 60));
    /// The default account-wide ceiling: 50 attempts in 15 minutes.
    pub const DEFAULT_ACCOUNT_CEILING: ThrottleLimit =
        ThrottleLimit::new(50, Duration::from_secs(15 * 60));
    /// The default per-IP limit: 20 failures in 15 minutes.
    pub const DEFAULT_IP_THROTTLE: ThrottleLimit =
        ThrottleLimit::new(20, Duration::from_secs(15 * 60));
    /// The default reset-link lifetime: 30 minutes.
    pub const DEFAULT_PASSWORD_RESET_TTL: Duration = Duration::from_secs(30 * 60);
    /// The default reset cooldown: 15 minutes.
    pub const DEFAULT_PASSWORD_RESET_COOLDOWN: Duration = Duration::from_secs(15 * 60);
    /// The default verification-link lifetime: 24 hours.
    pub const DEFAULT_EMAIL_VERIFICATION_TTL: Duration = Duration::from_secs(24 * 3600);
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            refresh_token_lifetime: Self::DEFAULT_REFRESH_TOKEN_LIFETIME,
            session_idle_timeout: Self::DEFAULT_SESSION_IDLE_TIMEOUT,
            refresh_reuse_grace: Self::DEFAULT_REFRESH_REUSE_GRACE,
            account_throttle: Self::DEFAULT_ACCOUNT_THROTTLE,
            account_ceiling: Self::DEFAULT_ACCOUNT_CEILING,
            ip_throttle: Self::DEFAULT_IP_THROTTLE,
            password_policy: PasswordPolicy::default(),
            password_reset_ttl: Self::DEFAULT_PASSWORD_RESET_TTL,
            password_reset_cooldown: Self::DEFAULT_PASSWORD_RESET_COOLDOWN,
            endpoint_limits: EndpointLimits::default(),
            signup_mode: SignupMode::default(),
            email_verification_ttl: Self::DEFAULT_EMAIL_VERIFICATION_TTL,
            link_social_by_verified_email: true,
            hide_inactive_accounts: true,
            acr: AcrLevels::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let config = AuthConfig::default();
        assert_eq!(
            config.refresh_token_lifetime,
            Duration::from_secs(2_592_000)
        );
        assert_eq!(config.session_idle_timeout, Duration::from_secs(1_209_600));
        assert_eq!(config.refresh_reuse_grace, Duration::from_secs(5));
        assert_eq!(
            config.account_throttle,
            ThrottleLimit::new(5, Duration::from_secs(900))
        );
        assert_eq!(
            config.account_ceiling,
            ThrottleLimit::new(50, Duration::from_secs(900))
        );
        assert_eq!(
            config.ip_throttle,
            ThrottleLimit::new(20, Duration::from_secs(900))
        );
        assert_eq!(config.password_policy, PasswordPolicy::default());
        assert_eq!(config.password_reset_ttl, Duration::from_secs(1800));
        assert_eq!(config.password_reset_cooldown, Duration::from_secs(900));
        assert_eq!(config.endpoint_limits, EndpointLimits::default());
        assert_eq!(config.signup_mode, SignupMode::RevealTaken);
        assert_eq!(config.email_verification_ttl, Duration::from_secs(86_400));
        assert!(config.link_social_by_verified_email);
        assert!(config.hide_inactive_accounts);
    }
}
