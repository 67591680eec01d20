//! One test per attack the access-token verifier must refuse (RFC 8725, RFC 9068, and the
//! CVE classes named below). Every forged token here is otherwise valid, so each test fails
//! only for the reason it names.

mod common;

use auth_core::ManualClock;
use auth_core::jsonwebtoken::EncodingKey;
use auth_core::token::{
    AccessTokenRequest, AccessTokenVerifier, Algorithm, KeySet, SigningKey, TokenError,
    VerifierConfig,
};
use common::*;

fn hmac_setup() -> (KeySet, ManualClock) {
    (KeySet::new(hmac_key("hs")), ManualClock::at_unix(NOW))
}

fn verify(token: &str) -> Result<auth_core::token::Claims, TokenError> {
    let (keys, clock) = hmac_setup();
    pair(&keys, &clock).1.verify(token)
}

#[test]
fn control_a_correctly_forged_token_verifies() {
    // Guards the forger itself: if this fails, every refusal below proves nothing.
    let token = forge_hs256(&hs256_header("hs"), &format!("{}}}", valid_claims()));
    assert_eq!(verify(&token).unwrap().sub, "user-1");
}

// RFC 8725 §3.1: alg=none must be rejected, in any letter case, signed or not.
#[test]
fn alg_none_is_rejected_in_any_letter_case() {
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = format!(r#"{{"alg":"{alg}","typ":"at+jwt","kid":"hs"}}"#);
        let claims = format!("{}}}", valid_claims());
        let unsigned = format!("{}.{}.", b64(header.as_bytes()), b64(claims.as_bytes()));
        assert_eq!(
            verify(&unsigned).unwrap_err(),
            TokenError::AlgorithmNotAllowed,
            "{alg}"
        );
        let with_mac = forge_hs256(&header, &claims);
        assert_eq!(
            verify(&with_mac).unwrap_err(),
            TokenError::AlgorithmNotAllowed,
            "{alg}"
        );
    }
}

// RFC 8725 §2.1 algorithm confusion (CVE-2015-9235 class): HS256 "signed" with the RSA public
// key as the HMAC secret must not verify against that RSA key.
#[test]
fn hmac_signed_with_the_rsa_public_key_is_rejected() {
    let keys = KeySet::new(rsa_key("rsa"));
    let (_, verifier) = pair(&keys, &ManualClock::at_unix(NOW));
    let header = r#"{"alg":"HS256","typ":"at+jwt","kid":"rsa"}"#;
    let token = forge(
        header,
        &format!("{}}}", valid_claims()),
        &EncodingKey::from_secret(RSA_PUB_PEM),
        Algorithm::HS256,
    );
    assert_eq!(
        verifier.verify(&token).unwrap_err(),
        TokenError::AlgorithmNotAllowed
    );
}

