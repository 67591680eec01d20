//! The token endpoint: the `authorization_code` and `refresh_token` grants.

use std::fmt;
use std::time::SystemTime;

use serde::Serialize;
use serde::ser::SerializeMap;
use tracing::field;

use super::client::{self, ClientCredentials};
use super::pkce::{at_hash, verifier_matches};
use super::service::unix;
use super::{OAuthError, OAuthServer};
use crate::opaque::OpaqueToken;
use crate::revocation::Invalidation;
use crate::session::{self, NewSession, Refresh, SessionRules, user_standing};
use crate::store::{
    Assurance, AuditEvent, AuditKind, CodeRedemption, GrantType, OAuthClient, OAuthGrant,
    RefreshTokenRecord, RevokeReason, SessionId, SessionKind, User, UserId,
};
use crate::token::{AccessTokenRequest, IssuedAccessToken, Scope, SignedJwt};

/// The headers every token response carries (RFC 6749 §5.1): tokens must not be cached.
pub const NO_STORE_HEADERS: [(&str, &str); 2] =
    [("Cache-Control", "no-store"), ("Pragma", "no-cache")];

/// What a presented refresh token is to the client presenting it.
#[derive(Debug)]
pub(super) enum GrantToken {
    /// No such token, or not an OAuth grant's.
    Unknown,
    /// A token of another client's grant.
    OtherClient,
    /// A token of this client's grant (boxed: far larger than the other answers).
    Ours(Box<OwnGrantToken>),
}

/// A refresh token of the presenting client's grant, with that grant.
#[derive(Debug)]
pub(super) struct OwnGrantToken {
    pub(super) record: RefreshTokenRecord,
    pub(super) grant: OAuthGrant,
}

/// A token request, as the HTTP layer read it from the form body and the `Authorization`
/// header. Build it with [`TokenRequest::from_form_pairs`]. `Debug` hides codes, verifiers,
/// tokens and secrets.
#[derive(Default, Clone)]
#[non_exhaustive]
pub struct TokenRequest {
    /// How the client authenticates.
    pub credentials: ClientCredentials,
    /// `grant_type`.
    pub grant_type: Option<String>,
    /// `code` (authorization_code grant).
    pub code: Option<String>,
    /// `redirect_uri` (authorization_code grant): must equal the authorization request's.
    pub redirect_uri: Option<String>,
    /// `code_verifier` (PKCE).
    pub code_verifier: Option<String>,
    /// `refresh_token` (refresh_token grant).
    pub refresh_token: Option<String>,
    /// `scope` (refresh_token grant): narrows the new access token's scope.
    pub scope: Option<String>,
    repeated: Option<&'static str>,
}

impl TokenRequest {
    /// The request from decoded form pairs and the raw `Authorization` header, if any.
    pub fn from_form_pairs<I, K, V>(pairs: I, authorization_header: Option<String>) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        let mut request = Self {
            credentials: ClientCredentials::new(authorization_header, None, None),
            ..Self::default()
        };
        for (name, value) in pairs {
            let (slot, name): (&mut Option<String>, &'static str) = match name.as_ref() {
                "grant_type" => (&mut request.grant_type, "grant_type"),
                "code" => (&mut request.code, "code"),
                "redirect_uri" => (&mut request.redirect_uri, "redirect_uri"),
                "code_verifier" => (&mut request.code_verifier, "code_verifier"),
                "refresh_token" => (&mut request.refresh_token, "refresh_token"),
                "scope" => (&mut request.scope, "scope"),
                "client_id" => (&mut request.credentials.client_id, "client_id"),
                "client_secret" => (&mut request.credentials.client_secret, "client_secret"),
                _ => continue,
            };
            if slot.is_some() {
                request.repeated.get_or_insert(name);
            } else {
                *slot = Some(value.into());
            }
        }
        request
    }
}

