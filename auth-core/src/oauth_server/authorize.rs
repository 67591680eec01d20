//! The authorization endpoint: validating a request, deciding between the login page, the
//! consent page and a redirect, and issuing authorization codes.

use std::time::SystemTime;

use tracing::field;

use super::pkce::{S256, is_s256_challenge};
use super::redirect::redirect_uri_matches;
use super::response::{Response, ResponseMode, respond};
use super::service::later;
use super::sign_in::{SignInRequirement, parse_max_age};
use super::{
    AuthorizationRedirect, AuthorizeRequest, FormPostResponse, OAuthError, OAuthErrorCode,
    OAuthServer,
};
use crate::opaque::OpaqueToken;
use crate::store::{
    AuditEvent, AuditKind, AuthorizationCode, ClientType, Consent, GrantType, OAuthClient, UserId,
};
use crate::token::Scope;

/// Headers for the login, consent and error pages of the authorization endpoint: they must
/// not be framed (clickjacking a consent button), cached, or leak the request's query through
/// `Referer`.
pub const INTERACTION_PAGE_HEADERS: [(&str, &str); 5] = [
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "frame-ancestors 'none'"),
    ("Cache-Control", "no-store"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Content-Type-Options", "nosniff"),
];

/// The longest `state` echoed back, in bytes; a longer one is refused.
const MAX_STATE_BYTES: usize = 1024;
/// The longest `nonce` kept, in bytes.
const MAX_NONCE_BYTES: usize = 512;

/// The user on whose behalf the browser asks, as the host's sign-in session says: their id,
/// when they signed in (the sign-in session's `auth_time`, not its last use), and how.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceOwner {
    /// The signed-in user.
    pub user_id: UserId,
    /// When they authenticated (the id_token's `auth_time`).
    pub auth_time: SystemTime,
    /// How (the tokens' `amr`); empty when not known.
    pub amr: Vec<String>,
    /// The authentication context class satisfied (the tokens' `acr`).
    pub acr: Option<String>,
}

impl ResourceOwner {
    /// `user_id`, who signed in at `auth_time` by methods not recorded.
    pub fn new(user_id: UserId, auth_time: SystemTime) -> Self {
        Self {
            user_id,
            auth_time,
            amr: Vec::new(),
            acr: None,
        }
    }

    /// `user_id`, who signed in as `assurance` says (a sign-in session's
    /// [`Session::assurance`](crate::store::Session::assurance)).
    pub fn from_assurance(user_id: UserId, assurance: crate::store::Assurance) -> Self {
        Self {
            user_id,
            auth_time: assurance.auth_time,
            amr: assurance.amr,
            acr: assurance.acr,
        }
    }
}

/// What the HTTP layer does with an authorization request.
#[derive(Debug)]
#[non_exhaustive]
pub enum AuthorizeOutcome {
    /// The client or redirect URI could not be trusted (missing, unknown, unregistered, or a
    /// repeated parameter): show an error page (400). **Never redirect**: the redirect URI
    /// may belong to an attacker.
    ErrorPage(AuthorizeErrorPage),
    /// Redirect the browser (302/303) to [`AuthorizationRedirect::location`]: the code, or an
    /// error, with `state` and `iss` (`response_mode=query`, the default).
    Redirect(AuthorizationRedirect),
    /// Answer with a page that posts the code, or an error, with `state` and `iss` to the
    /// redirect URI (`response_mode=form_post`); see [`FormPostResponse`].
    FormPost(FormPostResponse),
    /// The user must sign in: show the login page, then continue with the same
    /// authorization request minus what that sign-in satisfied
    /// ([`sign_in_continuation`](super::sign_in_continuation)).
    LoginRequired(InteractionPrompt),
    /// The user must consent: show the consent page (which cannot be framed, and posts with
    /// a CSRF token), then call [`OAuthServer::decide_consent`] with the same request.
    ConsentRequired(InteractionPrompt),
}

/// An error shown on the server's own page, never sent to the redirect URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizeErrorPage {
    /// The error.
    pub error: OAuthErrorCode,
    /// A fixed text to show; contains no request input.
    pub description: &'static str,
}

/// What the login or consent page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InteractionPrompt {
    /// The client's id.
    pub client_id: String,
    /// The client's registered name (escape it when rendering).
    pub client_name: String,
    /// The scopes asked for.
    pub scope: Scope,
}

