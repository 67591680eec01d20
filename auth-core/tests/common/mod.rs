//! Fixtures shared by the token tests: the test keys, and a forger that builds tokens with any
//! header and claims, signed by any key.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::sync::Arc;

use auth_core::jsonwebtoken::{self, EncodingKey};
use auth_core::token::{
    AccessTokenIssuer, AccessTokenVerifier, Algorithm, IssuerConfig, KeySet, SigningKey,
    VerifierConfig,
};
use auth_core::{Clock, ManualClock};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub const ISSUER: &str = "https://auth.example.com";
pub const AUDIENCE: &str = "https://api.example.com";
pub const NOW: u64 = 1_800_000_000;
pub const HMAC_SECRET: &[u8] = b"an HS256 test secret of 32+ bytes!!";

pub const RSA_PEM: &[u8] = include_bytes!("../keys/rsa2048.pem");
pub const RSA_PUB_PEM: &[u8] = include_bytes!("../keys/rsa2048.pub.pem");
pub const RSA_B_PEM: &[u8] = include_bytes!("../keys/rsa2048-b.pem");
pub const RSA1024_PEM: &[u8] = include_bytes!("../keys/rsa1024.pem");
pub const RSA1024_PUB_PEM: &[u8] = include_bytes!("../keys/rsa1024.pub.pem");
pub const P256_PEM: &[u8] = include_bytes!("../keys/p256.pem");
pub const P256_PUB_PEM: &[u8] = include_bytes!("../keys/p256.pub.pem");
pub const P384_PEM: &[u8] = include_bytes!("../keys/p384.pem");
pub const ED25519_PEM: &[u8] = include_bytes!("../keys/ed25519.pem");
pub const ED25519_PUB_PEM: &[u8] = include_bytes!("../keys/ed25519.pub.pem");
pub const ED25519_B_PEM: &[u8] = include_bytes!("../keys/ed25519-b.pem");

pub fn hmac_key(kid: &str) -> SigningKey {
    SigningKey::hmac(kid, Algorithm::HS256, HMAC_SECRET).unwrap()
}

pub fn rsa_key(kid: &str) -> SigningKey {
    SigningKey::from_pem(kid, Algorithm::RS256, RSA_PEM).unwrap()
}

/// An issuer and a verifier over `keys`, both reading `clock`.
pub fn pair(keys: &KeySet, clock: &ManualClock) -> (AccessTokenIssuer, AccessTokenVerifier) {
    let clock: Arc<dyn Clock> = Arc::new(clock.clone());
    let issuer =
        AccessTokenIssuer::with_clock(IssuerConfig::new(ISSUER, AUDIENCE), keys, clock.clone());
    let verifier =
        AccessTokenVerifier::new(VerifierConfig::new(ISSUER, AUDIENCE), keys).with_clock(clock);
    (issuer, verifier)
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Valid claims for `NOW`, as JSON text without the closing brace, so a test can append.
pub fn valid_claims() -> String {
    format!(
        r#"{{"iss":"{ISSUER}","sub":"user-1","aud":"{AUDIENCE}","iat":{NOW},"exp":{},"jti":"j1""#,
        NOW + 600
    )
}

/// `header.claims.signature` where the signature is made with `key` under `alg` — whatever
/// the header claims.
pub fn forge(header: &str, claims: &str, key: &EncodingKey, alg: Algorithm) -> String {
    // jsonwebtoken's own `sign` reads its process-level provider, which it cannot pick by
    // itself when both backend features are on (`--all-features`). Loading a PEM key through
    // auth-core installs auth-core's choice first.
    static PROVIDER: std::sync::Once = std::sync::Once::new();
    PROVIDER.call_once(|| {
        SigningKey::from_pem("provider-init", Algorithm::EdDSA, ED25519_PEM).unwrap();
    });
    let signing_input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
    let signature = jsonwebtoken::crypto::sign(signing_input.as_bytes(), key, alg).unwrap();
    format!("{signing_input}.{signature}")
}

/// A token signed with the fixture HMAC secret, with `header` and `claims` as given.
pub fn forge_hs256(header: &str, claims: &str) -> String {
    forge(
        header,
        claims,
        &EncodingKey::from_secret(HMAC_SECRET),
        Algorithm::HS256,
    )
}

pub fn hs256_header(kid: &str) -> String {
    format!(r#"{{"alg":"HS256","typ":"at+jwt","kid":"{kid}"}}"#)
}
