//! Opaque tokens through the public API: generation, parsing of presented tokens, hashing.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use auth_core::opaque::{OpaqueToken, OpaqueTokenError, TokenHash};
use subtle::ConstantTimeEq;

fn token() -> OpaqueToken {
    OpaqueToken::generate().expect("OS RNG available in tests")
}

#[test]
fn generated_tokens_are_43_chars_and_unique() {
    let mut seen = HashSet::new();
    for _ in 0..1000 {
        let t = token();
        assert_eq!(t.secret().len(), 43);
        assert!(seen.insert(t.secret().to_owned()), "duplicate token");
    }
}

#[test]
fn generated_tokens_round_trip_through_parse() {
    for _ in 0..100 {
        let t = token();
        let parsed = OpaqueToken::parse(t.secret()).expect("generated token parses");
        assert_eq!(parsed.secret(), t.secret());
    }
}

#[test]
fn hash_is_stable_and_matches_after_parse() {
    let t = token();
    assert_eq!(t.hash(), t.hash());
    let parsed = OpaqueToken::parse(t.secret()).expect("parses");
    assert_eq!(parsed.hash(), t.hash());
    assert_eq!(TokenHash::of(t.secret()), t.hash());
    assert_eq!(TokenHash::from_hex(&t.hash().to_hex()), Ok(t.hash()));
}

#[test]
fn parse_refuses_too_short() {
    let t = token();
    assert_eq!(
        OpaqueToken::parse(&t.secret()[..42]).unwrap_err(),
        OpaqueTokenError::WrongLength { expected: 43 }
    );
}

#[test]
fn parse_refuses_huge_input_cheaply() {
    // DoS guard: a 10 MB "token" is refused on its length alone.
    let huge = "A".repeat(10 * 1024 * 1024);
    let started = Instant::now();
    let err = OpaqueToken::parse(&huge).unwrap_err();
    assert_eq!(err, OpaqueTokenError::WrongLength { expected: 43 });
    assert!(started.elapsed() < Duration::from_millis(50));
}

#[test]
fn parse_refuses_standard_base64_and_padding_chars() {
    let t = token();
    for bad in ['+', '/', '='] {
        let mut s = t.secret().to_owned();
        s.replace_range(10..11, &bad.to_string());
        assert_eq!(
            OpaqueToken::parse(&s).unwrap_err(),
            OpaqueTokenError::InvalidCharacter,
            "{bad:?} accepted"
        );
    }
}

#[test]
fn parse_refuses_padding() {
    let t = token();
    // Padded base64 of 32 bytes is 44 chars.
    let padded = format!("{}=", t.secret());
    assert_eq!(
        OpaqueToken::parse(&padded).unwrap_err(),
        OpaqueTokenError::WrongLength { expected: 43 }
    );
    // Padding squeezed into 43 chars is a bad character.
    let squeezed = format!("{}=", &t.secret()[..42]);
    assert_eq!(
        OpaqueToken::parse(&squeezed).unwrap_err(),
        OpaqueTokenError::InvalidCharacter
    );
}

#[test]
fn parse_refuses_non_canonical_encoding() {
    // 'B' in the last position sets a trailing bit that 32 bytes never produce.
    let s = format!("{}B", "A".repeat(42));
    assert_eq!(
        OpaqueToken::parse(&s).unwrap_err(),
        OpaqueTokenError::NonCanonical
    );
}

#[test]
fn errors_never_echo_the_input() {
    let t = token();
    let mut s = t.secret().to_owned();
    s.replace_range(0..1, "+");
    for input in [
        s.as_str(),
        &t.secret()[..40],
        &format!("{}B", &t.secret()[..42]),
    ] {
        if let Err(e) = OpaqueToken::parse(input) {
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains(&input[1..]), "error echoed input: {shown}");
        }
    }
}

#[test]
fn debug_never_contains_the_secret() {
    let t = token();
    let dbg = format!("{t:?}");
    assert!(!dbg.contains(t.secret()));
    assert!(dbg.contains("[redacted]"));
    // The hash's Debug is short, and not the token either.
    let hash_dbg = format!("{:?}", t.hash());
    assert!(!hash_dbg.contains(t.secret()));
    assert!(!hash_dbg.contains(&t.hash().to_hex()));
}

#[test]
fn constant_time_eq_sanity() {
    let a = token().hash();
    let b = token().hash();
    let a_again = TokenHash::from_bytes(*a.as_bytes());
    assert!(bool::from(a.ct_eq(&a_again)));
    assert!(!bool::from(a.ct_eq(&b)));
    assert_eq!(a, a_again);
    assert_ne!(a, b);
    let mut flipped = *a.as_bytes();
    flipped[31] ^= 1;
    assert_ne!(a, TokenHash::from_bytes(flipped));
}
