//! [`DemoPage`]: the single-file HTML demo served at `/`, with its security headers.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256};

use auth_providers::{LoginFlow, Preset};

const TEMPLATE: &str = include_str!("index.html");
const PROVIDERS_SLOT: &str = "<!--PROVIDERS-->";

/// The demo page: sign up, log in, see who you are and your sessions, end a session, log
/// out. No build step, nothing from a CDN; the access token stays in memory and the refresh
/// token in the HttpOnly cookie. Cheap to clone.
#[derive(Debug, Clone)]
pub struct DemoPage {
    html: Arc<str>,
    csp: Arc<str>,
}

impl DemoPage {
    /// The page with a button per provider of `flow` (or a note on how to add one).
    pub fn new(flow: Option<&LoginFlow>) -> Self {
        let presets: Vec<Preset> = flow
            .map(|flow| {
                flow.provider_names()
                    .filter_map(Preset::from_name)
                    .collect()
            })
            .unwrap_or_default();
        Self::with_buttons(&presets)
    }

    fn with_buttons(presets: &[Preset]) -> Self {
        let mut presets = presets.to_vec();
        // The presets' own order, whatever order the flow keeps them in.
        presets.sort_by_key(|preset| Preset::ALL.iter().position(|p| p == preset));
        let html = TEMPLATE.replace(PROVIDERS_SLOT, &provider_buttons(&presets));
        // The inline script and style are allowed by their hashes, so nothing injected into
        // the page could run.
        let csp = format!(
            "default-src 'none'; script-src '{}'; style-src '{}'; connect-src 'self'; \
             img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
            hash_of(&html, "<script>", "</script>"),
            hash_of(&html, "<style>", "</style>"),
        );
        Self {
            html: html.into(),
            csp: csp.into(),
        }
    }

    /// The HTML.
    pub fn html(&self) -> &str {
        &self.html
    }

    /// The headers to send with it: content type, CSP, no framing, no referrer, no caching.
    pub fn headers(&self) -> [(&'static str, &str); 6] {
        [
            ("content-type", "text/html; charset=utf-8"),
            ("content-security-policy", &self.csp),
            ("x-frame-options", "DENY"),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("cache-control", "no-store"),
        ]
    }
}

/// `'sha256-…'` of the text between the first `open` and the following `close` tag.
fn hash_of(html: &str, open: &str, close: &str) -> String {
    let body = html
        .split_once(open)
        .and_then(|(_, rest)| rest.split_once(close))
        .map_or("", |(body, _)| body);
    format!(
        "sha256-{}",
        STANDARD.encode(Sha256::digest(body.as_bytes()))
    )
}

fn provider_buttons(presets: &[Preset]) -> String {
    if presets.is_empty() {
        return "<p class=\"note\" id=\"no-providers\">Password login only: no social-login \
                provider is configured. To add a button, set for example GITHUB_CLIENT_ID, \
                GITHUB_CLIENT_SECRET and GITHUB_REDIRECT_URI (…/auth/oauth/github/callback) and \
                restart; the README lists every provider's variables.</p>"
            .to_owned();
    }
    let mut html = String::new();
    for preset in presets {
        // Names and labels are the presets' own constants, never user input.
        html.push_str(&format!(
            "<a class=\"provider\" href=\"/auth/oauth/{}\">Continue with {}</a>",
            preset.name(),
            preset.label()
        ));
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_provider_shows_how_to_add_one() {
        let page = DemoPage::new(None);
        assert!(page.html().contains("id=\"no-providers\""));
        assert!(page.html().contains("GITHUB_CLIENT_ID"));
        assert!(!page.html().contains(PROVIDERS_SLOT));
    }

    #[test]
    fn each_configured_provider_gets_a_button() {
        let page = DemoPage::with_buttons(&[Preset::Kakao, Preset::GitHub]);
        assert!(
            page.html()
                .contains("/auth/oauth/github\">Continue with GitHub")
        );
        assert!(
            page.html()
                .contains("/auth/oauth/kakao\">Continue with Kakao")
        );
        assert!(!page.html().contains("no-providers"));
        let github = page.html().find("Continue with GitHub").unwrap();
        assert!(github < page.html().find("Continue with Kakao").unwrap());
    }

    #[test]
    fn the_csp_allows_exactly_the_inline_script() {
        let page = DemoPage::new(None);
        let csp = page.headers()[1].1.to_owned();
        let script = page
            .html()
            .split_once("<script>")
            .and_then(|(_, rest)| rest.split_once("</script>"))
            .unwrap()
            .0;
        let expected = format!(
            "'sha256-{}'",
            STANDARD.encode(Sha256::digest(script.as_bytes()))
        );
        assert!(csp.contains(&format!("script-src {expected};")), "{csp}");
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn every_element_the_script_looks_up_exists() {
        let page = DemoPage::new(None);
        let (markup, script) = page.html().split_once("<script>").unwrap();
        let mut looked_up = 0;
        for rest in script.split("$(\"").skip(1) {
            let id = rest.split('"').next().unwrap();
            assert!(markup.contains(&format!("id=\"{id}\"")), "no element #{id}");
            looked_up += 1;
        }
        assert!(looked_up > 30, "{looked_up}");
    }

    #[test]
    fn the_page_loads_nothing_from_elsewhere() {
        let page = DemoPage::new(None);
        assert!(!page.html().contains("http://") && !page.html().contains("https://"));
        assert!(
            !page.html().contains("localStorage") || page.html().contains("never in localStorage")
        );
        assert!(!page.html().contains("sessionStorage"));
    }
}
