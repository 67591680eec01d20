//! Finding the access token in a request: `Authorization: Bearer` and/or one cookie, never the
//! query string. Works on raw header values so the tower layer (http 1) and the actix
//! middleware (http 0.2) share it without converting header maps.

use crate::context::CredentialSource;

/// Where the authenticator looks for the access token.
///
/// Defaults to `Authorization: Bearer` only. The query string is never read (RFC 6750 §2.3
/// tokens end up in logs, history and `Referer` headers).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
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

/// Whether `byte` may appear in a `b64token` before the `=` padding (RFC 6750 §2.1):
/// `ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"`. Comparisons only, no table and no
/// branch, so that the loop below vectorizes.
#[inline(always)]
fn b64token_byte(byte: u8) -> bool {
    let letter = (byte | 0x20).wrapping_sub(b'a') < 26;
    let digit = byte.wrapping_sub(b'0') < 10;
    // "-" "." "/" are 0x2d..=0x2f.
    let mark = (byte.wrapping_sub(b'-') < 3) | (byte == b'_') | (byte == b'~') | (byte == b'+');
    letter | digit | mark
}

/// RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
/// This runs on every request over the whole token (hundreds of bytes): 32-byte blocks are
/// folded without early exit, which the compiler turns into SIMD compares.
pub(crate) fn is_b64token(token: &[u8]) -> bool {
    let mut body = token;
    while let [rest @ .., b'='] = body {
        body = rest;
    }
    if body.is_empty() {
        return false;
    }
    let mut blocks = body.chunks_exact(32);
    for block in &mut blocks {
        if !block
            .iter()
            .fold(true, |ok, &byte| ok & b64token_byte(byte))
        {
            return false;
        }
    }
    blocks
        .remainder()
        .iter()
        .fold(true, |ok, &byte| ok & b64token_byte(byte))
}

/// The token of one `Authorization` value, its syntax not yet checked (see [`Candidate`]):
/// `None` for another scheme (Basic, …).
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let (scheme, rest) = match value.iter().position(|&byte| byte == b' ') {
        Some(space) => (&value[..space], &value[space..]),
        None => (value, &[][..]),
    };
    scheme
        .eq_ignore_ascii_case(b"bearer")
        .then(|| rest.trim_ascii())
}

/// The token a request presents, before its `b64token` syntax is checked.
///
/// The syntax check only decides *how* a token is refused — 400 `invalid_request` for one
/// that is not even a `b64token`, 401 `invalid_token` for one that is but does not verify —
/// so it runs when verification fails, not on every request: a token that verifies is
/// base64url with two dots (auth-core's strict compact form), hence always a `b64token`,
/// and a token served from the verified-token cache is byte-for-byte one that verified.
/// Nothing is accepted that the eager check would have refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Candidate<'a> {
    /// The token's bytes, exactly as sent (header value trimmed, or cookie value).
    pub(crate) token: &'a [u8],
    /// Where it was found.
    pub(crate) source: CredentialSource,
}

impl Candidate<'_> {
    /// Why the token is refused as malformed, if it is not a `b64token` (or not UTF-8).
    pub(crate) fn syntax_error(&self) -> Option<CredentialError> {
        (!is_b64token(self.token)).then_some(match self.source {
            CredentialSource::AuthorizationHeader => CredentialError::MalformedBearer,
            CredentialSource::Cookie => CredentialError::MalformedCookie,
        })
    }
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
/// without an error code). Its syntax is checked by the caller when verification fails
/// ([`Candidate::syntax_error`]).
pub(crate) fn extract<'a, A, C>(
    config: &'a CredentialConfig,
    authorization: A,
    cookie_headers: C,
) -> Result<Option<Candidate<'a>>, CredentialError>
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
            from_header = bearer(value);
        }
    }
    let mut from_cookie = None;
    if let Some(name) = &config.cookie
        && let Some(value) = single_cookie(cookie_headers, name)?
    {
        from_cookie = Some(value);
    }
    let (token, source) = match (from_header, from_cookie) {
        (Some(_), Some(_)) => return Err(CredentialError::MultipleMethods),
        (Some(token), None) => (token, CredentialSource::AuthorizationHeader),
        (None, Some(token)) => (token, CredentialSource::Cookie),
        (None, None) => return Ok(None),
    };
    Ok(Some(Candidate { token, source }))
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
        // What the authenticator decides for a token that fails verification.
        match extract(config, auth.iter().copied(), cookie.iter().copied())? {
            None => Ok(None),
            Some(candidate) => match candidate.syntax_error() {
                Some(error) => Err(error),
                None => Ok(Some((
                    String::from_utf8(candidate.token.to_vec()).unwrap(),
                    candidate.source,
                ))),
            },
        }
    }

    /// The fast check agrees with the RFC 6750 grammar on every byte, at every position of
    /// a block and of the remainder.
    #[test]
    fn b64token_matches_the_grammar_for_every_byte() {
        let allowed = |b: u8| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b);
        for byte in 0..=255u8 {
            for len in [1usize, 31, 32, 33, 64, 70] {
                for at in [0, len / 2, len - 1] {
                    let mut token = vec![b'a'; len];
                    token[at] = byte;
                    let expected = allowed(byte) || (byte == b'=' && at == len - 1 && len > 1);
                    assert_eq!(
                        is_b64token(&token),
                        expected,
                        "byte {byte} at {at} of {len}"
                    );
                }
            }
        }
        assert!(is_b64token(b"abc=="));
        assert!(!is_b64token(b"=="));
        assert!(!is_b64token(b""));
        assert!(!is_b64token(b"ab=c"));
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
