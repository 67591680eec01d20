//! Fixtures shared by the benchmarks in `benches/`: test keys and the claims both sides of a
//! comparison sign and verify, so every pair measures the same work.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

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
