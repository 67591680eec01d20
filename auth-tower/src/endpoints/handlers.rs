//! One method per endpoint. Each reads its input, calls one auth-core flow, and shapes the
//! answer; every refusal goes through [`Failure`].

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_core::ErrorChain;
use auth_core::flows::{AuthError, SignupOutcome, SignupRequest, TokenPair};
use auth_core::opaque::OpaqueToken;
use auth_core::password::Password;
use auth_core::revocation::RevocationChecker;
use auth_core::store::{Session, SessionId, User, UserId};
use auth_core::token::IssuedAccessToken;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, COOKIE};
use http::{HeaderMap, Method, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::response::{Failure, add_cookie, host_cookie, json, no_content};
use super::{AuthEndpoints, EndpointRequest};
use crate::context::{AuthContext, CredentialSource};
use crate::credentials::single_cookie;

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Credentials))]
pub(crate) struct Credentials {
    email: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    password: Password,
    #[serde(default)]
    device_name: Option<String>,
    /// Bearer mode, login only: the refresh token of this device's live session, which lets
    /// the login past the account-wide ceiling (see `AuthService::login_on_device`).
    #[serde(default)]
    refresh_token: Option<String>,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RefreshRequest))]
pub(crate) struct RefreshBody {
    refresh_token: String,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PasswordChangeRequest))]
pub(crate) struct PasswordChangeBody {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    current_password: Password,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    new_password: Password,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PasswordForgotRequest))]
pub(crate) struct ForgotBody {
    email: String,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = PasswordResetRequest))]
pub(crate) struct ResetBody {
    token: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Password))]
    new_password: Password,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = EmailVerifyRequest))]
pub(crate) struct VerifyBody {
    token: String,
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TokenResponse))]
pub(crate) struct TokenBody<'a> {
    access_token: &'a str,
    token_type: &'static str,
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
}

/// An access token alone (a re-authentication or second factor within a session: the
/// refresh token stays as it was).
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AccessTokenResponse))]
pub(crate) struct AccessTokenBody<'a> {
    access_token: &'a str,
    token_type: &'static str,
    expires_in: u64,
}

impl<'a> From<&'a IssuedAccessToken> for AccessTokenBody<'a> {
    fn from(token: &'a IssuedAccessToken) -> Self {
        Self {
            access_token: token.token.secret(),
            token_type: "Bearer",
            expires_in: token.expires_in,
        }
    }
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = User))]
pub(crate) struct UserBody<'a> {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    id: UserId,
    email: &'a str,
    email_verified: bool,
    username: Option<&'a str>,
    display_name: Option<&'a str>,
    avatar_url: Option<&'a str>,
    locale: Option<&'a str>,
    roles: &'a [String],
    permissions: &'a [String],
    plan: Option<&'a str>,
    tenant_id: Option<&'a str>,
    created_at: u64,
}

impl<'a> From<&'a User> for UserBody<'a> {
    fn from(user: &'a User) -> Self {
        Self {
            id: user.id,
            email: &user.email,
            email_verified: user.email_verified,
            username: user.username.as_deref(),
            display_name: user.display_name.as_deref(),
            avatar_url: user.avatar_url.as_deref(),
            locale: user.locale.as_deref(),
            roles: &user.roles,
            permissions: &user.permissions,
            plan: user.plan.as_deref(),
            tenant_id: user.tenant_id.as_deref(),
            created_at: unix(user.created_at),
        }
    }
}

#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Session))]
pub(crate) struct SessionBody<'a> {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    id: SessionId,
    created_at: u64,
    last_used_at: u64,
    expires_at: u64,
    ip: Option<&'a str>,
    user_agent: Option<&'a str>,
    device_name: Option<&'a str>,
    current: bool,
}

