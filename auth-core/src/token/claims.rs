//! The claims of an access token: the registered ones (RFC 7519 §4.1, RFC 9068 §2.2), ours, and
//! the host's own.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::error::TokenError;
use super::json::{JsonStr, Refusal, parse_object};
use super::numeric_date::NumericDate;

/// The claim names this crate writes itself, which custom claims may not use: RFC 7519's
/// registered names (`iss` … `jti`), those of RFC 9068 / RFC 8693 / OIDC (`sid`, `scope`,
/// `client_id`, `auth_time`, `amr`, `acr`), and this crate's own (`roles`, `permissions`,
/// `plan`, `tid`). Not all of them are IANA-registered, hence "reserved".
pub(crate) const RESERVED_CLAIMS: [&str; 17] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "sid",
    "scope",
    "roles",
    "permissions",
    "plan",
    "tid",
    "client_id",
    "auth_time",
    "amr",
    "acr",
];

/// The `aud` claim: one audience or several (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience, serialized as a JSON string.
    Single(String),
    /// Several audiences, serialized as a JSON array.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `audience` is one of the values, compared exactly.
    pub fn contains(&self, audience: &str) -> bool {
        match self {
            Self::Single(value) => value == audience,
            Self::Many(values) => values.iter().any(|value| value == audience),
        }
    }

    /// The values, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let values: &[String] = match self {
            Self::Single(value) => std::slice::from_ref(value),
            Self::Many(values) => values,
        };
        values.iter().map(String::as_str)
    }
}

impl From<&str> for Audience {
    fn from(value: &str) -> Self {
        Self::Single(value.to_owned())
    }
}

impl From<String> for Audience {
    fn from(value: String) -> Self {
        Self::Single(value)
    }
}

/// The `scope` claim: space-separated scope tokens (RFC 6749 §3.3, RFC 9068 §2.2.3).
///
/// Empty when the token grants no OAuth scope (first-party sessions usually carry roles
/// instead); an empty scope is not serialized.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope(String);

impl Scope {
    /// A scope made of `tokens`, separated by single spaces; empty tokens are dropped.
    pub fn new<I, S>(tokens: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut joined = String::new();
        for token in tokens {
            let token = token.as_ref().trim();
            if token.is_empty() {
                continue;
            }
            if !joined.is_empty() {
                joined.push(' ');
            }
            joined.push_str(token);
        }
        Self(joined)
    }

    /// Parses the space-separated form.
    pub fn parse(value: &str) -> Self {
        Self::new(value.split(' '))
    }

    /// Whether `token` is one of the scope tokens (exact, case-sensitive comparison).
    pub fn contains(&self, token: &str) -> bool {
        self.iter().any(|held| held == token)
    }

    /// The scope tokens.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.split(' ').filter(|token| !token.is_empty())
    }

    /// Whether there is no scope token at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The space-separated form, as it appears in the `scope` claim.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// The custom-claims type for hosts that add none. Unknown claims in a token are ignored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoCustomClaims {}

/// The verified claims of an access token.
///
/// `E` is the host's own claims: any `serde` type that (de)serializes as a JSON object. It sees
/// every claim that is not one of the registered names below, and must not use those names.
///
/// ```
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Debug, Serialize, Deserialize)]
/// struct OrgClaims {
///     org_name: String,
/// }
///
/// type MyClaims = auth_core::token::Claims<OrgClaims>;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claims<E = NoCustomClaims> {
    /// `iss`: who issued the token. Always equal to the configured issuer once verified.
    pub iss: String,
    /// `sub`: the user (or, for client-credentials tokens, the client) the token is about.
    pub sub: String,
    /// `aud`: who the token is meant for. Always contains the configured audience once verified.
    pub aud: Audience,
    /// `exp`: expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// `nbf`: not valid before, seconds since the Unix epoch.
    pub nbf: Option<u64>,
    /// `iat`: issue time, seconds since the Unix epoch.
    pub iat: u64,
    /// `jti`: the token's unique id, used to revoke this one token.
    pub jti: Option<String>,
    /// `sid`: the session (login on one device) the token belongs to.
    pub sid: Option<String>,
    /// `scope`: OAuth scopes granted.
    pub scope: Scope,
    /// `roles`: the user's roles.
    pub roles: Vec<String>,
    /// `permissions`: the user's fine-grained permissions.
    pub permissions: Vec<String>,
    /// `plan`: the subscription tier, if the host uses tiers.
    pub plan: Option<String>,
    /// `tid`: the tenant, if the host is multi-tenant.
    pub tid: Option<String>,
    /// `client_id`: the OAuth client the token was issued to (RFC 9068 §2.2).
    pub client_id: Option<String>,
    /// `auth_time`: when the user last actively authenticated in this session (RFC 9068
    /// §2.2.1), seconds since the Unix epoch. A refresh keeps it; a re-authentication moves it.
    pub auth_time: Option<u64>,
    /// `amr`: how the user authenticated (RFC 8176 values such as `pwd`, `otp`, `hwk`,
    /// `swk`, `user`, `mfa`). See [`AuthMethod`](super::AuthMethod).
    pub amr: Vec<String>,
    /// `acr`: the authentication context class the sign-in satisfied (host-defined levels).
    pub acr: Option<String>,
    /// The host's own claims.
    pub custom: E,
}