impl fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |value: &Option<String>| value.as_ref().map(|_| "[redacted]");
        f.debug_struct("TokenRequest")
            .field("credentials", &self.credentials)
            .field("grant_type", &self.grant_type)
            .field("code", &hidden(&self.code))
            .field("redirect_uri", &self.redirect_uri)
            .field("code_verifier", &hidden(&self.code_verifier))
            .field("refresh_token", &hidden(&self.refresh_token))
            .field("scope", &self.scope)
            .finish()
    }
}

/// A successful token response (RFC 6749 §5.1). Serialize it as the JSON body, with
/// [`NO_STORE_HEADERS`]. `Debug` hides the tokens.
#[derive(Debug)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The access token.
    pub access_token: IssuedAccessToken,
    /// The new refresh token (always issued; rotated at every refresh).
    pub refresh_token: OpaqueToken,
    /// The scope of the access token.
    pub scope: Scope,
    /// The id_token, when the scope holds `openid`.
    pub id_token: Option<SignedJwt>,
    /// The session (grant) the tokens belong to.
    pub session_id: SessionId,
}

impl Serialize for TokenResponse {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("access_token", self.access_token.token.secret())?;
        map.serialize_entry("token_type", "Bearer")?;
        map.serialize_entry("expires_in", &self.access_token.expires_in)?;
        map.serialize_entry("refresh_token", self.refresh_token.secret())?;
        map.serialize_entry("scope", self.scope.as_str())?;
        if let Some(id_token) = &self.id_token {
            map.serialize_entry("id_token", id_token.secret())?;
        }
        map.end()
    }
}

/// The claims of an id_token (OpenID Connect Core §2).
#[derive(Serialize)]
struct IdTokenClaims<'a> {
    iss: &'a str,
    sub: String,
    aud: &'a str,
    exp: u64,
    iat: u64,
    auth_time: u64,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    amr: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    acr: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    at_hash: String,
}

/// How and when the user signed in for the code `record`.
fn code_assurance(record: &crate::store::AuthorizationCode) -> Assurance {
    let mut assurance = Assurance::new(record.auth_time, record.amr.iter().map(String::as_str));
    assurance.acr.clone_from(&record.acr);
    assurance
}

impl OAuthServer {
    /// `POST /oauth/token`: authenticates the client, then runs the grant.
    ///
    /// Answer `Ok` with the serialized [`TokenResponse`] and [`NO_STORE_HEADERS`]; answer `Err`
    /// with [`OAuthError::status_code`], [`OAuthError::www_authenticate`], the JSON
    /// [`OAuthError::body`] and [`NO_STORE_HEADERS`] too.
    ///
    /// * Client authentication: `client_secret_basic`, `client_secret_post`, or `client_id`
    ///   alone for a public client; anything else, an unknown client or a wrong secret is
    ///   `invalid_client` (401); two methods at once is `invalid_request`.
    /// * `grant_type=authorization_code`: the code must be unused, unexpired, issued to this
    ///   client, with the same `redirect_uri`, and `code_verifier` must match its S256
    ///   challenge; otherwise `invalid_grant`. A code presented a second time revokes the
    ///   grant (session, refresh tokens and, through `sid`, access tokens) its first use
    ///   started. Tokens: an access token (`client_id`, `scope`, `sid`), a refresh token, and
    ///   with `openid` an id_token (`nonce`, `at_hash`, `auth_time`).
    /// * `grant_type=refresh_token`: the token must belong to this client's grant; it is
    ///   rotated (one atomic write) with reuse detection as in
    ///   [`AuthService::refresh`](crate::flows::AuthService::refresh) — a rotated token
    ///   presented after the grace window revokes the grant; `scope` may narrow, never widen.
    /// * Any other grant type (`password`, `implicit`, `client_credentials`, …) is
    ///   `unsupported_grant_type`; a client not registered for a grant type gets
    ///   `unauthorized_client`.
    #[tracing::instrument(skip_all, fields(client_id = field::Empty, grant_type = field::Empty, session_id = field::Empty))]
    pub async fn token(&self, request: &TokenRequest) -> Result<TokenResponse, OAuthError> {
        if request.repeated.is_some() {
            return Err(OAuthError::InvalidRequest(
                "a parameter appears more than once",
            ));
        }
        let client = self.authenticate_client(&request.credentials).await?;
        let span = tracing::Span::current();
        let grant = match request.grant_type.as_deref() {
            None => return Err(OAuthError::InvalidRequest("grant_type is missing")),
            Some(name) => GrantType::parse(name).ok_or_else(|| {
                tracing::info!("unsupported grant type requested");
                OAuthError::UnsupportedGrantType
            })?,
        };
        span.record("grant_type", grant.as_str());
        if !client.grant_types.contains(&grant) {
            return Err(OAuthError::UnauthorizedClient(
                "the client is not registered for this grant type",
            ));
        }
        match grant {
            GrantType::AuthorizationCode => self.exchange_code(&client, request).await,
            GrantType::RefreshToken => self.refresh_grant(&client, request).await,
        }
    }