#[test]
fn alg_other_than_the_keys_own_is_rejected() {
    let keys = KeySet::new(rsa_key("rsa"));
    let (_, verifier) = pair(&keys, &ManualClock::at_unix(NOW));
    let rsa = EncodingKey::from_rsa_pem(RSA_PEM).unwrap();
    // Same key, sibling algorithms: still refused because the key was loaded for RS256 only.
    for (name, alg) in [("RS512", Algorithm::RS512), ("PS256", Algorithm::PS256)] {
        let header = format!(r#"{{"alg":"{name}","typ":"at+jwt","kid":"rsa"}}"#);
        let token = forge(&header, &format!("{}}}", valid_claims()), &rsa, alg);
        assert_eq!(
            verifier.verify(&token).unwrap_err(),
            TokenError::AlgorithmNotAllowed
        );
    }
}

// A kid only selects among loaded keys: a path, a URL or SQL in it is just an unknown id.
#[test]
fn unknown_kid_is_rejected_and_never_interpreted() {
    for kid in [
        "other",
        "../../../../dev/null",
        "https://evil.example/key",
        "' OR 1=1 --",
    ] {
        let token = forge_hs256(&hs256_header(kid), &format!("{}}}", valid_claims()));
        assert_eq!(verify(&token).unwrap_err(), TokenError::UnknownKey, "{kid}");
    }
}

#[test]
fn missing_kid_is_rejected() {
    let token = forge_hs256(
        r#"{"alg":"HS256","typ":"at+jwt"}"#,
        &format!("{}}}", valid_claims()),
    );
    assert_eq!(verify(&token).unwrap_err(), TokenError::MissingKeyId);
}

// RFC 8725 §3.10 / CVE-2018-0114 class: a key, or a URL to one, inside the token is never used.
#[test]
fn embedded_jwk_and_key_urls_are_rejected() {
    for (name, value) in [
        ("jwk", r#"{"kty":"oct","k":"AAAA"}"#),
        ("jku", r#""https://evil.example/jwks.json""#),
        ("x5u", r#""https://evil.example/cert.pem""#),
        ("x5c", r#"["MIIB"]"#),
    ] {
        let header = format!(r#"{{"alg":"HS256","typ":"at+jwt","kid":"hs","{name}":{value}}}"#);
        let token = forge_hs256(&header, &format!("{}}}", valid_claims()));
        assert_eq!(
            verify(&token).unwrap_err(),
            TokenError::ForbiddenHeader(name)
        );
    }
}

// RFC 7515 §4.1.11: unknown critical extensions must be refused (b64=false included).
#[test]
fn unknown_crit_extension_is_rejected() {
    for crit in [r#"["exp"]"#, r#"["b64"]"#, "[]"] {
        let header = format!(
            r#"{{"alg":"HS256","typ":"at+jwt","kid":"hs","crit":{crit},"exp":1,"b64":true}}"#
        );
        let token = forge_hs256(&header, &format!("{}}}", valid_claims()));
        assert_eq!(
            verify(&token).unwrap_err(),
            TokenError::UnsupportedCritical,
            "{crit}"
        );
    }
}

// RFC 8725 §3.11 / RFC 9068 §4: an ID token or a refresh JWT is not an access token.
#[test]
fn token_of_another_type_is_rejected() {
    for header in [
        r#"{"alg":"HS256","typ":"JWT","kid":"hs"}"#,
        r#"{"alg":"HS256","kid":"hs"}"#,
        r#"{"alg":"HS256","typ":"rt+jwt","kid":"hs"}"#,
        r#"{"alg":"HS256","typ":"id_token+jwt","kid":"hs"}"#,
    ] {
        let token = forge_hs256(header, &format!("{}}}", valid_claims()));
        assert_eq!(
            verify(&token).unwrap_err(),
            TokenError::WrongType,
            "{header}"
        );
    }
}

// Keycloak and Auth0 write `typ: JWT`: accepted only after the explicitly named opt-in, and a
// missing or other `typ` stays refused even then.
#[test]
fn jwt_typ_is_accepted_only_when_opted_in() {
    let (keys, clock) = hmac_setup();
    let relaxed = AccessTokenVerifier::new(
        VerifierConfig::new(ISSUER, AUDIENCE).dangerous_accept_jwt_typ(),
        &keys,
    )
    .with_clock(std::sync::Arc::new(clock));
    assert!(relaxed.config().accepts_jwt_typ());
    assert!(!VerifierConfig::new(ISSUER, AUDIENCE).accepts_jwt_typ());
    let claims = format!("{}}}", valid_claims());
    for typ in ["JWT", "jwt", "at+jwt"] {
        let header = format!(r#"{{"alg":"HS256","typ":"{typ}","kid":"hs"}}"#);
        assert_eq!(
            relaxed.verify(&forge_hs256(&header, &claims)).unwrap().sub,
            "user-1"
        );
    }
    for header in [
        r#"{"alg":"HS256","kid":"hs"}"#,
        r#"{"alg":"HS256","typ":"id_token+jwt","kid":"hs"}"#,
    ] {
        assert_eq!(
            relaxed.verify(&forge_hs256(header, &claims)).unwrap_err(),
            TokenError::WrongType,
            "{header}"
        );
    }
    // The default verifier still refuses typ JWT.
    let header = r#"{"alg":"HS256","typ":"JWT","kid":"hs"}"#;
    assert_eq!(
        verify(&forge_hs256(header, &claims)).unwrap_err(),
        TokenError::WrongType
    );
}

#[test]
fn missing_exp_is_rejected() {
    let claims = format!(r#"{{"iss":"{ISSUER}","sub":"user-1","aud":"{AUDIENCE}","iat":{NOW}}}"#);
    let token = forge_hs256(&hs256_header("hs"), &claims);
    assert_eq!(verify(&token).unwrap_err(), TokenError::MissingClaim("exp"));
}

// CVE-2026-25537 class: an exp that is not a number must never read as "no expiry".
#[test]
fn non_numeric_exp_is_rejected() {
    for exp in [
        r#""9999999999""#,
        "null",
        "[9999999999]",
        r#"{"n":1}"#,
        "true",
        "-5",
    ] {
        let claims = format!(
            r#"{{"iss":"{ISSUER}","sub":"user-1","aud":"{AUDIENCE}","iat":{NOW},"exp":{exp}}}"#
        );
        let token = forge_hs256(&hs256_header("hs"), &claims);
        assert_eq!(
            verify(&token).unwrap_err(),
            TokenError::InvalidClaim("exp"),
            "{exp}"
        );
    }
}

// RFC 7519 §2: a NumericDate may be non-integer. A token whose dates carry fractions verifies
// with each date floored, and expires at the floored `exp` — the fraction neither refuses the
// token nor stretches its life.
#[test]
fn rfc7519_2_fractional_numeric_dates_are_floored() {
    let claims = format!(
        r#"{{"iss":"{ISSUER}","sub":"user-1","aud":"{AUDIENCE}","iat":{NOW}.75,"nbf":{NOW}.5,"exp":{}.5}}"#,
        NOW + 600
    );
    let token = forge_hs256(&hs256_header("hs"), &claims);
    let (keys, clock) = hmac_setup();
    let verifier = pair(&keys, &clock).1;
    let verified = verifier.verify(&token).unwrap();
    assert_eq!(
        (verified.iat, verified.nbf, verified.exp),
        (NOW, Some(NOW), NOW + 600)
    );
    // exp + the 30 s leeway: still valid one second before, expired at the floored second.
    clock.advance(std::time::Duration::from_secs(600 + 29));
    assert!(verifier.verify(&token).is_ok());
    clock.advance(std::time::Duration::from_secs(1));
    assert_eq!(verifier.verify(&token).unwrap_err(), TokenError::Expired);
}

#[test]
fn expired_token_is_rejected_after_the_leeway() {
    let (keys, clock) = hmac_setup();
    let (issuer, verifier) = pair(&keys, &clock);
    let token = issuer.issue(&AccessTokenRequest::new("u")).unwrap().token;
    clock.advance(std::time::Duration::from_secs(15 * 60 + 29));
    assert!(
        verifier.verify(token.secret()).is_ok(),
        "inside the 30 s leeway"
    );
    clock.advance(std::time::Duration::from_secs(1));
    assert_eq!(
        verifier.verify(token.secret()).unwrap_err(),
        TokenError::Expired
    );
}

#[test]
fn not_yet_valid_token_is_rejected() {
    let claims = format!("{},\"nbf\":{}}}", valid_claims(), NOW + 31);
    let token = forge_hs256(&hs256_header("hs"), &claims);
    assert_eq!(verify(&token).unwrap_err(), TokenError::NotYetValid);
    let within_leeway = format!("{},\"nbf\":{}}}", valid_claims(), NOW + 30);
    assert!(verify(&forge_hs256(&hs256_header("hs"), &within_leeway)).is_ok());
}

#[test]
fn token_issued_in_the_future_is_rejected() {
    let claims = format!(
        r#"{{"iss":"{ISSUER}","sub":"u","aud":"{AUDIENCE}","iat":{},"exp":{}}}"#,
        NOW + 3600,
        NOW + 7200
    );
    let token = forge_hs256(&hs256_header("hs"), &claims);
    assert_eq!(verify(&token).unwrap_err(), TokenError::IssuedInFuture);
}

#[test]
fn issuer_must_match_exactly() {
    for iss in [
        "https://auth.example.com/",
        "HTTPS://AUTH.EXAMPLE.COM",
        "https://auth.example.com.evil.example",
        "",
    ] {
        let claims = format!(
            r#"{{"iss":"{iss}","sub":"u","aud":"{AUDIENCE}","iat":{NOW},"exp":{}}}"#,
            NOW + 60
        );
        let token = forge_hs256(&hs256_header("hs"), &claims);
        assert_eq!(
            verify(&token).unwrap_err(),
            TokenError::WrongIssuer,
            "{iss}"
        );
    }
}

#[test]
fn audience_must_include_ours() {
    for aud in [r#""https://other.example.com""#, r#"["a","b"]"#, "[]"] {
        let claims = format!(
            r#"{{"iss":"{ISSUER}","sub":"u","aud":{aud},"iat":{NOW},"exp":{}}}"#,
            NOW + 60
        );
        let token = forge_hs256(&hs256_header("hs"), &claims);
        assert_eq!(
            verify(&token).unwrap_err(),
            TokenError::WrongAudience,
            "{aud}"
        );
    }
    let many = format!(
        r#"{{"iss":"{ISSUER}","sub":"u","aud":["x","{AUDIENCE}"],"iat":{NOW},"exp":{}}}"#,
        NOW + 60
    );
    assert!(verify(&forge_hs256(&hs256_header("hs"), &many)).is_ok());
}

#[test]
fn malformed_compact_forms_are_rejected() {
    let good = forge_hs256(&hs256_header("hs"), &format!("{}}}", valid_claims()));
    let (h, rest) = good.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    let cases = [
        format!("{h}.{p}"),                         // two parts
        format!("{h}.{p}.{s}.{s}"),                 // four parts
        format!("{h}.{p}.{s}.{s}.{s}"),             // JWE shape
        format!("{h}=.{p}.{s}"),                    // padding
        format!("{h}.{p}.{s}=="),                   // padded signature
        format!("{}.{p}.{s}", h.replace('e', "+")), // standard alphabet
        format!("{h}.{p}.{s} "),                    // whitespace
        format!("{}.{p}.{s}", b64(b"not json")),
        format!("{}.{p}.{s}", b64(b"[\"alg\"]")),
        String::new(),
    ];
    for token in cases {
        assert!(
            matches!(verify(&token), Err(TokenError::Malformed(_))),
            "{token:?} gave {:?}",
            verify(&token)
        );
    }
}

// Parser differentials: a duplicate name can mean two things to two parsers.
#[test]
fn duplicate_names_in_header_or_claims_are_rejected() {
    let dup_header = r#"{"alg":"HS256","typ":"at+jwt","kid":"hs","kid":"hs"}"#;
    let token = forge_hs256(dup_header, &format!("{}}}", valid_claims()));
    assert_eq!(
        verify(&token).unwrap_err(),
        TokenError::Malformed("duplicate member name")
    );

    let dup_claims = format!("{},\"sub\":\"admin\"}}", valid_claims());
    let token = forge_hs256(&hs256_header("hs"), &dup_claims);
    assert_eq!(
        verify(&token).unwrap_err(),
        TokenError::Malformed("duplicate member name")
    );
}

#[test]
fn oversized_token_is_rejected_before_decoding() {
    let huge = "A".repeat(10 * 1024 * 1024);
    assert_eq!(
        verify(&huge).unwrap_err(),
        TokenError::TooLong { max: 8192 }
    );

    let (keys, _) = hmac_setup();
    let strict = AccessTokenVerifier::new(
        VerifierConfig::new(ISSUER, AUDIENCE).max_token_bytes(64),
        &keys,
    );
    let token = forge_hs256(&hs256_header("hs"), &format!("{}}}", valid_claims()));
    assert_eq!(
        strict.verify(&token).unwrap_err(),
        TokenError::TooLong { max: 64 }
    );
}

#[test]
fn tampered_payload_or_signature_is_rejected() {
    let token = forge_hs256(&hs256_header("hs"), &format!("{}}}", valid_claims()));
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let (header, _) = signing_input.split_once('.').unwrap();
    let admin = format!("{},\"roles\":[\"admin\"]}}", valid_claims());
    let swapped = format!("{header}.{}.{signature}", b64(admin.as_bytes()));
    assert_eq!(verify(&swapped).unwrap_err(), TokenError::InvalidSignature);

    let stripped = format!("{signing_input}.");
    assert_eq!(verify(&stripped).unwrap_err(), TokenError::InvalidSignature);

    let mut flipped = signature.as_bytes().to_vec();
    flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
    let flipped = format!("{signing_input}.{}", String::from_utf8(flipped).unwrap());
    assert_eq!(verify(&flipped).unwrap_err(), TokenError::InvalidSignature);
}

#[test]
fn token_signed_by_another_key_with_our_kid_is_rejected() {
    let keys = KeySet::new(rsa_key("rsa"));
    let (_, verifier) = pair(&keys, &ManualClock::at_unix(NOW));
    let impostor = SigningKey::from_pem("rsa", Algorithm::RS256, RSA_B_PEM).unwrap();
    let (impostor_issuer, _) = pair(&KeySet::new(impostor), &ManualClock::at_unix(NOW));
    let token = impostor_issuer
        .issue(&AccessTokenRequest::new("u"))
        .unwrap()
        .token;
    assert_eq!(
        verifier.verify(token.secret()).unwrap_err(),
        TokenError::InvalidSignature
    );
}

#[test]
fn every_refusal_maps_to_invalid_token() {
    use auth_core::{BearerErrorCode, ToBearerError};
    for error in [
        TokenError::Expired,
        TokenError::AlgorithmNotAllowed,
        TokenError::Malformed("x"),
        TokenError::TooLong { max: 1 },
    ] {
        assert_eq!(error.bearer_error(), Some(BearerErrorCode::InvalidToken));
    }
    assert_eq!(TokenError::Crypto("signing").bearer_error(), None);
}
