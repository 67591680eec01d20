//! The storage contract: small async traits that every backend implements, the records they
//! keep, and in-memory implementations.
//!
//! | trait | keeps | must be atomic |
//! |---|---|---|
//! | [`UserStore`] | accounts | unique email/username on insert and update; exact-match lookups; column-scoped [`UserStore::update_user_fields`] |
//! | [`IdentityStore`] | provider links | unique `(provider, subject)` |
//! | [`SessionStore`] | sessions + refresh tokens | [`SessionStore::rotate_refresh_token`]: one conditional write |
//! | [`RevocationStore`] | revoked access-token `jti`s | — |
//! | [`TokenStatusStore`] (optional) | — (reads the three above in one call) | — |
//! | [`OneTimeTokenStore`] | reset / verification / login codes | consume once; a new token voids older ones |
//! | [`ThrottleStore`] | attempts per key and window | N concurrent reservations grant at most `max` |
//! | [`CounterStore`] | rate-limit and quota counters | [`CounterStore::add`]: N concurrent additions stay within the limit |
//! | [`AuditStore`] | security events | — |
//! | [`OAuthClientStore`] | registered OAuth clients | unique `client_id` |
//! | [`AuthorizationCodeStore`] | authorization codes | [`AuthorizationCodeStore::redeem_authorization_code`]: once |
//! | [`ConsentStore`] | consents (user, client → scopes) | — |
//! | [`OAuthGrantStore`] | the client and scope behind an OAuth session | unique session |
//! | [`PendingLoginStore`] | social logins between start and callback | [`PendingLoginStore::take_pending_login`]: once |
//! | [`SecondFactorStore`] | a user's TOTP record (secret encrypted) and recovery codes (hashed) | [`SecondFactorStore::use_totp_step`]: one conditional write; [`SecondFactorStore::use_recovery_code`]: once |
//! | [`CeremonyStore`] | passkey and second-factor ceremonies between start and finish | [`CeremonyStore::take_ceremony`]: once, for the purpose named (another purpose is consumed and refused) |
//! | [`PasskeyStore`] | passkeys (WebAuthn credentials) | unique credential id across all users; rename and delete only the owner's (the last-way-in rule is the flow's) |
//!
//! All traits are object-safe (`#[async_trait]`), `Send + Sync`, and return [`StoreError`]:
//! "not found" is `Ok(None)`/`Ok(false)`, and `Err` means a conflict or a backend failure,
//! which the flows treat as "refuse". Times are passed in, never read from the system clock,
//! so stores stay deterministic under test.

mod audit;
mod ceremonies;
mod ceremony_records;
mod counters;
mod error;
mod identities;
pub mod memory;
mod oauth;
mod oauth_records;
mod one_time;
mod passkeys;
mod pending_logins;
mod pending_records;
mod records;
mod revocations;
mod second_factor_records;
mod second_factors;
#[cfg(feature = "serde")]
mod serde_names;
mod sessions;
mod throttle;
mod token_status;
mod user_update;
mod users;

pub use audit::AuditStore;
pub use ceremonies::CeremonyStore;
pub use ceremony_records::{Ceremony, CeremonyPurpose, CeremonyToken};
pub use counters::{Count, CounterStore};
pub use error::StoreError;
pub use identities::IdentityStore;
pub use oauth::{AuthorizationCodeStore, ConsentStore, OAuthClientStore, OAuthGrantStore};
pub use oauth_records::{
    AuthorizationCode, ClientType, CodeRedemption, Consent, GrantType, OAuthClient, OAuthGrant,
};
pub use one_time::OneTimeTokenStore;
pub use passkeys::{PasskeyRecord, PasskeyStore};
pub use pending_logins::PendingLoginStore;
pub use pending_records::{PendingLogin, SecretHash, SecretValue};
pub use records::{
    Assurance, AuditEvent, AuditKind, OneTimePurpose, OneTimeToken, ProviderIdentity,
    RefreshTokenRecord, RevokeReason, RevokedAccessToken, Session, SessionId, SessionKind, User,
    UserId, normalize_email, username_key,
};
pub use revocations::RevocationStore;
pub use second_factor_records::TotpRecord;
pub use second_factors::SecondFactorStore;
pub use sessions::{Rotation, SessionStore};
pub use throttle::{Reservation, ThrottleStore};
pub use token_status::{
    SeparateTokenStatus, SessionStatus, SplitTokenStatus, TokenStatus, TokenStatusQuery,
    TokenStatusStore, UserStatus,
};
pub use user_update::UserUpdate;
pub use users::UserStore;
