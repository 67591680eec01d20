//! Starting a session: the record and its first refresh token, written together.

use std::time::SystemTime;

use super::{SessionError, SessionRules};
use crate::opaque::OpaqueToken;
use crate::store::{
    Assurance, RefreshTokenRecord, Session, SessionId, SessionKind, SessionStore, UserId,
};

/// What a new session is: whose, of which kind, and the client metadata shown in the user's
/// session list (already cleaned by the caller).
#[derive(Debug)]
pub(crate) struct NewSession {
    /// Its id, from [`SessionId::generate`] (the authorization server needs it before the
    /// session exists: the code redemption records it).
    pub(crate) id: SessionId,
    pub(crate) user_id: UserId,
    pub(crate) kind: SessionKind,
    pub(crate) ip: Option<String>,
    pub(crate) user_agent: Option<String>,
    pub(crate) device_name: Option<String>,
    /// How and when the user authenticated for it.
    pub(crate) assurance: Assurance,
}

/// A started session and its first refresh token (to hand to the client once).
#[derive(Debug)]
pub(crate) struct Started {
    pub(crate) session: Session,
    pub(crate) refresh_token: OpaqueToken,
}

/// Starts `new` at `now`: a session that ends after
/// `rules.lifetime` (or sooner, idle), and its first refresh token — both stored together.
pub(crate) async fn start(
    sessions: &dyn SessionStore,
    rules: SessionRules,
    new: NewSession,
    now: SystemTime,
) -> Result<Started, SessionError> {
    let id = new.id;
    let refresh_token = OpaqueToken::generate().map_err(|_| SessionError::Random)?;
    let expires_at = SessionRules::later(now, rules.lifetime);
    let session = Session {
        id,
        kind: new.kind,
        user_id: new.user_id,
        created_at: now,
        last_used_at: now,
        expires_at,
        idle_expires_at: SessionRules::later(now, rules.idle_timeout).min(expires_at),
        auth_time: new.assurance.auth_time,
        amr: new.assurance.amr,
        acr: new.assurance.acr,
        ip: new.ip,
        user_agent: new.user_agent,
        device_name: new.device_name,
        revoked_at: None,
        revoke_reason: None,
    };
    let first = RefreshTokenRecord::new(refresh_token.hash(), id, now, expires_at);
    sessions.create_session(&session, &first).await?;
    tracing::Span::current().record("session_id", tracing::field::display(id));
    Ok(Started {
        session,
        refresh_token,
    })
}
