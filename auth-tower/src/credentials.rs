//! Finding the access token in a request: `Authorization: Bearer` and/or one cookie, never the
//! query string. Works on raw header values so the tower layer (http 1) and the actix
//! middleware (http 0.2) share it without converting header maps.

use crate::context::CredentialSource;

/// Where the authenticator looks for the access token.
///
/// Defaults to `Authorization: Bearer` only. The query string is never read (RFC 6750 §2.3
/// tokens end up in logs, history and `Referer` headers).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CredentialConfig {
    /// Read `Authorization: Bearer <token>`. Defaults to `true`.
    pub bearer_header: bool,
    /// Read the access token from the cookie with this name. Defaults to `None`. Requests
    /// authenticated by a cookie are CSRF-able: protect state-changing routes (the ready
    /// endpoints do, with the double-submit token).
    pub cookie: Option<String>,
}

impl Default for CredentialConfig {
    fn default() -> Self {
        Self {
            bearer_header: true,
            cookie: None,
        }
    }
}

/// Why the credentials of a request could not even be read. All are RFC 6750
/// `invalid_request` (HTTP 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// More than one `Authorization` header.
    #[error("more than one Authorization header")]
    DuplicateAuthorization,
    /// `Authorization: Bearer` without a syntactically valid token (RFC 6750 §2.1 `b64token`).
    #[error("malformed bearer credentials")]
    MalformedBearer,
    /// The access-token cookie appears more than once (cookie tossing from a sibling domain).
    #[error("the access-token cookie appears more than once")]
    DuplicateCookie,
    /// The access-token cookie holds something that is not a token.
    #[error("malformed access-token cookie")]
    MalformedCookie,
    /// The token was sent both in the header and in the cookie (RFC 6750 §2: one method only).
    #[error("credentials sent by more than one method")]
    MultipleMethods,
}

/// Bytes allowed in a `b64token` before the `=` padding (RFC 6750 §2.1).
const B64TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] =
            b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/');
        byte += 1;
    }
    table
};

/// RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
/// A table lookup per byte: this runs on every request.
pub(crate) fn is_b64token(token: &[u8]) -> bool {
    let mut body = token;
    while let [rest @ .., b'='] = body {
        body = rest;
    }
    !body.is_empty() && body.iter().all(|&byte| B64TOKEN[usize::from(byte)])
}

/// The token of one `Authorization` value: `Ok(None)` for another scheme (Basic, …).
fn bearer(value: &[u8]) -> Result<Option<&[u8]>, CredentialError> {
    let (scheme, rest) = match value.iter().position(|&byte| byte == b' ') {
        Some(space) => (&value[..space], &value[space..]),
        None => (value, &[][..]),
    };
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return Ok(None);
    }
    let token = rest.trim_ascii();
    if !is_b64token(token) {
        return Err(CredentialError::MalformedBearer);
    }
    Ok(Some(token))
}

/// Every value of cookie `name` across all `Cookie` headers.
pub(crate) fn cookie_values<'a, I>(
    cookie_headers: I,
    name: &'a str,
) -> impl Iterator<Item = &'a [u8]>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    cookie_headers
        .into_iter()
        .flat_map(|header| header.split(|&byte| byte == b';'))
        .filter_map(move |pair| {
            let pair = pair.trim_ascii();
            let eq = pair.iter().position(|&byte| byte == b'=')?;
            (pair[..eq].trim_ascii() == name.as_bytes()).then(|| pair[eq + 1..].trim_ascii())
        })
}

/// The single value of cookie `name`, refusing duplicates.
pub(crate) fn single_cookie<'a, I>(
    cookie_headers: I,
    name: &'a str,
) -> Result<Option<&'a [u8]>, CredentialError>
where
    I: IntoIterator<Item = &'a [u8]>,
{
    let mut values = cookie_values(cookie_headers, name);
    let first = values.next();
    if values.next().is_some() {
        return Err(CredentialError::DuplicateCookie);
    }
    Ok(first)
}

