//! Refresh-token rotation with reuse detection: one atomic conditional write per use.

use std::time::{Duration, SystemTime};

use tracing::field;
use uuid::Uuid;

use super::{Refusal, SessionError, SessionRules, standing};
use crate::flows::Stores;
use crate::opaque::{OpaqueToken, TokenHash};
use crate::store::{
    AuditEvent, AuditKind, RefreshTokenRecord, RevokeReason, Rotation, Session, SessionId,
    SessionKind, User,
};

/// The `session_id` put in the `next` record given to
/// [`SessionStore::rotate_refresh_token`](crate::store::SessionStore::rotate_refresh_token).
///
/// The caller cannot know the presented token's session before the rotation (a lookup would
/// cost a second round trip), so the store binds the new token to the presented token's
/// session and caps its expiry at the session's absolute expiry. A store that stored this
/// placeholder as is would make the next refresh fail (fail closed), never succeed wrongly.
const BOUND_BY_STORE: SessionId = SessionId(Uuid::nil());

/// A rotated session: `refresh_token` replaces the presented one, and `user` may use
/// `session`.
#[derive(Debug)]
pub(crate) struct Refreshed {
    pub(crate) session: Session,
    pub(crate) user: User,
    pub(crate) refresh_token: OpaqueToken,
}

/// What [`refresh`] decided.
#[derive(Debug)]
pub(crate) enum Refresh {
    /// The token was rotated (boxed: far larger than the other answers).
    Rotated(Box<Refreshed>),
    /// The token was rotated less than the grace window ago: a client retrying or racing
    /// itself. Nothing was revoked or issued.
    RecentlyRotated,
    /// The token was rotated before the grace window: a replay. The session is revoked
    /// (`refresh_token_reuse`) and the event audited; the id is for dropping it from the
    /// revocation check's cache.
    Reused(SessionId),
    /// Anything else: unknown, of another kind, expired, session ended, or its user may no
    /// longer use it (then the session is revoked and the refusal audited).
    Invalid,
}

/// Exchanges the refresh token hashed as `presented`, which must belong to a session of
/// `kind`, for a new one, in one atomic store write; then checks that the session's user may
/// still use it ([`standing`]).
///
/// Every audit event written here starts from `audit` (its IP, user agent and detail), with
/// kind, outcome, user and session filled in: `refresh` on success or refusal,
/// `refresh_token_reuse` on a replay.
pub(crate) async fn refresh(
    stores: &Stores,
    rules: SessionRules,
    presented: &TokenHash,
    kind: SessionKind,
    audit: &AuditEvent,
    now: SystemTime,
) -> Result<Refresh, SessionError> {
    let next = OpaqueToken::generate().map_err(|_| SessionError::Random)?;
    let next_record = RefreshTokenRecord::new(
        next.hash(),
        BOUND_BY_STORE,
        now,
        SessionRules::later(now, rules.lifetime),
    );
    let rotation = stores
        .sessions
        .rotate_refresh_token(presented, kind, &next_record, now, rules.idle_timeout)
        .await?;
    let event = |kind: AuditKind, success: bool, session: &Session| {
        let mut event = audit.clone();
        event.kind = kind;
        event.at = now;
        event.success = success;
        event.user_id = Some(session.user_id);
        event.session_id = Some(session.id);
        event
    };
    let span = tracing::Span::current();
    match rotation {
        Rotation::Rotated(session) => {
            span.record("session_id", field::display(session.id));
            span.record("user_id", field::display(session.user_id));
            let user = stores.users.user_by_id(session.user_id).await?;
            // The session was active at the rotation; what may have changed is its user.
            let user = match (standing(user.as_ref(), &session, now), user) {
                (Ok(()), Some(user)) => user,
                (result, _) => {
                    let refusal = result.err().unwrap_or(Refusal::UserGone);
                    stores
                        .sessions
                        .revoke_session(session.id, refusal.revoke_reason(), now)
                        .await?;
                    let mut refused = event(AuditKind::Refresh, false, &session);
                    refused.detail = Some(refusal.detail().to_owned());
                    stores.audit.record_event(&refused).await?;
                    tracing::info!(
                        reason = refusal.detail(),
                        "refresh refused; session revoked"
                    );
                    return Ok(Refresh::Invalid);
                }
            };
            stores
                .audit
                .record_event(&event(AuditKind::Refresh, true, &session))
                .await?;
            tracing::debug!("refresh token rotated");
            Ok(Refresh::Rotated(Box::new(Refreshed {
                session,
                user,
                refresh_token: next,
            })))
        }
        Rotation::AlreadyRotated {
            session,
            rotated_at,
        } => {
            span.record("session_id", field::display(session.id));
            span.record("user_id", field::display(session.user_id));
            if !session.is_active(now) {
                tracing::info!("rotated refresh token of an ended session presented");
                return Ok(Refresh::Invalid);
            }
            let age = now.duration_since(rotated_at).unwrap_or(Duration::ZERO);
            if age < rules.reuse_grace {
                tracing::info!(
                    rotated_ms_ago = u64::try_from(age.as_millis()).unwrap_or(u64::MAX),
                    "refresh token presented again within the grace window"
                );
                return Ok(Refresh::RecentlyRotated);
            }
            stores
                .sessions
                .revoke_session(session.id, RevokeReason::RefreshTokenReuse, now)
                .await?;
            let mut reused = event(AuditKind::RefreshTokenReuse, false, &session);
            reused.detail = Some(RevokeReason::RefreshTokenReuse.as_str().to_owned());
            stores.audit.record_event(&reused).await?;
            tracing::warn!(
                rotated_secs_ago = age.as_secs(),
                "refresh token reuse detected; session revoked"
            );
            Ok(Refresh::Reused(session.id))
        }
        Rotation::Inactive(session) => {
            span.record("session_id", field::display(session.id));
            tracing::debug!("refresh token or its session is no longer active");
            Ok(Refresh::Invalid)
        }
        Rotation::Unknown => {
            tracing::debug!("unknown refresh token (or one of another session kind)");
            Ok(Refresh::Invalid)
        }
    }
}