pub(super) fn unix(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// Whether `Content-Type` is `application/json` (parameters such as `charset` allowed).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

pub(super) fn parse_json<T: DeserializeOwned>(request: &EndpointRequest) -> Result<T, Failure> {
    if !is_json(&request.headers) {
        return Err(Failure::UnsupportedMediaType);
    }
    serde_json::from_slice(&request.body).map_err(|_| Failure::MalformedBody)
}

impl AuthEndpoints {
    /// Authenticates a signed-in route; cookie-borne tokens on state-changing requests also
    /// need the double-submit CSRF token.
    pub(super) async fn signed_in(
        &self,
        request: &EndpointRequest,
    ) -> Result<AuthContext, Failure> {
        let context = self.inner.authenticator.require(&request.headers).await?;
        if context.source() == CredentialSource::Cookie
            && request.method != Method::GET
            && !self.csrf_token_matches(&request.headers)
        {
            tracing::info!("cookie-authenticated request without a valid CSRF token");
            return Err(Failure::Csrf);
        }
        Ok(context)
    }

    pub(super) fn user_id(context: &AuthContext) -> Result<UserId, Failure> {
        context.user_id().ok_or(Failure::InvalidRequest(
            "the access token does not name a user",
        ))
    }

    pub(super) fn session_id(context: &AuthContext) -> Result<SessionId, Failure> {
        context.session_id().ok_or(Failure::InvalidRequest(
            "the access token does not name a session",
        ))
    }

    /// The token response; in cookie mode the refresh token goes into the `__Host-` cookie
    /// (never the body, never a URL) together with a fresh CSRF token.
    pub(super) fn token_response(
        &self,
        status: StatusCode,
        pair: &TokenPair,
    ) -> Result<Response<Bytes>, Failure> {
        let cookie_mode = self.cookie_mode();
        let body = TokenBody {
            access_token: pair.access_token.token.secret(),
            token_type: "Bearer",
            expires_in: pair.access_token.expires_in,
            refresh_token: (!cookie_mode).then(|| pair.refresh_token.secret()),
        };
        let mut response = json(status, &body);
        if cookie_mode {
            self.set_session_cookies(&mut response, pair)?;
        }
        Ok(response)
    }

    /// Cookie mode: the refresh token in the `__Host-` HttpOnly cookie and a fresh CSRF
    /// double-submit token, both living as long as the refresh token.
    pub(super) fn set_session_cookies(
        &self,
        response: &mut Response<Bytes>,
        pair: &TokenPair,
    ) -> Result<(), Failure> {
        let config = &self.inner.config;
        let max_age = pair
            .refresh_expires_at
            .duration_since(self.inner.clock.now())
            .unwrap_or(Duration::ZERO);
        let csrf = OpaqueToken::generate().map_err(|_| AuthError::Random)?;
        add_cookie(
            response,
            &host_cookie(
                &config.refresh_cookie,
                pair.refresh_token.secret(),
                max_age,
                true,
            ),
        );
        add_cookie(
            response,
            &host_cookie(&config.csrf_cookie, csrf.secret(), max_age, false),
        );
        Ok(())
    }

    pub(super) fn clear_cookies(&self, response: &mut Response<Bytes>) {
        let config = &self.inner.config;
        add_cookie(
            response,
            &host_cookie(&config.refresh_cookie, "", Duration::ZERO, true),
        );
        add_cookie(
            response,
            &host_cookie(&config.csrf_cookie, "", Duration::ZERO, false),
        );
    }

    pub(super) async fn signup(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        #[derive(Serialize)]
        struct Accepted {
            status: &'static str,
        }
        let body: Credentials = parse_json(request)?;
        let mut client = self.client_info(request);
        if let Some(device) = body.device_name {
            client = client.device_name(device);
        }
        let service = &self.inner.service;
        let signup = SignupRequest::new(body.email, body.password);
        match service.register(signup, &client).await? {
            SignupOutcome::SignedIn { user, tokens } => {
                if self.inner.config.verify_email_on_signup
                    && let Err(error) = service.request_email_verification(user.id).await
                {
                    tracing::error!(error = %ErrorChain::new(&error), user_id = %user.id, "verification email after signup failed");
                }
                self.token_response(StatusCode::CREATED, &tokens)
            }
            // Enumeration-safe mode: the same 202 for a new and a taken address.
            _ => Ok(json(StatusCode::ACCEPTED, &Accepted { status: "accepted" })),
        }
    }

    pub(super) async fn login(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let body: Credentials = parse_json(request)?;
        let mut client = self.client_info(request);
        if let Some(device) = body.device_name {
            client = client.device_name(device);
        }
        let service = &self.inner.service;
        let outcome = match self.device_refresh_token(request, body.refresh_token) {
            Some(token) => {
                service
                    .login_on_device(&body.email, body.password, &client, &token)
                    .await
            }
            None => service.login(&body.email, body.password, &client).await,
        };
        match outcome {
            Ok(pair) => self.token_response(StatusCode::OK, &pair),
            // The password was right; the second step's challenge goes to the client.
            Err(error) => match self.challenge_response(&error) {
                Some(response) => Ok(response),
                None => Err(error.into()),
            },
        }
    }

    /// The refresh token a login presents as proof of a live session on this device: the
    /// refresh cookie in cookie mode, the body's `refresh_token` in bearer mode. Only ever
    /// looked up, never rotated; a missing, repeated or invalid one just makes an ordinary
    /// login (a login must not fail over a stale cookie).
    fn device_refresh_token(
        &self,
        request: &EndpointRequest,
        from_body: Option<String>,
    ) -> Option<String> {
        if !self.cookie_mode() {
            return from_body;
        }
        single_cookie(
            request.headers.get_all(COOKIE).iter().map(|v| v.as_bytes()),
            &self.inner.config.refresh_cookie,
        )
        .ok()
        .flatten()
        .and_then(|token| std::str::from_utf8(token).ok())
        .map(str::to_owned)
    }

    pub(super) async fn refresh(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let client = self.client_info(request);
        let pair = if self.cookie_mode() {
            if !self.csrf_token_matches(&request.headers) {
                tracing::info!("refresh without a valid CSRF token");
                return Err(Failure::Csrf);
            }
            let cookie = single_cookie(
                request.headers.get_all(COOKIE).iter().map(|v| v.as_bytes()),
                &self.inner.config.refresh_cookie,
            )
            .map_err(|_| Failure::InvalidRequest("the refresh cookie appears more than once"))?;
            let token = cookie
                .and_then(|token| std::str::from_utf8(token).ok())
                .ok_or(AuthError::InvalidRefreshToken)?;
            self.inner.service.refresh(token, &client).await?
        } else {
            let body: RefreshBody = parse_json(request)?;
            self.inner
                .service
                .refresh(&body.refresh_token, &client)
                .await?
        };
        self.token_response(StatusCode::OK, &pair)
    }

    pub(super) async fn logout(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        let session = Self::session_id(&context)?;
        self.inner.service.logout(session).await?;
        self.forget(|checker| checker.forget_session(session));
        let mut response = no_content();
        if self.cookie_mode() {
            self.clear_cookies(&mut response);
        }
        Ok(response)
    }

    pub(super) async fn logout_all(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        #[derive(Serialize)]
        struct Ended {
            sessions_ended: u64,
        }
        let context = self.signed_in(request).await?;
        let user = Self::user_id(&context)?;
        let sessions_ended = self.inner.service.logout_all(user).await?;
        self.forget(|checker| checker.forget_user(user));
        let mut response = json(StatusCode::OK, &Ended { sessions_ended });
        if self.cookie_mode() {
            self.clear_cookies(&mut response);
        }
        Ok(response)
    }

    pub(super) async fn me(&self, request: &EndpointRequest) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        let user = self.inner.service.me(Self::user_id(&context)?).await?;
        Ok(json(StatusCode::OK, &UserBody::from(&user)))
    }

    pub(super) async fn sessions(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        let current = context.session_id();
        let sessions: Vec<Session> = self
            .inner
            .service
            .list_sessions(Self::user_id(&context)?)
            .await?;
        let body: Vec<SessionBody<'_>> = sessions
            .iter()
            .map(|session| SessionBody {
                id: session.id,
                created_at: unix(session.created_at),
                last_used_at: unix(session.last_used_at),
                expires_at: unix(session.expires_at),
                ip: session.ip.as_deref(),
                user_agent: session.user_agent.as_deref(),
                device_name: session.device_name.as_deref(),
                current: Some(session.id) == current,
            })
            .collect();
        Ok(json(StatusCode::OK, &body))
    }

    pub(super) async fn end_session(
        &self,
        request: &EndpointRequest,
        id: &str,
    ) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        let user = Self::user_id(&context)?;
        // An id that is not even a UUID is as unknown as any other.
        let session = SessionId::parse(id).ok_or(AuthError::SessionNotFound)?;
        self.inner.service.end_session(user, session).await?;
        self.forget(|checker| checker.forget_session(session));
        Ok(no_content())
    }

    pub(super) async fn password_change(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let context = self.signed_in(request).await?;
        let body: PasswordChangeBody = parse_json(request)?;
        let user = Self::user_id(&context)?;
        self.inner
            .service
            .change_password(
                user,
                Self::session_id(&context)?,
                body.current_password,
                body.new_password,
            )
            .await?;
        self.forget(|checker| checker.forget_user(user));
        Ok(no_content())
    }

    pub(super) async fn password_forgot(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        #[derive(Serialize)]
        struct Accepted {
            status: &'static str,
        }
        let body: ForgotBody = parse_json(request)?;
        let client = self.client_info(request);
        self.inner
            .service
            .request_password_reset(&body.email, &client)
            .await?;
        Ok(json(StatusCode::ACCEPTED, &Accepted { status: "accepted" }))
    }

    pub(super) async fn password_reset(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let body: ResetBody = parse_json(request)?;
        let client = self.client_info(request);
        self.inner
            .service
            .reset_password(&body.token, body.new_password, &client)
            .await?;
        // The link names no user here: forget everything (a few cache misses).
        self.forget(RevocationChecker::forget_all);
        Ok(no_content())
    }

    pub(super) async fn email_verify(
        &self,
        request: &EndpointRequest,
    ) -> Result<Response<Bytes>, Failure> {
        let body: VerifyBody = parse_json(request)?;
        let client = self.client_info(request);
        self.inner
            .service
            .verify_email(&body.token, &client)
            .await?;
        // Verifying may end the sessions of whoever held the account (pre-account takeover).
        self.forget(RevocationChecker::forget_all);
        Ok(no_content())
    }

    /// Tells this process's revocation cache what a flow just revoked, so that logout and its
    /// kin take effect here at once rather than after the cache's staleness bound (other
    /// instances still see it within theirs). The flow has already told the service's own
    /// checker; the authenticator's is told only when it is another one (built apart from
    /// the service), so a logout is invalidated — and, with Redis, published — once.
    fn forget(&self, forget: impl FnOnce(&RevocationChecker)) {
        if let Some(checker) = self.inner.authenticator.revocation_checker()
            && !checker.is_same_checker(self.inner.service.revocation_checker())
        {
            forget(checker);
        }
    }
}
