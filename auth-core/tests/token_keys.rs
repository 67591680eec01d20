//! Round trips for every algorithm, key rotation, key loading, and JWKS export.

mod common;

use std::time::Duration;

use auth_core::ManualClock;
use auth_core::token::{
    AccessTokenRequest, AccessTokenVerifier, Algorithm, Claims, KeyError, KeySet, Scope,
    SigningKey, TokenError, VerificationKey, VerifierConfig,
};
use common::*;
use serde::{Deserialize, Serialize};

fn every_algorithm() -> Vec<SigningKey> {
    vec![
        SigningKey::hmac("hs256", Algorithm::HS256, &[1; 32]).unwrap(),
        SigningKey::hmac("hs384", Algorithm::HS384, &[2; 48]).unwrap(),
        SigningKey::hmac("hs512", Algorithm::HS512, &[3; 64]).unwrap(),
        SigningKey::from_pem("rs256", Algorithm::RS256, RSA_PEM).unwrap(),
        SigningKey::from_pem("ps256", Algorithm::PS256, RSA_PEM).unwrap(),
        SigningKey::from_pem("es256", Algorithm::ES256, P256_PEM).unwrap(),
        SigningKey::from_pem("es384", Algorithm::ES384, P384_PEM).unwrap(),
        SigningKey::from_pem("eddsa", Algorithm::EdDSA, ED25519_PEM).unwrap(),
    ]
}

#[test]
fn the_default_features_select_a_crypto_backend() {
    // jsonwebtoken 11 without a backend compiles, then panics at first use.
    let expected = if cfg!(feature = "aws_lc_rs") {
        "aws-lc-rs"
    } else {
        "rustcrypto"
    };
    assert_eq!(auth_core::crypto_backend_name(), expected);
    let keys = KeySet::new(rsa_key("rsa"));
    let clock = ManualClock::at_unix(NOW);
    let (issuer, verifier) = pair(&keys, &clock);
    let issued = issuer.issue(&AccessTokenRequest::new("u")).unwrap();
    assert!(verifier.verify(issued.token.secret()).is_ok());
    assert_eq!(keys.jwks().keys.len(), 1);
}

#[test]
fn every_algorithm_round_trips_with_all_claims() {
    let clock = ManualClock::at_unix(NOW);
    for key in every_algorithm() {
        let algorithm = key.algorithm();
        let keys = KeySet::new(key);
        let (issuer, verifier) = pair(&keys, &clock);
        let request = AccessTokenRequest::new("user-42")
            .session("sid-1")
            .scope(Scope::new(["read:profile", "manage:workflows"]))
            .roles(["admin"])
            .permissions(["billing:read"])
            .plan("pro")
            .tenant("tenant-7")
            .client("spa");
        let issued = issuer.issue(&request).unwrap();
        let claims = verifier.verify(issued.token.secret()).unwrap();
        assert_eq!(claims.iss, ISSUER, "{algorithm:?}");
        assert!(claims.aud.contains(AUDIENCE));
        assert_eq!(claims.sub, "user-42");
        assert_eq!((claims.iat, claims.exp), (NOW, NOW + 900));
        assert_eq!(claims.jti.as_deref(), Some(issued.jti.as_str()));
        assert_eq!(claims.sid.as_deref(), Some("sid-1"));
        assert!(claims.scope.contains("manage:workflows"));
        assert!(claims.has_role("admin") && claims.has_permission("billing:read"));
        assert_eq!(claims.plan.as_deref(), Some("pro"));
        assert_eq!(claims.tid.as_deref(), Some("tenant-7"));
        assert_eq!(claims.client_id.as_deref(), Some("spa"));
    }
}

#[test]
fn issued_header_is_at_jwt_with_kid() {
    let keys = KeySet::new(SigningKey::from_pem("k-es", Algorithm::ES256, P256_PEM).unwrap());
    let (issuer, _) = pair(&keys, &ManualClock::at_unix(NOW));
    let token = issuer.issue(&AccessTokenRequest::new("u")).unwrap().token;
    let header = auth_core::jsonwebtoken::decode_header(token.secret()).unwrap();
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(header.kid.as_deref(), Some("k-es"));
    assert_eq!(header.alg, Algorithm::ES256);
}

