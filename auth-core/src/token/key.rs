//! Signing and verification keys, each with an id and exactly one algorithm.
//!
//! A key is bound to one algorithm when it is loaded; a token's `alg` header is only ever
//! compared against it, never used to choose how to read the key. That is what defeats
//! algorithm confusion (RFC 8725 §2.1, §3.1).

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{
    AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations, PublicKeyUse,
};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};

use super::error::KeyError;
use crate::crypto_backend::{ensure_process_default, provider};

/// The longest key id accepted, in bytes.
const MAX_KID_BYTES: usize = 128;
/// RFC 7518 §3.3: RSA keys of at least 2048 bits.
const MIN_RSA_BITS: usize = 2048;

/// The `kid` of a key: how a token names the key that signed it.
///
/// It only ever selects among keys already loaded — it is never a path, a URL or a query.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct KeyId(Arc<str>);

impl KeyId {
    /// Checks and wraps a key id: 1 to 128 bytes, no control characters.
    pub fn new(kid: impl Into<String>) -> Result<Self, KeyError> {
        let kid = kid.into();
        if kid.is_empty() {
            return Err(KeyError::InvalidKeyId("it is empty"));
        }
        if kid.len() > MAX_KID_BYTES {
            return Err(KeyError::InvalidKeyId("it is longer than 128 bytes"));
        }
        if kid.chars().any(char::is_control) {
            return Err(KeyError::InvalidKeyId("it contains control characters"));
        }
        Ok(Self(kid.into()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({:?})", &*self.0)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The JOSE name of an algorithm (`"HS256"`, `"EdDSA"`, …).
pub fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::HS256 => "HS256",
        Algorithm::HS384 => "HS384",
        Algorithm::HS512 => "HS512",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::PS384 => "PS384",
        Algorithm::PS512 => "PS512",
        Algorithm::EdDSA => "EdDSA",
        // jsonwebtoken's enum is non-exhaustive; a future variant is simply unnamed here and
        // is refused when a key is loaded for it.
        _ => "unsupported",
    }
}

/// RFC 7518 §3.2: an HMAC key at least as long as the hash output.
fn hmac_min_bytes(algorithm: Algorithm) -> Option<usize> {
    match algorithm {
        Algorithm::HS256 => Some(32),
        Algorithm::HS384 => Some(48),
        Algorithm::HS512 => Some(64),
        _ => None,
    }
}

fn check_supported(algorithm: Algorithm) -> Result<&'static str, KeyError> {
    match algorithm_name(algorithm) {
        "unsupported" => Err(KeyError::UnsupportedAlgorithm),
        name => Ok(name),
    }
}

fn check_hmac_secret(algorithm: Algorithm, secret: &[u8]) -> Result<(), KeyError> {
    let min = hmac_min_bytes(algorithm).ok_or(KeyError::InvalidKey {
        algorithm: algorithm_name(algorithm),
        reason: "a shared secret is only for HS256, HS384 and HS512",
    })?;
    if secret.len() < min {
        return Err(KeyError::WeakSecret {
            algorithm: algorithm_name(algorithm),
            min,
            actual: secret.len(),
        });
    }
    Ok(())
}

/// Checks that a JWK has the key type, curve and (for RSA) size that `algorithm` needs.
fn check_jwk_fits(algorithm: Algorithm, jwk: &Jwk) -> Result<(), KeyError> {
    let name = algorithm_name(algorithm);
    let invalid = |reason| KeyError::InvalidKey {
        algorithm: name,
        reason,
    };
    match (&jwk.algorithm, algorithm.family()) {
        (AlgorithmParameters::OctetKey(_), AlgorithmFamily::Hmac) => Ok(()),
        (AlgorithmParameters::RSA(rsa), AlgorithmFamily::Rsa) => {
            let modulus = URL_SAFE_NO_PAD
                .decode(&rsa.n)
                .map_err(|_| invalid("the modulus is not base64url"))?;
            check_rsa_bits(&modulus)
        }
        (AlgorithmParameters::EllipticCurve(ec), AlgorithmFamily::Ec) => {
            let expected = if algorithm == Algorithm::ES256 {
                EllipticCurve::P256
            } else {
                EllipticCurve::P384
            };
            if ec.curve == expected {
                Ok(())
            } else {
                Err(invalid("the curve does not match the algorithm"))
            }
        }
        (AlgorithmParameters::OctetKeyPair(okp), AlgorithmFamily::Ed) => {
            if okp.curve == EllipticCurve::Ed25519 {
                Ok(())
            } else {
                Err(invalid("only the Ed25519 curve is supported"))
            }
        }
        _ => Err(invalid("the key type does not match the algorithm")),
    }
}

fn check_rsa_bits(modulus: &[u8]) -> Result<(), KeyError> {
    let leading_zeros = modulus.iter().take_while(|byte| **byte == 0).count();
    let significant = &modulus[leading_zeros..];
    let bits = match significant.first() {
        Some(first) => significant.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    };
    if bits < MIN_RSA_BITS {
        return Err(KeyError::WeakRsaKey { bits });
    }
    Ok(())
}

/// Marks an exported public JWK with its id, algorithm and use.
fn label_public_jwk(mut jwk: Jwk, kid: &KeyId, algorithm: Algorithm) -> Result<Jwk, KeyError> {
    let key_algorithm: KeyAlgorithm = algorithm_name(algorithm)
        .parse()
        .map_err(|_| KeyError::UnsupportedAlgorithm)?;
    jwk.common.key_id = Some(kid.as_str().to_owned());
    jwk.common.key_algorithm = Some(key_algorithm);
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    jwk.common.key_operations = None;
    Ok(jwk)
}

/// A key that verifies tokens: a public key, or a shared HMAC secret.
///
/// Cheap to clone. `Debug` shows the id and algorithm only.
#[derive(Clone)]
pub struct VerificationKey {
    inner: Arc<VerificationKeyInner>,
}

struct VerificationKeyInner {
    kid: KeyId,
    algorithm: Algorithm,
    decoding: DecodingKey,
    /// The public JWK for JWKS export; `None` for HMAC secrets, which are never published.
    public_jwk: Option<Jwk>,
}

impl VerificationKey {
    /// An HMAC key (HS256/384/512). The secret must be at least as long as the hash output
    /// (32/48/64 bytes); a shorter one is refused with [`KeyError::WeakSecret`].
    pub fn hmac(
        kid: impl Into<String>,
        algorithm: Algorithm,
        secret: &[u8],
    ) -> Result<Self, KeyError> {
        check_hmac_secret(algorithm, secret)?;
        Ok(Self::assemble(
            KeyId::new(kid)?,
            algorithm,
            DecodingKey::from_secret(secret),
            None,
        ))
    }

