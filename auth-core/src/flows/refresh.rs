//! Refresh: one atomic rotation per use, reuse detection with a short grace window.

use std::time::Duration;

use tracing::field;
use uuid::Uuid;

use super::service::{EventExt as _, event, later, new_opaque_token};
use super::{AuthError, AuthService, ClientInfo, TokenPair};
use crate::opaque::OpaqueToken;
use crate::store::{AuditKind, RefreshTokenRecord, RevokeReason, Rotation, SessionId, User};

/// The `session_id` put in the `next` record given to
/// [`SessionStore::rotate_refresh_token`](crate::store::SessionStore::rotate_refresh_token).
///
/// The flow cannot know the presented token's session before the rotation (the store has
/// no lookup by hash, and a lookup would cost a second round trip), so the store binds the
/// new token to the presented token's session and caps its expiry at the session's absolute
/// expiry. A store that stored this placeholder as is would make the next refresh fail with
/// `InvalidRefreshToken` (fail closed), never succeed wrongly.
const BOUND_BY_STORE: SessionId = SessionId(Uuid::nil());

impl AuthService {
    /// Exchanges a refresh token for a new token pair (rotation), in one atomic store write.
    ///
    /// * A current, unexpired token of an active session is rotated: it stops working, a new
    ///   refresh token replaces it, the session's idle expiry moves forward (never past its
    ///   absolute expiry), and a fresh access token carries the user's current roles,
    ///   permissions, plan and tenant. The user must still exist, be active, and not be cut
    ///   off (`tokens_valid_after` later than the session's login); otherwise the session is
    ///   revoked and the answer is [`AuthError::InvalidRefreshToken`].
    /// * A token that was **already rotated** is answered according to how long ago:
    ///   - within [`refresh_reuse_grace`](super::AuthConfig::refresh_reuse_grace) (5 s by
    ///     default): [`AuthError::RefreshTokenRecentlyRotated`]. Nothing is revoked and nothing
    ///     issued. This tolerates a client whose two tabs, or whose retry, raced one refresh:
    ///     the request that won carries the newer pair and the client should use it. A client
    ///     that truly lost that response has lost the session and must sign in again; the
    ///     tolerance only spares it from being treated as a thief.
    ///   - later: a replay of a stolen token is assumed. The whole session (every token of
    ///     it, the current one included) is revoked with reason `refresh_token_reuse`, an
    ///     audit event `refresh_token_reuse` is written, and the answer is
    ///     [`AuthError::RefreshTokenReused`].
    ///   - if the session had already ended: [`AuthError::InvalidRefreshToken`].
    /// * Anything else — malformed or oversized input, an unknown token, an expired token, a
    ///   session revoked or past its absolute or idle expiry — is
    ///   [`AuthError::InvalidRefreshToken`].
    ///
    /// Of any number of concurrent refreshes with one token, at most one succeeds.
    #[tracing::instrument(skip_all, fields(user_id = field::Empty, session_id = field::Empty))]
    pub async fn refresh(
        &self,
        refresh_token: &str,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        let Ok(presented) = OpaqueToken::parse(refresh_token) else {
            tracing::debug!("malformed refresh token");
            return Err(AuthError::InvalidRefreshToken);
        };
        let config = &self.inner.config;
        let stores = &self.inner.stores;
        let now = self.now();
        let next = new_opaque_token()?;
        let next_record = RefreshTokenRecord::new(
            next.hash(),
            BOUND_BY_STORE,
            now,
            later(now, config.refresh_token_lifetime),
        );
        let rotation = stores
            .sessions
            .rotate_refresh_token(
                &presented.hash(),
                &next_record,
                now,
                config.session_idle_timeout,
            )
            .await?;

        match rotation {
            Rotation::Rotated(session) => {
                let span = tracing::Span::current();
                span.record("session_id", field::display(session.id));
                span.record("user_id", field::display(session.user_id));
                let user = stores.users.user_by_id(session.user_id).await?;
                let user = match refusal(user.as_ref(), &session) {
                    None => user.ok_or(AuthError::InvalidRefreshToken)?,
                    Some((detail, reason)) => {
                        stores
                            .sessions
                            .revoke_session(session.id, reason, now)
                            .await?;
                        self.audit(
                            event(AuditKind::Refresh, now, false)
                                .user(session.user_id)
                                .session(session.id)
                                .client(client)
                                .detail(detail),
                        )
                        .await?;
                        tracing::info!(reason = detail, "refresh refused; session revoked");
                        return Err(AuthError::InvalidRefreshToken);
                    }
                };
                let access_token = self.access_token(&user, session.id)?;
                self.audit(
                    event(AuditKind::Refresh, now, true)
                        .user(user.id)
                        .session(session.id)
                        .client(client),
                )
                .await?;
                tracing::debug!("refresh token rotated");
                Ok(TokenPair {
                    access_token,
                    refresh_token: next,
                    session_id: session.id,
                    refresh_expires_at: session.expires_at,
                })
            }
            Rotation::AlreadyRotated {
                session,
                rotated_at,
            } => {
                let span = tracing::Span::current();
                span.record("session_id", field::display(session.id));
                span.record("user_id", field::display(session.user_id));
                if !session.is_active(now) {
                    tracing::info!("rotated refresh token of an ended session presented");
                    return Err(AuthError::InvalidRefreshToken);
                }
                let age = now.duration_since(rotated_at).unwrap_or(Duration::ZERO);
                if age < config.refresh_reuse_grace {
                    tracing::info!(
                        rotated_ms_ago = u64::try_from(age.as_millis()).unwrap_or(u64::MAX),
                        "refresh token presented again within the grace window"
                    );
                    return Err(AuthError::RefreshTokenRecentlyRotated);
                }
                stores
                    .sessions
                    .revoke_session(session.id, RevokeReason::RefreshTokenReuse, now)
                    .await?;
                self.audit(
                    event(AuditKind::RefreshTokenReuse, now, false)
                        .user(session.user_id)
                        .session(session.id)
                        .client(client)
                        .detail(RevokeReason::RefreshTokenReuse.as_str()),
                )
                .await?;
                tracing::warn!(
                    rotated_secs_ago = age.as_secs(),
                    "refresh token reuse detected; session revoked"
                );
                Err(AuthError::RefreshTokenReused)
            }
            Rotation::Inactive(session) => {
                tracing::Span::current().record("session_id", field::display(session.id));
                tracing::debug!("refresh token or its session is no longer active");
                Err(AuthError::InvalidRefreshToken)
            }
            Rotation::Unknown => {
                tracing::debug!("unknown refresh token");
                Err(AuthError::InvalidRefreshToken)
            }
        }
    }
}

/// Why a session's user may no longer refresh it: an audit detail and the revoke reason.
fn refusal(
    user: Option<&User>,
    session: &crate::store::Session,
) -> Option<(&'static str, RevokeReason)> {
    match user {
        None => Some(("user_gone", RevokeReason::Administrative)),
        Some(user) if !user.active => Some(("account_disabled", RevokeReason::AccountDisabled)),
        Some(user)
            if user
                .tokens_valid_after
                .is_some_and(|cut_off| cut_off > session.created_at) =>
        {
            Some(("tokens_cut_off", RevokeReason::LogoutAll))
        }
        Some(_) => None,
    }
}