#[test]
fn jtis_are_unique() {
    let keys = KeySet::new(hmac_key("hs"));
    let (issuer, _) = pair(&keys, &ManualClock::at_unix(NOW));
    let mut seen = std::collections::HashSet::new();
    for _ in 0..500 {
        assert!(seen.insert(issuer.issue(&AccessTokenRequest::new("u")).unwrap().jti));
    }
}

#[test]
fn ttl_is_configurable() {
    let keys = KeySet::new(hmac_key("hs"));
    let issuer = auth_core::token::AccessTokenIssuer::new(
        auth_core::token::IssuerConfig::new(ISSUER, AUDIENCE)
            .access_token_ttl(Duration::from_secs(60)),
        &keys,
    );
    let issued = issuer.issue(&AccessTokenRequest::new("u")).unwrap();
    assert_eq!(issued.expires_in, 60);
    assert_eq!(issued.expires_at - issued.issued_at, 60);
}

#[test]
fn custom_claims_round_trip() {
    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct Org {
        org: String,
        seats: u32,
    }
    let keys = KeySet::new(hmac_key("hs"));
    let (issuer, verifier) = pair(&keys, &ManualClock::at_unix(NOW));
    let custom = Org {
        org: "acme".into(),
        seats: 5,
    };
    let token = issuer
        .issue(&AccessTokenRequest::with_custom("u", custom))
        .unwrap()
        .token;
    let claims: Claims<Org> = verifier.verify_with(token.secret()).unwrap();
    assert_eq!(
        claims.custom,
        Org {
            org: "acme".into(),
            seats: 5
        }
    );
    // Without a custom type the extra claims are ignored, not an error.
    assert!(verifier.verify(token.secret()).is_ok());
}

#[test]
fn rotation_keeps_the_previous_key_verifying_until_removed() {
    let clock = ManualClock::at_unix(NOW);
    let mut keys =
        KeySet::new(SigningKey::from_pem("2026-10", Algorithm::EdDSA, ED25519_PEM).unwrap());
    let (old_issuer, _) = pair(&keys, &clock);
    let old_token = old_issuer
        .issue(&AccessTokenRequest::new("u"))
        .unwrap()
        .token;

    keys.rotate(SigningKey::from_pem("2026-11", Algorithm::EdDSA, ED25519_B_PEM).unwrap())
        .unwrap();
    let (new_issuer, verifier) = pair(&keys, &clock);
    let new_token = new_issuer
        .issue(&AccessTokenRequest::new("u"))
        .unwrap()
        .token;
    assert!(
        verifier.verify(old_token.secret()).is_ok(),
        "old key still loaded"
    );
    assert!(verifier.verify(new_token.secret()).is_ok());
    assert_eq!(keys.jwks().keys.len(), 2);

    keys.remove("2026-10").unwrap();
    let (_, verifier) = pair(&keys, &clock);
    assert_eq!(
        verifier.verify(old_token.secret()).unwrap_err(),
        TokenError::UnknownKey
    );
    assert!(verifier.verify(new_token.secret()).is_ok());
}