    /// Authenticates a client at the token, revocation or introspection endpoint.
    pub(super) async fn authenticate_client(
        &self,
        credentials: &ClientCredentials,
    ) -> Result<OAuthClient, OAuthError> {
        let presented = client::presented(credentials)?;
        let Some(found) = self
            .inner
            .oauth
            .clients
            .client(presented.client_id())
            .await?
        else {
            tracing::info!("client authentication failed: unknown client");
            return Err(OAuthError::InvalidClient);
        };
        tracing::Span::current().record("client_id", found.client_id.as_str());
        client::verify(&found, &presented).inspect_err(|_| {
            tracing::info!("client authentication failed");
        })?;
        Ok(found)
    }

    async fn exchange_code(
        &self,
        client: &OAuthClient,
        request: &TokenRequest,
    ) -> Result<TokenResponse, OAuthError> {
        let Some(code) = request.code.as_deref() else {
            return Err(OAuthError::InvalidRequest("code is missing"));
        };
        let Ok(code) = OpaqueToken::parse(code) else {
            return Err(OAuthError::InvalidGrant(
                "the authorization code is invalid",
            ));
        };
        let now = self.now();
        let session_id = SessionId::generate()?;
        let hash = code.hash();
        let codes = &self.inner.oauth.codes;
        let record = match codes
            .redeem_authorization_code(&hash, session_id, now)
            .await?
        {
            CodeRedemption::Redeemed(record) => record,
            CodeRedemption::Replayed(record) => {
                self.revoke_replayed(&record.client_id, record.user_id, record.session_id, now)
                    .await?;
                return Err(OAuthError::InvalidGrant(
                    "the authorization code was already used",
                ));
            }
            CodeRedemption::Expired | CodeRedemption::Unknown => {
                return Err(OAuthError::InvalidGrant(
                    "the authorization code is invalid or expired",
                ));
            }
        };
        // The code is spent from here on, whatever else is wrong with the request.
        if record.client_id != client.client_id {
            tracing::warn!("authorization code presented by another client");
            return Err(OAuthError::InvalidGrant(
                "the authorization code was issued to another client",
            ));
        }
        if request.redirect_uri.as_deref() != Some(record.redirect_uri.as_str()) {
            return Err(OAuthError::InvalidGrant(
                "redirect_uri does not match the authorization request",
            ));
        }
        let Some(verifier) = request.code_verifier.as_deref() else {
            return Err(OAuthError::InvalidGrant("PKCE code_verifier is missing"));
        };
        if !verifier_matches(verifier, &record.code_challenge) {
            return Err(OAuthError::InvalidGrant("PKCE verification failed"));
        }
        // The sign-in behind the code must still count: account active, and no cut-off (log
        // out everywhere, password reset, disable) since.
        let user = self.inner.stores.users.user_by_id(record.user_id).await?;
        let user = match (user_standing(user.as_ref(), record.auth_time), user) {
            (Ok(()), Some(user)) => user,
            _ => return Err(OAuthError::InvalidGrant("the user is no longer active")),
        };

        // One session per grant: its refresh tokens are the grant's family.
        let new = NewSession {
            id: session_id,
            user_id: user.id,
            kind: SessionKind::OAuthGrant,
            ip: None,
            user_agent: None,
            device_name: Some(client.name.chars().take(128).collect()),
            // The sign-in behind the code: its time, methods and class, for every token.
            assurance: code_assurance(&record),
        };
        let stores = &self.inner.stores;
        let started = session::start(&*stores.sessions, self.session_rules(), new, now).await?;
        let (refresh_token, expires_at) = (started.refresh_token, started.session.expires_at);
        let grant = OAuthGrant {
            session_id,
            client_id: client.client_id.clone(),
            user_id: user.id,
            scope: record.scope.clone(),
            auth_time: record.auth_time,
            created_at: now,
            expires_at,
        };
        if let Err(error) = self.inner.oauth.grants.insert_grant(&grant).await {
            // Without its grant the session's refresh tokens would be refused anyway; end it.
            stores
                .sessions
                .revoke_session(session_id, RevokeReason::Administrative, now)
                .await?;
            return Err(error.into());
        }

        // A replay that raced this exchange found no session to revoke yet: look again now
        // that the session exists, and revoke it ourselves if so.
        let replayed = codes
            .authorization_code(&hash)
            .await?
            .is_none_or(|stored| stored.replayed_at.is_some());
        if replayed {
            self.revoke_replayed(&client.client_id, user.id, Some(session_id), now)
                .await?;
            return Err(OAuthError::InvalidGrant(
                "the authorization code was already used",
            ));
        }

        let response = self.tokens(
            client,
            &user,
            &grant,
            &code_assurance(&record),
            &grant.scope,
            refresh_token,
            record.nonce.as_deref(),
        )?;
        let mut event = AuditEvent::new(AuditKind::OAuthCodeExchanged, now, true);
        event.user_id = Some(user.id);
        event.session_id = Some(session_id);
        event.detail = Some(client.client_id.clone());
        self.audit(event).await?;
        tracing::debug!("authorization code exchanged");
        Ok(response)
    }

