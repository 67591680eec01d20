//! Userinfo (OpenID Connect Core §5.3), revocation (RFC 7009) and introspection (RFC 7662).

use serde::Serialize;
use tracing::field;

use super::client::ClientCredentials;
use super::service::unix;
use super::token::GrantToken;
use super::{OAuthError, OAuthServer, UserInfoError};
use crate::opaque::OpaqueToken;
use crate::revocation::Invalidation;
use crate::revocation::RevocationError;
use crate::session::standing;
use crate::store::{AuditEvent, AuditKind, ClientType, RevokeReason, RevokedAccessToken};
use crate::token::{Audience, Claims, Scope};

/// The claims the userinfo endpoint releases; serialize as the JSON body. Which ones are
/// present depends on the token's scope ([`UserInfoScopes`](super::UserInfoScopes)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// The user's id (always).
    pub sub: String,
    /// Display name (profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Username (profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    /// Avatar URL (profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// Locale (profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// When the profile last changed, seconds since the epoch (profile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<u64>,
    /// Email (email).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the email is verified (email).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    /// The user's roles (groups).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
}

/// An RFC 7662 introspection response; serialize as the JSON body. An inactive token is
/// `{"active": false}` and nothing else, whatever the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[non_exhaustive]
pub struct Introspection {
    /// Whether the token is valid now.
    pub active: bool,
    /// Its scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The client it was issued to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// The user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// `Bearer` for an access token, `refresh_token` for a refresh token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<&'static str>,
    /// Expiry, seconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
    /// Issue time, seconds since the epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
    /// The issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// The audience (access tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// The token id (access tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// The session (grant).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

impl Introspection {
    fn inactive() -> Self {
        Self::default()
    }
}

impl OAuthServer {
    /// `GET /oauth/userinfo` with `Authorization: Bearer <access token>`: the claims the
    /// token's scope releases about its user.
    ///
    /// The token must verify (signature, `typ`, `iss`, `aud`, expiry), still stand (session,
    /// user cut-off, `jti` — checked against the stores without caching), hold one of
    /// [`UserInfoScopes::access`](super::UserInfoScopes::access), and its user must exist and
    /// be active. Answer errors per RFC 6750 (`WWW-Authenticate: Bearer error="…"`) through
    /// [`ToBearerError`](crate::ToBearerError).
    #[tracing::instrument(skip_all, fields(user_id = field::Empty))]
    pub async fn userinfo(&self, access_token: &str) -> Result<UserInfo, UserInfoError> {
        let claims = match self.live_access_token(access_token).await {
            Ok(Some(claims)) => claims,
            Ok(None) => return Err(UserInfoError::InvalidToken),
            Err(error) => return Err(UserInfoError::Store(error)),
        };
        let scopes = &self.inner.config.userinfo_scopes;
        let holds_any = |wanted: &Scope| wanted.iter().any(|scope| claims.scope.contains(scope));
        if !holds_any(&scopes.access) {
            return Err(UserInfoError::InsufficientScope);
        }
        let Some(user_id) = crate::store::UserId::parse(&claims.sub) else {
            return Err(UserInfoError::InvalidToken);
        };
        tracing::Span::current().record("user_id", field::display(user_id));
        let user = self
            .inner
            .stores
            .users
            .user_by_id(user_id)
            .await
            .map_err(UserInfoError::Store)?
            .filter(|user| user.active)
            .ok_or(UserInfoError::InvalidToken)?;
        let mut info = UserInfo {
            sub: user.id.to_string(),
            name: None,
            preferred_username: None,
            picture: None,
            locale: None,
            updated_at: None,
            email: None,
            email_verified: None,
            groups: None,
        };
        if holds_any(&scopes.profile) {
            info.name = user.display_name.clone();
            info.preferred_username = user.username.clone();
            info.picture = user.avatar_url.clone();
            info.locale = user.locale.clone();
            info.updated_at = Some(unix(user.updated_at));
        }
        if holds_any(&scopes.email) {
            info.email = Some(user.email.clone());
            info.email_verified = Some(user.email_verified);
        }
        if holds_any(&scopes.groups) {
            info.groups = Some(user.roles.clone());
        }
        Ok(info)
    }

