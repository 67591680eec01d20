//! # auth-core
//!
//! The framework-neutral core of the auth crate family: access tokens, keys, passwords and
//! opaque tokens, done the way RFC 8725, RFC 9068, NIST SP 800-63B and OWASP ASVS 5 ask.
//! It knows no HTTP framework and no database.
//!
//! ## Overview
//!
//! * [`token`] — JWT access tokens (`typ: at+jwt`). [`token::SigningKey`] and
//!   [`token::VerificationKey`] each carry a `kid` and exactly one algorithm (HS256/384/512,
//!   RS256/384/512, PS256/384/512, ES256/384, EdDSA); [`token::KeySet`] rotates them with
//!   overlap and exports the public half as a JWKS; [`token::AccessTokenIssuer`] signs;
//!   [`token::AccessTokenVerifier`] verifies in one strict pass and refuses every known JWT
//!   attack with a typed [`token::TokenError`].
//! * [`password`] — argon2id hashing (OWASP minimum by default) with rehash-on-login, legacy
//!   bcrypt verification for migrating users, a dummy verification for unknown accounts, and a
//!   NIST SP 800-63B [`password::PasswordPolicy`].
//! * [`opaque`] — refresh tokens and one-time codes: 256 random bits, stored only as SHA-256.
//! * [`store`] — the storage contract: small async traits for users, provider identities,
//!   sessions with refresh tokens (atomic rotation), revoked access tokens, one-time tokens,
//!   throttle counters, the audit trail, passkey and second-factor ceremonies, and passkeys; in-memory implementations in [`store::memory`].
//!   Every session has a [`store::SessionKind`] — a first-party login, the authorization
//!   server's browser sign-in, or an OAuth grant — and a refresh token is found and rotated
//!   only for the kind its consumer names, so a credential of one kind never serves another.
//!   With the `testkit` feature, `testkit` runs the conformance suite against any
//!   implementation — yours included.
//! * [`flows`] — [`flows::AuthService`]: signup, login (throttled, indistinguishable
//!   failures), refresh with rotation and reuse detection, logout and logout everywhere,
//!   sessions, password change and reset, email verification, social login and account
//!   linking.
//! * [`oauth_server`] — the OAuth 2.0 / OpenID Connect authorization server's grant logic:
//!   authorization code + PKCE (S256), exact redirect URIs, consent, `prompt`, `max_age` and
//!   `acr_values`, the sign-in's `auth_time`, `amr` and `acr` in id_tokens and access tokens,
//!   the `query` and `form_post` response modes, refresh rotation, id_tokens, userinfo,
//!   RFC 7009 revocation, RFC 7662 introspection, RFC 8414 metadata and JWKS — as plain
//!   requests and outcomes for an HTTP adapter.
//! * [`mfa`] — second factors: TOTP (RFC 6238) enrolment with an `otpauth://` URI and its
//!   QR code as SVG, verification that accepts each code once (§5.2), recovery codes stored
//!   as SHA-256, and XChaCha20-Poly1305 for TOTP secrets at rest under a host-provided key;
//!   kept by a [`store::SecondFactorStore`].
//! * [`revocation`] — whether a verified access token still stands (session revoked, user cut
//!   off or disabled, `jti` revoked), cached with a configurable staleness bound.
//! * `passkey` (feature `passkey`) — WebAuthn passkeys on webauthn-rs: registration and
//!   sign-in ceremonies (discoverable, usernameless or with a user hint) whose state waits in a
//!   [`store::CeremonyStore`] behind a 256-bit token and is consumed once; credentials in a
//!   [`store::PasskeyStore`] (a credential id is unique across all users). Every verification
//!   failure — another origin or RP id, a bad signature, an unknown credential, a counter that
//!   went backwards — is one `Rejected` answer, the cause logged at debug level. With
//!   `AuthServiceBuilder::passkeys`, [`flows::AuthService`] adds a passkey to a signed-in
//!   account (after a recent sign-in), signs in with one (`amr` `hwk`/`swk` `user` `mfa`),
//!   creates passkey-only accounts, and never removes an account's last way in.
//! * [`authz`] — roles, permissions, plan tiers, scopes and tenants as [`authz::Requirement`]s.
//! * [`redact`] — connection URLs with their passwords masked, for errors and logs.
//! * [`Clock`] — injected time, so expiry is tested without sleeping.
//! * [`BearerErrorCode`] — the one mapping from errors to RFC 6750 codes.
//!
//! ## Quick start
//!
//! ```
//! use auth_core::password::{PasswordHasher, PasswordPolicy};
//! use auth_core::token::{AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier,
//!     Algorithm, IssuerConfig, KeySet, SigningKey, VerifierConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Keys: in production read the secret from JWT_SECRET_KEY (≥ 32 bytes) or load a PEM.
//! let keys = KeySet::new(SigningKey::generate_hmac("2026-11", Algorithm::HS256)?);
//!
//! let issuer = AccessTokenIssuer::new(IssuerConfig::new("https://auth.example", "api"), &keys);
//! let verifier =
//!     AccessTokenVerifier::new(VerifierConfig::new("https://auth.example", "api"), &keys);
//!
//! let issued = issuer.issue(&AccessTokenRequest::new("user-1").roles(["admin"]))?;
//! let claims = verifier.verify(issued.token.secret())?;
//! assert!(claims.has_role("admin"));
//!
//! // Passwords: check the policy at signup, hash with argon2id, verify at login.
//! PasswordPolicy::default().check("mauve-tulip-orbit-42", &["kim@example.com"])?;
//! let hasher = PasswordHasher::default();
//! let stored = hasher.hash("mauve-tulip-orbit-42")?;
//! assert!(hasher.verify("mauve-tulip-orbit-42", stored.as_str())?.is_match());
//! # Ok(())
//! # }
//! ```
//!
//! ## Feature flags
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `aws_lc_rs` | yes | signs and verifies with aws-lc-rs (fastest; builds with a C compiler) |
//! | `rust_crypto` | no | signs and verifies with the pure-Rust RustCrypto crates |
//! | `testkit` | no | the public conformance test-kit for store implementations |
//! | `passkey` | no | `auth_core::passkey`: WebAuthn passkeys on webauthn-rs 0.5 (MPL-2.0). **Links OpenSSL** (webauthn-rs verifies with it): building needs its headers and `pkg-config` (`libssl-dev` on Debian/Ubuntu, `openssl-devel` on Fedora) |
//!
//! One backend is required; with both on, aws-lc-rs is used. jsonwebtoken alone would
//! compile without a backend and panic at first use; this crate refuses to compile instead.

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, rust_2018_idioms)]
#![deny(unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_cfg))] // doc_auto_cfg was merged into doc_cfg (Rust 1.92)

pub mod authz;
mod clock;
#[cfg(feature = "serde")]
pub mod config_serde;
mod crypto_backend;
pub mod env;
mod error;
pub mod flows;
pub mod mfa;
pub mod oauth_server;
pub mod opaque;
#[cfg(feature = "passkey")]
pub mod passkey;
pub mod password;
pub mod redact;
mod report;
pub mod revocation;
mod session;
pub mod store;
#[cfg(feature = "testkit")]
pub mod testkit;
pub mod token;

pub use clock::{Clock, ManualClock, SystemClock};
pub use crypto_backend::crypto_backend_name;
pub use error::{BearerErrorCode, ToBearerError};
pub use report::ErrorChain;

/// The `#[async_trait]` macro the store traits use, re-exported for implementers.
pub use async_trait::async_trait;
/// The JWT crate this one builds on, re-exported so its types (`Algorithm`, `Jwk`, …) need no
/// version matching.
pub use jsonwebtoken;
/// Constant-time comparison, re-exported for [`opaque::TokenHash`]'s `ConstantTimeEq`.
pub use subtle;