    /// RFC 6749 §4.1.2: a code used twice revokes the tokens it issued.
    async fn revoke_replayed(
        &self,
        client_id: &str,
        user_id: UserId,
        session_id: Option<SessionId>,
        now: SystemTime,
    ) -> Result<(), OAuthError> {
        if let Some(session_id) = session_id {
            self.inner
                .stores
                .sessions
                .revoke_session(session_id, RevokeReason::AuthorizationCodeReplay, now)
                .await?;
            self.announce(Invalidation::Session(session_id));
        }
        let mut event = AuditEvent::new(AuditKind::OAuthCodeReplay, now, false);
        event.user_id = Some(user_id);
        event.session_id = session_id;
        event.detail = Some(client_id.to_owned());
        self.audit(event).await?;
        tracing::warn!("authorization code replayed; its grant was revoked");
        Ok(())
    }

    async fn refresh_grant(
        &self,
        client: &OAuthClient,
        request: &TokenRequest,
    ) -> Result<TokenResponse, OAuthError> {
        let Some(presented) = request.refresh_token.as_deref() else {
            return Err(OAuthError::InvalidRequest("refresh_token is missing"));
        };
        let invalid = || OAuthError::InvalidGrant("the refresh token is invalid or expired");
        let Ok(presented) = OpaqueToken::parse(presented) else {
            return Err(invalid());
        };
        // Which grant the token belongs to, before anything is rotated: a token of another
        // client is refused untouched, and one of another session kind is unknown.
        let grant = match self.grant_token(&presented, client).await? {
            GrantToken::Ours(ours) => ours.grant,
            GrantToken::OtherClient => {
                tracing::warn!("refresh token presented by another client");
                return Err(invalid());
            }
            GrantToken::Unknown => return Err(invalid()),
        };
        tracing::Span::current().record("session_id", field::display(grant.session_id));
        let scope = match request.scope.as_deref() {
            None => grant.scope.clone(),
            Some(asked) => {
                let asked = Scope::parse(asked);
                if asked.is_empty() || asked.iter().any(|scope| !grant.scope.contains(scope)) {
                    return Err(OAuthError::InvalidScope(
                        "the scope is wider than the grant",
                    ));
                }
                super::authorize::union(&Scope::default(), &asked)
            }
        };

        let now = self.now();
        let mut audit = AuditEvent::new(AuditKind::Refresh, now, true);
        audit.detail = Some(client.client_id.clone());
        let (stores, rules, hash) = (&self.inner.stores, self.session_rules(), presented.hash());
        let kind = SessionKind::OAuthGrant;
        match session::refresh(stores, rules, &hash, kind, &audit, now).await? {
            Refresh::Rotated(done) if done.session.id == grant.session_id => {
                let assurance = done.session.assurance();
                self.tokens(
                    client,
                    &done.user,
                    &grant,
                    &assurance,
                    &scope,
                    done.refresh_token,
                    None,
                )
            }
            Refresh::RecentlyRotated => Err(OAuthError::InvalidGrant(
                "the refresh token was just rotated",
            )),
            Refresh::Reused(_) => Err(OAuthError::InvalidGrant(
                "the refresh token was already used; the grant is revoked",
            )),
            Refresh::Rotated(_) | Refresh::Invalid => Err(invalid()),
        }
    }

