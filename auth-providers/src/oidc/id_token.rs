//! OpenID Connect `id_token` validation (OIDC Core §3.1.3.7): signature through the provider's
//! JWKS and auth-core's keys, then `iss`, `aud`, `azp`, `exp`, `iat`, `nbf`, `auth_time`,
//! `nonce` and `at_hash`. Dates are read by auth-core's [`NumericDate`], the rule every token
//! parser of the workspace shares.

use std::time::Duration;

use auth_core::Clock;
use auth_core::token::{Algorithm, NumericDate, TokenError};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::jwks::{JwksCache, JwksVerifyError};
use crate::error::IdTokenError;
use crate::http::HttpClient;
use crate::secret::ct_str_eq;

/// What an `id_token` must match.
#[derive(Debug)]
pub(crate) struct Expected<'a> {
    pub(crate) issuers: &'a [String],
    pub(crate) client_id: &'a str,
    pub(crate) nonce: &'a str,
    pub(crate) access_token: Option<&'a str>,
    pub(crate) algorithms: &'a [Algorithm],
    pub(crate) leeway: Duration,
}

/// Validates `token` and returns its claims.
pub(crate) async fn validate(
    token: &str,
    jwks: &JwksCache,
    http: &HttpClient,
    clock: &dyn Clock,
    expected: &Expected<'_>,
) -> Result<Map<String, Value>, IdTokenError> {
    let verified = jwks
        .verify(token, http, clock)
        .await
        .map_err(|error| match error {
            JwksVerifyError::Token(error) => IdTokenError::Signature(error),
            JwksVerifyError::Keys(error) => IdTokenError::Keys(error),
        })?;
    if !expected.algorithms.contains(&verified.algorithm()) {
        return Err(IdTokenError::AlgorithmNotAllowed);
    }
    let claims: Map<String, Value> = serde_json::from_slice(verified.payload()).map_err(|_| {
        IdTokenError::Signature(TokenError::Malformed("claims are not a JSON object"))
    })?;
    check_claims(&claims, expected, clock.unix_seconds())?;
    if let (Some(at_hash), Some(access_token)) = (claims.get("at_hash"), expected.access_token) {
        let at_hash = at_hash
            .as_str()
            .ok_or(IdTokenError::InvalidClaim("at_hash"))?;
        let computed = access_token_hash(verified.algorithm(), access_token)
            .ok_or(IdTokenError::AlgorithmNotAllowed)?;
        if !ct_str_eq(at_hash, &computed) {
            return Err(IdTokenError::AtHashMismatch);
        }
    }
    Ok(claims)
}

fn check_claims(
    claims: &Map<String, Value>,
    expected: &Expected<'_>,
    now: u64,
) -> Result<(), IdTokenError> {
    let string = |name: &'static str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .ok_or(IdTokenError::InvalidClaim(name))
    };
    // Every date is read by auth-core's one NumericDate rule (RFC 7519 §2): fractions
    // floored, anything but a non-negative number refused.
    let date = |name: &'static str| {
        claims
            .get(name)
            .and_then(NumericDate::from_json)
            .map(NumericDate::unix_seconds)
            .ok_or(IdTokenError::InvalidClaim(name))
    };
    let optional_date = |name: &'static str| match claims.get(name) {
        None => Ok(None),
        Some(_) => date(name).map(Some),
    };
    let iss = string("iss")?;
    if !expected.issuers.iter().any(|accepted| accepted == iss) {
        return Err(IdTokenError::WrongIssuer);
    }
    if string("sub")?.is_empty() {
        return Err(IdTokenError::InvalidClaim("sub"));
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(list)) => list
            .iter()
            .map(|aud| aud.as_str().ok_or(IdTokenError::InvalidClaim("aud")))
            .collect::<Result<_, _>>()?,
        _ => return Err(IdTokenError::InvalidClaim("aud")),
    };
    if !audiences.contains(&expected.client_id) {
        return Err(IdTokenError::WrongAudience);
    }
    // OIDC Core §3.1.3.7 items 4-5: with several audiences azp is needed, and when present it
    // must be us.
    match claims.get("azp") {
        Some(Value::String(azp)) if azp == expected.client_id => {}
        Some(_) => return Err(IdTokenError::WrongAuthorizedParty),
        None if audiences.len() > 1 => return Err(IdTokenError::WrongAuthorizedParty),
        None => {}
    }
    let leeway = expected.leeway.as_secs();
    if now >= date("exp")?.saturating_add(leeway) {
        return Err(IdTokenError::Expired);
    }
    if date("iat")? > now.saturating_add(leeway) {
        return Err(IdTokenError::IssuedInFuture);
    }
    if optional_date("nbf")?.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
        return Err(IdTokenError::NotYetValid);
    }
    // Not compared to anything here (no max_age is sent), but a present auth_time that is
    // not a date makes the token malformed.
    optional_date("auth_time")?;
    match claims.get("nonce").and_then(Value::as_str) {
        Some(nonce) if ct_str_eq(nonce, expected.nonce) => Ok(()),
        _ => Err(IdTokenError::NonceMismatch),
    }
}