/// Finds the access token. `Ok(None)` when the request carries none (RFC 6750 §3.1: answer
/// without an error code).
pub(crate) fn extract<'a, A, C>(
    config: &'a CredentialConfig,
    authorization: A,
    cookie_headers: C,
) -> Result<Option<(&'a str, CredentialSource)>, CredentialError>
where
    A: IntoIterator<Item = &'a [u8]>,
    C: IntoIterator<Item = &'a [u8]>,
{
    let mut from_header = None;
    if config.bearer_header {
        let mut values = authorization.into_iter();
        let first = values.next();
        if values.next().is_some() {
            return Err(CredentialError::DuplicateAuthorization);
        }
        if let Some(value) = first {
            from_header = bearer(value)?;
        }
    }
    let mut from_cookie = None;
    if let Some(name) = &config.cookie
        && let Some(value) = single_cookie(cookie_headers, name)?
    {
        if !is_b64token(value) {
            return Err(CredentialError::MalformedCookie);
        }
        from_cookie = Some(value);
    }
    let found = match (from_header, from_cookie) {
        (Some(_), Some(_)) => return Err(CredentialError::MultipleMethods),
        (Some(token), None) => Some((token, CredentialSource::AuthorizationHeader)),
        (None, Some(token)) => Some((token, CredentialSource::Cookie)),
        (None, None) => None,
    };
    // b64token is ASCII, so this never fails once the syntax checked out.
    Ok(found
        .and_then(|(token, source)| std::str::from_utf8(token).ok().map(|token| (token, source))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        config: &CredentialConfig,
        authorization: &[&str],
        cookies: &[&str],
    ) -> Result<Option<(String, CredentialSource)>, CredentialError> {
        let auth: Vec<&[u8]> = authorization.iter().map(|v| v.as_bytes()).collect();
        let cookie: Vec<&[u8]> = cookies.iter().map(|v| v.as_bytes()).collect();
        extract(config, auth.iter().copied(), cookie.iter().copied())
            .map(|found| found.map(|(token, source)| (token.to_owned(), source)))
    }

    #[test]
    fn bearer_scheme_is_case_insensitive_and_token_exact() {
        let config = CredentialConfig::default();
        let found = run(&config, &["bEaReR  abc.def-ghi_~+/=="], &[]).unwrap();
        assert_eq!(
            found,
            Some((
                "abc.def-ghi_~+/==".into(),
                CredentialSource::AuthorizationHeader
            ))
        );
    }

    #[test]
    fn other_schemes_are_no_credentials() {
        let config = CredentialConfig::default();
        assert_eq!(run(&config, &["Basic dXNlcjpwYXNz"], &[]).unwrap(), None);
        assert_eq!(run(&config, &[], &[]).unwrap(), None);
    }

    #[test]
    fn malformed_and_duplicated_headers_are_invalid_requests() {
        let config = CredentialConfig::default();
        for bad in [
            "Bearer",
            "Bearer ",
            "Bearer a b",
            "Bearer =abc",
            "Bearer ab\"c",
            "Bearer é",
        ] {
            assert_eq!(
                run(&config, &[bad], &[]),
                Err(CredentialError::MalformedBearer),
                "{bad}"
            );
        }
        assert_eq!(
            run(&config, &["Bearer a", "Bearer b"], &[]),
            Err(CredentialError::DuplicateAuthorization)
        );
    }

    #[test]
    fn cookie_source_and_conflicts() {
        let config = CredentialConfig {
            bearer_header: true,
            cookie: Some("at".into()),
        };
        assert_eq!(
            run(&config, &[], &["x=1; at=tok.en; y=2"]).unwrap(),
            Some(("tok.en".into(), CredentialSource::Cookie))
        );
        assert_eq!(
            run(&config, &[], &["at=a", "at=b"]),
            Err(CredentialError::DuplicateCookie)
        );
        assert_eq!(
            run(&config, &["Bearer a"], &["at=b"]),
            Err(CredentialError::MultipleMethods)
        );
        assert_eq!(
            run(&config, &[], &["at=a b"]),
            Err(CredentialError::MalformedCookie)
        );
        // A cookie whose name merely ends with ours is someone else's.
        assert_eq!(run(&config, &[], &["xat=tok"]).unwrap(), None);
    }

    #[test]
    fn cookie_is_ignored_unless_configured() {
        let config = CredentialConfig::default();
        assert_eq!(run(&config, &[], &["at=tok"]).unwrap(), None);
    }
}
