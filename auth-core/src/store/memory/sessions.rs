//! [`MemorySessionStore`]: sessions and refresh tokens, with rotation in one critical section.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::{count, lock};
use crate::opaque::TokenHash;
use crate::store::{
    Assurance, RefreshTokenRecord, RevokeReason, Rotation, Session, SessionId, SessionKind,
    SessionStore, StoreError, UserId,
};

/// An in-memory [`SessionStore`].
///
/// [`rotate_refresh_token`](SessionStore::rotate_refresh_token) looks the presented token up,
/// checks it and writes the rotation under one lock, so of any number of concurrent rotations
/// of one token exactly one sees [`Rotation::Rotated`]. Its checks run in this order:
///
/// 1. no token with that hash, its session is gone, or its session is of another
///    [kind](crate::store::SessionKind) → [`Rotation::Unknown`];
/// 2. the token was already rotated → [`Rotation::AlreadyRotated`] (even if the session has been
///    revoked or has expired since, so a replay is always recognised as one);
/// 3. the token is expired (`now >= expires_at`) or the session is not
///    [active](Session::is_active) at `now` → [`Rotation::Inactive`];
/// 4. otherwise the token is marked rotated at `now`, `next` is stored, and the session's
///    `last_used_at` becomes `now` and its `idle_expires_at` `now + idle_timeout`, capped at
///    its absolute `expires_at`.
///
/// Session ids and refresh-token hashes are unique: creating a session with a taken id or
/// first-token hash, or rotating to a `next` whose hash is taken, is a
/// [`StoreError::Conflict`] and writes nothing. Clones share the same sessions; see the
/// [module docs](super) for the rest.
#[derive(Clone, Default)]
pub struct MemorySessionStore {
    inner: Arc<Mutex<Sessions>>,
}

#[derive(Default)]
struct Sessions {
    sessions: HashMap<SessionId, Session>,
    tokens: HashMap<TokenHash, RefreshTokenRecord>,
}

impl MemorySessionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemorySessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.inner);
        f.debug_struct("MemorySessionStore")
            .field("sessions", &state.sessions.len())
            .field("refresh_tokens", &state.tokens.len())
            .finish()
    }
}

#[async_trait]
impl SessionStore for MemorySessionStore {
    async fn create_session(
        &self,
        session: &Session,
        first_token: &RefreshTokenRecord,
    ) -> Result<(), StoreError> {
        let mut state = lock(&self.inner);
        if state.sessions.contains_key(&session.id) {
            return Err(StoreError::Conflict("session"));
        }
        if state.tokens.contains_key(&first_token.hash) {
            return Err(StoreError::Conflict("refresh token"));
        }
        state.sessions.insert(session.id, session.clone());
        state.tokens.insert(first_token.hash, first_token.clone());
        Ok(())
    }

    async fn session(&self, id: SessionId) -> Result<Option<Session>, StoreError> {
        Ok(lock(&self.inner).sessions.get(&id).cloned())
    }

    async fn refresh_token(
        &self,
        hash: &TokenHash,
        kind: SessionKind,
    ) -> Result<Option<RefreshTokenRecord>, StoreError> {
        let state = lock(&self.inner);
        Ok(state
            .tokens
            .get(hash)
            .filter(|token| {
                state
                    .sessions
                    .get(&token.session_id)
                    .is_some_and(|session| session.kind == kind)
            })
            .cloned())
    }

    async fn active_sessions(
        &self,
        user_id: UserId,
        now: SystemTime,
    ) -> Result<Vec<Session>, StoreError> {
        let state = lock(&self.inner);
        let mut active: Vec<Session> = state
            .sessions
            .values()
            .filter(|session| session.user_id == user_id && session.is_active(now))
            .cloned()
            .collect();
        // Most recently used first; ties broken by newest login, then id, for a stable order.
        active.sort_by(|a, b| {
            b.last_used_at
                .cmp(&a.last_used_at)
                .then(b.created_at.cmp(&a.created_at))
                .then(a.id.cmp(&b.id))
        });
        Ok(active)
    }

