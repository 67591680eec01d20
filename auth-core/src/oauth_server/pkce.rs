//! PKCE (RFC 7636), S256 only, and the hashes of OpenID Connect (`at_hash`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;

use crate::token::Algorithm;

/// The only challenge method accepted. `plain` would let anyone who sees the authorization
/// request redeem the code.
pub(crate) const S256: &str = "S256";

/// Whether `challenge` can be an S256 challenge: exactly 43 base64url characters (the
/// encoding of 32 bytes).
pub(crate) fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && URL_SAFE_NO_PAD.decode(challenge).is_ok()
}

/// Whether `verifier` is well-formed (RFC 7636 §4.1: 43 to 128 characters of
/// `A–Z a–z 0–9 - . _ ~`) and its S256 transform equals `challenge`, compared in constant
/// time.
pub(crate) fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !well_formed {
        return false;
    }
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    computed.as_bytes().ct_eq(challenge.as_bytes()).into()
}

/// OpenID Connect Core §3.1.3.6 `at_hash`: the left half of the hash of the access token's
/// ASCII, base64url-encoded, with the hash of the id_token's `alg` (SHA-512 for EdDSA with
/// Ed25519).
pub(crate) fn at_hash(algorithm: Algorithm, access_token: &str) -> String {
    let bytes = access_token.as_bytes();
    let digest: Vec<u8> = match algorithm {
        Algorithm::HS384 | Algorithm::RS384 | Algorithm::PS384 | Algorithm::ES384 => {
            Sha384::digest(bytes).to_vec()
        }
        Algorithm::HS512 | Algorithm::RS512 | Algorithm::PS512 | Algorithm::EdDSA => {
            Sha512::digest(bytes).to_vec()
        }
        _ => Sha256::digest(bytes).to_vec(),
    };
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc_7636_appendix_b_vector() {
        // The RFC's verifier is 43 characters and its challenge matches.
        assert!(is_s256_challenge(CHALLENGE));
        assert!(verifier_matches(VERIFIER, CHALLENGE));
    }

    #[test]
    fn wrong_or_malformed_verifiers_do_not_match() {
        let mut wrong = VERIFIER.to_owned();
        wrong.replace_range(0..1, "e");
        assert!(!verifier_matches(&wrong, CHALLENGE));
        // `plain`: the challenge itself presented as verifier.
        assert!(!verifier_matches(CHALLENGE, CHALLENGE));
        assert!(!verifier_matches("short", CHALLENGE));
        assert!(!verifier_matches(&"a".repeat(129), CHALLENGE));
        assert!(!verifier_matches(
            &format!("{}!", &VERIFIER[..42]),
            CHALLENGE
        ));
    }

    #[test]
    fn challenges_must_be_43_base64url_chars() {
        assert!(!is_s256_challenge(&CHALLENGE[..42]));
        assert!(!is_s256_challenge(&format!("{}=", &CHALLENGE[..42])));
        assert!(!is_s256_challenge(&format!("{}+", &CHALLENGE[..42])));
    }

    #[test]
    fn at_hash_matches_the_openid_example() {
        // OpenID Connect Core A.3: at_hash of this token with RS256.
        let token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
        assert_eq!(at_hash(Algorithm::RS256, token), "77QmUPtjPfzWtF2AnpK9RQ");
        assert_eq!(at_hash(Algorithm::EdDSA, token).len(), 43);
        assert_eq!(at_hash(Algorithm::ES384, token).len(), 32);
    }
}
