//! One handler per route.

use std::time::Duration;

use auth_core::BearerErrorCode;
use auth_core::ErrorChain;
use auth_core::ToBearerError as _;
use auth_core::flows::{AuthError, Endpoint};
use auth_core::oauth_server::{
    AuthorizeOutcome, AuthorizeRequest, ClientCredentials, NO_STORE_HEADERS, OAuthError,
    TokenRequest, sign_in_continuation,
};
use auth_core::password::Password;
use bytes::Bytes;
use http::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, LOCATION,
    REFERRER_POLICY, RETRY_AFTER, SET_COOKIE, WWW_AUTHENTICATE,
};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use serde::Serialize;

use super::pages::{self, ConsentPage, LoginPage};
use super::{OAuthEndpoints, plain_error};
use crate::credentials::{CredentialConfig, extract};
use crate::rejection::{AuthRejection, RejectionReason, json_error, retry_after_value};

/// The parameters of an authorization request, carried through the login and consent forms.
/// (`request` and `request_uri` are refused before any form is shown.)
const AUTHORIZE_PARAMS: [&str; 11] = [
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "nonce",
    "prompt",
    "max_age",
    "response_mode",
];

/// Decoded `application/x-www-form-urlencoded` pairs (of a body or a query string).
type Pairs = Vec<(String, String)>;

fn decode(input: &[u8]) -> Pairs {
    form_urlencoded::parse(input).into_owned().collect()
}

/// The authorization request's own parameters among `pairs`, in order.
fn authorize_params(pairs: &Pairs) -> Pairs {
    pairs
        .iter()
        .filter(|(name, _)| AUTHORIZE_PARAMS.contains(&name.as_str()))
        .cloned()
        .collect()
}

/// The one value of `name`; `Err` when it is repeated.
fn single<'a>(pairs: &'a Pairs, name: &str) -> Result<Option<&'a str>, ()> {
    let mut values = pairs.iter().filter(|(key, _)| key == name);
    let first = values.next().map(|(_, value)| value.as_str());
    if values.next().is_some() {
        return Err(());
    }
    Ok(first)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            mime.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// The one `Authorization` header as text; `Err` when there are several.
fn authorization(headers: &HeaderMap) -> Result<Option<String>, OAuthError> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(OAuthError::InvalidRequest(
            "more than one Authorization header",
        ));
    }
    // A non-UTF-8 header cannot be valid credentials; auth-core refuses it as invalid_client.
    Ok(first.map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned()))
}

/// `Cache-Control: no-store` and `Pragma: no-cache`.
pub(super) fn no_store(response: &mut Response<Bytes>) {
    for (name, value) in NO_STORE_HEADERS {
        if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
            response
                .headers_mut()
                .insert(name, HeaderValue::from_static(value));
        }
    }
}

fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Bytes> {
    match serde_json::to_vec(value) {
        Ok(body) => {
            let mut response = Response::new(Bytes::from(body));
            *response.status_mut() = status;
            no_store(&mut response);
            response
                .headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(error) => {
            tracing::error!(error = %ErrorChain::new(&error), "response serialization failed");
            plain_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "the server could not complete the request",
            )
        }
    }
}

/// The one mapping of [`OAuthError`] to a response (RFC 6749 §5.2): a store that could not
/// be reached in time is 503 `temporarily_unavailable` with `Retry-After: retry_after`.
fn oauth_error(error: &OAuthError, retry_after: Duration) -> Response<Bytes> {
    if error.is_unavailable() {
        tracing::warn!(
            error = %ErrorChain::new(error),
            "oauth store unreachable; answering 503"
        );
    } else if error.status_code() >= 500 {
        tracing::error!(
            error = %ErrorChain::new(error),
            "oauth request failed"
        );
    } else {
        tracing::debug!(%error, "oauth request refused");
    }
    let status =
        StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = json(status, &error.body());
    if let Some(challenge) = error.www_authenticate() {
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
    }
    if error.is_unavailable() {
        response
            .headers_mut()
            .insert(RETRY_AFTER, retry_after_value(retry_after));
    }
    response
}