impl<E> Claims<E> {
    /// Whether the token carries `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|held| held == role)
    }

    /// Whether the token carries `permission`.
    pub fn has_permission(&self, permission: &str) -> bool {
        self.permissions.iter().any(|held| held == permission)
    }

    /// Whether `amr` lists `method` (exact comparison).
    pub fn has_amr(&self, method: &str) -> bool {
        self.amr.iter().any(|held| held == method)
    }

    /// Whether the sign-in used more than one factor: `amr` lists `mfa` (RFC 8176 §2), which
    /// this crate writes whenever it records a second factor.
    pub fn is_multi_factor(&self) -> bool {
        self.has_amr(super::AuthMethod::Mfa.as_str())
    }

    /// Whether the user authenticated at most `max_age` before `now`, by `auth_time`. A token
    /// without `auth_time`, or with one in the future, does not qualify.
    pub fn authenticated_within(
        &self,
        max_age: std::time::Duration,
        now: std::time::SystemTime,
    ) -> bool {
        let Some(auth_time) = self.auth_time else {
            return false;
        };
        let Ok(now) = now.duration_since(std::time::UNIX_EPOCH) else {
            return false;
        };
        now.as_secs()
            .checked_sub(auth_time)
            .is_some_and(|age| age <= max_age.as_secs())
    }
}

/// Parses a claims set strictly (see [`super::json`]): one pass, typed refusals, duplicate
/// names refused, unknown names handed to the custom-claims type.
pub(crate) fn parse_claims<E: DeserializeOwned>(json: &[u8]) -> Result<Claims<E>, TokenError> {
    let failure = Cell::new(None);
    let visitor = ClaimsVisitor::<E> {
        refusal: Refusal(&failure),
        custom: PhantomData,
    };
    parse_object(json, &failure, "claims are not a JSON object", visitor)
}

struct ClaimsVisitor<'a, E> {
    refusal: Refusal<'a>,
    custom: PhantomData<E>,
}

#[derive(Default)]
struct PartialClaims {
    iss: Option<String>,
    sub: Option<String>,
    aud: Option<Audience>,
    exp: Option<u64>,
    nbf: Option<u64>,
    iat: Option<u64>,
    jti: Option<String>,
    sid: Option<String>,
    scope: Option<Scope>,
    roles: Option<Vec<String>>,
    permissions: Option<Vec<String>>,
    plan: Option<String>,
    tid: Option<String>,
    client_id: Option<String>,
    auth_time: Option<u64>,
    amr: Option<Vec<String>>,
    acr: Option<String>,
}

