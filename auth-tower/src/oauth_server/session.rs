//! The authorization server's own sign-in session and the CSRF token of its forms.
//!
//! The session cookie holds the token of an auth-core session of its own kind,
//! [`AuthorizationServerSignIn`](auth_core::store::SessionKind::AuthorizationServerSignIn),
//! started by
//! [`AuthService::sign_in_to_authorization_server`](auth_core::flows::AuthService::sign_in_to_authorization_server):
//! 256 random bits, stored server-side only as a SHA-256, never rotated by this layer,
//! resolved to the session's user on every request by
//! [`AuthService::authorization_server_session`](auth_core::flows::AuthService::authorization_server_session).
//! No other credential is a sign-in: an OAuth client's or a first-party refresh token sent as
//! this cookie is unknown. Nothing in it can be forged into another user, and ending the
//! session (logout, logout-all, password change, an admin's revocation) or disabling the
//! account signs the browser out of the authorization server at once.

use std::time::{Duration, SystemTime};

use auth_core::ErrorChain;
use auth_core::flows::AuthError;
use auth_core::oauth_server::ResourceOwner;
use auth_core::opaque::OpaqueToken;
use auth_core::store::SessionId;
use http::HeaderMap;
use http::header::{COOKIE, ORIGIN};
use subtle::ConstantTimeEq as _;

use super::OAuthEndpoints;
use crate::credentials::single_cookie;

/// The signed-in user of a request, and the session that says so.
#[derive(Debug, Clone)]
pub(super) struct SignedIn {
    pub(super) owner: ResourceOwner,
    pub(super) session_id: SessionId,
}

/// `SameSite` of a cookie.
#[derive(Debug, Clone, Copy)]
pub(super) enum SameSite {
    Lax,
    Strict,
}

/// A `Set-Cookie` value for a `__Host-` cookie: Secure, HttpOnly, Path=/, no Domain.
/// `max_age` zero deletes it.
pub(super) fn host_cookie(
    name: &str,
    value: &str,
    max_age: Duration,
    same_site: SameSite,
) -> String {
    let same_site = match same_site {
        SameSite::Lax => "Lax",
        SameSite::Strict => "Strict",
    };
    format!(
        "{name}={value}; Path=/; Max-Age={}; Secure; HttpOnly; SameSite={same_site}",
        max_age.as_secs()
    )
}

fn cookie<'a>(headers: &'a HeaderMap, name: &'a str) -> Option<&'a str> {
    match single_cookie(headers.get_all(COOKIE).iter().map(|v| v.as_bytes()), name) {
        Ok(Some(value)) => std::str::from_utf8(value).ok(),
        Ok(None) => None,
        Err(_) => {
            // Cookie tossing: refuse to pick one.
            tracing::info!(cookie = name, "cookie sent more than once; ignored");
            None
        }
    }
}

impl OAuthEndpoints {
    /// The signed-in user per the session cookie: `Ok(None)` without a cookie, or when it is
    /// not a live sign-in session's (malformed, unknown, of another session kind, expired,
    /// ended, or its user may no longer use it). A store failure is `Err` (the request fails;
    /// it is never treated as signed in or out by guess).
    pub(super) async fn signed_in(
        &self,
        headers: &HeaderMap,
    ) -> Result<Option<SignedIn>, AuthError> {
        let Some(value) = cookie(headers, &self.inner.config.session_cookie) else {
            return Ok(None);
        };
        let session = self.inner.auth.authorization_server_session(value).await?;
        Ok(session.map(|session| SignedIn {
            owner: ResourceOwner::from_assurance(session.user_id, session.assurance()),
            session_id: session.id,
        }))
    }

    /// The `Set-Cookie` that starts a sign-in session with `refresh_token`, valid until
    /// `expires_at`.
    pub(super) fn session_cookie(
        &self,
        refresh_token: &OpaqueToken,
        expires_at: SystemTime,
    ) -> String {
        let max_age = expires_at
            .duration_since(self.now())
            .unwrap_or(Duration::ZERO);
        host_cookie(
            &self.inner.config.session_cookie,
            refresh_token.secret(),
            max_age,
            SameSite::Lax,
        )
    }

    /// The `Set-Cookie` that deletes the sign-in cookie.
    pub(super) fn clear_session_cookie(&self) -> String {
        host_cookie(
            &self.inner.config.session_cookie,
            "",
            Duration::ZERO,
            SameSite::Lax,
        )
    }

    /// The CSRF token for a page: the one of the request's CSRF cookie when it is well-formed,
    /// else a fresh one with the `Set-Cookie` that delivers it.
    pub(super) fn csrf_for_page(&self, headers: &HeaderMap) -> Option<(String, Option<String>)> {
        let config = &self.inner.config;
        if let Some(existing) = cookie(headers, &config.csrf_cookie)
            && OpaqueToken::parse(existing).is_ok()
        {
            return Some((existing.to_owned(), None));
        }
        let token = match OpaqueToken::generate() {
            Ok(token) => token,
            Err(error) => {
                tracing::error!(error = %ErrorChain::new(&error), "random number generator failed");
                return None;
            }
        };
        let set = host_cookie(
            &config.csrf_cookie,
            token.secret(),
            config.csrf_ttl,
            SameSite::Strict,
        );
        Some((token.secret().to_owned(), Some(set)))
    }

    /// Both CSRF defences of a form post: Fetch Metadata / `Origin` say the post comes from
    /// this server's own pages, and the form's `csrf_token` equals the CSRF cookie (constant
    /// time). A cross-site page can neither read the cookie nor set it (`__Host-`).
    pub(super) fn csrf_ok(&self, headers: &HeaderMap, form_token: Option<&str>) -> bool {
        if !self.same_origin(headers) {
            tracing::info!("cross-site form post refused by the origin check");
            return false;
        }
        let Some(cookie) = cookie(headers, &self.inner.config.csrf_cookie) else {
            return false;
        };
        let Some(form_token) = form_token else {
            return false;
        };
        !cookie.is_empty()
            && cookie.len() == form_token.len()
            && bool::from(cookie.as_bytes().ct_eq(form_token.as_bytes()))
    }

    /// `Sec-Fetch-Site`, when sent, is `same-origin` (or `none`: typed by the user); `Origin`,
    /// when sent, is the issuer's origin.
    fn same_origin(&self, headers: &HeaderMap) -> bool {
        if let Some(site) = headers.get("sec-fetch-site")
            && site != "same-origin"
            && site != "none"
        {
            return false;
        }
        match headers.get(ORIGIN) {
            None => true,
            Some(origin) => origin.as_bytes() == self.inner.origin.as_bytes(),
        }
    }
}

/// `scheme://authority` of an issuer URL (the value browsers send in `Origin`).
pub(super) fn origin_of(issuer: &str) -> String {
    let (scheme, rest) = issuer.split_once("://").unwrap_or(("https", issuer));
    let authority = rest.split('/').next().unwrap_or_default();
    format!("{scheme}://{authority}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_of_keeps_scheme_host_and_port_only() {
        assert_eq!(
            origin_of("https://auth.example/tenant"),
            "https://auth.example"
        );
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }

    #[test]
    fn cookies_are_host_prefixed_secure_http_only() {
        let cookie = host_cookie("__Host-x", "v", Duration::from_secs(60), SameSite::Lax);
        assert_eq!(
            cookie,
            "__Host-x=v; Path=/; Max-Age=60; Secure; HttpOnly; SameSite=Lax"
        );
    }
}
