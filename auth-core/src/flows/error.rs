//! [`AuthError`]: why a flow refused, and how that maps to HTTP.

use std::time::Duration;

use crate::error::{BearerErrorCode, ToBearerError};
use crate::password::{PasswordError, PolicyError};
use crate::store::StoreError;
use crate::token::TokenError;

/// Why a flow of [`AuthService`](super::AuthService) refused or failed.
///
/// Client-visible texts (`Display`) never say whether an account exists: an unknown login
/// name, a wrong password and (with
/// [`AuthConfig::hide_inactive_accounts`](super::AuthConfig::hide_inactive_accounts)) a
/// disabled account all produce the very same [`AuthError::InvalidCredentials`]. They never
/// contain a password, token or hash either. Infrastructure failures ([`Store`](Self::Store),
/// [`Password`](Self::Password), [`Token`](Self::Token), [`Mail`](Self::Mail),
/// [`Random`](Self::Random)) are never confused with a refused credential: they answer 5xx,
/// and their cause is for logs, not for clients. A store that could not be reached in time
/// ([`StoreError::Unavailable`], see [`is_unavailable`](Self::is_unavailable)) answers 503
/// `temporarily_unavailable`, so hosts can add `Retry-After`; other failures 500.
///
/// [`status_code`](Self::status_code) and [`error_code`](Self::error_code) are the one
/// mapping to an HTTP response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Login with an unknown email or username, a wrong password, an account without a
    /// password (social-only), or — while
    /// [`hide_inactive_accounts`](super::AuthConfig::hide_inactive_accounts) is on — a
    /// disabled account; also a wrong current password at password change. All identical.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The account is disabled: at login only after the password verified and only when
    /// [`hide_inactive_accounts`](super::AuthConfig::hide_inactive_accounts) is off; at social
    /// login and for signed-in operations always.
    #[error("account disabled")]
    AccountDisabled,
    /// Too many recent attempts for this account from this network, for this account from
    /// everywhere, or from this network
    /// ([`AuthConfig::account_throttle`](super::AuthConfig::account_throttle),
    /// [`account_ceiling`](super::AuthConfig::account_ceiling),
    /// [`ip_throttle`](super::AuthConfig::ip_throttle)); the password was not checked.
    #[error("too many attempts; try again later")]
    Throttled {
        /// When the refusing gate's window closes and trying again will work (unless the
        /// window is filled again meanwhile). Send as `Retry-After`.
        retry_after: Duration,
    },
    /// The server is saturated with password hashing: the hashing pool's queue was full
    /// ([`PasswordError::Busy`]), so this login, signup or password change was refused at once
    /// without checking or hashing the password, and counts as no attempt. Answer `503
    /// Service Unavailable` with `Retry-After`; the client should try again after
    /// `retry_after`.
    #[error("the server is busy; try again shortly")]
    Busy {
        /// About how long the hashing queue needs to drain. Send as `Retry-After`.
        retry_after: Duration,
    },
    /// Signup with an email another account has (compared after normalization), or a social
    /// login whose verified email belongs to an account while
    /// [`link_social_by_verified_email`](super::AuthConfig::link_social_by_verified_email) is
    /// off.
    #[error("an account with this email already exists")]
    EmailTaken,
    /// Signup with a username another account has (compared case-insensitively).
    #[error("this username is taken")]
    UsernameTaken,
    /// Signup with something that is not an email address (no `@`, empty parts, spaces, or
    /// longer than 254 characters).
    #[error("invalid email address")]
    InvalidEmail,
    /// Signup with a username that is empty, longer than 64 characters, or contains `@`,
    /// whitespace or control characters (login reads anything with `@` as an email).
    #[error("invalid username")]
    InvalidUsername,
    /// The new password does not satisfy the
    /// [`password_policy`](super::AuthConfig::password_policy) (signup, change, reset).
    /// Carries the violations, which are safe to show.
    #[error(transparent)]
    WeakPassword(PolicyError),
    /// The refresh token is malformed, unknown, expired (absolute or idle), or its session is
    /// revoked or its user gone, disabled or cut off.
    #[error("invalid refresh token")]
    InvalidRefreshToken,
    /// The refresh token had already been exchanged, longer ago than
    /// [`refresh_reuse_grace`](super::AuthConfig::refresh_reuse_grace): a replay of a stolen
    /// token is assumed and the whole session is revoked (audit event `refresh_token_reuse`).
    /// The user must sign in again.
    #[error("refresh token reuse detected; the session has been ended")]
    RefreshTokenReused,
    /// The refresh token was exchanged moments ago (within
    /// [`refresh_reuse_grace`](super::AuthConfig::refresh_reuse_grace)), typically by a
    /// concurrent request of the same client. Nothing was revoked and nothing issued: the
    /// client should use the token pair that the other request received.
    #[error("refresh token was just rotated; use the newer token")]
    RefreshTokenRecentlyRotated,
    /// The session does not exist, is already ended, or belongs to another user (these are
    /// deliberately indistinguishable).
    #[error("session not found")]
    SessionNotFound,
    /// A password-reset or email-verification token that is malformed, unknown, used,
    /// expired, voided by a newer one, meant for another purpose, or whose account is gone
    /// or disabled.
    #[error("invalid or expired link")]
    InvalidOneTimeToken,
    /// Social login with an email that the provider does not assert as verified, whether or
    /// not an account has it (the same answer either way, so it reveals nothing): linking on
    /// it would let anyone who registers that address at a provider take over the account,
    /// and creating an account under it would be a pre-account takeover. Nothing is linked
    /// or created; the user can sign up with a password and link the provider from there.
    #[error("the provider has not verified this email address")]
    EmailNotVerifiedByProvider,
    /// Social login of a new user whose provider gave no email: an account is never created
    /// without one.
    #[error("the provider did not share an email address")]
    ProviderEmailMissing,
    /// A [`SocialProfile`](super::SocialProfile) without a provider name or subject (a bug in
    /// the provider client, never the user's doing).
    #[error("invalid provider profile")]
    InvalidSocialProfile,
    /// Linking a provider identity that is already linked to another account.
    #[error("this provider account is linked to another account")]
    IdentityInUse,
    /// Unlinking a provider identity that is not linked to this user.
    #[error("identity not found")]
    IdentityNotFound,
    /// Unlinking the user's only provider identity while they have no password: they could
    /// never sign in again.
    #[error("cannot remove the last way to sign in")]
    LastSignInMethod,
    /// A role or permission given to
    /// [`AuthService::set_roles`](super::AuthService::set_roles) or
    /// [`set_permissions`](super::AuthService::set_permissions) is empty, longer than 64
    /// characters, or holds characters other than ASCII letters, digits and `: _ . - /`.
    #[error("role and permission names are 1 to 64 of: letters, digits, ':', '_', '.', '-', '/'")]
    InvalidRoleName,
    /// A signed-in operation names a user that no longer exists (their access token outlived
    /// the account).
    #[error("user not found")]
    UserNotFound,
    /// A store failed. Treated as "refuse" (fail closed); the cause is for logs only. 503
    /// when the store could not be reached in time ([`StoreError::Unavailable`]), 500
    /// otherwise.
    #[error("storage failure")]
    Store(#[source] StoreError),
    /// Password hashing failed for a reason other than a wrong password (the hashing pool,
    /// a corrupt stored hash at password change, …).
    #[error("password hashing failure")]
    Password(#[source] PasswordError),
    /// An access token could not be issued (crypto backend, random generator).
    #[error("token issuing failure")]
    Token(#[source] TokenError),
    /// The [`Mailer`](super::Mailer) failed to accept an email-verification message. (Failures
    /// to send a password-reset message are logged, not returned: the answer must not reveal
    /// whether the account exists.)
    #[error("email delivery failure")]
    Mail(#[source] MailError),
    /// [`AuthService::signup_with`](super::AuthService::signup_with) (which signs in at
    /// once) was called while [`AuthConfig::signup_mode`](super::AuthConfig::signup_mode) is
    /// [`EnumerationSafe`](super::SignupMode::EnumerationSafe): a host bug, refused rather
    /// than answered in a way that reveals taken addresses. Call
    /// [`register`](super::AuthService::register), which honours the mode.
    #[error("signup entry point does not match the configured signup mode")]
    WrongSignupMode,
    /// The operating system's random number generator failed while making a token.
    #[error("random number generator failure")]
    Random,
    /// The password (or social login) was right and the account has a second factor: no
    /// tokens yet. Complete the login with
    /// [`AuthService::complete_second_factor`](super::AuthService::complete_second_factor)
    /// and the challenge carried here. HTTP 401 `second_factor_required`.
    #[error("a second factor is required")]
    SecondFactorRequired(Box<super::SecondFactorChallenge>),
    /// A login's second step failed: the challenge is unknown, expired or used, or the code
    /// is wrong, replayed or used (all alike). `retry` is a new challenge while the login has
    /// attempts left. HTTP 401 `invalid_second_factor`.
    #[error("invalid second factor")]
    InvalidSecondFactor {
        /// A challenge for the next try, if any is left.
        retry: Option<Box<super::SecondFactorChallenge>>,
    },
    /// The operation needs a sign-in at most `max_age` old (changing second factors): the
    /// user should re-authenticate. HTTP 401 `insufficient_user_authentication` (RFC 9470).
    #[error("a more recent sign-in is required")]
    ReauthenticationRequired {
        /// The oldest sign-in accepted.
        max_age: Duration,
    },
    /// A TOTP code given to confirm an enrolment is wrong, malformed or replayed. HTTP 400.
    #[error("invalid code")]
    InvalidCode,
    /// Enrolling TOTP while a confirmed one exists (remove it first), or confirming twice.
    /// HTTP 409.
    #[error("TOTP is already enrolled")]
    TotpAlreadyEnrolled,
    /// Confirming, removing or regenerating recovery codes without a (confirmed) TOTP.
    /// HTTP 409.
    #[error("TOTP is not enrolled")]
    TotpNotEnrolled,
    /// A feature the host did not configure (second factors, passkeys). HTTP 404.
    #[error("{0} are not enabled")]
    NotEnabled(&'static str),
    /// A TOTP secret could not be encrypted or decrypted (a changed encryption key, a
    /// tampered row). HTTP 500; the cause is logged.
    #[error("second-factor secret failure")]
    SecondFactorCrypto,
    /// A passkey ceremony failed: its token is unknown, expired, already used (a replay) or
    /// for another purpose, or the authenticator's answer was refused (another origin or RP
    /// id, a bad signature, an unknown credential, no user verification, a counter gone
    /// backwards, a credential already registered). One answer for all of these — the reason
    /// is logged at debug level; the client starts the ceremony again. HTTP 400
    /// `invalid_passkey`.
    #[error("passkey refused; start again")]
    InvalidPasskey,
    /// A passkey name that is empty, longer than 64 characters, or has control characters.
    /// HTTP 400 `invalid_passkey_name`.
    #[error("invalid passkey name")]
    InvalidPasskeyName,
    /// Renaming or removing a passkey the user does not have (another user's included).
    /// HTTP 404 `passkey_not_found`.
    #[error("passkey not found")]
    PasskeyNotFound,
    /// A passkey ceremony could not be started (webauthn-rs, randomness). HTTP 500; the
    /// cause is logged.
    #[error("passkey failure")]
    PasskeyFailure,
}

impl AuthError {
    /// The HTTP status to answer with.
    ///
    /// 400 for malformed or unacceptable input, 401 for refused credentials and tokens, 403
    /// for a disabled account or an unverified provider email, 404 for things not found, 409
    /// for conflicts, 429 for throttling, 503 when a store could not be reached in time
    /// ([`is_unavailable`](Self::is_unavailable)) or password hashing is at capacity
    /// ([`Busy`](Self::Busy)), 500 for other infrastructure failures.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Store(error) if error.is_unavailable() => 503,
            Self::InvalidEmail
            | Self::InvalidUsername
            | Self::WeakPassword(_)
            | Self::InvalidOneTimeToken
            | Self::ProviderEmailMissing
            | Self::InvalidSocialProfile
            | Self::InvalidRoleName
            | Self::InvalidCode
            | Self::InvalidPasskey
            | Self::InvalidPasskeyName => 400,
            Self::InvalidCredentials
            | Self::InvalidRefreshToken
            | Self::RefreshTokenReused
            | Self::UserNotFound
            | Self::SecondFactorRequired(_)
            | Self::InvalidSecondFactor { .. }
            | Self::ReauthenticationRequired { .. } => 401,
            Self::AccountDisabled | Self::EmailNotVerifiedByProvider => 403,
            Self::SessionNotFound
            | Self::IdentityNotFound
            | Self::NotEnabled(_)
            | Self::PasskeyNotFound => 404,
            Self::EmailTaken
            | Self::UsernameTaken
            | Self::RefreshTokenRecentlyRotated
            | Self::IdentityInUse
            | Self::LastSignInMethod
            | Self::TotpAlreadyEnrolled
            | Self::TotpNotEnrolled => 409,
            Self::Throttled { .. } => 429,
            Self::Busy { .. } => 503,
            Self::Store(_)
            | Self::Password(_)
            | Self::Token(_)
            | Self::Mail(_)
            | Self::WrongSignupMode
            | Self::Random
            | Self::SecondFactorCrypto
            | Self::PasskeyFailure => 500,
        }
    }

    /// A stable snake_case code for the `error` field of a JSON body, e.g.
    /// `"invalid_credentials"`. A store outage and [`Busy`](Self::Busy) (503) are
    /// `"temporarily_unavailable"` (the RFC 6749 code for it: the client can retry later);
    /// every other 5xx error has the same code, `"server_error"`.
    pub fn error_code(&self) -> &'static str {
        match self {
            Self::Store(error) if error.is_unavailable() => "temporarily_unavailable",
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountDisabled => "account_disabled",
            Self::Throttled { .. } => "too_many_attempts",
            Self::Busy { .. } => "temporarily_unavailable",
            Self::EmailTaken => "email_taken",
            Self::UsernameTaken => "username_taken",
            Self::InvalidEmail => "invalid_email",
            Self::InvalidUsername => "invalid_username",
            Self::WeakPassword(_) => "weak_password",
            Self::InvalidRefreshToken => "invalid_refresh_token",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::RefreshTokenRecentlyRotated => "refresh_token_recently_rotated",
            Self::SessionNotFound => "session_not_found",
            Self::InvalidOneTimeToken => "invalid_one_time_token",
            Self::EmailNotVerifiedByProvider => "email_not_verified_by_provider",
            Self::ProviderEmailMissing => "provider_email_missing",
            Self::InvalidSocialProfile => "invalid_social_profile",
            Self::IdentityInUse => "identity_in_use",
            Self::IdentityNotFound => "identity_not_found",
            Self::LastSignInMethod => "last_sign_in_method",
            Self::UserNotFound => "user_not_found",
            Self::InvalidRoleName => "invalid_role_name",
            Self::SecondFactorRequired(_) => "second_factor_required",
            Self::InvalidSecondFactor { .. } => "invalid_second_factor",
            Self::ReauthenticationRequired { .. } => "insufficient_user_authentication",
            Self::InvalidCode => "invalid_code",
            Self::TotpAlreadyEnrolled => "totp_already_enrolled",
            Self::TotpNotEnrolled => "totp_not_enrolled",
            Self::NotEnabled(_) => "not_enabled",
            Self::InvalidPasskey => "invalid_passkey",
            Self::InvalidPasskeyName => "invalid_passkey_name",
            Self::PasskeyNotFound => "passkey_not_found",
            Self::Store(_)
            | Self::Password(_)
            | Self::Token(_)
            | Self::Mail(_)
            | Self::WrongSignupMode
            | Self::Random
            | Self::SecondFactorCrypto
            | Self::PasskeyFailure => "server_error",
        }
    }

    /// Whether this is an infrastructure failure (5xx) rather than a refusal. [`Busy`](Self::Busy)
    /// answers 503 but is not one: nothing failed, the server is at capacity, and its text
    /// (which names no cause) may be shown to the client.
    pub fn is_server_error(&self) -> bool {
        self.status_code() >= 500 && !matches!(self, Self::Busy { .. })
    }

    /// Whether a store could not be reached in time ([`StoreError::Unavailable`]): a
    /// transient outage. Answer 503 with `Retry-After`; the client may try again.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Store(error) if error.is_unavailable())
    }
}

