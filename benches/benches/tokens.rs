//! Access-token issue and verify through auth-core, beside raw `jsonwebtoken::encode` /
//! `jsonwebtoken::decode` with the same claims, the same key, the same crypto backend
//! (aws-lc-rs) and equivalent validation (algorithm, `iss`, `aud`, `exp`, leeway), in one run.

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use auth_benches::*;
use auth_core::token::{
    AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier, Algorithm, IssuerConfig, KeySet,
    SigningKey, VerifierConfig,
};
use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};

struct Case {
    name: &'static str,
    algorithm: Algorithm,
    ours: SigningKey,
    raw_encoding: EncodingKey,
    raw_decoding: DecodingKey,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "HS256",
            algorithm: Algorithm::HS256,
            ours: SigningKey::hmac("k", Algorithm::HS256, HMAC_SECRET).unwrap(),
            raw_encoding: EncodingKey::from_secret(HMAC_SECRET),
            raw_decoding: DecodingKey::from_secret(HMAC_SECRET),
        },
        Case {
            name: "RS256",
            algorithm: Algorithm::RS256,
            ours: SigningKey::from_pem("k", Algorithm::RS256, RSA_PEM).unwrap(),
            raw_encoding: EncodingKey::from_rsa_pem(RSA_PEM).unwrap(),
            raw_decoding: DecodingKey::from_rsa_pem(RSA_PUB_PEM).unwrap(),
        },
        Case {
            name: "ES256",
            algorithm: Algorithm::ES256,
            ours: SigningKey::from_pem("k", Algorithm::ES256, P256_PEM).unwrap(),
            raw_encoding: EncodingKey::from_ec_pem(P256_PEM).unwrap(),
            raw_decoding: DecodingKey::from_ec_pem(P256_PUB_PEM).unwrap(),
        },
        Case {
            name: "EdDSA",
            algorithm: Algorithm::EdDSA,
            ours: SigningKey::from_pem("k", Algorithm::EdDSA, ED25519_PEM).unwrap(),
            raw_encoding: EncodingKey::from_ed_pem(ED25519_PEM).unwrap(),
            raw_decoding: DecodingKey::from_ed_pem(ED25519_PUB_PEM).unwrap(),
        },
    ]
}

fn raw_claims() -> RawClaims {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    RawClaims {
        iss: ISSUER.into(),
        sub: "user-1".into(),
        aud: AUDIENCE.into(),
        exp: now + 900,
        iat: now,
        jti: "0123456789abcdefghijkl".into(),
        sid: "session-1".into(),
        roles: vec!["admin".into()],
    }
}

fn raw_header(algorithm: Algorithm) -> Header {
    let mut header = Header::new(algorithm);
    header.typ = Some("at+jwt".into());
    header.kid = Some("k".into());
    header
}

fn raw_validation(algorithm: Algorithm) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = 30;
    validation
}

fn request() -> AccessTokenRequest {
    AccessTokenRequest::new("user-1")
        .session("session-1")
        .roles(["admin"])
}

fn tokens(c: &mut Criterion) {
    for case in cases() {
        let keys = KeySet::new(case.ours.clone());
        let issuer = AccessTokenIssuer::new(IssuerConfig::new(ISSUER, AUDIENCE), &keys);
        let verifier = AccessTokenVerifier::new(VerifierConfig::new(ISSUER, AUDIENCE), &keys);
        let header = raw_header(case.algorithm);
        let validation = raw_validation(case.algorithm);
        let claims = raw_claims();

        let ours = issuer.issue(&request()).unwrap().token.into_secret();
        let raw = jsonwebtoken::encode(&header, &claims, &case.raw_encoding).unwrap();
        // Each side verifies the other's token too: the comparison is of equal work.
        verifier.verify(&raw).unwrap();
        jsonwebtoken::decode::<RawClaims>(&ours, &case.raw_decoding, &validation).unwrap();

        let mut group = c.benchmark_group(format!("verify/{}", case.name));
        group.bench_function("auth-core", |b| {
            b.iter(|| verifier.verify(black_box(&ours)).unwrap())
        });
        group.bench_function("jsonwebtoken::decode", |b| {
            b.iter(|| {
                jsonwebtoken::decode::<RawClaims>(black_box(&raw), &case.raw_decoding, &validation)
                    .unwrap()
            })
        });
        group.finish();

        let mut group = c.benchmark_group(format!("issue/{}", case.name));
        let request = request();
        group.bench_function("auth-core", |b| {
            b.iter(|| issuer.issue(black_box(&request)).unwrap())
        });
        group.bench_function("jsonwebtoken::encode", |b| {
            b.iter(|| {
                jsonwebtoken::encode(&header, black_box(&claims), &case.raw_encoding).unwrap()
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(40);
    targets = tokens
}
criterion_main!(benches);
