//! The rules every session follows, each written once and used by the first-party flows
//! ([`AuthService`](crate::flows::AuthService)) and the authorization server
//! ([`OAuthServer`](crate::oauth_server::OAuthServer)) alike:
//!
//! * [`start`] — a session of a [`SessionKind`](crate::store::SessionKind) with its first
//!   refresh token (256 random bits, stored as SHA-256).
//! * [`refresh`] — one atomic rotation of a refresh token **of the kind the caller accepts**,
//!   with reuse detection and the grace window; a token of another kind is unknown.
//! * [`standing`] — may this user still use this session: the session is live, the account
//!   exists and is active, and no user-wide cut-off came after the sign-in.
//!
//! A second copy of any of these is how seams open (a consumer that forgets the kind, a flow
//! that forgets the cut-off), so new flows call these instead of the stores directly.

mod refresh;
mod rules;
mod standing;
mod start;

pub(crate) use refresh::{Refresh, refresh};
pub(crate) use rules::{SessionError, SessionRules};
pub(crate) use standing::{Refusal, standing, user_standing};
pub(crate) use start::{NewSession, Started, start};
