//! The JOSE header: strict parsing for verification, and the fixed header the issuer writes.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use serde::Serialize;
use serde::de::{IgnoredAny, MapAccess, Visitor};

use super::error::TokenError;
use super::json::{JsonStr, Refusal, parse_object};

/// The `typ` of an access token (RFC 9068 §2.1).
pub(crate) const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// The header members a verifier acts on. Strings borrow from the decoded header.
pub(crate) struct Header<'de> {
    pub(crate) alg: Cow<'de, str>,
    pub(crate) kid: Option<Cow<'de, str>>,
    pub(crate) typ: Option<Cow<'de, str>>,
}

impl Header<'_> {
    /// Whether `typ` says this is an access token: `at+jwt`, or the full media type
    /// `application/at+jwt`, compared case-insensitively as media types are (RFC 9068 §4).
    pub(crate) fn is_access_token(&self) -> bool {
        let Some(typ) = self.typ.as_deref() else {
            return false;
        };
        let subtype = match typ.get(..12) {
            Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &typ[12..],
            _ => typ,
        };
        subtype.eq_ignore_ascii_case(ACCESS_TOKEN_TYPE)
    }

    /// Whether `typ` is the generic `JWT` (RFC 7519 §5.1), compared case-insensitively.
    pub(crate) fn is_generic_jwt(&self) -> bool {
        self.typ
            .as_deref()
            .is_some_and(|typ| typ.eq_ignore_ascii_case("JWT"))
    }
}

/// Parses a decoded JOSE header. Refuses duplicate members, members that carry or point to
/// keys, and any `crit` extension (this verifier implements none).
pub(crate) fn parse_header(json: &[u8]) -> Result<Header<'_>, TokenError> {
    let failure = Cell::new(None);
    let visitor = HeaderVisitor {
        refusal: Refusal(&failure),
    };
    parse_object(json, &failure, "header is not a JSON object", visitor)
}

struct HeaderVisitor<'a> {
    refusal: Refusal<'a>,
}

impl<'de> Visitor<'de> for HeaderVisitor<'_> {
    type Value = Header<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JOSE header object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let refusal = self.refusal;
        let mut alg = None;
        let mut kid = None;
        let mut typ = None;
        // Other members are ignored, but a repeated one is still a duplicate.
        let mut seen_other: Vec<Cow<'de, str>> = Vec::new();

        while let Some(JsonStr(name)) = map.next_key::<JsonStr<'de>>()? {
            match name.as_ref() {
                "alg" | "kid" | "typ" => {
                    let slot = match name.as_ref() {
                        "alg" => &mut alg,
                        "kid" => &mut kid,
                        _ => &mut typ,
                    };
                    refusal
                        .0
                        .set(Some(TokenError::Malformed("header member is not a string")));
                    let JsonStr(value) = map.next_value::<JsonStr<'de>>()?;
                    refusal.0.set(None);
                    refusal.set_once(slot, value)?;
                }
                // RFC 8725 §3.10: never fetch or trust a key named by the token itself.
                "jku" => return Err(refusal.reject(TokenError::ForbiddenHeader("jku"))),
                "x5u" => return Err(refusal.reject(TokenError::ForbiddenHeader("x5u"))),
                "jwk" => return Err(refusal.reject(TokenError::ForbiddenHeader("jwk"))),
                "x5c" => return Err(refusal.reject(TokenError::ForbiddenHeader("x5c"))),
                // RFC 7515 §4.1.11: a recipient must refuse extensions it does not understand,
                // and we understand none (b64=false included).
                "crit" => return Err(refusal.reject(TokenError::UnsupportedCritical)),
                _ => {
                    if seen_other.contains(&name) {
                        return Err(refusal.reject(TokenError::Malformed("duplicate member name")));
                    }
                    map.next_value::<IgnoredAny>()?;
                    seen_other.push(name);
                }
            }
        }

        let alg = alg.ok_or_else(|| refusal.reject(TokenError::Malformed("header has no alg")))?;
        Ok(Header { alg, kid, typ })
    }
}

/// The header every access token from one key carries; serialized once per issuer.
#[derive(Serialize)]
pub(crate) struct OutgoingHeader<'a> {
    pub(crate) alg: &'a str,
    pub(crate) typ: &'a str,
    pub(crate) kid: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<(String, Option<String>, bool), TokenError> {
        parse_header(json.as_bytes()).map(|header| {
            let is_at = header.is_access_token();
            (
                header.alg.into_owned(),
                header.kid.map(Cow::into_owned),
                is_at,
            )
        })
    }

    #[test]
    fn reads_alg_kid_typ() {
        let (alg, kid, is_at) = parse(r#"{"alg":"HS256","kid":"k1","typ":"at+jwt"}"#).unwrap();
        assert_eq!(
            (alg.as_str(), kid.as_deref(), is_at),
            ("HS256", Some("k1"), true)
        );
    }

    #[test]
    fn typ_accepts_media_type_form_case_insensitively() {
        for typ in ["AT+JWT", "application/at+jwt", "Application/AT+JWT"] {
            let json = format!(r#"{{"alg":"HS256","typ":"{typ}"}}"#);
            assert!(parse(&json).unwrap().2, "{typ}");
        }
        for typ in [
            "JWT",
            "at+jwt ",
            "application/jwt",
            "id_token+jwt",
            "rt+jwt",
        ] {
            let json = format!(r#"{{"alg":"HS256","typ":"{typ}"}}"#);
            assert!(!parse(&json).unwrap().2, "{typ}");
        }
    }

    #[test]
    fn duplicate_members_are_refused() {
        for json in [
            r#"{"alg":"HS256","alg":"none"}"#,
            r#"{"alg":"HS256","kid":"a","kid":"b"}"#,
            r#"{"alg":"HS256","x":1,"x":1}"#,
        ] {
            assert_eq!(
                parse(json).unwrap_err(),
                TokenError::Malformed("duplicate member name"),
                "{json}"
            );
        }
    }

    #[test]
    fn key_carrying_members_are_refused() {
        for name in ["jku", "x5u", "jwk", "x5c"] {
            let json = format!(r#"{{"alg":"RS256","{name}":"x"}}"#);
            assert_eq!(parse(&json).unwrap_err(), TokenError::ForbiddenHeader(name));
        }
    }

    #[test]
    fn crit_is_refused_and_alg_is_required() {
        let crit = parse(r#"{"alg":"HS256","crit":["exp"],"exp":1}"#).unwrap_err();
        assert_eq!(crit, TokenError::UnsupportedCritical);
        assert_eq!(
            parse(r#"{"kid":"a"}"#).unwrap_err(),
            TokenError::Malformed("header has no alg")
        );
        assert!(matches!(
            parse(r#"{"alg":1}"#),
            Err(TokenError::Malformed(_))
        ));
    }
}
