//! Recovery codes: single-use codes a user writes down when enrolling a second factor, to
//! sign in when the authenticator is lost.
//!
//! A code is 12 characters of Crockford's base32 alphabet in lowercase
//! (`0-9 a-z` without `i`, `l`, `o`, `u`), shown as `xxxx-xxxx-xxxx`: 60 random bits.
//! Only its SHA-256 ([`SecretHash`]) is stored; a plain hash is enough for a random 60-bit
//! value (nobody can guess through 2^60 candidates, and the store throttles attempts long
//! before), so no slow password hash is needed. Input is [`normalize`]d first: case,
//! spaces and dashes do not matter, and `o`, `i`, `l` read as `0`, `1`, `1`.

use std::fmt;

use zeroize::Zeroizing;

use super::MfaError;
use crate::store::{SecretHash, SecretValue};

/// Crockford's base32 alphabet, lowercase: no `i`, `l`, `o`, `u`.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// Characters per code (5 bits each: 60 bits).
const CODE_LEN: usize = 12;
/// Characters between dashes as shown.
const GROUP: usize = 4;
/// Longer input is refused before looking at it.
const MAX_INPUT: usize = 64;

/// A fresh set of recovery codes: the codes to show the user once, and their hashes to
/// store ([`SecondFactorStore::replace_recovery_codes`](crate::store::SecondFactorStore::replace_recovery_codes)).
///
/// Not `Clone`; `Debug` shows only how many there are; the codes are zeroed on drop.
pub struct RecoveryCodes {
    codes: Vec<SecretValue>,
    hashes: Vec<SecretHash>,
}

impl RecoveryCodes {
    /// How many codes [`generate`](Self::generate) is usually asked for.
    pub const DEFAULT_COUNT: usize = 10;

    /// `count` fresh random codes (all distinct).
    ///
    /// # Errors
    ///
    /// [`MfaError::Random`] if the operating system's generator fails.
    pub fn generate(count: usize) -> Result<Self, MfaError> {
        let mut codes = Vec::with_capacity(count);
        let mut hashes: Vec<SecretHash> = Vec::with_capacity(count);
        while codes.len() < count {
            let mut random = Zeroizing::new([0u8; CODE_LEN]);
            getrandom::getrandom(random.as_mut_slice()).map_err(|_| MfaError::Random)?;
            // 256 is a multiple of 32: taking the low five bits is unbiased.
            let plain: Zeroizing<String> = Zeroizing::new(
                random
                    .iter()
                    .map(|byte| char::from(ALPHABET[usize::from(byte & 0x1f)]))
                    .collect(),
            );
            let hash = SecretHash::of(&plain);
            if hashes.contains(&hash) {
                continue; // 2^-60: never in practice, but the set must be distinct
            }
            let shown = plain
                .as_bytes()
                .chunks(GROUP)
                .map(|group| String::from_utf8_lossy(group).into_owned())
                .collect::<Vec<_>>()
                .join("-");
            codes.push(SecretValue::new(shown));
            hashes.push(hash);
        }
        Ok(Self { codes, hashes })
    }

    /// The codes as shown to the user (`xxxx-xxxx-xxxx`). Show them once; never log or
    /// store them.
    pub fn codes(&self) -> &[SecretValue] {
        &self.codes
    }

    /// Their hashes, in the same order: what to store.
    pub fn hashes(&self) -> &[SecretHash] {
        &self.hashes
    }
}

impl fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecoveryCodes")
            .field("count", &self.codes.len())
            .finish_non_exhaustive()
    }
}