    /// A public key in PEM form (SPKI `PUBLIC KEY`, or `RSA PUBLIC KEY`) for RS*/PS*, ES256,
    /// ES384 or EdDSA (Ed25519).
    pub fn from_pem(
        kid: impl Into<String>,
        algorithm: Algorithm,
        pem: &[u8],
    ) -> Result<Self, KeyError> {
        let name = check_supported(algorithm)?;
        let kid = KeyId::new(kid)?;
        let invalid = |reason| KeyError::InvalidKey {
            algorithm: name,
            reason,
        };
        let decoding = match algorithm.family() {
            AlgorithmFamily::Rsa => DecodingKey::from_rsa_pem(pem),
            AlgorithmFamily::Ec => DecodingKey::from_ec_pem(pem),
            AlgorithmFamily::Ed => DecodingKey::from_ed_pem(pem),
            AlgorithmFamily::Hmac => return Err(invalid("use VerificationKey::hmac for secrets")),
        }
        .map_err(|_| invalid("not a PEM public key of this type"))?;
        ensure_process_default();
        let jwk = Jwk::from_decoding_key(&decoding, Some(algorithm))
            .map_err(|_| invalid("the public key cannot be read"))?;
        check_jwk_fits(algorithm, &jwk)?;
        let public_jwk = label_public_jwk(jwk, &kid, algorithm)?;
        Ok(Self::assemble(kid, algorithm, decoding, Some(public_jwk)))
    }

