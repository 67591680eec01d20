//! OpenID Connect `id_token` validation (OIDC Core §3.1.3.7): signature through the provider's
//! JWKS and auth-core's keys, then `iss`, `aud`, `azp`, `exp`, `iat`, `nonce` and `at_hash`.

use std::time::Duration;

use auth_core::Clock;
use auth_core::token::{Algorithm, TokenError};
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
    let number = |name: &'static str| {
        claims
            .get(name)
            .and_then(Value::as_u64)
            .ok_or(IdTokenError::InvalidClaim(name))
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
    if now >= number("exp")?.saturating_add(leeway) {
        return Err(IdTokenError::Expired);
    }
    if number("iat")? > now.saturating_add(leeway) {
        return Err(IdTokenError::IssuedInFuture);
    }
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
