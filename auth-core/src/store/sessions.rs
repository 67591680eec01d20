//! Sessions and their refresh tokens, with the atomic rotation everything else relies on.

use std::time::SystemTime;

use async_trait::async_trait;

use super::{
    Assurance, RefreshTokenRecord, RevokeReason, Session, SessionId, SessionKind, StoreError,
    UserId,
};
use crate::opaque::TokenHash;

/// What [`SessionStore::rotate_refresh_token`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rotation {
    /// The presented token was current, unexpired, and its session active: it is now marked
    /// rotated, `next` is stored as the current token, and the session's `last_used_at` and
    /// `idle_expires_at` are updated. Carries the session as updated.
    Rotated(Session),
    /// The presented token was already rotated at `rotated_at`: either a client retrying after
    /// a lost response, or a replay of a stolen token. Nothing was written; the flow decides.
    AlreadyRotated {
        /// The token's session, as stored.
        session: Session,
        /// When the token was rotated.
        rotated_at: SystemTime,
    },
    /// The token is known but expired, or its session is revoked or expired. Nothing written.
    Inactive(Session),
    /// No such token.
    Unknown,
}

/// Sessions (one per login on a device) and the refresh tokens of each.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session with its first refresh token, together (both or neither).
    async fn create_session(
        &self,
        session: &Session,
        first_token: &RefreshTokenRecord,
    ) -> Result<(), StoreError>;

    /// The session with `id`, revoked or not.
    async fn session(&self, id: SessionId) -> Result<Option<Session>, StoreError>;

    /// The refresh token whose hash is `hash` **if its session is of `kind`**, as stored
    /// (current or rotated, expired or not), without rotating it: for RFC 7009 revocation and
    /// RFC 7662 introspection, the authorization server's sign-in cookie, and to check which
    /// client a token belongs to before rotating it.
    ///
    /// A token whose session is of another kind is `Ok(None)`, exactly like an unknown one
    /// (see [`SessionKind`]).
    async fn refresh_token(
        &self,
        hash: &TokenHash,
        kind: SessionKind,
    ) -> Result<Option<RefreshTokenRecord>, StoreError>;

    /// Every session of `user_id` that is active at `now`, most recently used first.
    async fn active_sessions(
        &self,
        user_id: UserId,
        now: SystemTime,
    ) -> Result<Vec<Session>, StoreError>;

    /// Exchanges the refresh token whose hash is `presented` for `next` in **one atomic
    /// conditional write**: it succeeds only if `presented` is the session's current,
    /// unexpired, unrotated token and the session is active at `now`. Of any number of
    /// concurrent calls with the same `presented`, at most one returns
    /// [`Rotation::Rotated`]. `idle_timeout` moves the session's idle expiry to
    /// `now + idle_timeout` (never past its absolute expiry).
    ///
    /// `next.session_id` is ignored: the store binds `next` to the presented token's session
    /// (the caller cannot know it without a read) and caps `next.expires_at` at that session's
    /// `expires_at`. A `next.hash` that already exists is a [`StoreError::Conflict`].
    ///
    /// Outcomes are decided in this order: unknown token, or a token whose session is not of
    /// `kind` → [`Rotation::Unknown`] (nothing written: a credential of another kind must
    /// neither rotate nor, replayed, revoke a session it does not belong to); already rotated
    /// → [`Rotation::AlreadyRotated`] (even if the session has since been revoked or expired,
    /// so a replay is always recognisable); token expired (`now >= expires_at`) or session
    /// inactive → [`Rotation::Inactive`]; otherwise [`Rotation::Rotated`].
    async fn rotate_refresh_token(
        &self,
        presented: &TokenHash,
        kind: SessionKind,
        next: &RefreshTokenRecord,
        now: SystemTime,
        idle_timeout: std::time::Duration,
    ) -> Result<Rotation, StoreError>;

    /// Records that the user of session `id` authenticated again — a re-authentication, or a
    /// second factor added to the sign-in: replaces the session's `auth_time`, `amr` and
    /// `acr` with `assurance`, **only if the session is active at `now`** (one conditional
    /// write). `false` when it is unknown, revoked or expired: a step-up never revives a
    /// session.
    async fn record_authentication(
        &self,
        id: SessionId,
        assurance: &Assurance,
        now: SystemTime,
    ) -> Result<bool, StoreError>;

    /// Revokes session `id` with `reason` at `at`; `false` if it does not exist or was already
    /// revoked (the first reason stays).
    async fn revoke_session(
        &self,
        id: SessionId,
        reason: RevokeReason,
        at: SystemTime,
    ) -> Result<bool, StoreError>;

    /// Revokes every unrevoked session of `user_id` except `keep` (if given); returns how many.
    async fn revoke_user_sessions(
        &self,
        user_id: UserId,
        keep: Option<SessionId>,
        reason: RevokeReason,
        at: SystemTime,
    ) -> Result<u64, StoreError>;

    /// Deletes sessions (and their tokens) whose absolute expiry is before `now`, and refresh
    /// tokens expired before `now`; returns how many sessions went.
    async fn purge_expired_sessions(&self, now: SystemTime) -> Result<u64, StoreError>;
}
