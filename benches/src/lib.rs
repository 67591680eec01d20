//! Fixtures shared by the benchmarks in `benches/`: test keys and the claims both sides of a
//! comparison sign and verify, so every pair measures the same work, and the raw-jsonwebtoken
//! bearer layer the layer benchmarks compare auth-tower's `AuthLayer` with
//! ([`raw_layer::RawJwtLayer`]).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::time::{SystemTime, UNIX_EPOCH};

pub mod raw_layer;

use auth_core::token::{AccessTokenRequest, Algorithm, SigningKey};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Test-only RSA 2048 private key (PKCS#8 PEM).
pub const RSA_PEM: &[u8] = include_bytes!("../../auth-core/tests/keys/rsa2048.pem");
/// Its public key (SPKI PEM).
pub const RSA_PUB_PEM: &[u8] = include_bytes!("../../auth-core/tests/keys/rsa2048.pub.pem");
/// Test-only P-256 private key (PKCS#8 PEM).
pub const P256_PEM: &[u8] = include_bytes!("../../auth-core/tests/keys/p256.pem");
/// Its public key (SPKI PEM).
pub const P256_PUB_PEM: &[u8] = include_bytes!("../../auth-core/tests/keys/p256.pub.pem");
/// Test-only Ed25519 private key (PKCS#8 PEM).
pub const ED25519_PEM: &[u8] = include_bytes!("../../auth-core/tests/keys/ed25519.pem");
/// Its public key (SPKI PEM).
pub const ED25519_PUB_PEM: &[u8] = include_bytes!("../../auth-core/tests/keys/ed25519.pub.pem");
/// A 32-byte HS256 secret.
pub const HMAC_SECRET: &[u8] = b"benchmark HS256 secret, 32+ bytes long";

/// `iss` of every benchmark token.
pub const ISSUER: &str = "https://auth.example.com";
/// `aud` of every benchmark token.
pub const AUDIENCE: &str = "https://api.example.com";

/// The claims a raw-jsonwebtoken benchmark signs and decodes: the same members, with the same
/// values, as the tokens auth-core issues in the same run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RawClaims {
    /// Issuer.
    pub iss: String,
    /// Subject.
    pub sub: String,
    /// Audience.
    pub aud: String,
    /// Expiry.
    pub exp: u64,
    /// Issued at.
    pub iat: u64,
    /// Token id.
    pub jti: String,
    /// Session id.
    pub sid: String,
    /// Roles.
    pub roles: Vec<String>,
}

/// One algorithm's keys, loaded for auth-core and for raw jsonwebtoken from the same material.
pub struct Case {
    /// The algorithm's JOSE name.
    pub name: &'static str,
    /// The algorithm.
    pub algorithm: Algorithm,
    /// auth-core's signing key (kid `k`).
    pub ours: SigningKey,
    /// jsonwebtoken's encoding key.
    pub raw_encoding: EncodingKey,
    /// jsonwebtoken's decoding key.
    pub raw_decoding: DecodingKey,
}

/// HS256, RS256, ES256 and EdDSA.
pub fn token_cases() -> Vec<Case> {
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

/// Claims equal to what auth-core issues for [`request`], valid for 15 minutes from now.
pub fn raw_claims() -> RawClaims {
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

/// The header auth-core writes: `typ: at+jwt`, `kid: k`.
pub fn raw_header(algorithm: Algorithm) -> Header {
    let mut header = Header::new(algorithm);
    header.typ = Some("at+jwt".into());
    header.kid = Some("k".into());
    header
}

/// Validation equivalent to auth-core's: algorithm, `iss`, `aud`, required claims, 30 s leeway.
pub fn raw_validation(algorithm: Algorithm) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = 30;
    validation
}

/// The token request both sides' claims correspond to.
pub fn request() -> AccessTokenRequest {
    AccessTokenRequest::new("user-1")
        .session("session-1")
        .roles(["admin"])
}

/// The Tokio runtime of the load-test servers (`src/bin/*_server.rs`): `LOAD_WORKERS` worker
/// threads (default 1; 0 = a current-thread runtime), so the scripts can pin the server's
/// share of the machine.
///
/// # Errors
/// The runtime could not be built.
pub fn load_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let workers = std::env::var("LOAD_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(1);
    if workers == 0 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
    }
}