/// A request whose client and redirect URI are trusted and whose parameters are valid.
struct Validated {
    client: OAuthClient,
    /// The redirect URI exactly as the request gave it: one of the client's, or a public
    /// client's loopback URI on another port.
    redirect_uri: String,
    response_mode: ResponseMode,
    state: Option<String>,
    scope: Scope,
    code_challenge: String,
    nonce: Option<String>,
    prompt: Prompt,
    sign_in: SignInRequirement,
}

#[derive(Default)]
struct Prompt {
    none: bool,
    consent: bool,
}

fn page(error: OAuthErrorCode, description: &'static str) -> AuthorizeOutcome {
    AuthorizeOutcome::ErrorPage(AuthorizeErrorPage { error, description })
}

impl OAuthServer {
    /// `GET /oauth/authorize`: decides what to do with an authorization request.
    ///
    /// `owner` is the signed-in user per the host's own sign-in session (a `__Host-` cookie),
    /// or `None`. In order:
    ///
    /// 1. a repeated parameter, a missing or unknown `client_id`, or a `redirect_uri` that is
    ///    missing or not byte-for-byte one of the client's → [`AuthorizeOutcome::ErrorPage`].
    ///    The one exception, for public (native) clients only: a registered loopback IP
    ///    literal URI (`http://127.0.0.1:PORT/…`, `http://[::1]:PORT/…`) matches the same URI
    ///    on any port (RFC 8252 §7.3); `localhost` is not an IP literal and matches exactly
    ///    (§8.3). The code is bound to the URI exactly as requested;
    /// 2. otherwise errors go to the redirect URI with `state` and `iss`, in the request's
    ///    `response_mode` (`query` when it is missing or itself refused): a `response_mode`
    ///    other than `query` or `form_post` (`invalid_request`), a `request` or `request_uri`
    ///    parameter (`request_not_supported`, `request_uri_not_supported`: OpenID Connect
    ///    Core §6), `response_type` other than `code` (`unsupported_response_type`), PKCE
    ///    missing, `plain`, or a malformed challenge (`invalid_request`), a scope empty or
    ///    beyond the client's (`invalid_scope`), a client without the code grant
    ///    (`unauthorized_client`), a malformed `max_age` (`invalid_request`);
    /// 3. no (active) user, or a sign-in the request does not accept — any with
    ///    `prompt=login` or `max_age=0`, one older than `max_age` seconds (OpenID Connect
    ///    Core §3.1.2.1; see [`sign_in_continuation`](super::sign_in_continuation)) →
    ///    [`AuthorizeOutcome::LoginRequired`], or with `prompt=none` a `login_required`
    ///    response;
    /// 4. a third-party client without the user's consent to every scope asked (or
    ///    `prompt=consent`) → [`AuthorizeOutcome::ConsentRequired`], or with `prompt=none` a
    ///    `consent_required` response;
    /// 5. otherwise a code is issued (single use, [`code_ttl`](super::OAuthServerConfig::code_ttl),
    ///    bound to client, redirect URI, PKCE challenge, scope, nonce, user and `auth_time`,
    ///    which the id_token always carries) and the answer is a redirect
    ///    ([`AuthorizeOutcome::Redirect`]) or a form post ([`AuthorizeOutcome::FormPost`])
    ///    with it.
    ///
    /// # Errors
    /// Only infrastructure failures ([`OAuthError::Store`], [`OAuthError::Random`]): show a
    /// 500 page.
    #[tracing::instrument(skip_all, fields(client_id = field::Empty, user_id = field::Empty))]
    pub async fn authorize(
        &self,
        request: &AuthorizeRequest,
        owner: Option<&ResourceOwner>,
    ) -> Result<AuthorizeOutcome, OAuthError> {
        let validated = match self.validate_authorization(request).await? {
            Ok(validated) => validated,
            Err(outcome) => return Ok(outcome),
        };
        let now = self.now();
        let owner = match owner {
            Some(owner) if self.user_is_active(owner.user_id).await? => Some(owner),
            _ => None,
        };
        let owner = match owner {
            Some(owner) if validated.sign_in.satisfied_by(owner, now) => owner.clone(),
            _ if validated.prompt.none => {
                return Ok(self.error_response(
                    &validated,
                    OAuthErrorCode::LoginRequired,
                    "the user is not signed in",
                ));
            }
            _ => return Ok(AuthorizeOutcome::LoginRequired(prompt(&validated))),
        };
        tracing::Span::current().record("user_id", field::display(owner.user_id));

        if self.needs_consent(&validated, owner.user_id).await? {
            if validated.prompt.none {
                return Ok(self.error_response(
                    &validated,
                    OAuthErrorCode::ConsentRequired,
                    "the user has not consented to this client",
                ));
            }
            return Ok(AuthorizeOutcome::ConsentRequired(prompt(&validated)));
        }
        self.issue_code(&validated, &owner, now).await
    }

