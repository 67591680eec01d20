//! The request bodies the endpoints read: `application/x-www-form-urlencoded` pairs, the
//! authorization request's parameters carried through the login and consent forms, the
//! browser forms after their CSRF defences, and the client forms (with the client's
//! `Authorization` header) of the token, revocation and introspection endpoints.

use auth_core::oauth_server::{ClientCredentials, OAuthError};
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use http::{HeaderMap, Request, Response, StatusCode};

use crate::oauth_server::OAuthEndpoints;
use crate::oauth_server::pages;

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
pub(super) type Pairs = Vec<(String, String)>;

pub(super) fn decode(input: &[u8]) -> Pairs {
    form_urlencoded::parse(input).into_owned().collect()
}

/// The authorization request's own parameters among `pairs`, in order.
pub(super) fn authorize_params(pairs: &Pairs) -> Pairs {
    pairs
        .iter()
        .filter(|(name, _)| AUTHORIZE_PARAMS.contains(&name.as_str()))
        .cloned()
        .collect()
}

/// The one value of `name`; `Err` when it is repeated.
pub(super) fn single<'a>(pairs: &'a Pairs, name: &str) -> Result<Option<&'a str>, ()> {
    let mut values = pairs.iter().filter(|(key, _)| key == name);
    let first = values.next().map(|(_, value)| value.as_str());
    if values.next().is_some() {
        return Err(());
    }
    Ok(first)
}

pub(super) fn is_form(headers: &HeaderMap) -> bool {
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
pub(super) fn authorization(headers: &HeaderMap) -> Result<Option<String>, OAuthError> {
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

/// Why a form post was refused before its fields were used.
#[derive(Debug, Clone, Copy)]
pub(super) enum FormRefused {
    /// Not `application/x-www-form-urlencoded`.
    MediaType,
    /// The CSRF token or the origin check failed.
    Csrf,
}

impl FormRefused {
    pub(super) fn page(self) -> Response<Bytes> {
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
    /// The form pairs of a login, consent or logout post, after both CSRF defences.
    pub(super) fn checked_form(&self, request: &Request<Bytes>) -> Result<Pairs, FormRefused> {
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

    /// The form of a token, revocation or introspection request; `Err` with the RFC 6749
    /// error answer otherwise.
    pub(super) fn client_form(
        &self,
        request: &Request<Bytes>,
    ) -> Result<(Pairs, Option<String>), OAuthError> {
        if !is_form(request.headers()) {
            return Err(OAuthError::InvalidRequest(
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        let header = authorization(request.headers())?;
        Ok((decode(request.body()), header))
    }

    /// Client credentials, `token` and `token_type_hint` of a revocation or introspection
    /// request.
    pub(super) fn token_form(
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
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

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
