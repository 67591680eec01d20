//! Telling the other instances of a service to drop cached revocation answers.
//!
//! Each process's [`RevocationChecker`](super::RevocationChecker) caches "still live" answers
//! for up to [`max_staleness`](super::RevocationConfig::max_staleness). A logout served by one
//! instance drops that instance's entries at once; an [`InvalidationBroadcast`] carries the
//! same [`Invalidation`] to every other instance (auth-storage-redis's `RedisInvalidation`
//! does it over Redis publish/subscribe), whose checkers apply it with
//! [`RevocationChecker::apply_remote`](super::RevocationChecker::apply_remote). Hosts can then
//! cache for seconds and still see a logout everywhere at once.

use std::fmt::Debug;

use crate::store::{SessionId, UserId};

/// What cached revocation answers to drop. Carries identifiers only, never a token: a
/// broadcast channel is readable by every instance (and whoever else can read it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Invalidation {
    /// One session ended (logout, ended by its user, refresh-token reuse).
    Session(SessionId),
    /// Everything about one user: their account state and every session of theirs (log out
    /// everywhere, a password change, a disable).
    User(UserId),
    /// One access token revoked by its `jti` (RFC 7009).
    AccessToken(String),
    /// Everything (a change whose user is unknown, such as a password reset by link).
    All,
}

/// Carries an [`Invalidation`] made on this instance to the others.
///
/// [`publish`](Self::publish) must not block and must not fail the caller: it runs inside
/// request handlers right after a revocation was stored. An implementation queues the message
/// (bounded) and sends it in the background; a message it cannot send is logged. Losing one
/// only delays that revocation on other instances to their `max_staleness`, because the
/// stores stay the source of truth.
pub trait InvalidationBroadcast: Debug + Send + Sync {
    /// Queues `invalidation` for every other instance.
    fn publish(&self, invalidation: &Invalidation);
}