    /// `POST` from the consent page: the user's decision on the same authorization request.
    ///
    /// The request is validated again exactly as by [`authorize`](Self::authorize) (the
    /// page must post the parameters it was shown for back), and so is the sign-in it
    /// accepts: a user who is inactive, or whose sign-in the request does not accept
    /// (`prompt=login`, `max_age`), gets [`AuthorizeOutcome::LoginRequired`].
    /// `approved == false` answers `access_denied`; `true` stores the consent (added to
    /// earlier consent for this client) and answers with a code, both in the request's
    /// response mode. The HTTP layer must protect this `POST` against CSRF and take `owner`
    /// from its sign-in session, never from the form.
    ///
    /// # Errors
    /// Only infrastructure failures.
    #[tracing::instrument(skip_all, fields(client_id = field::Empty, user_id = %owner.user_id))]
    pub async fn decide_consent(
        &self,
        request: &AuthorizeRequest,
        owner: &ResourceOwner,
        approved: bool,
    ) -> Result<AuthorizeOutcome, OAuthError> {
        let validated = match self.validate_authorization(request).await? {
            Ok(validated) => validated,
            Err(outcome) => return Ok(outcome),
        };
        let now = self.now();
        if !validated.sign_in.satisfied_by(owner, now)
            || !self.user_is_active(owner.user_id).await?
        {
            return Ok(AuthorizeOutcome::LoginRequired(prompt(&validated)));
        }
        if !approved {
            tracing::info!("user declined consent");
            return Ok(self.error_response(
                &validated,
                OAuthErrorCode::AccessDenied,
                "the user declined",
            ));
        }
        let consents = &self.inner.oauth.consents;
        let earlier = consents
            .consent(owner.user_id, &validated.client.client_id)
            .await?
            .map(|consent| consent.scope)
            .unwrap_or_default();
        let scope = union(&earlier, &validated.scope);
        consents
            .save_consent(&Consent {
                user_id: owner.user_id,
                client_id: validated.client.client_id.clone(),
                scope,
                granted_at: now,
            })
            .await?;
        let mut event = AuditEvent::new(AuditKind::OAuthConsentGranted, now, true);
        event.user_id = Some(owner.user_id);
        event.detail = Some(validated.client.client_id.clone());
        self.audit(event).await?;
        self.issue_code(&validated, owner, now).await
    }