    /// A key from a JWK (for example one entry of another server's JWKS).
    ///
    /// The JWK must name its `kid` and `alg`; its key type and curve must fit that algorithm,
    /// and a `use` or `key_ops` member, when present, must allow signature verification.
    /// Private members, if any, are ignored.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, KeyError> {
        let kid = jwk
            .common
            .key_id
            .clone()
            .ok_or(KeyError::InvalidKeyId("the JWK has no kid"))?;
        let algorithm: Algorithm = jwk
            .common
            .key_algorithm
            .ok_or(KeyError::UnsupportedAlgorithm)?
            .to_string()
            .parse()
            .map_err(|_| KeyError::UnsupportedAlgorithm)?;
        let name = check_supported(algorithm)?;
        let invalid = |reason| KeyError::InvalidKey {
            algorithm: name,
            reason,
        };
        if matches!(&jwk.common.public_key_use, Some(usage) if *usage != PublicKeyUse::Signature) {
            return Err(invalid("the JWK's use is not sig"));
        }
        if let Some(operations) = &jwk.common.key_operations
            && !operations.contains(&KeyOperations::Verify)
        {
            return Err(invalid("the JWK's key_ops do not include verify"));
        }
        check_jwk_fits(algorithm, jwk)?;
        let decoding =
            DecodingKey::from_jwk(jwk).map_err(|_| invalid("the JWK parameters are invalid"))?;
        let kid = KeyId::new(kid)?;
        if algorithm.family() == AlgorithmFamily::Hmac {
            check_hmac_secret(algorithm, decoding.try_get_as_bytes().unwrap_or_default())?;
            return Ok(Self::assemble(kid, algorithm, decoding, None));
        }
        let public = Jwk {
            common: Default::default(),
            algorithm: jwk.algorithm.clone(),
        };
        let public_jwk = label_public_jwk(public, &kid, algorithm)?;
        Ok(Self::assemble(kid, algorithm, decoding, Some(public_jwk)))
    }

    fn assemble(
        kid: KeyId,
        algorithm: Algorithm,
        decoding: DecodingKey,
        public_jwk: Option<Jwk>,
    ) -> Self {
        Self {
            inner: Arc::new(VerificationKeyInner {
                kid,
                algorithm,
                decoding,
                public_jwk,
            }),
        }
    }

    /// The key's id.
    pub fn kid(&self) -> &KeyId {
        &self.inner.kid
    }

    /// The one algorithm this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        self.inner.algorithm
    }

    /// The public JWK (with `kid`, `alg` and `use: sig`), or `None` for an HMAC secret.
    pub fn public_jwk(&self) -> Option<&Jwk> {
        self.inner.public_jwk.as_ref()
    }

    /// Checks `signature` over `message` with this key.
    pub(crate) fn verify_signature(&self, message: &[u8], signature: &Vec<u8>) -> bool {
        match (provider().verifier_factory)(&self.inner.algorithm, &self.inner.decoding) {
            Ok(verifier) => verifier.verify(message, signature).is_ok(),
            Err(_) => false,
        }
    }
}

impl fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerificationKey")
            .field("kid", &self.inner.kid)
            .field("algorithm", &self.inner.algorithm)
            .field("key", &"[redacted]")
            .finish()
    }
}

/// A key that signs tokens, with the verification key that goes with it.
///
/// Cheap to clone. `Debug` shows the id and algorithm only; the key material is zeroized when
/// the last clone is dropped (jsonwebtoken's keys zeroize themselves).
#[derive(Clone)]
pub struct SigningKey {
    inner: Arc<SigningKeyInner>,
}

struct SigningKeyInner {
    encoding: EncodingKey,
    verification: VerificationKey,
}

impl SigningKey {
    /// An HMAC signing key (HS256/384/512). The secret must be at least as long as the hash
    /// output (32/48/64 bytes); a shorter one is refused with [`KeyError::WeakSecret`].
    ///
    /// ```
    /// use auth_core::token::{Algorithm, KeyError, SigningKey};
    ///
    /// let key = SigningKey::hmac("2026-01", Algorithm::HS256, &[7u8; 32])?;
    /// assert_eq!(key.kid().as_str(), "2026-01");
    ///
    /// let short = SigningKey::hmac("k", Algorithm::HS256, b"secret");
    /// assert!(matches!(short, Err(KeyError::WeakSecret { min: 32, actual: 6, .. })));
    /// # Ok::<(), KeyError>(())
    /// ```
    pub fn hmac(
        kid: impl Into<String>,
        algorithm: Algorithm,
        secret: &[u8],
    ) -> Result<Self, KeyError> {
        let verification = VerificationKey::hmac(kid, algorithm, secret)?;
        Self::assemble(EncodingKey::from_secret(secret), verification)
    }