/// 429 for a client over the token endpoint's limit (see [`OAuthEndpoints::token`]).
fn too_many_requests(retry_after: Duration) -> Response<Bytes> {
    let mut response = plain_error(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_requests",
        "too many requests; try again later",
    );
    response.headers_mut().insert(
        RETRY_AFTER,
        HeaderValue::from(retry_after.max(Duration::from_secs(1)).as_secs()),
    );
    response
}

fn add_cookie(response: &mut Response<Bytes>, cookie: &str) {
    match HeaderValue::from_str(cookie) {
        Ok(value) => {
            response.headers_mut().append(SET_COOKIE, value);
        }
        Err(_) => tracing::error!("a cookie value is not a valid header value; not set"),
    }
}

fn redirect(status: StatusCode, location: &str) -> Response<Bytes> {
    let Ok(location) = HeaderValue::from_str(location) else {
        tracing::error!("a redirect location is not a valid header value");
        return server_error_page();
    };
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(LOCATION, location);
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    no_store(&mut response);
    response
}

fn server_error_page() -> Response<Bytes> {
    pages::message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "The server could not complete the request. Try again later.",
    )
}

/// The page for a failed browser step: 503 with `Retry-After` when a store could not be
/// reached in time (`unavailable`), the generic 500 page otherwise.
fn failure_page(unavailable: bool, retry_after: Duration) -> Response<Bytes> {
    if !unavailable {
        return server_error_page();
    }
    let mut response = pages::message(
        StatusCode::SERVICE_UNAVAILABLE,
        "Temporarily unavailable",
        "The server is temporarily unavailable. Try again in a moment.",
    );
    response
        .headers_mut()
        .insert(RETRY_AFTER, retry_after_value(retry_after));
    response
}

/// Why a form post was refused before its fields were used.
#[derive(Debug, Clone, Copy)]
enum FormRefused {
    /// Not `application/x-www-form-urlencoded`.
    MediaType,
    /// The CSRF token or the origin check failed.
    Csrf,
}

impl FormRefused {
    fn page(self) -> Response<Bytes> {
        match self {
            Self::MediaType => pages::message(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Unsupported form",
                "The form must be sent as application/x-www-form-urlencoded.",
            ),
            Self::Csrf => pages::message(
                StatusCode::FORBIDDEN,
                "Form expired",
                "The form expired or was sent from another site. Go back to the application and try again.",
            ),
        }
    }
}

impl OAuthEndpoints {
    /// [`failure_page`] with the configured `Retry-After`.
    fn failure_page(&self, unavailable: bool) -> Response<Bytes> {
        failure_page(unavailable, self.inner.config.outage_retry_after)
    }

    // ------------------------------------------------------------------------------------
    // Authorization endpoint, login, consent, logout
    // ------------------------------------------------------------------------------------

    pub(super) async fn authorize(&self, request: &Request<Bytes>) -> Response<Bytes> {
        let pairs = decode(request.uri().query().unwrap_or_default().as_bytes());
        let signed_in = match self.signed_in(request.headers()).await {
            Ok(signed_in) => signed_in,
            Err(error) => {
                tracing::error!(error = %ErrorChain::new(&error), "sign-in session lookup failed");
                return self.failure_page(error.is_unavailable());
            }
        };
        let outcome = self
            .inner
            .server
            .authorize(
                &AuthorizeRequest::from_query_pairs(pairs.iter().map(|(k, v)| (k, v.clone()))),
                signed_in.as_ref().map(|signed_in| &signed_in.owner),
            )
            .await;
        self.render(outcome, &pairs, request.headers(), StatusCode::FOUND)
    }

