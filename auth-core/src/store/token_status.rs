//! The revocation check's reads — a token's user, its session and its `jti` — in one call.
//!
//! [`RevocationChecker`](crate::revocation::RevocationChecker) asks three questions about every
//! verified access token it has not cached: is the user active and not cut off, is the session
//! live, is the `jti` on the denylist. Asked of three stores that is three round trips per
//! request (with the cache off, every request). A store that keeps all three answers — a SQL
//! store with the users, sessions and denylist tables — implements [`TokenStatusStore`] to
//! answer them together in one query; the checker built with
//! [`RevocationChecker::from_store`](crate::revocation::RevocationChecker::from_store) then
//! makes one round trip per uncached token.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;

use super::{
    RevocationStore, Session, SessionId, SessionKind, SessionStore, StoreError, User, UserId,
    UserStore,
};

/// Which parts of a [`TokenStatus`] to read. `None` parts are not asked (the caller has them
/// cached, or the token names no session or `jti`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenStatusQuery<'a> {
    /// The token's `sub`: read the user's [`UserStatus`].
    pub user: Option<UserId>,
    /// The token's `sid`: read the session's [`SessionStatus`].
    pub session: Option<SessionId>,
    /// The token's `jti`: read whether it is on the denylist.
    pub jti: Option<&'a str>,
}

impl<'a> TokenStatusQuery<'a> {
    /// A query that asks nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also reads user `id`.
    pub fn user(mut self, id: UserId) -> Self {
        self.user = Some(id);
        self
    }

    /// Also reads session `id`.
    pub fn session(mut self, id: SessionId) -> Self {
        self.session = Some(id);
        self
    }

    /// Also reads whether `jti` is revoked.
    pub fn jti(mut self, jti: &'a str) -> Self {
        self.jti = Some(jti);
        self
    }

    /// Whether the query asks anything at all.
    pub fn is_empty(&self) -> bool {
        self.user.is_none() && self.session.is_none() && self.jti.is_none()
    }
}

/// What a store knows about one access token's standing: the answer to a [`TokenStatusQuery`].
/// Parts the query did not ask are `None` / `false`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenStatus {
    /// The user, if asked and it exists.
    pub user: Option<UserStatus>,
    /// The session, if asked and it exists (live, ended or revoked alike).
    pub session: Option<SessionStatus>,
    /// Whether the asked `jti` is on the denylist.
    pub access_token_revoked: bool,
}

impl TokenStatus {
    /// A status with the given parts (for store implementations).
    pub fn new(
        user: Option<UserStatus>,
        session: Option<SessionStatus>,
        access_token_revoked: bool,
    ) -> Self {
        Self {
            user,
            session,
            access_token_revoked,
        }
    }
}

/// The parts of a [`User`](super::User) the revocation check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserStatus {
    /// [`User::active`](super::User::active).
    pub active: bool,
    /// [`User::tokens_valid_after`](super::User::tokens_valid_after).
    pub tokens_valid_after: Option<SystemTime>,
}

impl UserStatus {
    /// A user status (for store implementations).
    pub fn new(active: bool, tokens_valid_after: Option<SystemTime>) -> Self {
        Self {
            active,
            tokens_valid_after,
        }
    }
}

impl From<&User> for UserStatus {
    fn from(user: &User) -> Self {
        Self::new(user.active, user.tokens_valid_after)
    }
}

/// The parts of a [`Session`](super::Session) the revocation check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionStatus {
    /// [`Session::user_id`](super::Session::user_id).
    pub user_id: UserId,
    /// [`Session::kind`](super::Session::kind).
    pub kind: SessionKind,
    /// [`Session::expires_at`](super::Session::expires_at).
    pub expires_at: SystemTime,
    /// Whether [`Session::revoked_at`](super::Session::revoked_at) is set.
    pub revoked: bool,
}

impl SessionStatus {
    /// A session status (for store implementations).
    pub fn new(user_id: UserId, kind: SessionKind, expires_at: SystemTime, revoked: bool) -> Self {
        Self {
            user_id,
            kind,
            expires_at,
            revoked,
        }
    }
}

impl From<&Session> for SessionStatus {
    fn from(session: &Session) -> Self {
        Self::new(
            session.user_id,
            session.kind,
            session.expires_at,
            session.revoked_at.is_some(),
        )
    }
}

