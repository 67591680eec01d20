//! The login, consent and error pages, and the form-post response page: plain HTML, every
//! piece of request or client input escaped, and headers that forbid framing, caching and
//! `Referer` leaks. The only script is the form-post page's fixed one-liner, allowed by its
//! hash and nothing else.

use auth_core::oauth_server::{
    AuthorizeErrorPage, FormPostResponse, INTERACTION_PAGE_HEADERS, InteractionPrompt,
};
use bytes::Bytes;
use http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use http::{HeaderName, HeaderValue, Response, StatusCode};

/// The page CSP: nothing may load but the inline style, nothing may frame the page
/// (`frame-ancestors 'none'`, with `X-Frame-Options: DENY` for old browsers). No
/// `form-action`: browsers apply it to the redirect that follows the form, which leads to the
/// client's redirect URI.
const PAGE_CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

/// The form-post page's only script: submit the form on load.
const FORM_POST_SCRIPT: &str = "document.forms[0].submit()";

/// The form-post page CSP: no resource at all but [`FORM_POST_SCRIPT`], allowed by its
/// SHA-256 (base64), not by `'unsafe-inline'`. No `form-action`: the form goes to the client's
/// redirect URI, which a `form-action` would have to name.
const FORM_POST_CSP: &str = "default-src 'none'; \
script-src 'sha256-ePniVEkSivX/c7XWBGafqh8tSpiRrKiqYeqbG7N1TOE='; \
frame-ancestors 'none'; base-uri 'none'";

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}\
label{display:block;margin:.75rem 0 .25rem}input[type=text],input[type=password]{width:100%;padding:.5rem}\
button{margin:1rem .5rem 0 0;padding:.5rem 1rem}.error{color:#b00020}ul{padding-left:1.25rem}";

/// HTML-escapes `text` for element content and double-quoted attribute values.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A complete page with its status and the interaction headers.
pub(super) fn page(status: StatusCode, title: &str, body: &str) -> Response<Bytes> {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta name=\"referrer\" content=\"no-referrer\"><title>{}</title><style>{STYLE}</style></head>\
<body>{body}</body></html>",
        escape(title)
    );
    html_response(status, html, PAGE_CSP)
}

/// `html` with `status`, the interaction headers and the content security policy `csp`.
fn html_response(status: StatusCode, html: String, csp: &'static str) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(html));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    for (name, value) in INTERACTION_PAGE_HEADERS {
        // `from_bytes` lower-cases; auth-core writes the names in the usual capitalisation.
        match HeaderName::from_bytes(name.as_bytes()) {
            Ok(name) => {
                headers.insert(name, HeaderValue::from_static(value));
            }
            Err(_) => tracing::error!(header = name, "an interaction header name is invalid"),
        }
    }
    headers.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(csp));
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Hidden inputs carrying the authorization request's parameters through a form.
fn hidden<N: AsRef<str>>(params: &[(N, String)]) -> String {
    params
        .iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                escape(name.as_ref()),
                escape(value)
            )
        })
        .collect()
}

pub(super) struct LoginPage<'a> {
    pub(super) site_name: &'a str,
    pub(super) action: &'a str,
    pub(super) csrf_token: &'a str,
    pub(super) params: &'a [(String, String)],
    pub(super) client_name: Option<&'a str>,
    pub(super) error: Option<&'a str>,
}

pub(super) fn login(status: StatusCode, login: &LoginPage<'_>) -> Response<Bytes> {
    let intro = match login.client_name {
        Some(name) => format!(
            "<p>Sign in to continue to <strong>{}</strong>.</p>",
            escape(name)
        ),
        None => "<p>Sign in to continue.</p>".to_owned(),
    };
    let error = login
        .error
        .map(|error| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(error)))
        .unwrap_or_default();
    let body = format!(
        "<h1>{site}</h1>{intro}{error}<form method=\"post\" action=\"{action}\">\
<label for=\"username\">Email or username</label>\
<input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus>\
<label for=\"password\">Password</label>\
<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required>\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">{hidden}\
<button type=\"submit\">Sign in</button></form>",
        site = escape(login.site_name),
        action = escape(login.action),
        csrf = escape(login.csrf_token),
        hidden = hidden(login.params),
    );
    page(status, login.site_name, &body)
}