    /// Steps 1 and 2 of [`authorize`](Self::authorize): `Ok(Err(outcome))` for a request to
    /// refuse.
    async fn validate_authorization(
        &self,
        request: &AuthorizeRequest,
    ) -> Result<Result<Validated, AuthorizeOutcome>, OAuthError> {
        use OAuthErrorCode::{InvalidRequest, InvalidScope};

        if request.repeated.is_some() {
            return Ok(Err(page(
                InvalidRequest,
                "a parameter appears more than once",
            )));
        }
        let Some(client_id) = request.client_id.as_deref().filter(|id| !id.is_empty()) else {
            return Ok(Err(page(InvalidRequest, "client_id is missing")));
        };
        let Some(client) = self.inner.oauth.clients.client(client_id).await? else {
            tracing::debug!("authorization request for an unknown client");
            return Ok(Err(page(OAuthErrorCode::InvalidClient, "unknown client")));
        };
        tracing::Span::current().record("client_id", client.client_id.as_str());
        let Some(redirect_uri) = request.redirect_uri.as_deref() else {
            return Ok(Err(page(InvalidRequest, "redirect_uri is missing")));
        };
        // Byte-for-byte equality with a registered URI, no normalisation of any kind; only a
        // native app's loopback port may differ (RFC 8252 §7.3: the OS picks it at run time).
        let any_loopback_port = client.client_type == ClientType::Public;
        if !client
            .redirect_uris
            .iter()
            .any(|registered| redirect_uri_matches(registered, redirect_uri, any_loopback_port))
        {
            tracing::info!("redirect_uri does not match the client's registration");
            return Ok(Err(page(
                InvalidRequest,
                "redirect_uri is not registered for this client",
            )));
        }

        // From here on, errors are sent to the redirect URI, in the response mode asked for
        // if it is supported.
        let response_mode = ResponseMode::parse(request.response_mode.as_deref());
        let mut validated = Validated {
            client,
            redirect_uri: redirect_uri.to_owned(),
            response_mode: response_mode.unwrap_or_default(),
            state: None,
            scope: Scope::default(),
            code_challenge: String::new(),
            nonce: None,
            prompt: Prompt::default(),
            sign_in: SignInRequirement::default(),
        };
        let refuse =
            |validated: &Validated, code, why| Ok(Err(self.error_response(validated, code, why)));
        match request.state.as_deref() {
            Some(state) if state.len() > MAX_STATE_BYTES => {
                return refuse(&validated, InvalidRequest, "state is too long");
            }
            state => validated.state = state.map(str::to_owned),
        }
        if response_mode.is_none() {
            return refuse(
                &validated,
                InvalidRequest,
                "only the query and form_post response modes are supported",
            );
        }
        // Ignoring a request object would act on parameters the client did not mean
        // (OpenID Connect Core §6.1, §6.2): refuse it.
        if request.request.is_some() {
            return refuse(
                &validated,
                OAuthErrorCode::RequestNotSupported,
                "request objects are not supported",
            );
        }
        if request.request_uri.is_some() {
            return refuse(
                &validated,
                OAuthErrorCode::RequestUriNotSupported,
                "request_uri is not supported",
            );
        }
        match request.response_type.as_deref() {
            Some("code") => {}
            None => return refuse(&validated, InvalidRequest, "response_type is missing"),
            Some(_) => {
                return refuse(
                    &validated,
                    OAuthErrorCode::UnsupportedResponseType,
                    "only response_type=code is supported",
                );
            }
        }
        if !validated
            .client
            .grant_types
            .contains(&GrantType::AuthorizationCode)
        {
            return refuse(
                &validated,
                OAuthErrorCode::UnauthorizedClient,
                "the client may not use the authorization code grant",
            );
        }
        match request.code_challenge_method.as_deref() {
            Some(S256) => {}
            None => {
                return refuse(
                    &validated,
                    InvalidRequest,
                    "PKCE is required: code_challenge_method=S256",
                );
            }
            Some(_) => {
                return refuse(
                    &validated,
                    InvalidRequest,
                    "only the S256 code_challenge_method is supported",
                );
            }
        }
        match request.code_challenge.as_deref() {
            Some(challenge) if is_s256_challenge(challenge) => {
                validated.code_challenge = challenge.to_owned();
            }
            Some(_) => return refuse(&validated, InvalidRequest, "code_challenge is malformed"),
            None => {
                return refuse(
                    &validated,
                    InvalidRequest,
                    "PKCE is required: code_challenge",
                );
            }
        }
        let requested = Scope::parse(request.scope.as_deref().unwrap_or_default());
        if requested.is_empty() {
            return refuse(&validated, InvalidScope, "scope is missing");
        }
        let supported = &self.inner.config.supported_scopes;
        if requested.iter().any(|scope| {
            !supported.contains(scope) || !validated.client.allowed_scopes.contains(scope)
        }) {
            return refuse(
                &validated,
                InvalidScope,
                "a requested scope is unknown or not allowed for this client",
            );
        }
        validated.scope = union(&Scope::default(), &requested);
        match request.nonce.as_deref() {
            Some(nonce) if nonce.len() > MAX_NONCE_BYTES || nonce.is_empty() => {
                return refuse(&validated, InvalidRequest, "nonce is empty or too long");
            }
            nonce => validated.nonce = nonce.map(str::to_owned),
        }
        for value in request.prompt.as_deref().unwrap_or_default().split(' ') {
            match value {
                "none" => validated.prompt.none = true,
                "login" | "select_account" => validated.sign_in.login = true,
                "consent" => validated.prompt.consent = true,
                _ => {} // unknown values are ignored (OpenID Connect Core §3.1.2.1)
            }
        }
        if let Some(max_age) = request.max_age.as_deref() {
            let Some(max_age) = parse_max_age(max_age) else {
                return refuse(
                    &validated,
                    InvalidRequest,
                    "max_age must be a non-negative whole number of seconds",
                );
            };
            validated.sign_in.max_age = Some(max_age);
        }
        if let Some(acr_values) = request.acr_values.as_deref() {
            validated.sign_in.acr_values = acr_values
                .split(' ')
                .filter(|value| !value.is_empty())
                .take(16)
                .map(str::to_owned)
                .collect();
        }
        if validated.prompt.none && (validated.sign_in.login || validated.prompt.consent) {
            return refuse(
                &validated,
                InvalidRequest,
                "prompt=none cannot be combined with other values",
            );
        }
        Ok(Ok(validated))
    }