/// A recovery code as the user typed it, in the canonical form that is hashed: spaces and
/// dashes dropped, lowercase, `o` → `0`, `i`/`l` → `1`.
///
/// # Errors
///
/// [`MfaError::MalformedRecoveryCode`] unless that leaves exactly 12 characters of the code
/// alphabet (the message does not repeat the input).
pub fn normalize(input: &str) -> Result<Zeroizing<String>, MfaError> {
    if input.len() > MAX_INPUT {
        return Err(MfaError::MalformedRecoveryCode);
    }
    let mut canonical = Zeroizing::new(String::with_capacity(CODE_LEN));
    for character in input.chars() {
        let character = match character.to_ascii_lowercase() {
            ' ' | '-' | '\t' => continue,
            'o' => '0',
            'i' | 'l' => '1',
            other => other,
        };
        if !character.is_ascii() || !ALPHABET.contains(&(character as u8)) {
            return Err(MfaError::MalformedRecoveryCode);
        }
        canonical.push(character);
    }
    if canonical.len() != CODE_LEN {
        return Err(MfaError::MalformedRecoveryCode);
    }
    Ok(canonical)
}

/// The hash to look a typed recovery code up by
/// ([`SecondFactorStore::use_recovery_code`](crate::store::SecondFactorStore::use_recovery_code)):
/// the SHA-256 of its [`normalize`]d form.
///
/// # Errors
///
/// [`MfaError::MalformedRecoveryCode`], as [`normalize`].
pub fn hash_recovery_code(input: &str) -> Result<SecretHash, MfaError> {
    Ok(SecretHash::of(&normalize(input)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_formatted_and_hash_to_what_is_stored() {
        let set = RecoveryCodes::generate(RecoveryCodes::DEFAULT_COUNT).unwrap();
        assert_eq!(set.codes().len(), 10);
        assert_eq!(set.hashes().len(), 10);
        for (code, hash) in set.codes().iter().zip(set.hashes()) {
            let shown = code.expose_secret();
            assert_eq!(shown.len(), 14, "{shown}");
            assert_eq!(shown.matches('-').count(), 2);
            assert!(
                shown
                    .bytes()
                    .all(|byte| byte == b'-' || ALPHABET.contains(&byte))
            );
            assert!(hash_recovery_code(shown).unwrap().ct_eq(hash));
        }
        let unique: std::collections::HashSet<SecretHash> = set.hashes().iter().copied().collect();
        assert_eq!(unique.len(), 10);
        assert!(RecoveryCodes::generate(0).unwrap().codes().is_empty());
    }

    #[test]
    fn recovery_code_input_is_normalized_before_hashing() {
        let canonical = hash_recovery_code("abcd-efgh-jk01").unwrap();
        for typed in [
            "ABCD-EFGH-JK01",
            "abcd efgh jk01",
            "abcdefghjk01",
            " AbCd - EfGh - Jk0I ",
            "abcd-efgh-jkOl",
            "abcd\tefgh\tjk01",
        ] {
            assert!(
                hash_recovery_code(typed).unwrap().ct_eq(&canonical),
                "{typed:?}"
            );
        }
        assert!(
            !hash_recovery_code("abcd-efgh-jk02")
                .unwrap()
                .ct_eq(&canonical)
        );
    }

    #[test]
    fn malformed_recovery_codes_are_errors_not_panics() {
        for bad in [
            "",
            "abcd-efgh-jk0",
            "abcd-efgh-jk012",
            "abcd-efgh-jku1",
            "abcd_efgh_jk01",
            "ábcd-efgh-jk01",
            "abcd-efgh-jk0\u{0}",
            &"a".repeat(100_000),
        ] {
            assert!(
                matches!(normalize(bad), Err(MfaError::MalformedRecoveryCode)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn codes_carry_at_least_60_bits() {
        assert!(CODE_LEN * ALPHABET.len().trailing_zeros() as usize >= 60);
        let mut sorted = ALPHABET.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 32);
        for ambiguous in [b'i', b'l', b'o', b'u'] {
            assert!(!ALPHABET.contains(&ambiguous));
        }
    }

    #[test]
    fn debug_shows_the_count_only() {
        let set = RecoveryCodes::generate(2).unwrap();
        let shown = format!("{set:?}");
        assert_eq!(shown, "RecoveryCodes { count: 2, .. }");
    }
}