pub(super) struct ConsentPage<'a> {
    pub(super) site_name: &'a str,
    pub(super) action: &'a str,
    pub(super) csrf_token: &'a str,
    pub(super) params: &'a [(String, String)],
    pub(super) prompt: &'a InteractionPrompt,
}

pub(super) fn consent(consent: &ConsentPage<'_>) -> Response<Bytes> {
    let scopes: String = consent
        .prompt
        .scope
        .iter()
        .map(|scope| format!("<li><code>{}</code></li>", escape(scope)))
        .collect();
    let body = format!(
        "<h1>{site}</h1><p><strong>{client}</strong> (<code>{client_id}</code>) asks to:</p>\
<ul>{scopes}</ul><form method=\"post\" action=\"{action}\">\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\">{hidden}\
<button type=\"submit\" name=\"decision\" value=\"approve\">Allow</button>\
<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>",
        site = escape(consent.site_name),
        client = escape(&consent.prompt.client_name),
        client_id = escape(&consent.prompt.client_id),
        action = escape(consent.action),
        csrf = escape(consent.csrf_token),
        hidden = hidden(consent.params),
    );
    page(StatusCode::OK, consent.site_name, &body)
}

/// The authorization endpoint's own error page: 400, never a redirect.
pub(super) fn authorize_error(error: &AuthorizeErrorPage) -> Response<Bytes> {
    let body = format!(
        "<h1>Authorization request refused</h1><p class=\"error\"><code>{}</code>: {}</p>\
<p>The application that sent you here is misconfigured. You can close this page.</p>",
        escape(error.error.as_str()),
        escape(error.description),
    );
    page(
        StatusCode::BAD_REQUEST,
        "Authorization request refused",
        &body,
    )
}

/// The OAuth 2.0 Form Post Response Mode page: a form of hidden fields posting the response
/// (`code` or `error`, `state`, `iss`) to the client's redirect URI, submitted by
/// [`FORM_POST_SCRIPT`] on load, or by its button where script is off. 200, never cached
/// (it carries a code), never framed, no `Referer` to the client.
pub(super) fn form_post(form: &FormPostResponse) -> Response<Bytes> {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"referrer\" content=\"no-referrer\"><title>Continue</title></head><body>\
<form method=\"post\" action=\"{action}\">{hidden}<noscript><p>Script is off: continue to the \
application with the button.</p><button type=\"submit\">Continue</button></noscript></form>\
<script>{FORM_POST_SCRIPT}</script></body></html>",
        action = escape(form.action()),
        hidden = hidden(form.params()),
    );
    html_response(StatusCode::OK, html, FORM_POST_CSP)
}

/// A page with a fixed message (CSRF failure, server error, …).
pub(super) fn message(status: StatusCode, title: &str, text: &str) -> Response<Bytes> {
    let body = format!("<h1>{}</h1><p>{}</p>", escape(title), escape(text));
    page(status, title, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup_and_attribute_breakouts() {
        assert_eq!(
            escape("<script>\"x\"&'y'</script>"),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn pages_cannot_be_framed_or_cached() {
        let response = message(StatusCode::OK, "t", "x");
        let headers = response.headers();
        assert_eq!(headers["x-frame-options"], "DENY");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        assert_eq!(headers["cache-control"], "no-store");
        assert_eq!(headers["referrer-policy"], "no-referrer");
        assert_eq!(headers["x-content-type-options"], "nosniff");
    }

    #[test]
    fn the_form_post_csp_allows_exactly_the_pages_script() {
        use base64::Engine as _;
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(FORM_POST_SCRIPT.as_bytes());
        let hash = base64::engine::general_purpose::STANDARD.encode(digest);
        assert!(
            FORM_POST_CSP.contains(&format!("script-src 'sha256-{hash}';")),
            "{FORM_POST_CSP}"
        );
        assert!(!FORM_POST_CSP.contains("unsafe-inline"));
    }
}