/// OIDC Core §3.1.3.6: base64url of the left half of the hash of the access token, with the
/// hash of the id_token's algorithm.
fn access_token_hash(algorithm: Algorithm, access_token: &str) -> Option<String> {
    let digest: Vec<u8> = match algorithm {
        Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256 | Algorithm::HS256 => {
            Sha256::digest(access_token).to_vec()
        }
        Algorithm::RS384 | Algorithm::PS384 | Algorithm::ES384 | Algorithm::HS384 => {
            Sha384::digest(access_token).to_vec()
        }
        // Ed25519 signs with SHA-512 (OpenID Connect errata / RFC 8037).
        Algorithm::RS512 | Algorithm::PS512 | Algorithm::HS512 | Algorithm::EdDSA => {
            Sha512::digest(access_token).to_vec()
        }
        _ => return None,
    };
    Some(URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2]))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn expected() -> Expected<'static> {
        Expected {
            issuers: Box::leak(vec!["https://idp.example".to_owned()].into_boxed_slice()),
            client_id: "client",
            nonce: "n-1",
            access_token: None,
            algorithms: &[Algorithm::ES256],
            leeway: Duration::from_secs(30),
        }
    }

    fn claims(extra: Value) -> Map<String, Value> {
        let mut base = json!({"iss": "https://idp.example", "sub": "u1", "aud": "client",
            "exp": NOW + 300, "iat": NOW, "nonce": "n-1"});
        if let (Value::Object(base), Value::Object(extra)) = (&mut base, extra) {
            base.extend(extra);
        }
        match base {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn a_good_token_passes() {
        assert_eq!(check_claims(&claims(json!({})), &expected(), NOW), Ok(()));
        let both = claims(json!({"aud": ["client", "other"], "azp": "client"}));
        assert_eq!(check_claims(&both, &expected(), NOW), Ok(()));
    }

    #[test]
    fn azp_is_required_with_several_audiences_and_must_be_us() {
        let missing = claims(json!({"aud": ["client", "other"]}));
        assert_eq!(
            check_claims(&missing, &expected(), NOW),
            Err(IdTokenError::WrongAuthorizedParty)
        );
        let other = claims(json!({"azp": "other"}));
        assert_eq!(
            check_claims(&other, &expected(), NOW),
            Err(IdTokenError::WrongAuthorizedParty)
        );
    }

    #[test]
    fn iat_in_the_future_and_bad_types_are_refused() {
        let future = claims(json!({"iat": NOW + 3600}));
        assert_eq!(
            check_claims(&future, &expected(), NOW),
            Err(IdTokenError::IssuedInFuture)
        );
        let string_exp = claims(json!({"exp": "9999999999"}));
        assert_eq!(
            check_claims(&string_exp, &expected(), NOW),
            Err(IdTokenError::InvalidClaim("exp"))
        );
    }

    // RFC 7519 §2: NumericDate may be non-integer. A real IdP's `"exp": 1796071628.5` (and
    // fractional iat/nbf/auth_time) must verify, floored; before the fix `as_u64` read every
    // fraction as "missing" and refused the login.
    #[test]
    fn rfc7519_2_fractional_numeric_dates_verify_floored() {
        let fractional = claims(json!({"exp": 1_796_071_628.5, "iat": 1_796_068_028.25,
            "nbf": 1_796_068_028.9, "auth_time": 1_796_068_000.5}));
        assert_eq!(
            check_claims(&fractional, &expected(), 1_796_070_000),
            Ok(())
        );
        // floored, not rounded up: at exp + leeway (30 s) it has expired
        assert_eq!(
            check_claims(&fractional, &expected(), 1_796_071_628 + 30),
            Err(IdTokenError::Expired)
        );
        assert_eq!(
            check_claims(&fractional, &expected(), 1_796_071_628 + 29),
            Ok(())
        );
    }

    // RFC 7519 §2, the other side: only a JSON number is a NumericDate. A string, negative or
    // null date is refused, naming the claim — never read as "no expiry".
    #[test]
    fn rfc7519_2_non_numeric_dates_are_refused() {
        for name in ["exp", "iat", "nbf", "auth_time"] {
            for bad in [json!("1796071628"), json!(-1), json!(null), json!(true)] {
                let mut token = claims(json!({}));
                token.insert(name.to_owned(), bad.clone());
                assert_eq!(
                    check_claims(&token, &expected(), NOW),
                    Err(IdTokenError::InvalidClaim(name)),
                    "{name}: {bad}"
                );
            }
        }
    }

    #[test]
    fn nbf_in_the_future_is_refused() {
        let early = claims(json!({"nbf": NOW + 31}));
        assert_eq!(
            check_claims(&early, &expected(), NOW),
            Err(IdTokenError::NotYetValid)
        );
        let within_leeway = claims(json!({"nbf": NOW + 30}));
        assert_eq!(check_claims(&within_leeway, &expected(), NOW), Ok(()));
    }

    #[test]
    fn at_hash_follows_oidc_core() {
        // OIDC Core Appendix A.3's example: access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y",
        // at_hash "77QmUPtjPfzWtF2AnpK9RQ" (RS256).
        assert_eq!(
            access_token_hash(
                Algorithm::RS256,
                "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
            )
            .as_deref(),
            Some("77QmUPtjPfzWtF2AnpK9RQ")
        );
    }
}
