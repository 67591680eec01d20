//! The records the stores keep. Plain data: the flows decide what they mean.
//!
//! The structs are deliberately not `#[non_exhaustive]`: storage backends in other crates
//! build them field by field from rows.
//!
//! One file per record family: [`ids`] (user and session ids), [`users`] (accounts and the
//! keys they are unique by), [`identities`] (linked provider accounts), [`sessions`]
//! (sessions, their kinds, revocation reasons and refresh tokens), [`one_time`] (reset,
//! verification and login-code tokens), [`audit`] (the audit trail) and [`revocations`]
//! (revoked access tokens). The OAuth authorization server's records are in
//! [`oauth_records`](super::oauth_records).

mod audit;
mod identities;
mod ids;
mod one_time;
mod revocations;
mod sessions;
mod users;

pub use audit::{AuditEvent, AuditKind};
pub use identities::ProviderIdentity;
pub use ids::{SessionId, UserId};
pub use one_time::{OneTimePurpose, OneTimeToken};
pub use revocations::RevokedAccessToken;
pub use sessions::{Assurance, RefreshTokenRecord, RevokeReason, Session, SessionKind};
pub use users::{User, normalize_email, username_key};