    /// A fresh random HMAC key of 64 bytes, for development and for hosts that keep the
    /// secret themselves (read it back with [`SigningKey::hmac_secret`]).
    pub fn generate_hmac(kid: impl Into<String>, algorithm: Algorithm) -> Result<Self, KeyError> {
        let mut secret = zeroize::Zeroizing::new([0u8; 64]);
        getrandom::getrandom(secret.as_mut_slice()).map_err(|_| KeyError::Random)?;
        Self::hmac(kid, algorithm, secret.as_slice())
    }

    /// A private key in PEM form: RSA (`RSA PRIVATE KEY` or PKCS#8) for RS*/PS*, PKCS#8 EC for
    /// ES256/ES384, PKCS#8 Ed25519 for EdDSA. The key is test-signed once here, so a key that
    /// loads also signs.
    pub fn from_pem(
        kid: impl Into<String>,
        algorithm: Algorithm,
        pem: &[u8],
    ) -> Result<Self, KeyError> {
        let name = check_supported(algorithm)?;
        let kid = KeyId::new(kid)?;
        let invalid = |reason| KeyError::InvalidKey {
            algorithm: name,
            reason,
        };
        let encoding = match algorithm.family() {
            AlgorithmFamily::Rsa => EncodingKey::from_rsa_pem(pem),
            AlgorithmFamily::Ec => EncodingKey::from_ec_pem(pem),
            AlgorithmFamily::Ed => EncodingKey::from_ed_pem(pem),
            AlgorithmFamily::Hmac => return Err(invalid("use SigningKey::hmac for secrets")),
        }
        .map_err(|_| invalid("not a PEM private key of this type"))?;
        ensure_process_default();
        let jwk = Jwk::from_encoding_key(&encoding, algorithm)
            .map_err(|_| invalid("the private key cannot be read"))?;
        check_jwk_fits(algorithm, &jwk)?;
        let decoding =
            DecodingKey::from_jwk(&jwk).map_err(|_| invalid("the public key cannot be derived"))?;
        let public_jwk = label_public_jwk(jwk, &kid, algorithm)?;
        let verification = VerificationKey::assemble(kid, algorithm, decoding, Some(public_jwk));
        Self::assemble(encoding, verification)
    }

    /// A private key in PEM form with the algorithm its type implies, for hosts that load a
    /// key file without being told its type: RSA → RS256, P-256 → ES256, P-384 → ES384,
    /// Ed25519 → EdDSA (the formats of [`SigningKey::from_pem`]). Pick the algorithm
    /// yourself with `from_pem` for PS256/PS384/PS512 or RS384/RS512.
    ///
    /// ```
    /// use auth_core::token::{Algorithm, SigningKey};
    ///
    /// # fn main() -> Result<(), auth_core::token::KeyError> {
    /// // An Ed25519 key (the test suite's; never use a published key).
    /// let pem = b"-----BEGIN PRIVATE KEY-----
    /// MC4CAQAwBQYDK2VwBCIEICUznbO3x+6GxQ3uEkCD37ZaAQZnlm07zL0wJ1ftQMzB
    /// -----END PRIVATE KEY-----";
    /// let key = SigningKey::from_pem_detect("2026-12", pem)?;
    /// assert_eq!(key.algorithm(), Algorithm::EdDSA);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// The error of the matching type when the key is of a supported type but unusable (e.g.
    /// [`KeyError::WeakRsaKey`] for RSA under 2048 bits); otherwise
    /// [`KeyError::InvalidKey`] saying which types are accepted. Never any key material.
    pub fn from_pem_detect(kid: impl Into<String>, pem: &[u8]) -> Result<Self, KeyError> {
        const BY_KEY_TYPE: [Algorithm; 4] = [
            Algorithm::RS256,
            Algorithm::ES256,
            Algorithm::ES384,
            Algorithm::EdDSA,
        ];
        let kid = kid.into();
        for algorithm in BY_KEY_TYPE {
            match Self::from_pem(kid.clone(), algorithm, pem) {
                Ok(key) => return Ok(key),
                // Another key type (or, for EC, another curve): try the next.
                Err(KeyError::InvalidKey { .. }) => {}
                // The type fits but the key does not (too short), or the kid is invalid.
                Err(other) => return Err(other),
            }
        }
        Err(KeyError::InvalidKey {
            algorithm: "PEM",
            reason: "not a PEM private key for RS256 (RSA, 2048 bits or more), ES256 (P-256), \
                     ES384 (P-384) or EdDSA (Ed25519); EC and Ed25519 keys must be PKCS#8 \
                     (`BEGIN PRIVATE KEY`)",
        })
    }

