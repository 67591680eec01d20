//! [`AuthContext`]: what the layer learned about the caller, put into request extensions.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use auth_core::store::{SessionId, UserId};
use auth_core::token::{Claims, NoCustomClaims};

/// Where the access token of a request was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialSource {
    /// `Authorization: Bearer …` (RFC 6750 §2.1).
    AuthorizationHeader,
    /// The configured access-token cookie. State-changing requests authenticated this way
    /// need CSRF protection; the endpoints here enforce it.
    Cookie,
}

/// The authenticated caller: the verified claims of the access token (including the host's
/// own claims `E`), and where the token came from.
///
/// Inserted into the request extensions by [`AuthLayer`](crate::AuthLayer) (and the actix
/// middleware); read it with the axum or actix extractors, or with
/// `request.extensions().get::<AuthContext<E>>()`. Cheap to clone (an `Arc` inside). It holds
/// no token, so its `Debug` output is safe to log.
pub struct AuthContext<E = NoCustomClaims> {
    claims: Arc<Claims<E>>,
    source: CredentialSource,
    realm: Arc<str>,
    verified_at: SystemTime,
}

impl<E> AuthContext<E> {
    pub(crate) fn from_arc(
        claims: Arc<Claims<E>>,
        source: CredentialSource,
        realm: Arc<str>,
        verified_at: SystemTime,
    ) -> Self {
        Self {
            claims,
            source,
            realm,
            verified_at,
        }
    }

    /// When the token was found valid, by the verifier's clock: the `now` that
    /// time-dependent guards ([`Guard::authenticated_within`](crate::Guard::authenticated_within))
    /// compare `auth_time` with.
    pub fn verified_at(&self) -> SystemTime {
        self.verified_at
    }

    /// The verified claims.
    pub fn claims(&self) -> &Claims<E> {
        &self.claims
    }

    /// The host's own claims.
    pub fn custom(&self) -> &E {
        &self.claims.custom
    }

    /// `sub`: the subject as it appears in the token.
    pub fn subject(&self) -> &str {
        &self.claims.sub
    }

    /// `sub` read as a [`UserId`], or `None` when the subject is not one (a client-credentials
    /// token, or another issuer's subject format).
    pub fn user_id(&self) -> Option<UserId> {
        UserId::parse(&self.claims.sub)
    }

    /// `sid` read as a [`SessionId`], or `None` when the token names no session.
    pub fn session_id(&self) -> Option<SessionId> {
        self.claims.sid.as_deref().and_then(SessionId::parse)
    }

    /// Whether the token carries `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.claims.has_role(role)
    }

    /// Whether the token carries `permission`.
    pub fn has_permission(&self, permission: &str) -> bool {
        self.claims.has_permission(permission)
    }

    /// Where the token was found.
    pub fn source(&self) -> CredentialSource {
        self.source
    }

    pub(crate) fn realm(&self) -> &Arc<str> {
        &self.realm
    }
}

impl<E> Clone for AuthContext<E> {
    fn clone(&self) -> Self {
        Self {
            claims: Arc::clone(&self.claims),
            source: self.source,
            realm: Arc::clone(&self.realm),
            verified_at: self.verified_at,
        }
    }
}

impl<E: fmt::Debug> fmt::Debug for AuthContext<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthContext")
            .field("claims", &self.claims)
            .field("source", &self.source)
            .finish()
    }
}