/// For endpoints that answer in RFC 6750 form: the status is always
/// [`AuthError::status_code`]; this gives the `error` code to go with it.
///
/// `None` exactly for the 5xx errors (as the trait asks); `invalid_token` for the 401 errors
/// (refused credentials, refresh tokens, and a token whose user is gone); `invalid_request`
/// for every other refusal.
impl ToBearerError for AuthError {
    fn bearer_error(&self) -> Option<BearerErrorCode> {
        match self.status_code() {
            500.. => None,
            _ if matches!(self, Self::ReauthenticationRequired { .. }) => {
                Some(BearerErrorCode::InsufficientUserAuthentication)
            }
            401 => Some(BearerErrorCode::InvalidToken),
            _ => Some(BearerErrorCode::InvalidRequest),
        }
    }
}

#[cfg(feature = "passkey")]
impl From<crate::passkey::PasskeyError> for AuthError {
    /// A ceremony or answer refused is [`AuthError::InvalidPasskey`] (the reason was logged
    /// where it was found); a bad name [`AuthError::InvalidPasskeyName`]; store failures stay
    /// store failures; the rest is [`AuthError::PasskeyFailure`].
    fn from(error: crate::passkey::PasskeyError) -> Self {
        use crate::passkey::PasskeyError;
        match error {
            PasskeyError::UnknownCeremony | PasskeyError::Rejected => Self::InvalidPasskey,
            PasskeyError::InvalidName => Self::InvalidPasskeyName,
            PasskeyError::Store(error) => Self::Store(error),
            other => {
                tracing::error!(error = %crate::ErrorChain::new(&other), "passkey failure");
                Self::PasskeyFailure
            }
        }
    }
}

