//! Opaque tokens: refresh tokens and one-time codes (password reset, email verification,
//! authorization codes).
//!
//! An [`OpaqueToken`] is 256 bits from the operating system's CSPRNG, encoded as 43 characters
//! of unpadded base64url. It is shown to the client exactly once ([`OpaqueToken::secret`]) and
//! stored only as its SHA-256 [`TokenHash`], so a leaked database does not leak usable tokens.
//!
//! ```
//! use auth_core::opaque::{OpaqueToken, TokenHash};
//!
//! # fn main() -> Result<(), auth_core::opaque::OpaqueTokenError> {
//! // Issue: send `token.secret()` to the client, store `token.hash().to_hex()`.
//! let token = OpaqueToken::generate()?;
//! let stored = token.hash().to_hex();
//!
//! // Redeem: parse what the client presents, then look it up by hash.
//! let presented = OpaqueToken::parse(token.secret())?;
//! assert_eq!(presented.hash(), TokenHash::from_hex(&stored)?);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::hash::{Hash, Hasher};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::ErrorChain;

/// Why an opaque token could not be generated or parsed, or a stored hash could not be read.
///
/// No variant carries the presented input: a malformed token may still be a (mistyped) secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpaqueTokenError {
    /// [`OpaqueToken::generate`] could not read the operating system's random number generator.
    /// The cause is logged with `tracing` at `error` level.
    #[error("the operating system random number generator is unavailable")]
    RandomUnavailable,
    /// [`OpaqueToken::parse`] was given a string that is not exactly
    /// [`OpaqueToken::ENCODED_LEN`] bytes long (padding makes a token too long).
    #[error("opaque token must be exactly {expected} characters long")]
    WrongLength {
        /// The only accepted length, [`OpaqueToken::ENCODED_LEN`].
        expected: usize,
    },
    /// [`OpaqueToken::parse`] was given a string with a character outside the base64url
    /// alphabet (`A–Z a–z 0–9 - _`), such as `+`, `/` or `=`.
    #[error("opaque token contains a character outside the base64url alphabet")]
    InvalidCharacter,
    /// [`OpaqueToken::parse`] was given a string whose last character sets bits that no
    /// generated token sets (a non-canonical encoding of some 32 bytes).
    #[error("opaque token is not canonically encoded")]
    NonCanonical,
    /// [`TokenHash::from_hex`] was given a string that is not 64 hexadecimal digits.
    #[error("token hash must be exactly 64 hexadecimal digits")]
    InvalidHashHex,
}

/// A random opaque token (refresh token or one-time code).
///
/// Not `Clone`: a token is single-use and held in one place. The text is zeroed when dropped,
/// `Debug` prints `OpaqueToken([redacted])`, and there is no `Display`; read it with
/// [`secret`](Self::secret) to send it to the client once, and persist only [`hash`](Self::hash).
pub struct OpaqueToken(Zeroizing<String>);

impl OpaqueToken {
    /// Number of random bytes in a token (256 bits).
    pub const BYTES: usize = 32;
    /// Length of a token's text: 32 bytes as unpadded base64url.
    pub const ENCODED_LEN: usize = 43;

    /// Generates a new token from 32 bytes of the operating system's CSPRNG.
    ///
    /// # Errors
    /// [`OpaqueTokenError::RandomUnavailable`] when the operating system cannot provide
    /// randomness (never silently falls back to a weaker source).
    pub fn generate() -> Result<Self, OpaqueTokenError> {
        let mut bytes = Zeroizing::new([0u8; Self::BYTES]);
        getrandom::getrandom(bytes.as_mut()).map_err(|error| {
            tracing::error!(error = %ErrorChain::new(&error), "getrandom failed while generating an opaque token");
            OpaqueTokenError::RandomUnavailable
        })?;
        Ok(Self(Zeroizing::new(URL_SAFE_NO_PAD.encode(bytes.as_ref()))))
    }

    /// Parses a token a client presented.
    ///
    /// The length is checked before anything else, so oversized input is refused without
    /// being scanned. Accepts exactly the strings [`generate`](Self::generate) produces.
    ///
    /// # Errors
    /// [`WrongLength`](OpaqueTokenError::WrongLength) unless the input is 43 bytes,
    /// [`InvalidCharacter`](OpaqueTokenError::InvalidCharacter) for anything outside the
    /// base64url alphabet (including `=` padding), and
    /// [`NonCanonical`](OpaqueTokenError::NonCanonical) when the final character carries
    /// non-zero trailing bits.
    pub fn parse(presented: &str) -> Result<Self, OpaqueTokenError> {
        if presented.len() != Self::ENCODED_LEN {
            return Err(OpaqueTokenError::WrongLength {
                expected: Self::ENCODED_LEN,
            });
        }
        if !presented
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(OpaqueTokenError::InvalidCharacter);
        }
        // Length and alphabet are right, so a strict decode can only fail on trailing bits.
        let mut decoded = Zeroizing::new([0u8; Self::BYTES]);
        match URL_SAFE_NO_PAD.decode_slice(presented, decoded.as_mut()) {
            Ok(Self::BYTES) => Ok(Self(Zeroizing::new(presented.to_owned()))),
            Ok(_) | Err(_) => Err(OpaqueTokenError::NonCanonical),
        }
    }

    /// The token's text, to hand to the client once. Never log or store it.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// The SHA-256 of the token's text: what to store and look tokens up by.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

impl fmt::Debug for OpaqueToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OpaqueToken([redacted])")
    }
}