impl<'de, E: DeserializeOwned> Visitor<'de> for ClaimsVisitor<'_, E> {
    type Value = Claims<E>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWT claims object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let refusal = self.refusal;
        let mut claims = PartialClaims::default();
        let mut extra = serde_json::Map::new();

        // Reads the value of the current member as `T`, recording `name` as the culprit if it
        // has the wrong type.
        macro_rules! value {
            ($name:literal, $ty:ty) => {{
                refusal.0.set(Some(TokenError::InvalidClaim($name)));
                let value = map.next_value::<$ty>()?;
                refusal.0.set(None);
                value
            }};
        }

        while let Some(JsonStr(name)) = map.next_key::<JsonStr<'de>>()? {
            match name.as_ref() {
                "iss" => refusal.set_once(&mut claims.iss, value!("iss", String))?,
                "sub" => refusal.set_once(&mut claims.sub, value!("sub", String))?,
                "aud" => refusal.set_once(&mut claims.aud, value!("aud", Audience))?,
                "exp" => {
                    refusal.set_once(&mut claims.exp, value!("exp", NumericDate).unix_seconds())?
                }
                "nbf" => {
                    refusal.set_once(&mut claims.nbf, value!("nbf", NumericDate).unix_seconds())?
                }
                "iat" => {
                    refusal.set_once(&mut claims.iat, value!("iat", NumericDate).unix_seconds())?
                }
                "jti" => refusal.set_once(&mut claims.jti, value!("jti", String))?,
                "sid" => refusal.set_once(&mut claims.sid, value!("sid", String))?,
                "scope" => {
                    let scope = Scope::parse(&value!("scope", JsonStr<'de>).0);
                    refusal.set_once(&mut claims.scope, scope)?;
                }
                "roles" => refusal.set_once(&mut claims.roles, value!("roles", Vec<String>))?,
                "permissions" => {
                    refusal.set_once(&mut claims.permissions, value!("permissions", Vec<String>))?
                }
                "plan" => refusal.set_once(&mut claims.plan, value!("plan", String))?,
                "tid" => refusal.set_once(&mut claims.tid, value!("tid", String))?,
                "client_id" => {
                    refusal.set_once(&mut claims.client_id, value!("client_id", String))?;
                }
                "auth_time" => refusal.set_once(
                    &mut claims.auth_time,
                    value!("auth_time", NumericDate).unix_seconds(),
                )?,
                "amr" => refusal.set_once(&mut claims.amr, value!("amr", Vec<String>))?,
                "acr" => refusal.set_once(&mut claims.acr, value!("acr", String))?,
                other => {
                    let value = map.next_value::<serde_json::Value>()?;
                    if extra.insert(other.to_owned(), value).is_some() {
                        return Err(refusal.reject(TokenError::Malformed("duplicate member name")));
                    }
                }
            }
        }

        let custom = E::deserialize(serde_json::Value::Object(extra))
            .map_err(|_| refusal.reject(TokenError::InvalidClaim("custom claims")))?;
        let required = |missing: &'static str| refusal.reject(TokenError::MissingClaim(missing));
        Ok(Claims {
            iss: claims.iss.ok_or_else(|| required("iss"))?,
            sub: claims.sub.ok_or_else(|| required("sub"))?,
            aud: claims.aud.ok_or_else(|| required("aud"))?,
            exp: claims.exp.ok_or_else(|| required("exp"))?,
            nbf: claims.nbf,
            iat: claims.iat.ok_or_else(|| required("iat"))?,
            jti: claims.jti,
            sid: claims.sid,
            scope: claims.scope.unwrap_or_default(),
            roles: claims.roles.unwrap_or_default(),
            permissions: claims.permissions.unwrap_or_default(),
            plan: claims.plan,
            tid: claims.tid,
            client_id: claims.client_id,
            auth_time: claims.auth_time,
            amr: claims.amr.unwrap_or_default(),
            acr: claims.acr,
            custom,
        })
    }
}

/// The claims as written by the issuer, borrowing from the request.
#[derive(Serialize)]
pub(crate) struct OutgoingClaims<'a> {
    pub(crate) iss: &'a str,
    pub(crate) sub: &'a str,
    pub(crate) aud: &'a Audience,
    pub(crate) exp: u64,
    pub(crate) iat: u64,
    pub(crate) jti: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sid: Option<&'a str>,
    #[serde(skip_serializing_if = "Scope::is_empty")]
    pub(crate) scope: &'a Scope,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub(crate) roles: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub(crate) permissions: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) plan: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) client_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) auth_time: Option<u64>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub(crate) amr: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) acr: Option<&'a str>,
}

impl OutgoingClaims<'_> {
    /// The claims as JSON with the host's `custom` members appended. Written by hand rather
    /// than with `#[serde(flatten)]`, which would route every token through serde's slower
    /// map path even when there are no custom claims.
    pub(crate) fn to_json(
        &self,
        custom: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Vec<u8>, serde_json::Error> {
        let mut json = serde_json::to_vec(self)?;
        if !custom.is_empty() {
            json.pop(); // the closing brace; the object is never empty (`iss` at least)
            for (name, value) in custom {
                json.push(b',');
                serde_json::to_writer(&mut json, name)?;
                json.push(b':');
                serde_json::to_writer(&mut json, value)?;
            }
            json.push(b'}');
        }
        Ok(json)
    }
}