impl From<StoreError> for AuthError {
    fn from(error: StoreError) -> Self {
        Self::Store(error)
    }
}

impl From<PasswordError> for AuthError {
    fn from(error: PasswordError) -> Self {
        match error {
            // Capacity, not a failure: the client may retry, so it gets its own variant.
            PasswordError::Busy { retry_after } => Self::Busy { retry_after },
            error => Self::Password(error),
        }
    }
}

impl From<TokenError> for AuthError {
    fn from(error: TokenError) -> Self {
        Self::Token(error)
    }
}

impl From<PolicyError> for AuthError {
    fn from(error: PolicyError) -> Self {
        Self::WeakPassword(error)
    }
}

impl From<MailError> for AuthError {
    fn from(error: MailError) -> Self {
        Self::Mail(error)
    }
}

/// A [`Mailer`](super::Mailer) could not accept a message. Wraps the host's own error; its
/// text is for logs only.
#[derive(Debug, thiserror::Error)]
#[error("mail could not be sent")]
pub struct MailError(#[source] Box<dyn std::error::Error + Send + Sync>);

impl MailError {
    /// Wraps the mail system's error.
    pub fn new(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(error.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_variant() -> Vec<AuthError> {
        vec![
            AuthError::InvalidCredentials,
            AuthError::AccountDisabled,
            AuthError::Throttled {
                retry_after: Duration::from_secs(60),
            },
            AuthError::Busy {
                retry_after: Duration::from_secs(2),
            },
            AuthError::EmailTaken,
            AuthError::UsernameTaken,
            AuthError::InvalidEmail,
            AuthError::InvalidUsername,
            AuthError::WeakPassword(PolicyError {
                violations: vec![crate::password::PolicyViolation::Common],
            }),
            AuthError::InvalidRefreshToken,
            AuthError::RefreshTokenReused,
            AuthError::RefreshTokenRecentlyRotated,
            AuthError::SessionNotFound,
            AuthError::InvalidOneTimeToken,
            AuthError::EmailNotVerifiedByProvider,
            AuthError::ProviderEmailMissing,
            AuthError::InvalidSocialProfile,
            AuthError::IdentityInUse,
            AuthError::IdentityNotFound,
            AuthError::LastSignInMethod,
            AuthError::UserNotFound,
            AuthError::InvalidSecondFactor { retry: None },
            AuthError::ReauthenticationRequired {
                max_age: Duration::from_secs(600),
            },
            AuthError::InvalidCode,
            AuthError::TotpAlreadyEnrolled,
            AuthError::TotpNotEnrolled,
            AuthError::NotEnabled("second factors"),
            AuthError::SecondFactorCrypto,
            AuthError::InvalidPasskey,
            AuthError::InvalidPasskeyName,
            AuthError::PasskeyNotFound,
            AuthError::PasskeyFailure,
            AuthError::Store(StoreError::Conflict("email")),
            AuthError::Store(StoreError::unavailable(std::io::Error::from(
                std::io::ErrorKind::ConnectionRefused,
            ))),
            AuthError::Password(PasswordError::Cancelled),
            AuthError::Token(TokenError::Random),
            AuthError::Mail(MailError::new("smtp down")),
            AuthError::Random,
        ]
    }

    #[test]
    fn bearer_code_agrees_with_status() {
        for error in every_variant() {
            let status = error.status_code();
            match error.bearer_error() {
                None => assert!(status >= 500, "{error:?}"),
                Some(BearerErrorCode::InvalidToken) => assert_eq!(status, 401, "{error:?}"),
                // RFC 9470 §3: a step-up challenge is a 401 of its own.
                Some(BearerErrorCode::InsufficientUserAuthentication) => {
                    assert_eq!(status, 401, "{error:?}");
                }
                Some(_) => assert!((400..500).contains(&status) && status != 401),
            }
            // A full hashing queue (`Busy`) is capacity, not a failure: 503 and
            // `temporarily_unavailable`, but neither a server error nor a store outage.
            let busy = matches!(error, AuthError::Busy { .. });
            assert_eq!(
                error.is_server_error(),
                !busy && ["server_error", "temporarily_unavailable"].contains(&error.error_code()),
                "{error:?}"
            );
            assert_eq!(error.is_unavailable(), status == 503 && !busy, "{error:?}");
        }
    }

    // Issue 14: a full hashing queue is capacity, not a fault — 503 with its own code, and
    // the retry delay travels from the hasher to the response.
    #[test]
    fn busy_hashing_is_503_temporarily_unavailable_with_its_delay() {
        let error = AuthError::from(PasswordError::Busy {
            retry_after: Duration::from_secs(3),
        });
        assert!(
            matches!(error, AuthError::Busy { retry_after } if retry_after == Duration::from_secs(3))
        );
        assert_eq!(error.status_code(), 503);
        assert_eq!(error.error_code(), "temporarily_unavailable");
        assert!(!error.is_server_error());
        assert_eq!(error.bearer_error(), None);
        // Other hashing failures stay opaque 500s.
        let other = AuthError::from(PasswordError::Cancelled);
        assert!(matches!(
            other,
            AuthError::Password(PasswordError::Cancelled)
        ));
        assert_eq!(other.status_code(), 500);
    }

    #[test]
    fn a_store_outage_is_503_temporarily_unavailable_and_other_store_failures_500() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let outage = AuthError::Store(StoreError::unavailable(refused));
        assert_eq!(
            (outage.status_code(), outage.error_code()),
            (503, "temporarily_unavailable")
        );
        assert!(outage.is_unavailable() && outage.is_server_error());
        let broken = AuthError::Store(StoreError::backend(std::fmt::Error));
        assert_eq!(
            (broken.status_code(), broken.error_code()),
            (500, "server_error")
        );
        assert!(!broken.is_unavailable());
    }

    #[test]
    fn server_errors_do_not_show_their_cause() {
        let store = AuthError::Store(StoreError::Conflict("email"));
        assert_eq!(store.to_string(), "storage failure");
        let mail = AuthError::Mail(MailError::new("smtp.internal:25 refused"));
        assert!(!mail.to_string().contains("smtp"));
    }
}