/// SHA-256 of an opaque token's text: the form in which tokens are stored and looked up.
///
/// Equality is constant-time ([`subtle::ConstantTimeEq`]). It is a lookup key rather than a
/// secret, but `Debug` prints only the first 8 hex digits (`TokenHash(1a2b3c4d…)`) to keep logs
/// short; use [`to_hex`](Self::to_hex) for storage.
#[derive(Clone, Copy, Eq)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// Hashes a presented string as is, without checking that it is a well-formed token
    /// (for example to look up a code whose format is checked elsewhere).
    pub fn of(presented: &str) -> Self {
        Self(Sha256::digest(presented.as_bytes()).into())
    }

    /// Wraps a hash read from storage as raw bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw 32 bytes of the hash.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The hash as 64 lowercase hexadecimal digits, for storage in a text column.
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(64);
        for byte in self.0 {
            out.push(char::from(DIGITS[usize::from(byte >> 4)]));
            out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
        }
        out
    }

    /// Reads a hash written by [`to_hex`](Self::to_hex). Upper-case digits are accepted too.
    ///
    /// # Errors
    /// [`OpaqueTokenError::InvalidHashHex`] unless the input is exactly 64 hexadecimal digits.
    pub fn from_hex(hex: &str) -> Result<Self, OpaqueTokenError> {
        if hex.len() != 64 {
            return Err(OpaqueTokenError::InvalidHashHex);
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
            let (Some(high), Some(low)) = (hex_value(pair[0]), hex_value(pair[1])) else {
                return Err(OpaqueTokenError::InvalidHashHex);
            };
            *byte = (high << 4) | low;
        }
        Ok(Self(bytes))
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

impl ConstantTimeEq for TokenHash {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.ct_eq(&other.0)
    }
}

impl PartialEq for TokenHash {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

// Implemented by hand because `PartialEq` is: hashing the bytes agrees with comparing them.
impl Hash for TokenHash {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.to_hex();
        write!(f, "TokenHash({}…)", &hex[..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn token() -> OpaqueToken {
        OpaqueToken::generate().expect("OS RNG available in tests")
    }

    #[test]
    fn generated_token_is_43_base64url_chars() {
        let t = token();
        assert_eq!(t.secret().len(), OpaqueToken::ENCODED_LEN);
        assert!(
            t.secret()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }

    #[test]
    fn parse_round_trips_and_hash_matches() {
        let t = token();
        let parsed = OpaqueToken::parse(t.secret()).expect("generated token parses");
        assert_eq!(parsed.secret(), t.secret());
        assert_eq!(parsed.hash(), t.hash());
        assert_eq!(TokenHash::of(t.secret()), t.hash());
    }

    #[test]
    fn hash_is_sha256_of_text() {
        // SHA-256("abc"), FIPS 180-2 test vector.
        assert_eq!(
            TokenHash::of("abc").to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn parse_checks_length_first() {
        // A string of the wrong length with bad characters reports the length.
        assert_eq!(
            OpaqueToken::parse("+").unwrap_err(),
            OpaqueTokenError::WrongLength { expected: 43 }
        );
        assert!(matches!(
            OpaqueToken::parse(""),
            Err(OpaqueTokenError::WrongLength { .. })
        ));
    }

    #[test]
    fn parse_refuses_non_canonical_trailing_bits() {
        // 43 chars encode 258 bits; the last char must leave the low 2 bits zero.
        let canonical = format!("{}A", "A".repeat(42));
        assert!(OpaqueToken::parse(&canonical).is_ok());
        let non_canonical = format!("{}B", "A".repeat(42));
        assert_eq!(
            OpaqueToken::parse(&non_canonical).unwrap_err(),
            OpaqueTokenError::NonCanonical
        );
    }

    #[test]
    fn parse_refuses_multibyte_of_right_byte_length() {
        // 43 bytes, but not ASCII.
        let s = format!("{}é", "A".repeat(41));
        assert_eq!(s.len(), 43);
        assert_eq!(
            OpaqueToken::parse(&s).unwrap_err(),
            OpaqueTokenError::InvalidCharacter
        );
    }

    #[test]
    fn debug_is_redacted() {
        let t = token();
        let dbg = format!("{t:?}");
        assert_eq!(dbg, "OpaqueToken([redacted])");
        assert!(!dbg.contains(t.secret()));
    }

    #[test]
    fn token_hash_hex_round_trip_and_validation() {
        let h = token().hash();
        let hex = h.to_hex();
        assert_eq!(hex.len(), 64);
        assert_eq!(hex, hex.to_ascii_lowercase());
        assert_eq!(TokenHash::from_hex(&hex), Ok(h));
        assert_eq!(TokenHash::from_hex(&hex.to_ascii_uppercase()), Ok(h));
        assert_eq!(TokenHash::from_bytes(*h.as_bytes()), h);
        assert_eq!(
            TokenHash::from_hex(&hex[..63]),
            Err(OpaqueTokenError::InvalidHashHex)
        );
        assert_eq!(
            TokenHash::from_hex(&format!("{}g", &hex[..63])),
            Err(OpaqueTokenError::InvalidHashHex)
        );
        // 64 bytes but a multibyte char: still refused, no panic on char boundaries.
        assert_eq!(
            TokenHash::from_hex(&format!("{}é", &hex[..62])),
            Err(OpaqueTokenError::InvalidHashHex)
        );
    }

    #[test]
    fn token_hash_debug_is_short() {
        let h = TokenHash::of("abc");
        assert_eq!(format!("{h:?}"), "TokenHash(ba7816bf…)");
    }

    #[test]
    fn token_hash_eq_and_hash_agree() {
        let a = TokenHash::of("a");
        let b = TokenHash::of("b");
        assert!(bool::from(a.ct_eq(&a)));
        assert!(!bool::from(a.ct_eq(&b)));
        let set: HashSet<TokenHash> = [a, a, b].into_iter().collect();
        assert_eq!(set.len(), 2);
    }
}
