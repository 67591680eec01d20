//! Access tokens: keys, issuing, and verification that refuses every known JWT attack.
//!
//! * [`SigningKey`] / [`VerificationKey`]: one algorithm per key, chosen when the key is
//!   loaded; a `kid` on each.
//! * [`KeySet`]: the active signing key plus verification keys for rotation; [`KeySet::jwks`]
//!   exports the public half.
//! * [`AccessTokenIssuer`]: RFC 9068 access tokens (`typ: at+jwt`, `kid`, `iss`, `aud`, `sub`,
//!   `iat`, `exp`, `jti`, and our `sid`, `scope`, `roles`, `permissions`, `plan`, `tid`,
//!   `client_id`, plus the host's own claims).
//! * [`AccessTokenVerifier`]: the strict verifier; see its docs for everything it refuses.
//! * [`verify_jws`]: the same strict signature check for any other JWS (an OpenID Connect
//!   `id_token`), leaving its claims to the caller.
//! * [`JwtSigner`]: signs other JWTs (OpenID Connect id_tokens) with a key of the set.
//! * [`NumericDate`]: the one reading of `exp`, `iat`, `nbf` and `auth_time` (RFC 7519 §2:
//!   fractions floored, anything but a non-negative number refused), shared with
//!   auth-providers' id_token and introspection checks.
//!
//! Signatures are made and checked by jsonwebtoken's crypto providers (aws-lc-rs by default,
//! RustCrypto with the `rust_crypto` feature); the parsing around them is this module's own so
//! that it can be strict and parse each part once.

mod amr;
mod claims;
mod compact;
mod error;
mod header;
mod issuer;
mod json;
mod jws;
mod key;
mod key_set;
mod numeric_date;
mod signer;
mod verifier;

pub use amr::AuthMethod;
pub use claims::{Audience, Claims, NoCustomClaims, Scope};
pub use error::{KeyError, TokenError};
pub use issuer::{
    AccessToken, AccessTokenIssuer, AccessTokenRequest, IssuedAccessToken, IssuerConfig,
};
pub use jsonwebtoken::Algorithm;
pub use jsonwebtoken::jwk::{Jwk, JwkSet};
pub use jws::{VerifiedJws, verify_jws};
pub use key::{KeyId, SigningKey, VerificationKey, algorithm_name};
pub use key_set::KeySet;
pub use numeric_date::NumericDate;
pub use signer::{JwtSigner, SignedJwt};
pub use verifier::{AccessTokenVerifier, VerifierConfig};