    fn assemble(encoding: EncodingKey, verification: VerificationKey) -> Result<Self, KeyError> {
        let key = Self {
            inner: Arc::new(SigningKeyInner {
                encoding,
                verification,
            }),
        };
        // Fail at load time, not at the first login: the key must sign, and its public half
        // must verify what it signed.
        let probe = b"auth-core key probe";
        let signature = key.sign(probe).map_err(|()| KeyError::InvalidKey {
            algorithm: algorithm_name(key.algorithm()),
            reason: "the crypto backend cannot sign with it",
        })?;
        if !key.inner.verification.verify_signature(probe, &signature) {
            return Err(KeyError::InvalidKey {
                algorithm: algorithm_name(key.algorithm()),
                reason: "its public half does not verify its signatures",
            });
        }
        Ok(key)
    }

    /// The key's id.
    pub fn kid(&self) -> &KeyId {
        self.inner.verification.kid()
    }

    /// The one algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.inner.verification.algorithm()
    }

    /// The key that verifies this key's signatures.
    pub fn verification_key(&self) -> &VerificationKey {
        &self.inner.verification
    }

    /// The raw HMAC secret, to persist a generated key. `None` for asymmetric keys.
    ///
    /// # Security
    /// This is the signing secret: anyone holding it can mint tokens. Store it like a
    /// password and never log it.
    pub fn hmac_secret(&self) -> Option<&[u8]> {
        (self.algorithm().family() == AlgorithmFamily::Hmac).then(|| self.inner.encoding.as_bytes())
    }

    /// Signs `message`, returning the raw signature.
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, ()> {
        let signer =
            (provider().signer_factory)(&self.algorithm(), &self.inner.encoding).map_err(|_| ())?;
        signer.try_sign(message).map_err(|_| ())
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", self.kid())
            .field("algorithm", &self.algorithm())
            .field("key", &"[redacted]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_are_checked() {
        assert!(KeyId::new("2026-11-a").is_ok());
        assert!(KeyId::new("").is_err());
        assert!(KeyId::new("a\nb").is_err());
        assert!(KeyId::new("x".repeat(129)).is_err());
    }

    #[test]
    fn hmac_secret_minimums_follow_rfc_7518() {
        for (algorithm, min) in [
            (Algorithm::HS256, 32),
            (Algorithm::HS384, 48),
            (Algorithm::HS512, 64),
        ] {
            assert!(SigningKey::hmac("k", algorithm, &vec![1; min]).is_ok());
            let err = SigningKey::hmac("k", algorithm, &vec![1; min - 1]).unwrap_err();
            assert_eq!(
                err,
                KeyError::WeakSecret {
                    algorithm: algorithm_name(algorithm),
                    min,
                    actual: min - 1
                }
            );
            assert!(err.to_string().contains("JWT_SECRET_KEY"));
        }
    }

    #[test]
    fn hmac_secret_cannot_be_used_for_asymmetric_algorithms() {
        assert!(matches!(
            SigningKey::hmac("k", Algorithm::RS256, &[1; 64]),
            Err(KeyError::InvalidKey { .. })
        ));
    }

    #[test]
    fn debug_never_shows_key_material() {
        let key =
            SigningKey::hmac("k", Algorithm::HS256, b"0123456789abcdef0123456789abcdef").unwrap();
        let shown = format!("{key:?} {:?}", key.verification_key());
        assert!(!shown.contains("0123456789"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn generated_hmac_keys_differ() {
        let a = SigningKey::generate_hmac("a", Algorithm::HS256).unwrap();
        let b = SigningKey::generate_hmac("b", Algorithm::HS256).unwrap();
        assert_eq!(a.hmac_secret().map(<[u8]>::len), Some(64));
        assert_ne!(a.hmac_secret(), b.hmac_secret());
    }

    #[test]
    fn rsa_bit_count() {
        let mut modulus = vec![0u8; 1];
        modulus.extend(std::iter::repeat_n(0xff, 256));
        assert!(check_rsa_bits(&modulus).is_ok());
        let mut short = vec![0x7f];
        short.extend(std::iter::repeat_n(0xff, 255));
        assert_eq!(
            check_rsa_bits(&short),
            Err(KeyError::WeakRsaKey { bits: 2047 })
        );
    }
}