    async fn rotate_refresh_token(
        &self,
        presented: &TokenHash,
        kind: SessionKind,
        next: &RefreshTokenRecord,
        now: SystemTime,
        idle_timeout: Duration,
    ) -> Result<Rotation, StoreError> {
        let mut guard = lock(&self.inner);
        let state = &mut *guard;
        // Read before the mutable borrows below; reported only if the rotation would happen.
        let next_taken = state.tokens.contains_key(&next.hash);

        let Some(record) = state.tokens.get_mut(presented) else {
            return Ok(Rotation::Unknown);
        };
        let Some(session) = state
            .sessions
            .get_mut(&record.session_id)
            .filter(|session| session.kind == kind)
        else {
            return Ok(Rotation::Unknown);
        };
        if let Some(rotated_at) = record.rotated_at {
            return Ok(Rotation::AlreadyRotated {
                session: session.clone(),
                rotated_at,
            });
        }
        if now >= record.expires_at || !session.is_active(now) {
            return Ok(Rotation::Inactive(session.clone()));
        }
        // `next.hash == *presented` is caught here too: the presented token exists.
        if next_taken {
            return Err(StoreError::Conflict("refresh token"));
        }

        record.rotated_at = Some(now);
        session.last_used_at = now;
        session.idle_expires_at = now
            .checked_add(idle_timeout)
            .map_or(session.expires_at, |idle| idle.min(session.expires_at));
        let rotated = session.clone();
        // The successor belongs to the presented token's session and never outlives it,
        // whatever `next` says (see the trait docs).
        let mut successor = next.clone();
        successor.session_id = rotated.id;
        successor.expires_at = successor.expires_at.min(rotated.expires_at);
        state.tokens.insert(successor.hash, successor);
        Ok(Rotation::Rotated(rotated))
    }

    async fn record_authentication(
        &self,
        id: SessionId,
        assurance: &Assurance,
        now: SystemTime,
    ) -> Result<bool, StoreError> {
        let mut state = lock(&self.inner);
        match state.sessions.get_mut(&id) {
            Some(session) if session.is_active(now) => {
                session.auth_time = assurance.auth_time;
                session.amr.clone_from(&assurance.amr);
                session.acr.clone_from(&assurance.acr);
                Ok(true)
            }
            Some(_) | None => Ok(false),
        }
    }

    async fn revoke_session(
        &self,
        id: SessionId,
        reason: RevokeReason,
        at: SystemTime,
    ) -> Result<bool, StoreError> {
        let mut state = lock(&self.inner);
        match state.sessions.get_mut(&id) {
            Some(session) if session.revoked_at.is_none() => {
                session.revoked_at = Some(at);
                session.revoke_reason = Some(reason);
                Ok(true)
            }
            Some(_) | None => Ok(false),
        }
    }

    async fn revoke_user_sessions(
        &self,
        user_id: UserId,
        keep: Option<SessionId>,
        reason: RevokeReason,
        at: SystemTime,
    ) -> Result<u64, StoreError> {
        let mut state = lock(&self.inner);
        let mut revoked = 0;
        for session in state.sessions.values_mut() {
            if session.user_id == user_id
                && Some(session.id) != keep
                && session.revoked_at.is_none()
            {
                session.revoked_at = Some(at);
                session.revoke_reason = Some(reason);
                revoked += 1;
            }
        }
        Ok(revoked)
    }

    async fn purge_expired_sessions(&self, now: SystemTime) -> Result<u64, StoreError> {
        let mut guard = lock(&self.inner);
        let state = &mut *guard;
        let before = state.sessions.len();
        state
            .sessions
            .retain(|_, session| session.expires_at >= now);
        let purged = before - state.sessions.len();
        // Tokens of the sessions just deleted go too, as do expired tokens of live sessions.
        let sessions = &state.sessions;
        state
            .tokens
            .retain(|_, token| token.expires_at >= now && sessions.contains_key(&token.session_id));
        Ok(count(purged))
    }
}
