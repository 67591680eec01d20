//! How an authorization response reaches the client: the response modes, and the two shapes
//! of a response — a redirect with the parameters in the query ([`AuthorizationRedirect`]) or
//! a form the browser posts to the redirect URI ([`FormPostResponse`]).

use std::fmt;

use super::OAuthErrorCode;
use super::redirect::append_query;

/// How the authorization response is delivered (`response_mode`, OAuth 2.0 Multiple Response
/// Type Encoding Practices §2.1 and OAuth 2.0 Form Post Response Mode).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum ResponseMode {
    /// The parameters in the redirect URI's query (the default of `response_type=code`).
    #[default]
    Query,
    /// An HTML form, posted by the browser to the redirect URI: the code never appears in a
    /// URL (browser history, `Referer`, server logs).
    FormPost,
}

impl ResponseMode {
    /// The modes the server supports, as advertised in `response_modes_supported`.
    pub(super) const SUPPORTED: [&'static str; 2] = ["query", "form_post"];

    /// The mode named by a request's `response_mode`: absent is `query`; `None` for anything
    /// not supported (`fragment`, the JWT modes, unknown names).
    pub(super) fn parse(value: Option<&str>) -> Option<Self> {
        match value {
            None | Some("query") => Some(Self::Query),
            Some("form_post") => Some(Self::FormPost),
            Some(_) => None,
        }
    }
}

/// Where to send the browser. `Debug` hides the location (it may carry a code).
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizationRedirect {
    location: String,
    error: Option<OAuthErrorCode>,
}

impl AuthorizationRedirect {
    /// The `Location` header value: the redirect URI with `code` (or `error` and
    /// `error_description`), `state` when the request had one, and `iss` (RFC 9207).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The error the redirect carries, or `None` when it carries a code.
    pub fn error(&self) -> Option<OAuthErrorCode> {
        self.error
    }
}

impl fmt::Debug for AuthorizationRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationRedirect")
            .field("location", &"[redacted]")
            .field("error", &self.error)
            .finish()
    }
}

/// An authorization response in the Form Post Response Mode (`response_mode=form_post`): the
/// host answers with an HTML page whose form, sent by the browser, posts
/// [`params`](Self::params) as `application/x-www-form-urlencoded` to
/// [`action`](Self::action) — submitted by a script on load, with a button for browsers
/// without script. The page must not be cached (`Cache-Control: no-store`) and, like every
/// page of the authorization endpoint, must not be framed. `Debug` hides the parameters (they
/// may carry a code).
#[derive(Clone, PartialEq, Eq)]
pub struct FormPostResponse {
    action: String,
    params: Vec<(&'static str, String)>,
    error: Option<OAuthErrorCode>,
}

impl FormPostResponse {
    /// The redirect URI, exactly as the request gave it: the form's `action`.
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The fields to post, in order: `code` (or `error` and `error_description`), `state` when
    /// the request had one, and `iss` (RFC 9207). Escape them when rendering.
    pub fn params(&self) -> &[(&'static str, String)] {
        &self.params
    }

    /// The error the response carries, or `None` when it carries a code.
    pub fn error(&self) -> Option<OAuthErrorCode> {
        self.error
    }
}

impl fmt::Debug for FormPostResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FormPostResponse")
            .field("action", &self.action)
            .field("params", &"[redacted]")
            .field("error", &self.error)
            .finish()
    }
}

/// An authorization response, in the request's mode.
#[derive(Debug)]
pub(super) enum Response {
    /// `response_mode=query`.
    Redirect(AuthorizationRedirect),
    /// `response_mode=form_post`.
    FormPost(FormPostResponse),
}

/// The response carrying `params`, then `state` (when the request had one) and `iss`, to
/// `redirect_uri` in `mode`.
pub(super) fn respond(
    mode: ResponseMode,
    redirect_uri: &str,
    mut params: Vec<(&'static str, String)>,
    state: Option<&str>,
    issuer: &str,
    error: Option<OAuthErrorCode>,
) -> Response {
    if let Some(state) = state {
        params.push(("state", state.to_owned()));
    }
    params.push(("iss", issuer.to_owned()));
    match mode {
        ResponseMode::Query => {
            let pairs: Vec<(&str, &str)> = params
                .iter()
                .map(|(name, value)| (*name, value.as_str()))
                .collect();
            Response::Redirect(AuthorizationRedirect {
                location: append_query(redirect_uri, &pairs),
                error,
            })
        }
        ResponseMode::FormPost => Response::FormPost(FormPostResponse {
            action: redirect_uri.to_owned(),
            params,
            error,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_query_and_form_post_are_supported() {
        assert_eq!(ResponseMode::parse(None), Some(ResponseMode::Query));
        assert_eq!(
            ResponseMode::parse(Some("query")),
            Some(ResponseMode::Query)
        );
        assert_eq!(
            ResponseMode::parse(Some("form_post")),
            Some(ResponseMode::FormPost)
        );
        for unsupported in ["fragment", "query.jwt", "form_post.jwt", "jwt", "", "QUERY"] {
            assert_eq!(
                ResponseMode::parse(Some(unsupported)),
                None,
                "{unsupported}"
            );
        }
    }

    #[test]
    fn both_modes_carry_the_same_parameters_and_hide_them_from_debug() {
        let params = vec![("code", "secret-code".to_owned())];
        let Response::Redirect(redirect) = respond(
            ResponseMode::Query,
            "https://rp.example/cb",
            params.clone(),
            Some("s t"),
            "https://as.example",
            None,
        ) else {
            panic!("query mode redirects");
        };
        assert_eq!(
            redirect.location(),
            "https://rp.example/cb?code=secret-code&state=s+t&iss=https%3A%2F%2Fas.example"
        );
        assert!(!format!("{redirect:?}").contains("secret-code"));
        let Response::FormPost(form) = respond(
            ResponseMode::FormPost,
            "https://rp.example/cb",
            params,
            Some("s t"),
            "https://as.example",
            None,
        ) else {
            panic!("form_post mode posts");
        };
        assert_eq!(form.action(), "https://rp.example/cb");
        assert_eq!(
            form.params(),
            [
                ("code", "secret-code".to_owned()),
                ("state", "s t".to_owned()),
                ("iss", "https://as.example".to_owned())
            ]
        );
        assert!(!format!("{form:?}").contains("secret-code"));
    }
}