    /// `POST /oauth/revoke` (RFC 7009): revokes `token` if it belongs to the authenticated
    /// client.
    ///
    /// A refresh token ends its whole grant (session, every refresh token, and the access
    /// tokens carrying its `sid`); an access token goes on the `jti` denylist until its
    /// expiry. Unknown, malformed or expired tokens — and tokens that are no OAuth client's
    /// (a first-party login's, the sign-in cookie's) — change nothing and still answer `Ok`
    /// (200 with an empty body, RFC 7009 §2.2). A token issued to **another client** is
    /// refused with `invalid_grant` and left alone (RFC 7009 §2.1: the server "verifies
    /// whether the token was issued to the client making the revocation request. If this
    /// validation fails, the request is refused"). `token_type_hint` only orders the
    /// lookups. Client authentication works as at the token endpoint (public clients name
    /// themselves with `client_id`).
    ///
    /// # Errors
    /// `invalid_client` (401), `invalid_request` when `token` is missing, `invalid_grant`
    /// for another client's token, and infrastructure failures (500).
    #[tracing::instrument(skip_all, fields(client_id = field::Empty))]
    pub async fn revoke(
        &self,
        credentials: &ClientCredentials,
        token: Option<&str>,
        token_type_hint: Option<&str>,
    ) -> Result<(), OAuthError> {
        let client = self.authenticate_client(credentials).await?;
        let Some(token) = token.filter(|token| !token.is_empty()) else {
            return Err(OAuthError::InvalidRequest("token is missing"));
        };
        let _ = token_type_hint; // both kinds are told apart by their form
        let now = self.now();
        let stores = &self.inner.stores;
        let other_client = || {
            tracing::warn!("revocation of a token issued to another client refused");
            OAuthError::InvalidGrant("the token was issued to another client")
        };
        if let Ok(refresh) = OpaqueToken::parse(token) {
            let grant = match self.grant_token(&refresh, &client).await? {
                GrantToken::Ours(ours) => ours.grant,
                GrantToken::OtherClient => return Err(other_client()),
                GrantToken::Unknown => return Ok(()),
            };
            let revoked = stores
                .sessions
                .revoke_session(grant.session_id, RevokeReason::TokenRevoked, now)
                .await?;
            self.announce(Invalidation::Session(grant.session_id));
            if revoked {
                let mut event = AuditEvent::new(AuditKind::OAuthTokenRevoked, now, true);
                event.user_id = Some(grant.user_id);
                event.session_id = Some(grant.session_id);
                event.detail = Some("refresh_token".to_owned());
                self.audit(event).await?;
            }
            return Ok(());
        }
        // An access token: only its signature and issuer matter here (an expired one needs no
        // revoking, and one that does not verify was never ours).
        let Ok(claims) = self.inner.verifier.verify(token) else {
            return Ok(());
        };
        match claims.client_id.as_deref() {
            // A first-party token is no client's: unknown here.
            None => return Ok(()),
            Some(owner) if owner != client.client_id => return Err(other_client()),
            Some(_) => {}
        }
        let Some(jti) = &claims.jti else {
            return Ok(());
        };
        let expires_at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(claims.exp);
        stores
            .revocations
            .revoke_access_token(&RevokedAccessToken::new(jti.clone(), expires_at))
            .await?;
        self.announce(Invalidation::AccessToken(jti.clone()));
        let mut event = AuditEvent::new(AuditKind::OAuthTokenRevoked, now, true);
        event.user_id = crate::store::UserId::parse(&claims.sub);
        event.detail = Some("access_token".to_owned());
        self.audit(event).await?;
        Ok(())
    }

