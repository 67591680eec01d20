//! The authentication flows: what a service does at signup, login, refresh, logout, in the
//! session list, at password change and reset, email verification, social login, and when
//! linking providers — orchestrated by [`AuthService`] over the [`store`](crate::store)
//! traits.
//!
//! | concern | methods | file |
//! |---|---|---|
//! | accounts, password login | [`signup`](AuthService::signup), [`signup_with`](AuthService::signup_with), [`register`](AuthService::register), [`login`](AuthService::login), [`change_password`](AuthService::change_password), [`me`](AuthService::me) | `signup_login.rs` |
//! | login from the owner's device | [`login_on_device`](AuthService::login_on_device) | `owner_device.rs` |
//! | endpoint limits | [`reserve_endpoint`](AuthService::reserve_endpoint), [`EndpointLimits`] | `limits.rs` |
//! | refresh rotation | [`refresh`](AuthService::refresh) | `refresh.rs` |
//! | sessions | [`logout`](AuthService::logout), [`logout_all`](AuthService::logout_all), [`list_sessions`](AuthService::list_sessions), [`end_session`](AuthService::end_session) | `sessions.rs` |
//! | password reset | [`request_password_reset`](AuthService::request_password_reset), [`reset_password`](AuthService::reset_password) | `password_reset.rs` |
//! | email verification | [`request_email_verification`](AuthService::request_email_verification), [`verify_email`](AuthService::verify_email) | `email_verification.rs` |
//! | passkeys (feature `passkey`) | `start_passkey_registration`, `finish_passkey_registration`, `passkeys`, `rename_passkey`, `remove_passkey`, `start_passkey_login`, `finish_passkey_login`, `start_passkey_signup`, `finish_passkey_signup` | `passkeys.rs` |
//! | social login | [`complete_social_login`](AuthService::complete_social_login), [`link_identity`](AuthService::link_identity), [`unlink_identity`](AuthService::unlink_identity), [`identities`](AuthService::identities) | `social.rs` |
//!
//! Guarantees every flow keeps:
//!
//! * **No account enumeration.** An unknown login name, a wrong password, an account
//!   without a password and (by default) a disabled account give the same
//!   [`AuthError::InvalidCredentials`], after the same amount of hashing (a dummy hash for
//!   unknown accounts), the same throttling and the same audit shape. A reset request answers
//!   `Ok` whether or not the address has an account. Signup reveals a taken address (409)
//!   unless [`AuthConfig::signup_mode`] is [`SignupMode::EnumerationSafe`].
//! * **Throttling, never lock-out, counted before the check.** Every password attempt first
//!   reserves a slot — atomically, in the [`ThrottleStore`](crate::store::ThrottleStore) — on
//!   three gates: the account from this client network
//!   ([`AuthConfig::account_throttle`], 5 / 15 min), the account from anywhere
//!   ([`AuthConfig::account_ceiling`], 50 / 15 min) and the client network
//!   ([`AuthConfig::ip_throttle`]); IPv6 clients count by /64. N concurrent guesses get at
//!   most the limit of real password checks; strangers failing from other networks do not
//!   lock the owner out below the ceiling, and a device holding a live session of the
//!   account is not counted on the ceiling at all
//!   ([`login_on_device`](AuthService::login_on_device)). A failure keeps its
//!   reservations; a success clears its network's count and gives the others back. Every
//!   gate lifts by itself when its window passes.
//! * **Every unauthenticated endpoint is limited**, per client network, before its work
//!   ([`AuthConfig::endpoint_limits`]): signup, password forgot (also per address) and
//!   reset, email verification, refresh — and, through
//!   [`reserve_endpoint`](AuthService::reserve_endpoint), the OAuth token endpoint and the
//!   start of a social login. Refused: [`AuthError::Throttled`] (429, `Retry-After`).
//! * **Forgot-password is no oracle and cannot keep a link dead.** It answers after the
//!   same work for every address and delivers in the background; within
//!   [`AuthConfig::password_reset_cooldown`] of a link, no new one is issued.
//! * **Fail closed.** A store error refuses the operation ([`AuthError::Store`]); it is never
//!   read as "not revoked" or "no failures".
//! * **Secrets stay secret.** Passwords travel as [`Password`](crate::password::Password),
//!   hashed on a low-priority hashing pool; refresh and one-time tokens are stored only as hashes;
//!   one-time tokens go only to the [`Mailer`]; tracing fields carry ids, never secrets.
//! * **Column-scoped writes.** A flow writes only the account columns it means to change
//!   ([`UserUpdate`](crate::store::UserUpdate)), so a concurrent disable, role removal or
//!   cut-off made while it was hashing is never undone; the cut-off only moves forward.
//! * **No account on an unproven address.** Social login never creates an account under an
//!   email its provider did not verify, and when the owner of an account's email proves it
//!   (password reset, verification link), provider identities attached before without that
//!   proof are unlinked (pre-account takeover; see
//!   [`complete_social_login`](AuthService::complete_social_login)).
//! * **Everything is audited** to the [`AuditStore`](crate::store::AuditStore), with IP and
//!   user agent where there is a client.
//!
//! ```
//! use std::sync::Arc;
//! use auth_core::flows::{AuthConfig, AuthService, ClientInfo, RecordingMailer, Stores};
//! use auth_core::password::{Password, PasswordHasher};
//! use auth_core::token::{AccessTokenIssuer, Algorithm, IssuerConfig, KeySet, SigningKey};
//! use auth_core::{Clock, SystemClock};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let clock: Arc<dyn Clock> = Arc::new(SystemClock);
//! let keys = KeySet::new(SigningKey::generate_hmac("k1", Algorithm::HS256)?);
//! let issuer = AccessTokenIssuer::with_clock(
//!     IssuerConfig::new("https://auth.example", "api"), &keys, clock.clone());
//! # let hasher = PasswordHasher::insecure_fast_for_tests();
//! // let hasher = PasswordHasher::default();
//! let auth = AuthService::new(
//!     AuthConfig::default(),
//!     Stores::in_memory(),
//!     issuer,
//!     hasher,
//!     clock,
//!     Arc::new(RecordingMailer::default()), // your Mailer in production
//! );
//!
//! let client = ClientInfo::default().ip("203.0.113.7").user_agent("example/1.0");
//! let (user, _first) =
//!     auth.signup("kim@example.com", Password::from("mauve-tulip-orbit-42"), &client).await?;
//! let pair = auth.login("KIM@example.com", Password::from("mauve-tulip-orbit-42"), &client).await?;
//! let next = auth.refresh(pair.refresh_token.secret(), &client).await?;
//! auth.logout(next.session_id).await?;
//! assert_eq!(auth.list_sessions(user.id).await?.len(), 1); // the signup's session
//! # Ok(())
//! # }
//! ```