    /// Renders an [`AuthorizeOutcome`], redirecting with `redirect_status`.
    fn render(
        &self,
        outcome: Result<AuthorizeOutcome, OAuthError>,
        pairs: &Pairs,
        headers: &HeaderMap,
        redirect_status: StatusCode,
    ) -> Response<Bytes> {
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(error) => {
                tracing::error!(error = %ErrorChain::new(&error), "authorization request failed");
                return self.failure_page(error.is_unavailable());
            }
        };
        match outcome {
            AuthorizeOutcome::ErrorPage(page) => pages::authorize_error(&page),
            AuthorizeOutcome::Redirect(to) => redirect(redirect_status, to.location()),
            AuthorizeOutcome::FormPost(form) => pages::form_post(&form),
            AuthorizeOutcome::LoginRequired(prompt) => self.login_page(
                StatusCode::OK,
                headers,
                &authorize_params(pairs),
                Some(&prompt.client_name),
                None,
            ),
            AuthorizeOutcome::ConsentRequired(prompt) => {
                let Some((csrf, set_cookie)) = self.csrf_for_page(headers) else {
                    return server_error_page();
                };
                let config = &self.inner.config;
                let action = self.url(&config.consent_path);
                let mut response = pages::consent(&ConsentPage {
                    site_name: &config.site_name,
                    action: &action,
                    csrf_token: &csrf,
                    params: &authorize_params(pairs),
                    prompt: &prompt,
                });
                if let Some(cookie) = set_cookie {
                    add_cookie(&mut response, &cookie);
                }
                response
            }
            other => {
                tracing::error!(outcome = ?other, "unknown authorization outcome");
                server_error_page()
            }
        }
    }

    fn login_page(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        params: &Pairs,
        client_name: Option<&str>,
        error: Option<&str>,
    ) -> Response<Bytes> {
        let Some((csrf, set_cookie)) = self.csrf_for_page(headers) else {
            return server_error_page();
        };
        let config = &self.inner.config;
        let action = self.url(&config.login_path);
        let mut response = pages::login(
            status,
            &LoginPage {
                site_name: &config.site_name,
                action: &action,
                csrf_token: &csrf,
                params,
                client_name,
                error,
            },
        );
        if let Some(cookie) = set_cookie {
            add_cookie(&mut response, &cookie);
        }
        response
    }

    /// The form pairs of a login, consent or logout post, after both CSRF defences.
    fn checked_form(&self, request: &Request<Bytes>) -> Result<Pairs, FormRefused> {
        if !is_form(request.headers()) {
            return Err(FormRefused::MediaType);
        }
        let pairs = decode(request.body());
        let token = single(&pairs, "csrf_token").ok().flatten();
        if !self.csrf_ok(request.headers(), token) {
            return Err(FormRefused::Csrf);
        }
        Ok(pairs)
    }

    pub(super) async fn login(&self, request: &Request<Bytes>) -> Response<Bytes> {
        let pairs = match self.checked_form(request) {
            Ok(pairs) => pairs,
            Err(refused) => return refused.page(),
        };
        let params = authorize_params(&pairs);
        let headers = request.headers();
        let (Ok(Some(username)), Ok(Some(password))) =
            (single(&pairs, "username"), single(&pairs, "password"))
        else {
            return self.login_page(
                StatusCode::BAD_REQUEST,
                headers,
                &params,
                None,
                Some("Enter your email or username and your password."),
            );
        };
        let client = self.client_info(request);
        let login = self
            .inner
            .auth
            .sign_in_to_authorization_server(username, Password::new(password.to_owned()), &client)
            .await;
        let sign_in = match login {
            Ok(sign_in) => sign_in,
            Err(AuthError::InvalidCredentials | AuthError::AccountDisabled) => {
                return self.login_page(
                    StatusCode::UNAUTHORIZED,
                    headers,
                    &params,
                    None,
                    Some("Incorrect email, username or password."),
                );
            }
            Err(AuthError::Throttled { retry_after }) => {
                let mut response = self.login_page(
                    StatusCode::TOO_MANY_REQUESTS,
                    headers,
                    &params,
                    None,
                    Some("Too many sign-in attempts. Try again later."),
                );
                response.headers_mut().insert(
                    RETRY_AFTER,
                    HeaderValue::from(retry_after.max(Duration::from_secs(1)).as_secs()),
                );
                return response;
            }
            // Password hashing is at capacity: try again shortly, not an error page.
            Err(AuthError::Busy { retry_after }) => {
                let mut response = self.login_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    headers,
                    &params,
                    None,
                    Some("The server is busy. Try again in a moment."),
                );
                response.headers_mut().insert(
                    RETRY_AFTER,
                    HeaderValue::from(retry_after.max(Duration::from_secs(1)).as_secs()),
                );
                return response;
            }
            Err(error) => {
                tracing::error!(error = %ErrorChain::new(&error), "sign-in failed");
                return self.failure_page(error.is_unavailable());
            }
        };
        // The browser's previous sign-in (a re-authentication for prompt=login or max_age, or
        // another account) ends now rather than living on beside the new one. Best effort: a
        // failure here is logged, and the old session still expires by itself.
        match self.signed_in(headers).await {
            Ok(Some(previous)) if previous.session_id != sign_in.session_id => {
                if let Err(error) = self.inner.auth.logout(previous.session_id).await {
                    tracing::warn!(error = %ErrorChain::new(&error), "could not end the previous sign-in session");
                }
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(error = %ErrorChain::new(&error), "could not look up the previous sign-in")
            }
        }
        // Back to the authorization request, now signed in. Only its own parameters travel,
        // and only to this server's authorization endpoint; the prompt=login and max_age this
        // sign-in satisfied are dropped (the new session's auth_time is now).
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.extend_pairs(sign_in_continuation(params.iter().map(|(k, v)| (k, v))));
        let location = format!(
            "{}?{}",
            self.url(&self.inner.server.config().endpoints.authorization),
            query.finish()
        );
        let mut response = redirect(StatusCode::SEE_OTHER, &location);
        add_cookie(
            &mut response,
            &self.session_cookie(&sign_in.token, sign_in.expires_at),
        );
        response
    }

    pub(super) async fn consent(&self, request: &Request<Bytes>) -> Response<Bytes> {
        let pairs = match self.checked_form(request) {
            Ok(pairs) => pairs,
            Err(refused) => return refused.page(),
        };
        let headers = request.headers();
        let approved = match single(&pairs, "decision") {
            Ok(Some("approve")) => true,
            Ok(Some("deny")) => false,
            _ => {
                return pages::message(
                    StatusCode::BAD_REQUEST,
                    "Invalid form",
                    "The consent form was incomplete. Go back to the application and try again.",
                );
            }
        };
        // The user is the one of the session cookie, never anything in the form.
        let signed_in = match self.signed_in(headers).await {
            Ok(Some(signed_in)) => signed_in,
            Ok(None) => {
                return self.login_page(
                    StatusCode::OK,
                    headers,
                    &authorize_params(&pairs),
                    None,
                    None,
                );
            }
            Err(error) => {
                tracing::error!(error = %ErrorChain::new(&error), "sign-in session lookup failed");
                return self.failure_page(error.is_unavailable());
            }
        };
        let request = AuthorizeRequest::from_query_pairs(authorize_params(&pairs));
        let outcome = self
            .inner
            .server
            .decide_consent(&request, &signed_in.owner, approved)
            .await;
        // 303 after a POST: the browser must not re-post the form to the client
        // (RFC 9700 §4.12).
        self.render(outcome, &pairs, headers, StatusCode::SEE_OTHER)
    }

    pub(super) async fn logout(&self, request: &Request<Bytes>) -> Response<Bytes> {
        if let Err(refused) = self.checked_form(request) {
            return refused.page();
        }
        match self.signed_in(request.headers()).await {
            Ok(Some(signed_in)) => {
                if let Err(error) = self.inner.auth.logout(signed_in.session_id).await {
                    tracing::error!(error = %ErrorChain::new(&error), "sign-out failed");
                    return self.failure_page(error.is_unavailable());
                }
            }
            Ok(None) => {}
            Err(error) => {
                tracing::error!(error = %ErrorChain::new(&error), "sign-in session lookup failed");
                return self.failure_page(error.is_unavailable());
            }
        }
        let mut response = pages::message(StatusCode::OK, "Signed out", "You are signed out.");
        add_cookie(&mut response, &self.clear_session_cookie());
        response
    }

    // ------------------------------------------------------------------------------------
    // Token, revocation, introspection, userinfo
    // ------------------------------------------------------------------------------------

    /// The form of a token, revocation or introspection request; `Err` with the RFC 6749
    /// error answer otherwise.
    fn client_form(&self, request: &Request<Bytes>) -> Result<(Pairs, Option<String>), OAuthError> {
        if !is_form(request.headers()) {
            return Err(OAuthError::InvalidRequest(
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        let header = authorization(request.headers())?;
        Ok((decode(request.body()), header))
    }

    /// `POST /token`, after one request is reserved for the client's network under
    /// [`EndpointLimits::oauth_token`](auth_core::flows::EndpointLimits::oauth_token). RFC
    /// 6749 §5.2 has no error code for rate limiting, so a refusal is answered outside its
    /// vocabulary: 429 with `Retry-After` and the JSON body
    /// `{"error":"too_many_requests","error_description":…}` (clients that only know RFC
    /// 6749 read it as an unknown error and should honour the status and `Retry-After`).
    pub(super) async fn token(&self, request: &Request<Bytes>) -> Response<Bytes> {
        let client = self.client_info(request);
        match self
            .inner
            .auth
            .reserve_endpoint(Endpoint::OAuthToken, &client)
            .await
        {
            Ok(()) => {}
            Err(AuthError::Throttled { retry_after }) => return too_many_requests(retry_after),
            Err(AuthError::Store(error)) => {
                let retry_after = self.inner.config.outage_retry_after;
                return oauth_error(&OAuthError::Store(error), retry_after);
            }
            Err(error) => {
                tracing::error!(error = %ErrorChain::new(&error), "token endpoint throttle failed; refusing");
                return plain_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "the server could not complete the request",
                );
            }
        }
        let (pairs, header) = match self.client_form(request) {
            Ok(form) => form,
            Err(error) => return oauth_error(&error, self.inner.config.outage_retry_after),
        };
        let token_request = TokenRequest::from_form_pairs(pairs, header);
        match self.inner.server.token(&token_request).await {
            Ok(tokens) => json(StatusCode::OK, &tokens),
            Err(error) => oauth_error(&error, self.inner.config.outage_retry_after),
        }
    }

    /// Client credentials, `token` and `token_type_hint` of a revocation or introspection
    /// request.
    fn token_form(
        &self,
        request: &Request<Bytes>,
    ) -> Result<(ClientCredentials, Option<String>, Option<String>), OAuthError> {
        let (pairs, header) = self.client_form(request)?;
        let field = |name: &str| {
            single(&pairs, name)
                .map(|value| value.map(str::to_owned))
                .map_err(|()| OAuthError::InvalidRequest("a parameter appears more than once"))
        };
        let credentials =
            ClientCredentials::new(header, field("client_id")?, field("client_secret")?);
        Ok((credentials, field("token")?, field("token_type_hint")?))
    }

    pub(super) async fn revoke(&self, request: &Request<Bytes>) -> Response<Bytes> {
        let (credentials, token, hint) = match self.token_form(request) {
            Ok(form) => form,
            Err(error) => return oauth_error(&error, self.inner.config.outage_retry_after),
        };
        match self
            .inner
            .server
            .revoke(&credentials, token.as_deref(), hint.as_deref())
            .await
        {
            Ok(()) => {
                let mut response = Response::new(Bytes::new());
                no_store(&mut response);
                response
            }
            Err(error) => oauth_error(&error, self.inner.config.outage_retry_after),
        }
    }

    pub(super) async fn introspect(&self, request: &Request<Bytes>) -> Response<Bytes> {
        let (credentials, token, hint) = match self.token_form(request) {
            Ok(form) => form,
            Err(error) => return oauth_error(&error, self.inner.config.outage_retry_after),
        };
        match self
            .inner
            .server
            .introspect(&credentials, token.as_deref(), hint.as_deref())
            .await
        {
            Ok(introspection) => json(StatusCode::OK, &introspection),
            Err(error) => oauth_error(&error, self.inner.config.outage_retry_after),
        }
    }

    pub(super) async fn userinfo(&self, request: &Request<Bytes>) -> Response<Bytes> {
        let realm = self.inner.realm.clone();
        let config = CredentialConfig::default();
        let found = extract(
            &config,
            request
                .headers()
                .get_all(AUTHORIZATION)
                .iter()
                .map(|value| value.as_bytes()),
            std::iter::empty(),
        );
        let candidate = match found {
            Ok(Some(candidate)) => candidate,
            Ok(None) => return AuthRejection::missing(realm).into_response(),
            Err(error) => {
                return AuthRejection::new(RejectionReason::from(error), realm).into_response();
            }
        };
        // Userinfo is not on the layer's hot path: check the token's syntax up front.
        if let Some(error) = candidate.syntax_error() {
            return AuthRejection::new(RejectionReason::from(error), realm).into_response();
        }
        let Ok(token) = std::str::from_utf8(candidate.token) else {
            let error = RejectionReason::from(crate::credentials::CredentialError::MalformedBearer);
            return AuthRejection::new(error, realm).into_response();
        };
        match self.inner.server.userinfo(token).await {
            Ok(info) => json(StatusCode::OK, &info),
            Err(error) if error.is_unavailable() => {
                tracing::warn!(error = %ErrorChain::new(&error), "userinfo store unreachable; answering 503");
                let mut response = plain_error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the server is temporarily unavailable; try again later",
                );
                response.headers_mut().insert(
                    RETRY_AFTER,
                    retry_after_value(self.inner.config.outage_retry_after),
                );
                response
            }
            Err(error) => {
                let Some(code) = error.bearer_error() else {
                    tracing::error!(error = %ErrorChain::new(&error), "userinfo failed");
                    return plain_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "server_error",
                        "the server could not complete the request",
                    );
                };
                tracing::debug!(%error, "userinfo refused");
                bearer_error(&realm, code)
            }
        }
    }

    // ------------------------------------------------------------------------------------
    // Metadata and keys
    // ------------------------------------------------------------------------------------

    pub(super) fn metadata(&self) -> Response<Bytes> {
        public_document(json(StatusCode::OK, &self.inner.server.metadata()))
    }

    pub(super) fn jwks(&self) -> Response<Bytes> {
        public_document(json(StatusCode::OK, self.inner.server.jwks()))
    }
}