/// Serializes the host's custom claims to a JSON object and checks they stay clear of the
/// registered names (a collision would put the same name in the token twice).
pub(crate) fn custom_claims_object<E: Serialize>(
    custom: &E,
) -> Result<serde_json::Map<String, serde_json::Value>, TokenError> {
    let value = serde_json::to_value(custom)
        .map_err(|_| TokenError::InvalidCustomClaims("they do not serialize to JSON"))?;
    let serde_json::Value::Object(object) = value else {
        return Err(TokenError::InvalidCustomClaims(
            "they must serialize to a JSON object",
        ));
    };
    if object
        .keys()
        .any(|name| RESERVED_CLAIMS.contains(&name.as_str()))
    {
        return Err(TokenError::InvalidCustomClaims(
            "they use a claim name this crate reserves",
        ));
    }
    Ok(object)
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let JsonStr(value) = JsonStr::deserialize(deserializer)?;
        Ok(Self::parse(&value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Claims, TokenError> {
        parse_claims(json.as_bytes())
    }

    const BASE: &str = r#""iss":"i","sub":"s","aud":"a","iat":1,"exp":2"#;

    #[test]
    fn parses_registered_and_our_claims() {
        let claims = parse(&format!(
            r#"{{{BASE},"jti":"j","sid":"x","scope":"read  write","roles":["admin"],"permissions":["p"],"plan":"pro","tid":"t","client_id":"c","nbf":1.5}}"#
        ))
        .unwrap();
        assert_eq!(claims.sub, "s");
        assert_eq!(claims.nbf, Some(1));
        assert!(claims.scope.contains("write"));
        assert_eq!(claims.scope.as_str(), "read write");
        assert!(claims.has_role("admin"));
        assert_eq!(claims.plan.as_deref(), Some("pro"));
    }

    #[test]
    fn duplicate_registered_claim_is_malformed() {
        let err = parse(&format!(r#"{{{BASE},"sub":"other"}}"#)).unwrap_err();
        assert_eq!(err, TokenError::Malformed("duplicate member name"));
    }

    #[test]
    fn duplicate_spelled_with_escape_is_malformed() {
        let err = parse(&format!(r#"{{{BASE},"e\u0078p":99}}"#)).unwrap_err();
        assert_eq!(err, TokenError::Malformed("duplicate member name"));
    }

    #[test]
    fn duplicate_unknown_claim_is_malformed() {
        let err = parse(&format!(r#"{{{BASE},"x":1,"x":2}}"#)).unwrap_err();
        assert_eq!(err, TokenError::Malformed("duplicate member name"));
    }

    #[test]
    fn string_exp_is_invalid() {
        let err = parse(r#"{"iss":"i","sub":"s","aud":"a","iat":1,"exp":"9999999999"}"#);
        assert_eq!(err.unwrap_err(), TokenError::InvalidClaim("exp"));
    }

    #[test]
    fn negative_and_null_exp_are_invalid() {
        for exp in ["-1", "null", "1e300", "true"] {
            let json = format!(r#"{{"iss":"i","sub":"s","aud":"a","iat":1,"exp":{exp}}}"#);
            assert_eq!(
                parse(&json).unwrap_err(),
                TokenError::InvalidClaim("exp"),
                "{exp}"
            );
        }
    }

    #[test]
    fn missing_exp_is_reported() {
        let err = parse(r#"{"iss":"i","sub":"s","aud":"a","iat":1}"#).unwrap_err();
        assert_eq!(err, TokenError::MissingClaim("exp"));
    }

    #[test]
    fn non_object_and_trailing_data_are_malformed() {
        for json in [
            "[]",
            "null",
            "\"x\"",
            &format!("{{{BASE}}} x"),
            &format!("{{{BASE}"),
        ] {
            assert!(
                matches!(parse(json), Err(TokenError::Malformed(_))),
                "{json}"
            );
        }
    }

    #[test]
    fn custom_claims_receive_unknown_names() {
        #[derive(Debug, Deserialize)]
        struct Org {
            org: String,
        }
        let claims: Claims<Org> =
            parse_claims(format!(r#"{{{BASE},"org":"acme"}}"#).as_bytes()).unwrap();
        assert_eq!(claims.custom.org, "acme");
        let missing = parse_claims::<Org>(format!(r#"{{{BASE}}}"#).as_bytes());
        assert_eq!(
            missing.unwrap_err(),
            TokenError::InvalidClaim("custom claims")
        );
    }

    #[test]
    fn custom_claims_may_not_shadow_registered_names() {
        #[derive(Serialize)]
        struct Sneaky {
            sub: &'static str,
        }
        let err = custom_claims_object(&Sneaky { sub: "admin" }).unwrap_err();
        assert_eq!(
            err,
            TokenError::InvalidCustomClaims("they use a claim name this crate reserves")
        );
        assert!(custom_claims_object(&5).is_err());
        assert!(custom_claims_object(&NoCustomClaims {}).unwrap().is_empty());
    }

    #[test]
    fn audience_and_scope_helpers() {
        let aud: Audience = serde_json::from_str(r#"["a","b"]"#).unwrap();
        assert!(aud.contains("b") && !aud.contains("c"));
        assert_eq!(aud.iter().collect::<Vec<_>>(), ["a", "b"]);
        let scope = Scope::new(["read", "", "write"]);
        assert_eq!(scope.to_string(), "read write");
        assert!(!scope.contains("rea"));
    }
}
