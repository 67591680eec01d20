//! The authorization endpoint and the browser steps of an authorization request: the login
//! and consent pages it renders, and the consent decision posted back.

use auth_core::ErrorChain;
use auth_core::oauth_server::{AuthorizeOutcome, AuthorizeRequest, OAuthError};
use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};

use super::form::{Pairs, authorize_params, decode, single};
use super::response::{add_cookie, redirect, server_error_page};
use crate::oauth_server::OAuthEndpoints;
use crate::oauth_server::pages::{self, ConsentPage, LoginPage};

impl OAuthEndpoints {
    pub(in crate::oauth_server) async fn authorize(
        &self,
        request: &Request<Bytes>,
    ) -> Response<Bytes> {
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

    pub(super) fn login_page(
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

    pub(in crate::oauth_server) async fn consent(
        &self,
        request: &Request<Bytes>,
    ) -> Response<Bytes> {
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
}