    /// `POST /oauth/introspect` (RFC 7662): whether `token` is active, and what it grants.
    ///
    /// The caller must be an authenticated **confidential** client; anything else is
    /// `invalid_client`. What it may learn (RFC 7662 §4):
    /// * an access token issued to itself, or — when it is registered as a resource server
    ///   ([`OAuthServerConfig::resource_servers`](super::OAuthServerConfig::resource_servers))
    ///   — any access token of this server: active when it verifies and still stands
    ///   (session, user, `jti` — no cache);
    /// * a refresh token of its own grant: active when it is current, unexpired, and its
    ///   user may still use the grant's session.
    ///
    /// Everything else — another client's token, a first-party or sign-in token, any failure
    /// to verify — is `{"active": false}`.
    ///
    /// # Errors
    /// `invalid_client` (401), `invalid_request` when `token` is missing, and infrastructure
    /// failures (500; a store outage never reads as "active").
    #[tracing::instrument(skip_all, fields(client_id = field::Empty))]
    pub async fn introspect(
        &self,
        credentials: &ClientCredentials,
        token: Option<&str>,
        token_type_hint: Option<&str>,
    ) -> Result<Introspection, OAuthError> {
        let client = self.authenticate_client(credentials).await?;
        if client.client_type != ClientType::Confidential {
            tracing::info!("introspection refused to a public client");
            return Err(OAuthError::InvalidClient);
        }
        let Some(token) = token.filter(|token| !token.is_empty()) else {
            return Err(OAuthError::InvalidRequest("token is missing"));
        };
        let _ = token_type_hint;
        let now = self.now();
        if let Ok(refresh) = OpaqueToken::parse(token) {
            let GrantToken::Ours(ours) = self.grant_token(&refresh, &client).await? else {
                return Ok(Introspection::inactive());
            };
            let (record, grant) = (ours.record, ours.grant);
            if record.rotated_at.is_some() || now >= record.expires_at {
                return Ok(Introspection::inactive());
            }
            let stores = &self.inner.stores;
            let Some(session) = stores.sessions.session(record.session_id).await? else {
                return Ok(Introspection::inactive());
            };
            let user = stores.users.user_by_id(grant.user_id).await?;
            if standing(user.as_ref(), &session, now).is_err() {
                return Ok(Introspection::inactive());
            }
            return Ok(Introspection {
                active: true,
                scope: Some(grant.scope.as_str().to_owned()),
                client_id: Some(grant.client_id),
                sub: Some(grant.user_id.to_string()),
                token_type: Some("refresh_token"),
                exp: Some(unix(record.expires_at)),
                iat: Some(unix(record.issued_at)),
                iss: Some(self.inner.config.issuer.clone()),
                aud: None,
                jti: None,
                sid: Some(grant.session_id.to_string()),
            });
        }
        let Some(claims) = self.live_access_token(token).await? else {
            return Ok(Introspection::inactive());
        };
        let own = claims.client_id.as_deref() == Some(client.client_id.as_str());
        let resource_server = self
            .inner
            .config
            .resource_servers
            .contains(&client.client_id);
        if !own && !resource_server {
            tracing::info!("introspection of a token the client may not see; answered inactive");
            return Ok(Introspection::inactive());
        }
        Ok(Introspection {
            active: true,
            scope: (!claims.scope.is_empty()).then(|| claims.scope.as_str().to_owned()),
            client_id: claims.client_id,
            sub: Some(claims.sub),
            token_type: Some("Bearer"),
            exp: Some(claims.exp),
            iat: Some(claims.iat),
            iss: Some(claims.iss),
            aud: Some(claims.aud),
            jti: claims.jti,
            sid: claims.sid,
        })
    }

    /// The claims of `token` if it verifies and still stands; `Ok(None)` if not; `Err` only
    /// when a store could not answer.
    async fn live_access_token(
        &self,
        token: &str,
    ) -> Result<Option<Claims>, crate::store::StoreError> {
        let Ok(claims) = self.inner.verifier.verify(token) else {
            return Ok(None);
        };
        match self.inner.revocation.check(&claims).await {
            Ok(()) => Ok(Some(claims)),
            Err(RevocationError::Unavailable(error)) => Err(error),
            Err(error) => {
                tracing::debug!(%error, "access token no longer stands");
                Ok(None)
            }
        }
    }
}
