//! The login form's post (sign-in, then back to the authorization request) and sign-out.

use auth_core::ErrorChain;
use auth_core::flows::AuthError;
use auth_core::oauth_server::sign_in_continuation;
use auth_core::password::Password;
use bytes::Bytes;
use http::header::RETRY_AFTER;
use http::{Request, Response, StatusCode};

use super::form::{authorize_params, single};
use super::response::{add_cookie, redirect};
use crate::oauth_server::OAuthEndpoints;
use crate::oauth_server::pages;
use crate::rejection::retry_after_value;

impl OAuthEndpoints {
    pub(in crate::oauth_server) async fn login(&self, request: &Request<Bytes>) -> Response<Bytes> {
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
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, retry_after_value(retry_after));
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
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, retry_after_value(retry_after));
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
    pub(in crate::oauth_server) async fn logout(
        &self,
        request: &Request<Bytes>,
    ) -> Response<Bytes> {
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
}