mod access;
mod account;
mod authorization_server;
mod builder;
mod config;
mod email_verification;
mod error;
mod from_env;
mod limits;
mod mailer;
mod owner_device;
mod ownership;
#[cfg(feature = "passkey")]
mod passkeys;
mod password_reset;
mod refresh;
mod second_factor;
mod service;
mod sessions;
mod sign_in;
mod signup_login;
mod social;
mod step_up;
mod types;
mod undo_signup;

pub use builder::{AuthServiceBuilder, BuildError};
pub use config::{AcrLevels, AuthConfig, SignupMode, ThrottleLimit};
pub use error::{AuthError, MailError};
pub use limits::{Endpoint, EndpointLimits, RouteLimit};
pub use mailer::{LogMailer, MailKind, Mailer, RecordingMailer, SentMail};
#[cfg(feature = "passkey")]
pub use passkeys::{DEFAULT_PASSKEY_NAME, PasskeyChallenge};
pub use second_factor::{
    SecondFactorChallenge, SecondFactorMethod, SecondFactorProof, SecondFactorSetup,
    SecondFactorStatus,
};
pub use service::{AuthService, Stores, client_network, client_network_prefix};
pub use sign_in::AuthorizationServerSignIn;
pub use types::{ClientInfo, SignupOutcome, SignupRequest, SocialProfile, TokenPair};

#[cfg(test)]
mod test_support;