#[test]
fn jwks_export_has_public_members_only_and_verifies_tokens() {
    let clock = ManualClock::at_unix(NOW);
    for key in every_algorithm() {
        let keys = KeySet::new(key.clone());
        let jwks = keys.jwks();
        let json = serde_json::to_value(&jwks).unwrap();
        if key.hmac_secret().is_some() {
            assert_eq!(
                json["keys"].as_array().unwrap().len(),
                0,
                "HMAC secrets never exported"
            );
            continue;
        }
        let jwk = &json["keys"][0];
        for private in ["d", "p", "q", "dp", "dq", "qi", "k", "oth"] {
            assert!(
                jwk.get(private).is_none(),
                "{private} exported for {:?}",
                key.algorithm()
            );
        }
        assert_eq!(jwk["kid"], key.kid().as_str());
        assert_eq!(jwk["use"], "sig");
        assert_eq!(
            jwk["alg"],
            auth_core::token::algorithm_name(key.algorithm())
        );

        // A resource server that only has the JWKS verifies our tokens.
        let remote: Vec<VerificationKey> = jwks
            .keys
            .iter()
            .map(|jwk| VerificationKey::from_jwk(jwk).unwrap())
            .collect();
        let verifier =
            AccessTokenVerifier::from_keys(VerifierConfig::new(ISSUER, AUDIENCE), remote)
                .unwrap()
                .with_clock(std::sync::Arc::new(clock.clone()));
        let (issuer, _) = pair(&keys, &clock);
        let token = issuer.issue(&AccessTokenRequest::new("u")).unwrap().token;
        assert!(
            verifier.verify(token.secret()).is_ok(),
            "{:?}",
            key.algorithm()
        );
    }
}

#[test]
fn public_pem_keys_verify() {
    let clock = ManualClock::at_unix(NOW);
    for (algorithm, private, public) in [
        (Algorithm::RS256, RSA_PEM, RSA_PUB_PEM),
        (Algorithm::ES256, P256_PEM, P256_PUB_PEM),
        (Algorithm::EdDSA, ED25519_PEM, ED25519_PUB_PEM),
    ] {
        let keys = KeySet::new(SigningKey::from_pem("k", algorithm, private).unwrap());
        let (issuer, _) = pair(&keys, &clock);
        let token = issuer.issue(&AccessTokenRequest::new("u")).unwrap().token;
        let public = VerificationKey::from_pem("k", algorithm, public).unwrap();
        assert_eq!(
            public.public_jwk(),
            keys.verification_keys()[0].public_jwk()
        );
        let verifier =
            AccessTokenVerifier::from_keys(VerifierConfig::new(ISSUER, AUDIENCE), [public])
                .unwrap()
                .with_clock(std::sync::Arc::new(clock.clone()));
        assert!(verifier.verify(token.secret()).is_ok(), "{algorithm:?}");
    }
}

#[test]
fn weak_or_mismatched_keys_are_refused_at_load() {
    // aws-lc-rs already refuses to parse an RSA private key under 2048 bits; RustCrypto
    // parses it and our own size check refuses it.
    let weak = SigningKey::from_pem("k", Algorithm::RS256, RSA1024_PEM).unwrap_err();
    assert!(
        matches!(
            weak,
            KeyError::WeakRsaKey { bits: 1024 } | KeyError::InvalidKey { .. }
        ),
        "{weak:?}"
    );
    assert_eq!(
        VerificationKey::from_pem("k", Algorithm::RS256, RSA1024_PUB_PEM).unwrap_err(),
        KeyError::WeakRsaKey { bits: 1024 }
    );
    // A P-384 key is not an ES256 key; an RSA key is not an EdDSA key; garbage is not a key.
    for (algorithm, pem) in [
        (Algorithm::ES256, P384_PEM),
        (Algorithm::EdDSA, RSA_PEM),
        (Algorithm::ES256, ED25519_PEM),
        (
            Algorithm::RS256,
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".as_slice(),
        ),
    ] {
        assert!(
            matches!(
                SigningKey::from_pem("k", algorithm, pem),
                Err(KeyError::InvalidKey { .. })
            ),
            "{algorithm:?}"
        );
    }
}

