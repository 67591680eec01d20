//! Reading an RFC 7662 introspection answer: what `active: true` must also say before a
//! resource server believes it.
//!
//! An authorization server answers `active: true` for any live token it issued — a refresh
//! token, a token meant for another API — and a server behind a misrouted URL answers for
//! tokens of its own. So an active answer is accepted only when:
//!
//! * `iss` is exactly the configured issuer (required, unless the configuration opted out with
//!   [`IntrospectorConfig::dangerous_accept_missing_issuer`]; a different `iss` is always
//!   refused);
//! * `aud`, a string or an array, contains the configured audience, when one is configured;
//! * the kind of token, when the answer names it, is an access token: `token_type` (RFC 7662
//!   §2.2, an RFC 6749 §7.1 type) is `Bearer` in any letter case or `access_token`, so
//!   `refresh_token`, `DPoP` (RFC 9449: never usable as a bearer token) and anything else are
//!   refused; Ory Hydra's `token_use` is `access_token`; Keycloak's `typ` is `Bearer` (or
//!   `at+jwt`), so its `Refresh`, `Offline` and `ID` tokens are refused;
//! * `exp`, `iat` and `nbf`, when present, are `NumericDate`s (auth-core's one rule: fractions
//!   floored, a string, a negative number or `null` refused).
//!
//! Expiry is checked against the clock on every use, cached answers included
//! ([`IntrospectedToken::is_live_at`]).

use auth_core::token::{NumericDate, TokenError};
use serde_json::Value;

use super::introspection::IntrospectorConfig;
use crate::error::{HttpError, RemoteTokenError};
use crate::profile::text;

/// An active token, as the authorization server described it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct IntrospectedToken {
    /// `sub`.
    pub subject: Option<String>,
    /// `scope`, split on spaces.
    pub scopes: Vec<String>,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `username`.
    pub username: Option<String>,
    /// `exp`, seconds since the epoch (a fractional `exp` is floored).
    pub expires_at: Option<u64>,
    /// `iat`, seconds since the epoch.
    pub issued_at: Option<u64>,
    /// `nbf`, seconds since the epoch.
    pub not_before: Option<u64>,
    /// `iss`: the configured issuer, or `None` when the server sent none and the configuration
    /// accepts that.
    pub issuer: Option<String>,
    /// `aud`, as a list (empty when the server sent none).
    pub audiences: Vec<String>,
    /// `token_type`, as sent (an access token type: `Bearer` or `access_token`).
    pub token_type: Option<String>,
    /// The whole answer.
    pub raw: Value,
}

impl IntrospectedToken {
    /// Whether the token may be used at `unix_now`: not past its `exp`, not before its `nbf`.
    /// No leeway: the authorization server has just judged it, and this only keeps a cached
    /// answer from outliving the token.
    pub fn is_live_at(&self, unix_now: u64) -> bool {
        self.expires_at.is_none_or(|exp| unix_now < exp)
            && self.not_before.is_none_or(|nbf| nbf <= unix_now)
    }
}

const ENDPOINT: &str = "introspection endpoint";

/// Reads an answer: `Ok(None)` when the server says the token is not active,
/// [`RemoteTokenError::Rejected`] when it says active but the answer fails a check above,
/// [`RemoteTokenError::Unavailable`] when there is no boolean `active` at all.
pub(super) fn read_answer(
    json: Value,
    config: &IntrospectorConfig,
) -> Result<Option<IntrospectedToken>, RemoteTokenError> {
    match json.get("active") {
        Some(Value::Bool(true)) => read_active(json, config).map(Some),
        Some(Value::Bool(false)) => Ok(None),
        _ => Err(RemoteTokenError::Unavailable(HttpError::InvalidBody {
            endpoint: ENDPOINT,
            reason: "no boolean `active` member",
        })),
    }
}

fn read_active(
    json: Value,
    config: &IntrospectorConfig,
) -> Result<IntrospectedToken, RemoteTokenError> {
    let refuse = |error: TokenError| {
        tracing::debug!(%error, "introspection answer refused");
        RemoteTokenError::Rejected(error)
    };
    let issuer = match json.get("iss") {
        Some(Value::String(iss)) if *iss == config.issuer => Some(iss.clone()),
        Some(Value::String(_)) => return Err(refuse(TokenError::WrongIssuer)),
        Some(_) => return Err(refuse(TokenError::InvalidClaim("iss"))),
        None if config.accepts_missing_issuer() => None,
        None => return Err(refuse(TokenError::MissingClaim("iss"))),
    };
    let audiences =
        audiences(json.get("aud")).ok_or_else(|| refuse(TokenError::InvalidClaim("aud")))?;
    if let Some(expected) = &config.audience {
        if json.get("aud").is_none() {
            return Err(refuse(TokenError::MissingClaim("aud")));
        }
        if !audiences.iter().any(|aud| aud == expected) {
            return Err(refuse(TokenError::WrongAudience));
        }
    }
    // Three spellings of "what kind of token is this" in the wild; each, when present, must
    // say "access token".
    let kind = |member: &str, is_access: fn(&str) -> bool| match json.get(member) {
        None => Ok(None),
        Some(Value::String(kind)) if is_access(kind) => Ok(Some(kind.clone())),
        Some(_) => Err(refuse(TokenError::WrongType)),
    };
    let token_type = kind("token_type", |kind| {
        kind.eq_ignore_ascii_case("bearer") || kind == "access_token"
    })?;
    kind("token_use", |kind| kind == "access_token")?;
    kind("typ", |kind| {
        ["bearer", "at+jwt", "application/at+jwt"]
            .iter()
            .any(|access| kind.eq_ignore_ascii_case(access))
    })?;
    let date = |name: &'static str| match json.get(name) {
        None => Ok(None),
        Some(value) => NumericDate::from_json(value)
            .map(|date| Some(date.unix_seconds()))
            .ok_or_else(|| refuse(TokenError::InvalidClaim(name))),
    };
    let expires_at = date("exp")?;
    let issued_at = date("iat")?;
    let not_before = date("nbf")?;
    Ok(IntrospectedToken {
        subject: text(json.get("sub")),
        scopes: json
            .get("scope")
            .and_then(Value::as_str)
            .map(|scope| {
                scope
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
        client_id: text(json.get("client_id")),
        username: text(json.get("username")),
        expires_at,
        issued_at,
        not_before,
        issuer,
        audiences,
        token_type,
        raw: json,
    })
}

/// `aud` as a list: absent is empty; a string or an array of strings; anything else `None`.
fn audiences(aud: Option<&Value>) -> Option<Vec<String>> {
    match aud {
        None => Some(Vec::new()),
        Some(Value::String(aud)) => Some(vec![aud.clone()]),
        Some(Value::Array(list)) => list
            .iter()
            .map(|aud| aud.as_str().map(str::to_owned))
            .collect(),
        Some(_) => None,
    }
}
