//! Refresh of a first-party session: the shared rotation rule
//! ([`session::refresh`](crate::session)) for [`SessionKind::FirstParty`] tokens.

use tracing::field;

use super::service::{EventExt as _, event};
use super::{AuthError, AuthService, ClientInfo, Endpoint, TokenPair};
use crate::opaque::OpaqueToken;
use crate::session::{self, Refresh};
use crate::store::{AuditKind, SessionKind};

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
    ///
    /// Before anything else, one request is reserved under
    /// [`EndpointLimits::refresh`](super::EndpointLimits::refresh) for `client`'s network;
    /// refused, the answer is [`AuthError::Throttled`] and the token is not looked at.
    #[tracing::instrument(skip_all, fields(user_id = field::Empty, session_id = field::Empty))]
    pub async fn refresh(
        &self,
        refresh_token: &str,
        client: &ClientInfo,
    ) -> Result<TokenPair, AuthError> {
        self.reserve_endpoint(Endpoint::Refresh, client).await?;
        let Ok(presented) = OpaqueToken::parse(refresh_token) else {
            tracing::debug!("malformed refresh token");
            return Err(AuthError::InvalidRefreshToken);
        };
        let now = self.now();
        let audit = event(AuditKind::Refresh, now, true).client(client);
        let (stores, rules, hash) = (&self.inner.stores, self.session_rules(), presented.hash());
        match session::refresh(stores, rules, &hash, SessionKind::FirstParty, &audit, now).await? {
            Refresh::Rotated(done) => Ok(TokenPair {
                access_token: self.access_token(&done.user, &done.session)?,
                refresh_token: done.refresh_token,
                session_id: done.session.id,
                refresh_expires_at: done.session.expires_at,
            }),
            Refresh::RecentlyRotated => Err(AuthError::RefreshTokenRecentlyRotated),
            Refresh::Reused(session_id) => {
                // The replayed session's access tokens stop at once, not after the cache bound.
                self.inner.revocation.forget_session(session_id);
                Err(AuthError::RefreshTokenReused)
            }
            Refresh::Invalid => Err(AuthError::InvalidRefreshToken),
        }
    }
}