    /// The lifetimes of this server's grant sessions.
    pub(super) fn session_rules(&self) -> SessionRules {
        let config = &self.inner.config;
        let (lifetime, idle) = (config.refresh_token_lifetime, config.session_idle_timeout);
        SessionRules::new(lifetime, idle, config.refresh_reuse_grace)
    }

    /// What `token` is to `client`: the one lookup of a refresh token at the token,
    /// revocation and introspection endpoints. Only tokens of OAuth grant sessions are
    /// looked at; a first-party or sign-in token is [`GrantToken::Unknown`].
    pub(super) async fn grant_token(
        &self,
        token: &OpaqueToken,
        client: &OAuthClient,
    ) -> Result<GrantToken, OAuthError> {
        let sessions = &self.inner.stores.sessions;
        let Some(record) = sessions
            .refresh_token(&token.hash(), SessionKind::OAuthGrant)
            .await?
        else {
            return Ok(GrantToken::Unknown);
        };
        let Some(grant) = self.inner.oauth.grants.grant(record.session_id).await? else {
            return Ok(GrantToken::Unknown);
        };
        if grant.client_id != client.client_id {
            return Ok(GrantToken::OtherClient);
        }
        Ok(GrantToken::Ours(Box::new(OwnGrantToken { record, grant })))
    }

    /// The access token (and id_token with `openid`) for `grant`, with `scope`.
    #[allow(clippy::too_many_arguments)] // each is one fact of the response; a struct would only rename them
    fn tokens(
        &self,
        client: &OAuthClient,
        user: &User,
        grant: &OAuthGrant,
        assurance: &Assurance,
        scope: &Scope,
        refresh_token: OpaqueToken,
        nonce: Option<&str>,
    ) -> Result<TokenResponse, OAuthError> {
        let access_token = self.inner.issuer.issue(
            &AccessTokenRequest::new(user.id.to_string())
                .session(grant.session_id.to_string())
                .client(client.client_id.clone())
                .scope(scope.clone())
                .assurance(
                    assurance.auth_time,
                    assurance.amr.clone(),
                    assurance.acr.clone(),
                ),
        )?;
        let id_token = if scope.contains("openid") {
            let signer = &self.inner.id_tokens;
            let config = &self.inner.config;
            let claims = IdTokenClaims {
                iss: &config.issuer,
                sub: user.id.to_string(),
                aud: &client.client_id,
                exp: access_token
                    .issued_at
                    .saturating_add(config.id_token_ttl.as_secs()),
                iat: access_token.issued_at,
                auth_time: unix(assurance.auth_time),
                amr: &assurance.amr,
                acr: assurance.acr.as_deref(),
                nonce,
                at_hash: at_hash(signer.key().algorithm(), access_token.token.secret()),
            };
            Some(signer.sign(&claims)?)
        } else {
            None
        };
        Ok(TokenResponse {
            access_token,
            refresh_token,
            scope: scope.clone(),
            id_token,
            session_id: grant.session_id,
        })
    }
}