/// Metadata and keys are public: cacheable for a few minutes (key rotation keeps the old
/// key published meanwhile), readable from any origin (browser clients discover too).
fn public_document(mut response: Response<Bytes>) -> Response<Bytes> {
    let headers = response.headers_mut();
    headers.remove(http::header::PRAGMA);
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    response
}

/// An RFC 6750 §3.1 error answer of the userinfo endpoint.
fn bearer_error(realm: &str, code: BearerErrorCode) -> Response<Bytes> {
    let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
    let description = match code {
        BearerErrorCode::InsufficientScope => "the access token does not grant access to userinfo",
        BearerErrorCode::InvalidRequest => "the request's credentials are malformed",
        _ => "the access token is invalid or expired",
    };
    let mut response = Response::new(json_error(code.as_str(), description));
    *response.status_mut() = status;
    no_store(&mut response);
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(challenge) = HeaderValue::from_str(&format!(
        "Bearer realm=\"{realm}\", error=\"{}\"",
        code.as_str()
    )) {
        headers.insert(WWW_AUTHENTICATE, challenge);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_step_that_cannot_reach_its_store_gets_a_503_page_with_retry_after() {
        let page = failure_page(true, Duration::from_secs(3));
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(page.headers()[RETRY_AFTER], "3");
        let other = failure_page(false, Duration::from_secs(3));
        assert_eq!(other.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(other.headers().get(RETRY_AFTER).is_none());
    }

    #[test]
    fn single_refuses_repeated_fields() {
        let pairs = decode(b"a=1&b=2&a=3");
        assert_eq!(single(&pairs, "b"), Ok(Some("2")));
        assert_eq!(single(&pairs, "c"), Ok(None));
        assert_eq!(single(&pairs, "a"), Err(()));
    }

    #[test]
    fn only_authorization_parameters_travel_through_forms() {
        let pairs = decode(b"username=kim&password=secret&csrf_token=t&client_id=c&state=s%20t");
        assert_eq!(
            authorize_params(&pairs),
            vec![
                ("client_id".to_owned(), "c".to_owned()),
                ("state".to_owned(), "s t".to_owned())
            ]
        );
    }

    #[test]
    fn form_content_type_is_required() {
        let mut headers = HeaderMap::new();
        assert!(!is_form(&headers));
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=UTF-8"),
        );
        assert!(is_form(&headers));
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        assert!(!is_form(&headers));
    }
}