#[test]
fn jwks_entries_that_do_not_fit_are_refused() {
    let keys = KeySet::new(SigningKey::from_pem("k", Algorithm::ES256, P256_PEM).unwrap());
    let good = keys.jwks().keys[0].clone();

    let mut no_kid = good.clone();
    no_kid.common.key_id = None;
    assert!(matches!(
        VerificationKey::from_jwk(&no_kid),
        Err(KeyError::InvalidKeyId(_))
    ));

    let mut no_alg = good.clone();
    no_alg.common.key_algorithm = None;
    assert_eq!(
        VerificationKey::from_jwk(&no_alg).unwrap_err(),
        KeyError::UnsupportedAlgorithm
    );

    let mut encryption = good.clone();
    encryption.common.public_key_use = Some(auth_core::jsonwebtoken::jwk::PublicKeyUse::Encryption);
    assert!(matches!(
        VerificationKey::from_jwk(&encryption),
        Err(KeyError::InvalidKey { .. })
    ));

    let mut wrong_alg = good.clone();
    wrong_alg.common.key_algorithm = Some(auth_core::jsonwebtoken::jwk::KeyAlgorithm::RS256);
    assert!(matches!(
        VerificationKey::from_jwk(&wrong_alg),
        Err(KeyError::InvalidKey { .. })
    ));

    let short_secret: auth_core::token::Jwk =
        serde_json::from_str(r#"{"kty":"oct","k":"c2hvcnQ","kid":"s","alg":"HS256"}"#).unwrap();
    assert!(matches!(
        VerificationKey::from_jwk(&short_secret),
        Err(KeyError::WeakSecret { min: 32, .. })
    ));
}

#[test]
fn debug_output_never_contains_tokens() {
    let keys = KeySet::new(hmac_key("hs"));
    let (issuer, _) = pair(&keys, &ManualClock::at_unix(NOW));
    let issued = issuer.issue(&AccessTokenRequest::new("u")).unwrap();
    let shown = format!("{issued:?} {issuer:?} {keys:?}");
    assert!(!shown.contains(issued.token.secret()));
    assert!(!shown.contains("an HS256 test secret"));
}

/// Issue 13: a host loads a key file without being told its type; the algorithm follows the
/// key (RSA → RS256, P-256 → ES256, P-384 → ES384, Ed25519 → EdDSA).
#[test]
fn from_pem_detect_takes_the_algorithm_from_the_key_type() {
    for (pem, expected) in [
        (RSA_PEM, Algorithm::RS256),
        (P256_PEM, Algorithm::ES256),
        (P384_PEM, Algorithm::ES384),
        (ED25519_PEM, Algorithm::EdDSA),
    ] {
        let key = SigningKey::from_pem_detect("k", pem).unwrap();
        assert_eq!(key.algorithm(), expected);
        // It signs what its own verifier accepts.
        let keys = KeySet::new(key);
        let clock = ManualClock::at_unix(NOW);
        let (issuer, verifier) = pair(&keys, &clock);
        let issued = issuer.issue(&AccessTokenRequest::new("u")).unwrap();
        assert_eq!(verifier.verify(issued.token.secret()).unwrap().sub, "u");
    }
}

#[test]
fn from_pem_detect_keeps_the_reason_a_known_key_type_is_refused() {
    // RustCrypto parses a 1024-bit RSA key and our size check names its size; aws-lc-rs
    // refuses to parse it at all, and the answer lists what is accepted.
    let weak = SigningKey::from_pem_detect("k", RSA1024_PEM).unwrap_err();
    match &weak {
        KeyError::WeakRsaKey { bits: 1024 } => {}
        KeyError::InvalidKey { reason, .. } => assert!(reason.contains("2048"), "{weak}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        SigningKey::from_pem_detect("", RSA_PEM),
        Err(KeyError::InvalidKeyId(_))
    ));
}

#[test]
fn from_pem_detect_refuses_public_keys_and_garbage_without_echoing_them() {
    for pem in [
        RSA_PUB_PEM,
        P256_PUB_PEM,
        ED25519_PUB_PEM,
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".as_slice(),
        b"not a pem at all".as_slice(),
        b"".as_slice(),
    ] {
        let error = SigningKey::from_pem_detect("k", pem).unwrap_err();
        assert!(matches!(error, KeyError::InvalidKey { .. }), "{error:?}");
        let message = error.to_string();
        assert!(
            message.contains("RS256") && message.contains("EdDSA"),
            "{message}"
        );
        assert!(
            !message.contains("AAAA") && !message.contains("not a pem at all"),
            "{message}"
        );
    }
}
