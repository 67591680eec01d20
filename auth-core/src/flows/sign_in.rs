//! The authorization server's browser sign-in: a session of its own kind
//! ([`SessionKind::AuthorizationServerSignIn`]) behind an opaque cookie, which only the
//! authorization server accepts.

use std::fmt;
use std::time::SystemTime;

use tracing::field;

use super::service::{EventExt as _, event};
use super::{AuthError, AuthService, ClientInfo};
use crate::opaque::OpaqueToken;
use crate::password::Password;
use crate::session::standing;
use crate::store::{AuditKind, Session, SessionId, SessionKind};
use crate::token::AuthMethod;

/// A browser signed in at the authorization server: the value of its sign-in cookie and the
/// session behind it. `Debug` hides the token.
#[non_exhaustive]
pub struct AuthorizationServerSignIn {
    /// The cookie value: 256 random bits, stored server-side only as SHA-256. Hand it to the
    /// browser once, in a `__Host-` HttpOnly cookie. It is no refresh token anywhere else.
    pub token: OpaqueToken,
    /// The sign-in session.
    pub session_id: SessionId,
    /// When the session ends at the latest.
    pub expires_at: SystemTime,
}

impl fmt::Debug for AuthorizationServerSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationServerSignIn")
            .field("token", &"[redacted]")
            .field("session_id", &self.session_id)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl AuthService {
    /// Signs a browser in at the authorization server's login form: the same checks as
    /// [`login`](Self::login) (throttling, indistinguishable failures, audit), but the session
    /// started is an [`AuthorizationServerSignIn`](SessionKind::AuthorizationServerSignIn)
    /// session and no access token is issued. Its token is accepted only by
    /// [`authorization_server_session`](Self::authorization_server_session) — never by
    /// [`refresh`](Self::refresh) or the OAuth token endpoint — and, the other way round, no
    /// first-party refresh token or OAuth client's refresh token is accepted as a sign-in.
    ///
    /// # Errors
    /// As [`login`](Self::login).
    #[tracing::instrument(skip_all, fields(user_id = field::Empty, session_id = field::Empty))]
    pub async fn sign_in_to_authorization_server(
        &self,
        identifier: &str,
        password: Password,
        client: &ClientInfo,
    ) -> Result<AuthorizationServerSignIn, AuthError> {
        let now = self.now();
        let user = self
            .check_login(identifier, password, client, None, now)
            .await?;
        // The authorization server's login page has no second step yet: an account with a
        // second factor cannot sign in there with a password alone (fail closed).
        self.require_no_second_factor(&user, Some(AuthMethod::Pwd), client, now)
            .await?;
        let started = self
            .start_session_of_kind(
                &user,
                SessionKind::AuthorizationServerSignIn,
                client,
                self.assurance(now, [AuthMethod::Pwd.as_str()]),
                now,
            )
            .await?;
        self.audit(
            event(AuditKind::Login, now, true)
                .user(user.id)
                .session(started.session.id)
                .client(client)
                .detail(SessionKind::AuthorizationServerSignIn.as_str()),
        )
        .await?;
        tracing::info!("signed in at the authorization server");
        Ok(AuthorizationServerSignIn {
            token: started.refresh_token,
            session_id: started.session.id,
            expires_at: started.session.expires_at,
        })
    }

    /// The live sign-in session behind an authorization server's sign-in cookie value.
    ///
    /// `Ok(None)` when the value is malformed or unknown, is not a sign-in session's (a
    /// first-party or OAuth client's refresh token is unknown here), is rotated or expired,
    /// or when its user may no longer use the session (ended, account gone or disabled,
    /// cut off since the sign-in). `Err` only when a store could not answer: the caller must
    /// then fail the request, never treat it as signed in or out by guess.
    #[tracing::instrument(skip_all, fields(session_id = field::Empty))]
    pub async fn authorization_server_session(
        &self,
        cookie_value: &str,
    ) -> Result<Option<Session>, AuthError> {
        let Ok(token) = OpaqueToken::parse(cookie_value) else {
            tracing::debug!("malformed sign-in cookie");
            return Ok(None);
        };
        let now = self.now();
        let stores = &self.inner.stores;
        let Some(record) = stores
            .sessions
            .refresh_token(&token.hash(), SessionKind::AuthorizationServerSignIn)
            .await?
        else {
            return Ok(None);
        };
        if record.rotated_at.is_some() || now >= record.expires_at {
            return Ok(None);
        }
        let Some(session) = stores.sessions.session(record.session_id).await? else {
            return Ok(None);
        };
        tracing::Span::current().record("session_id", field::display(session.id));
        let user = stores.users.user_by_id(session.user_id).await?;
        if let Err(refusal) = standing(user.as_ref(), &session, now) {
            tracing::debug!(
                reason = refusal.detail(),
                "sign-in session no longer usable"
            );
            return Ok(None);
        }
        Ok(Some(session))
    }
}