/// Answers a [`TokenStatusQuery`] in one call: the revocation check's three reads together.
///
/// Must answer exactly what the separate reads would — [`UserStore::user_by_id`],
/// [`SessionStore::session`] and [`RevocationStore::is_access_token_revoked`] — for the parts
/// asked, and read nothing else. Not finding a user or session is `None`, never an error.
/// auth-core's conformance kit checks this (`testkit::token_status_store_conformance`).
///
/// [`UserStore::user_by_id`]: super::UserStore::user_by_id
/// [`SessionStore::session`]: super::SessionStore::session
/// [`RevocationStore::is_access_token_revoked`]: super::RevocationStore::is_access_token_revoked
#[async_trait]
pub trait TokenStatusStore: Send + Sync {
    /// The parts of the token's standing that `query` asks for.
    async fn token_status(&self, query: &TokenStatusQuery<'_>) -> Result<TokenStatus, StoreError>;
}

/// A [`TokenStatusStore`] over three separate stores: one read per asked part (user, then
/// session, then `jti`). What [`RevocationChecker::new`](crate::revocation::RevocationChecker::new)
/// uses; for stores that cannot answer the three together, e.g. users and sessions in SQL and
/// the denylist in Redis.
#[derive(Clone)]
pub struct SeparateTokenStatus {
    users: Arc<dyn UserStore>,
    sessions: Arc<dyn SessionStore>,
    revocations: Arc<dyn RevocationStore>,
}

impl SeparateTokenStatus {
    /// Reads users from `users`, sessions from `sessions` and the denylist from `revocations`.
    pub fn new(
        users: Arc<dyn UserStore>,
        sessions: Arc<dyn SessionStore>,
        revocations: Arc<dyn RevocationStore>,
    ) -> Self {
        Self {
            users,
            sessions,
            revocations,
        }
    }
}

impl fmt::Debug for SeparateTokenStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeparateTokenStatus")
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl TokenStatusStore for SeparateTokenStatus {
    async fn token_status(&self, query: &TokenStatusQuery<'_>) -> Result<TokenStatus, StoreError> {
        // Every asked part is read, even after one that will refuse the token: the caller
        // caches each answer, so none may be skipped.
        let user = match query.user {
            Some(id) => self
                .users
                .user_by_id(id)
                .await?
                .as_ref()
                .map(UserStatus::from),
            None => None,
        };
        let session = match query.session {
            Some(id) => self
                .sessions
                .session(id)
                .await?
                .as_ref()
                .map(SessionStatus::from),
            None => None,
        };
        let revoked = match query.jti {
            Some(jti) => self.revocations.is_access_token_revoked(jti).await?,
            None => false,
        };
        Ok(TokenStatus::new(user, session, revoked))
    }
}

/// A [`TokenStatusStore`] for a denylist kept apart from the accounts: the user and the
/// session from `accounts` in one call, the `jti` from `revocations` — two round trips
/// instead of three, e.g. auth-storage-seaorm for accounts and auth-storage-redis for the
/// denylist.
#[derive(Clone)]
pub struct SplitTokenStatus {
    accounts: Arc<dyn TokenStatusStore>,
    revocations: Arc<dyn RevocationStore>,
}

impl SplitTokenStatus {
    /// Users and sessions from `accounts` (asked nothing about `jti`s), the denylist from
    /// `revocations`.
    pub fn new(accounts: Arc<dyn TokenStatusStore>, revocations: Arc<dyn RevocationStore>) -> Self {
        Self {
            accounts,
            revocations,
        }
    }
}

impl fmt::Debug for SplitTokenStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SplitTokenStatus").finish_non_exhaustive()
    }
}

#[async_trait]
impl TokenStatusStore for SplitTokenStatus {
    async fn token_status(&self, query: &TokenStatusQuery<'_>) -> Result<TokenStatus, StoreError> {
        let accounts_query = TokenStatusQuery {
            jti: None,
            ..*query
        };
        let accounts = if accounts_query.is_empty() {
            TokenStatus::default()
        } else {
            self.accounts.token_status(&accounts_query).await?
        };
        let revoked = match query.jti {
            Some(jti) => self.revocations.is_access_token_revoked(jti).await?,
            None => false,
        };
        Ok(TokenStatus::new(accounts.user, accounts.session, revoked))
    }
}