    async fn user_is_active(&self, user_id: UserId) -> Result<bool, OAuthError> {
        Ok(self
            .inner
            .stores
            .users
            .user_by_id(user_id)
            .await?
            .is_some_and(|user| user.active))
    }

    async fn needs_consent(
        &self,
        validated: &Validated,
        user_id: UserId,
    ) -> Result<bool, OAuthError> {
        if validated.client.first_party {
            return Ok(false);
        }
        if validated.prompt.consent {
            return Ok(true);
        }
        let consent = self
            .inner
            .oauth
            .consents
            .consent(user_id, &validated.client.client_id)
            .await?;
        Ok(!consent.is_some_and(|consent| {
            validated
                .scope
                .iter()
                .all(|scope| consent.scope.contains(scope))
        }))
    }

    async fn issue_code(
        &self,
        validated: &Validated,
        owner: &ResourceOwner,
        now: SystemTime,
    ) -> Result<AuthorizeOutcome, OAuthError> {
        let code = OpaqueToken::generate().map_err(|_| OAuthError::Random)?;
        let record = AuthorizationCode {
            hash: code.hash(),
            client_id: validated.client.client_id.clone(),
            user_id: owner.user_id,
            redirect_uri: validated.redirect_uri.clone(),
            scope: validated.scope.clone(),
            code_challenge: validated.code_challenge.clone(),
            nonce: validated.nonce.clone(),
            auth_time: owner.auth_time,
            amr: owner.amr.clone(),
            acr: owner.acr.clone(),
            created_at: now,
            expires_at: later(now, self.inner.config.code_ttl),
            used_at: None,
            session_id: None,
            replayed_at: None,
        };
        self.inner
            .oauth
            .codes
            .issue_authorization_code(&record)
            .await?;
        let mut event = AuditEvent::new(AuditKind::OAuthCodeIssued, now, true);
        event.user_id = Some(owner.user_id);
        event.detail = Some(validated.client.client_id.clone());
        self.audit(event).await?;
        tracing::debug!("authorization code issued");

        Ok(self.response(validated, vec![("code", code.secret().to_owned())], None))
    }

    /// An error for the client, in the request's response mode.
    fn error_response(
        &self,
        validated: &Validated,
        error: OAuthErrorCode,
        description: &'static str,
    ) -> AuthorizeOutcome {
        let params = vec![
            ("error", error.as_str().to_owned()),
            ("error_description", description.to_owned()),
        ];
        self.response(validated, params, Some(error))
    }

    /// `params`, `state` and `iss` to the redirect URI, in the request's response mode.
    fn response(
        &self,
        validated: &Validated,
        params: Vec<(&'static str, String)>,
        error: Option<OAuthErrorCode>,
    ) -> AuthorizeOutcome {
        match respond(
            validated.response_mode,
            &validated.redirect_uri,
            params,
            validated.state.as_deref(),
            &self.inner.config.issuer,
            error,
        ) {
            Response::Redirect(redirect) => AuthorizeOutcome::Redirect(redirect),
            Response::FormPost(form) => AuthorizeOutcome::FormPost(form),
        }
    }
}

fn prompt(validated: &Validated) -> InteractionPrompt {
    InteractionPrompt {
        client_id: validated.client.client_id.clone(),
        client_name: validated.client.name.clone(),
        scope: validated.scope.clone(),
    }
}

/// The scope tokens of `a` then those of `b` not in `a`, each once.
pub(super) fn union(a: &Scope, b: &Scope) -> Scope {
    let mut tokens: Vec<&str> = Vec::new();
    for token in a.iter().chain(b.iter()) {
        if !tokens.contains(&token) {
            tokens.push(token);
        }
    }
    Scope::new(tokens)
}
