//! Bounded fuzzing of every auth-core parser that sees attacker input (issue 13): access
//! tokens (header, claims, signature), opaque and refresh tokens, ids, scopes, emails,
//! passwords, JWKs, the configuration deserializers and the authorization server's request
//! handling (redirect URIs, PKCE, client authentication, token requests), and the second
//! factors (typed TOTP and recovery codes, stored ciphertexts).
//!
//! cargo-fuzz needs a nightly toolchain; these are proptest properties that run on stable
//! inside `cargo test`. Each one asserts an outcome, not only "no panic": garbage is refused,
//! a tampered token never verifies, and whatever is accepted satisfies the rules it was
//! accepted under. Runs are bounded (see [`config`]); run longer with
//! `PROPTEST_CASES=100000 cargo test -p auth-core --test fuzz_parsers`.

use std::time::{Duration, UNIX_EPOCH};

mod common;
mod fuzz_support;
mod oauth_support;

use auth_core::ManualClock;
use auth_core::flows::{AuthConfig, EndpointLimits, RouteLimit, ThrottleLimit};
use auth_core::mfa::{
    SecretKey, TotpConfig, TotpError, TotpSecret, decrypt, encrypt, hash_recovery_code, normalize,
};
use auth_core::oauth_server::{
    AuthorizeOutcome, AuthorizeRequest, ClientRegistration, OAuthErrorCode, TokenRequest,
};
use auth_core::opaque::{OpaqueToken, OpaqueTokenError, TokenHash};
use auth_core::password::{PasswordPolicy, PolicyViolation};
use auth_core::revocation::RevocationConfig;
use auth_core::store::{SecretHash, SessionId, UserId, normalize_email, username_key};
use auth_core::token::{
    AccessTokenRequest, Algorithm, Jwk, JwkSet, KeySet, Scope, SigningKey, VerificationKey,
    verify_jws,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use fuzz_support::{config, json_value, runtime};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};

use common::{AUDIENCE, ED25519_PEM, ISSUER, NOW, b64, forge_hs256, hmac_key, pair};
use oauth_support::{Harness, PUBLIC_REDIRECT, REDIRECT, pkce};

// --- harness ----------------------------------------------------------------------------

/// A JSON object written member by member, so names may repeat (which `serde_json::Map`
/// cannot express) and be spelt with escapes.
fn object_text(members: &[(String, Value)]) -> String {
    let body: Vec<String> = members
        .iter()
        .map(|(name, value)| format!("{name}:{value}"))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// A member name as JSON text: a meaningful one (also escaped), or any other.
fn member_name(known: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(known).prop_map(|name| format!("{name:?}")),
        1 => prop::sample::select(known).prop_map(|name| {
            // The same name with its first letter as a JSON escape (`"\u0065xp"` is `exp`).
            let mut chars = name.chars();
            let first = chars.next().unwrap_or('x');
            format!("\"\\u{:04x}{}\"", u32::from(first), chars.as_str())
        }),
        1 => any::<String>().prop_map(|name| Value::from(name).to_string()),
    ]
}

/// `text` with the byte at `index` (modulo its length) XORed with `mask` (1..=0x7f, so
/// an ASCII token stays ASCII, hence UTF-8, and always changes).
fn flip(text: &str, index: usize, mask: u8) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let at = index % bytes.len();
    bytes[at] ^= mask;
    String::from_utf8(bytes).expect("ASCII in, ASCII out")
}

// --- access tokens ----------------------------------------------------------------------

fn issued(keys: &KeySet, clock: &ManualClock) -> String {
    let (issuer, _) = pair(keys, clock);
    issuer
        .issue(
            &AccessTokenRequest::new("user-1")
                .roles(["admin"])
                .session("sid-1"),
        )
        .expect("issue")
        .token
        .into_secret()
}

fn hmac_keys() -> KeySet {
    KeySet::new(hmac_key("k1"))
}

fn eddsa_keys() -> KeySet {
    KeySet::new(SigningKey::from_pem("ed-1", Algorithm::EdDSA, ED25519_PEM).expect("key"))
}

fn clock() -> ManualClock {
    ManualClock::at_unix(NOW)
}

proptest! {
    #![proptest_config(config(512))]

    /// Arbitrary text, and text in the token alphabet with any number of dots, never
    /// verifies — with the strict verifier or with `verify_jws`.
    #[test]
    fn arbitrary_strings_never_verify(
        token in prop_oneof![any::<String>(), "[A-Za-z0-9_.=+/-]{0,300}"],
    ) {
        let keys = hmac_keys();
        let (_, verifier) = pair(&keys, &clock());
        prop_assert!(verifier.verify(&token).is_err());
        prop_assert!(verify_jws(&token, keys.verification_keys(), 8192).is_err());
    }

    /// Three base64url parts holding arbitrary JSON (or arbitrary bytes) are refused.
    #[test]
    fn arbitrary_json_parts_never_verify(
        header in json_value(),
        claims in json_value(),
        signature in prop::collection::vec(any::<u8>(), 0..80),
        raw in prop::collection::vec(any::<u8>(), 0..80),
    ) {
        let keys = hmac_keys();
        let (_, verifier) = pair(&keys, &clock());
        let parts = [
            format!("{}.{}.{}", b64(header.to_string().as_bytes()),
                b64(claims.to_string().as_bytes()), b64(&signature)),
            format!("{}.{}.{}", b64(&raw), b64(claims.to_string().as_bytes()), b64(&signature)),
            format!("{}.{}.{}", b64(header.to_string().as_bytes()), b64(&raw), b64(&signature)),
        ];
        for token in parts {
            prop_assert!(verifier.verify(&token).is_err(), "{token}");
            prop_assert!(verify_jws(&token, keys.verification_keys(), 8192).is_err());
        }
    }
}

const HEADER_NAMES: &[&str] = &[
    "alg", "kid", "typ", "crit", "jku", "jwk", "x5u", "x5c", "cty",
];
const CLAIM_NAMES: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "sid",
    "scope",
    "roles",
    "permissions",
    "plan",
    "tid",
    "client_id",
];

/// A value for a header member: usually a plausible one, sometimes of another type.
fn header_value() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        prop::sample::select(
            &[
                "HS256",
                "hs256",
                "none",
                "None",
                "RS256",
                "EdDSA",
                "k1",
                "k2",
                "",
                "at+jwt",
                "AT+JWT",
                "application/at+jwt",
                "JWT",
                "jwt",
                "id_token+jwt",
            ][..]
        )
        .prop_map(Value::from),
        json_value(),
    ]
}

/// A value for a claim: usually the valid one for some claim, sometimes anything.
fn claim_value() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        Just(Value::from(ISSUER)),
        Just(Value::from(AUDIENCE)),
        Just(json!([AUDIENCE, "other"])),
        Just(json!(["other"])),
        Just(Value::from("user-1")),
        (NOW - 1000..NOW + 1000).prop_map(Value::from),
        Just(Value::from(NOW as f64 + 0.5)),
        Just(Value::from(u64::MAX)),
        Just(Value::from(-1)),
        Just(Value::from(NOW.to_string())),
        Just(json!(["admin"])),
        json_value(),
    ]
}

/// `valid` with a few edits: a member's value replaced, a member removed, or another member
/// (possibly a repeat, possibly escaped) inserted — so that most cases stay close to a
/// token that verifies, where the interesting decisions are.
fn mutated_members(
    valid: Vec<(String, Value)>,
    names: &'static [&'static str],
    value: impl Strategy<Value = Value> + Clone + 'static,
) -> impl Strategy<Value = Vec<(String, Value)>> {
    let edit = prop_oneof![
        (any::<usize>(), value.clone()).prop_map(|(at, value)| Edit::Replace(at, value)),
        any::<usize>().prop_map(Edit::Remove),
        (any::<usize>(), member_name(names), value)
            .prop_map(|(at, name, value)| { Edit::Insert(at, name, value) }),
    ];
    prop::collection::vec(edit, 0..3).prop_map(move |edits| {
        let mut members = valid.clone();
        for edit in edits {
            match edit {
                Edit::Replace(at, value) if !members.is_empty() => {
                    let at = at % members.len();
                    members[at].1 = value;
                }
                Edit::Remove(at) if !members.is_empty() => {
                    members.remove(at % members.len());
                }
                Edit::Insert(at, name, value) => {
                    members.insert(at % (members.len() + 1), (name, value));
                }
                _ => {}
            }
        }
        members
    })
}

#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, Value),
    Remove(usize),
    Insert(usize, String, Value),
}

fn quoted(members: &[(&str, Value)]) -> Vec<(String, Value)> {
    members
        .iter()
        .map(|(name, value)| (format!("{name:?}"), value.clone()))
        .collect()
}

fn header_members() -> impl Strategy<Value = Vec<(String, Value)>> {
    let valid = quoted(&[
        ("alg", json!("HS256")),
        ("typ", json!("at+jwt")),
        ("kid", json!("k1")),
    ]);
    prop_oneof![
        3 => mutated_members(valid, HEADER_NAMES, header_value()),
        1 => prop::collection::vec((member_name(HEADER_NAMES), header_value()), 0..6),
    ]
}

fn claim_members() -> impl Strategy<Value = Vec<(String, Value)>> {
    let valid = quoted(&[
        ("iss", json!(ISSUER)),
        ("sub", json!("user-1")),
        ("aud", json!(AUDIENCE)),
        ("iat", json!(NOW)),
        ("exp", json!(NOW + 600)),
        ("jti", json!("j1")),
    ]);
    prop_oneof![
        3 => mutated_members(valid, CLAIM_NAMES, claim_value()),
        1 => prop::collection::vec((member_name(CLAIM_NAMES), claim_value()), 0..12),
    ]
}

/// The rules acceptance implies: what the header and claims must have said.
fn check_accepted(header: &str, claims: &str, accepted: &auth_core::token::Claims) {
    let header: Value = serde_json::from_str(header).expect("accepted header is JSON");
    assert_eq!(header["alg"], "HS256", "{header}");
    assert_eq!(header["kid"], "k1", "{header}");
    let typ = header["typ"].as_str().expect("typ").to_ascii_lowercase();
    assert!(typ == "at+jwt" || typ == "application/at+jwt", "{header}");
    for forbidden in ["crit", "jku", "jwk", "x5u", "x5c"] {
        assert!(header.get(forbidden).is_none(), "{header}");
    }
    let claims: Value = serde_json::from_str(claims).expect("accepted claims are JSON");
    assert_eq!(accepted.iss, ISSUER);
    assert_eq!(claims["iss"], ISSUER);
    assert_eq!(claims["sub"].as_str(), Some(accepted.sub.as_str()));
    assert!(accepted.aud.contains(AUDIENCE));
    // Default leeway: 30 seconds.
    assert!(
        NOW < accepted.exp.saturating_add(30),
        "expired token accepted: {claims}"
    );
    assert!(accepted.iat <= NOW + 30, "future iat accepted: {claims}");
    assert!(accepted.nbf.is_none_or(|nbf| nbf <= NOW + 30));
}

proptest! {
    #![proptest_config(config(512))]

    /// Tokens correctly signed with the verifier's own key, over structure-aware headers
    /// and claims (right and wrong names, escaped names, repeats, wrong types, edge
    /// times): whatever is accepted satisfies every rule; signed with another key, nothing
    /// is.
    #[test]
    fn signed_structured_tokens_are_accepted_only_when_valid(
        header in header_members(),
        claims in claim_members(),
    ) {
        let keys = hmac_keys();
        let (_, verifier) = pair(&keys, &clock());
        let header = object_text(&header);
        let claims = object_text(&claims);
        let token = forge_hs256(&header, &claims);
        if let Ok(accepted) = verifier.verify(&token) {
            check_accepted(&header, &claims, &accepted);
        }
        let other = common::forge(
            &header,
            &claims,
            &auth_core::jsonwebtoken::EncodingKey::from_secret(b"another secret of 32+ bytes!!!!!!"),
            Algorithm::HS256,
        );
        prop_assert!(verifier.verify(&other).is_err());
    }

    /// A valid token with one byte changed (header, claims or signature), truncated, or
    /// with a byte inserted, is refused — never accepted.
    #[test]
    fn tampered_tokens_are_refused(
        eddsa in any::<bool>(),
        index in any::<usize>(),
        mask in 1u8..0x80,
        inserted in any::<char>(),
    ) {
        let clock = clock();
        let keys = if eddsa { eddsa_keys() } else { hmac_keys() };
        let (_, verifier) = pair(&keys, &clock);
        let token = issued(&keys, &clock);
        prop_assert!(verifier.verify(&token).is_ok());

        let flipped = flip(&token, index, mask);
        prop_assert!(verifier.verify(&flipped).is_err(), "{flipped}");
        prop_assert!(verify_jws(&flipped, keys.verification_keys(), 8192).is_err());

        let cut = index % token.len();
        prop_assert!(verifier.verify(&token[..cut]).is_err());

        let mut longer = token.clone();
        longer.insert(cut, inserted);
        prop_assert!(verifier.verify(&longer).is_err(), "{longer}");
    }
}

// --- opaque tokens, ids, scopes, emails ----------------------------------------------------

/// The last character of 32 bytes in unpadded base64url carries 4 bits and 2 zero bits.
fn canonical_last(c: char) -> bool {
    "AEIMQUYcgkosw048".contains(c)
}

fn base64url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

proptest! {
    #![proptest_config(config(1024))]

    /// Opaque tokens (refresh tokens, one-time codes) parse exactly when they are 43
    /// base64url characters canonically encoding 32 bytes, and round-trip.
    #[test]
    fn opaque_token_parse_matches_the_grammar(
        presented in prop_oneof![
            any::<String>(),
            "[A-Za-z0-9_=+/-]{43}",
            "[A-Za-z0-9_-]{41,45}",
        ],
    ) {
        let expected = presented.len() == OpaqueToken::ENCODED_LEN
            && presented.chars().all(base64url_char)
            && presented.chars().last().is_some_and(canonical_last);
        match OpaqueToken::parse(&presented) {
            Ok(token) => {
                prop_assert!(expected, "{presented:?} accepted");
                prop_assert_eq!(token.secret(), presented.as_str());
                prop_assert_eq!(token.hash(), TokenHash::of(&presented));
            }
            Err(error) => {
                prop_assert!(!expected, "{presented:?} refused: {error}");
                if presented.len() != OpaqueToken::ENCODED_LEN {
                    prop_assert_eq!(error, OpaqueTokenError::WrongLength { expected: 43 });
                }
            }
        }
    }

    /// A generated token with one character replaced is another valid token or refused;
    /// it never hashes like the original.
    #[test]
    fn mutated_opaque_tokens_never_collide(index in 0usize..43, replacement in any::<char>()) {
        let token = OpaqueToken::generate().expect("random");
        let mut chars: Vec<char> = token.secret().chars().collect();
        prop_assume!(chars[index] != replacement);
        chars[index] = replacement;
        let mutated: String = chars.into_iter().collect();
        if let Ok(parsed) = OpaqueToken::parse(&mutated) {
            prop_assert_ne!(parsed.hash(), token.hash());
        }
    }

    /// A stored hash reads back only from 64 hex digits.
    #[test]
    fn token_hash_hex_is_strict(text in prop_oneof![any::<String>(), "[0-9a-fA-F]{62,66}"]) {
        if let Ok(hash) = TokenHash::from_hex(&text) {
            prop_assert!(text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()));
            prop_assert_eq!(hash.to_hex().to_ascii_lowercase(), text.to_ascii_lowercase());
        }
    }

    /// Ids (from paths, cookies and `sid` claims) parse to a UUID whose text parses back to
    /// the same id; every id's own text parses.
    #[test]
    fn ids_round_trip(
        text in prop_oneof![
            any::<String>(),
            "[0-9a-fA-F-]{30,40}",
            "\\{?(urn:uuid:)?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\\}?",
        ],
        bytes in any::<[u8; 16]>(),
    ) {
        if let Some(id) = UserId::parse(&text) {
            prop_assert_eq!(UserId::parse(&id.to_string()), Some(id));
        }
        if let Some(id) = SessionId::parse(&text) {
            prop_assert_eq!(SessionId::parse(&id.to_string()), Some(id));
        }
        let id = UserId(uuid::Uuid::from_bytes(bytes));
        prop_assert_eq!(UserId::parse(&id.to_string()), Some(id));
    }

    /// Scope parsing: no empty token, no token with a space, and parsing is idempotent.
    #[test]
    fn scope_parse_is_well_formed(text in prop_oneof![any::<String>(), "[a-z: \t]{0,40}"]) {
        let scope = Scope::parse(&text);
        for token in scope.iter() {
            prop_assert!(!token.is_empty() && !token.contains(' '));
            prop_assert!(scope.contains(token));
        }
        prop_assert_eq!(Scope::parse(scope.as_str()), scope.clone());
        prop_assert_eq!(scope.is_empty(), scope.iter().next().is_none());
    }

    /// Email and username keys are idempotent: a key keys to itself, so a stored key and
    /// a freshly typed variant of it meet.
    #[test]
    fn email_and_username_keys_are_idempotent(text in any::<String>()) {
        let email = normalize_email(&text);
        prop_assert_eq!(normalize_email(&email), email.clone());
        prop_assert_eq!(email.trim(), email.as_str());
        let key = username_key(&text);
        prop_assert_eq!(username_key(&key), key);
    }
}

// --- passwords --------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    /// The policy on arbitrary Unicode (and the user's own details as context) decides
    /// without panicking, and its length rules count code points as documented.
    #[test]
    fn password_policy_on_arbitrary_unicode(
        password in prop_oneof![
            any::<String>(),
            "\\PC{0,140}",
            prop::collection::vec(any::<char>(), 120..136).prop_map(String::from_iter),
        ],
        context in prop::collection::vec(any::<String>(), 0..3),
        composition in any::<bool>(),
    ) {
        let policy = if composition {
            PasswordPolicy::with_composition_rules()
        } else {
            PasswordPolicy::default()
        };
        let context: Vec<&str> = context.iter().map(String::as_str).collect();
        let length = password.chars().count();
        match policy.check(&password, &context) {
            Ok(()) => prop_assert!((policy.min_length..=policy.max_length).contains(&length)),
            Err(error) => {
                let too_long = PolicyViolation::TooLong { max: policy.max_length };
                if length > policy.max_length {
                    prop_assert_eq!(error.violations, vec![too_long]);
                } else {
                    prop_assert!(!error.violations.contains(&too_long));
                    let too_short = PolicyViolation::TooShort { min: policy.min_length };
                    prop_assert_eq!(
                        error.violations.contains(&too_short),
                        length < policy.min_length
                    );
                }
            }
        }
    }
}

// --- keys: JWKs from another server's JWKS ------------------------------------------------

/// A JWK: the members a key parser reads, with plausible or arbitrary values.
fn jwk_json() -> impl Strategy<Value = Value> {
    let b64_bytes = |max| {
        prop::collection::vec(any::<u8>(), 0..max)
            .prop_map(|bytes| Value::from(URL_SAFE_NO_PAD.encode(bytes)))
    };
    let member = prop_oneof![
        (
            Just("kty"),
            prop::sample::select(&["RSA", "EC", "OKP", "oct", "rsa", ""][..]).prop_map(Value::from)
        ),
        (
            Just("alg"),
            prop::sample::select(
                &[
                    "RS256", "PS384", "ES256", "ES384", "EdDSA", "HS256", "none", "RSA-OAEP",
                ][..]
            )
            .prop_map(Value::from)
        ),
        (
            Just("crv"),
            prop::sample::select(&["P-256", "P-384", "P-521", "Ed25519", "X25519"][..])
                .prop_map(Value::from)
        ),
        (
            Just("kid"),
            prop_oneof![Just(Value::from("k")), json_value()]
        ),
        (
            Just("use"),
            prop::sample::select(&["sig", "enc", ""][..]).prop_map(Value::from)
        ),
        (Just("key_ops"), Just(json!(["verify"]))),
        (Just("n"), b64_bytes(300)),
        (
            Just("e"),
            prop_oneof![Just(Value::from("AQAB")), b64_bytes(8)]
        ),
        (Just("x"), b64_bytes(70)),
        (Just("y"), b64_bytes(70)),
        (Just("k"), b64_bytes(70)),
        (Just("n"), json_value()),
        (Just("x"), any::<String>().prop_map(Value::from)),
    ];
    prop::collection::vec(member, 0..9).prop_map(|members| {
        Value::Object(
            members
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    })
}

proptest! {
    #![proptest_config(config(512))]

    /// A JWK or JWKS of any shape either is refused or yields a key that names its `kid`
    /// and verifies nothing it did not sign.
    #[test]
    fn jwk_parsing_refuses_or_yields_a_usable_key(
        jwk in prop_oneof![jwk_json(), json_value()],
        set in json_value(),
    ) {
        if let Ok(jwk) = serde_json::from_value::<Jwk>(jwk)
            && let Ok(key) = VerificationKey::from_jwk(&jwk)
        {
            prop_assert_eq!(Some(key.kid().as_str()), jwk.common.key_id.as_deref());
            let token = forge_hs256(&common::hs256_header(key.kid().as_str()),
                &format!("{}}}", common::valid_claims()));
            prop_assert!(verify_jws(&token, std::slice::from_ref(&key), 8192).is_err()
                || key.algorithm() == Algorithm::HS256);
        }
        let _ = serde_json::from_value::<JwkSet>(json!({ "keys": [set] }));
    }
}

// --- configuration (feature `serde`) ----------------------------------------------------

const CONFIG_FIELDS: &[&str] = &[
    "refresh_token_lifetime",
    "session_idle_timeout",
    "refresh_reuse_grace",
    "account_throttle",
    "account_ceiling",
    "ip_throttle",
    "password_policy",
    "password_reset_ttl",
    "password_reset_cooldown",
    "endpoint_limits",
    "signup_mode",
    "email_verification_ttl",
    "link_social_by_verified_email",
    "hide_inactive_accounts",
];

/// What people write for a duration, right and wrong.
fn duration_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (
            any::<u64>(),
            prop::sample::select(&["s", "m", "h", "d", "w", "y", "ms", "ns", "x", ""][..])
        )
            .prop_map(|(n, unit)| Value::from(format!("{n}{unit}"))),
        "[0-9]{1,30}[a-z ]{0,4}".prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
    ]
}

fn config_value() -> impl Strategy<Value = Value> {
    let limit = (duration_value(), any::<u32>())
        .prop_map(|(window, n)| json!({ "max_failures": n, "window": window }));
    let route = || {
        (duration_value(), any::<u32>())
            .prop_map(|(window, n)| json!({ "max_requests": n, "window": window }))
    };
    prop_oneof![
        duration_value(),
        limit,
        route(),
        Just(Value::from("insecure_unlimited")),
        Just(Value::from("reveal_taken")),
        Just(Value::from("enumeration_safe")),
        route().prop_map(|route| json!({ "signup": route })),
        json_value(),
    ]
}

proptest! {
    #![proptest_config(config(512))]

    /// The configuration deserializers on arbitrary and structure-aware JSON: an unknown
    /// field is always an error, a negative duration is always an error, and seconds given
    /// as an integer mean that many seconds.
    #[test]
    fn config_deserializers_refuse_or_read_faithfully(
        members in prop::collection::vec(
            (prop_oneof![prop::sample::select(CONFIG_FIELDS).prop_map(str::to_owned),
                "[a-z_]{1,12}"], config_value()),
            0..5,
        ),
        anything in json_value(),
        seconds in any::<i64>(),
    ) {
        let unknown = members.iter().any(|(name, _)| !CONFIG_FIELDS.contains(&name.as_str()));
        let object = Value::Object(members.into_iter().collect());
        let parsed = serde_json::from_value::<AuthConfig>(object.clone());
        if unknown {
            prop_assert!(parsed.is_err(), "unknown field accepted: {object}");
        }

        let _ = serde_json::from_value::<AuthConfig>(anything.clone());
        let _ = serde_json::from_value::<EndpointLimits>(anything.clone());
        let _ = serde_json::from_value::<RouteLimit>(anything.clone());
        let _ = serde_json::from_value::<ThrottleLimit>(anything.clone());
        let _ = serde_json::from_value::<PasswordPolicy>(anything.clone());
        let _ = serde_json::from_value::<RevocationConfig>(anything);

        let read = serde_json::from_value::<RevocationConfig>(json!({ "max_staleness": seconds }));
        match u64::try_from(seconds) {
            Ok(seconds) => prop_assert_eq!(read.expect("seconds").max_staleness.as_secs(), seconds),
            Err(_) => prop_assert!(read.is_err()),
        }
    }
}

// --- the authorization server -----------------------------------------------------------

/// One harness (server, clients, user) for every case of a property: building it registers
/// clients and loads an RSA key, which need not be repeated per case.
fn harness() -> Harness {
    runtime().block_on(Harness::new())
}

/// Mutations of a redirect URI an attacker would try: a character changed, inserted or
/// removed, a suffix, a prefix, another case.
fn mutated_uri(base: &'static str) -> impl Strategy<Value = String> {
    let suffixes = &[
        "/",
        "?",
        "?x=1",
        "#",
        "#x",
        ".evil.example",
        "@evil.example",
        "/../evil",
        "%2F",
        "%00",
        ":443",
        "\\",
        " ",
        ";",
        "&",
        "/cb",
    ][..];
    let prefixes = &["", "http://", "HTTPS://", " ", "https://evil.example/?"][..];
    prop_oneof![
        Just(base.to_owned()),
        (any::<usize>(), any::<char>()).prop_map(move |(index, c)| {
            let mut chars: Vec<char> = base.chars().collect();
            let at = index % chars.len();
            chars[at] = c;
            chars.into_iter().collect()
        }),
        (any::<usize>(), any::<char>()).prop_map(move |(index, c)| {
            let mut text = base.to_owned();
            let at = index % base.len();
            text.insert(at, c);
            text
        }),
        any::<usize>().prop_map(move |index| {
            let mut text = base.to_owned();
            text.remove(index % base.len());
            text
        }),
        prop::sample::select(suffixes).prop_map(move |suffix| format!("{base}{suffix}")),
        prop::sample::select(prefixes).prop_map(move |prefix| {
            format!(
                "{prefix}{}",
                base.trim_start_matches("https://")
                    .trim_start_matches("http://")
            )
        }),
        Just(base.to_uppercase()),
        // Other loopback ports, right and wrong.
        "[0-9]{0,7}".prop_map(move |port| base.replacen(":5173", &format!(":{port}"), 1)),
        any::<String>(),
    ]
}

/// Whether `uri` is the public client's registered loopback URI on some valid port (RFC
/// 8252 §7.3): `http://127.0.0.1[:port]/callback`, port 1–65535 without leading zeros.
fn is_public_redirect_on_any_port(uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix("http://127.0.0.1") else {
        return false;
    };
    let Some(port) = rest.strip_suffix("/callback") else {
        return false;
    };
    match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(port) => {
            !port.starts_with('0')
                && port.chars().all(|c| c.is_ascii_digit())
                && port.parse::<u16>().is_ok_and(|port| port > 0)
        }
    }
}

/// The redirect URI an authorize outcome sends the browser to, if it sends it anywhere.
fn destination(outcome: &AuthorizeOutcome) -> Option<String> {
    match outcome {
        AuthorizeOutcome::Redirect(redirect) => Some(redirect.location().to_owned()),
        AuthorizeOutcome::FormPost(post) => Some(post.action().to_owned()),
        _ => None,
    }
}

/// The parameters of an authorization request: every known one with a plausible or
/// arbitrary value, repeats, and unknown names.
fn authorize_pairs() -> impl Strategy<Value = Vec<(String, String)>> {
    let (_, challenge) = pkce();
    let name = prop_oneof![
        prop::sample::select(
            &[
                "response_type",
                "client_id",
                "redirect_uri",
                "scope",
                "state",
                "code_challenge",
                "code_challenge_method",
                "nonce",
                "prompt",
                "max_age",
                "response_mode",
                "request",
                "request_uri",
            ][..]
        )
        .prop_map(str::to_owned),
        any::<String>(),
    ];
    let value = prop_oneof![
        prop::sample::select(vec![
            "code".to_owned(),
            "token".to_owned(),
            "workflow-studio".to_owned(),
            "dashboard".to_owned(),
            REDIRECT.to_owned(),
            PUBLIC_REDIRECT.to_owned(),
            "http://127.0.0.1:9/callback".to_owned(),
            "openid read:profile".to_owned(),
            "openid".to_owned(),
            challenge,
            "S256".to_owned(),
            "plain".to_owned(),
            "none".to_owned(),
            "login consent".to_owned(),
            "0".to_owned(),
            "18446744073709551616".to_owned(),
            "-1".to_owned(),
            "form_post".to_owned(),
            "fragment".to_owned(),
            "x".repeat(600),
        ]),
        any::<String>(),
    ];
    prop::collection::vec((name, value), 0..12)
}

/// Authorization requests of any shape, without a signed-in user: no infrastructure error,
/// no code, and the browser is sent only to a registered redirect URI.
#[test]
fn authorize_requests_of_any_shape() {
    let h = harness();
    let mut runner = TestRunner::new(config(512));
    runner
        .run(&authorize_pairs(), |pairs| {
            let request =
                AuthorizeRequest::from_query_pairs(pairs.iter().map(|(k, v)| (k, v.clone())));
            let outcome = runtime()
                .block_on(h.server.authorize(&request, None))
                .map_err(|error| TestCaseError::fail(format!("infrastructure error: {error}")))?;
            if let Some(to) = destination(&outcome) {
                let registered = to == REDIRECT
                    || to.starts_with(&format!("{REDIRECT}?"))
                    || is_public_redirect_on_any_port(to.split('?').next().unwrap_or_default());
                prop_assert!(registered, "sent to {to}");
                prop_assert!(!to.contains("code="), "a code without a user: {to}");
            }
            Ok(())
        })
        .unwrap();
}

/// The presented redirect URI must equal a registered one byte for byte (the public
/// client's loopback URI on any valid port): anything else gets the error page, never a
/// redirect. With a signed-in user, so that a match would issue a code.
#[test]
fn redirect_uris_match_exactly() {
    let h = harness();
    let owner = h.owner();
    let (_, challenge) = pkce();
    let strategy = (
        any::<bool>(),
        prop_oneof![mutated_uri(REDIRECT), mutated_uri(PUBLIC_REDIRECT)],
    );
    let mut runner = TestRunner::new(config(512));
    runner
        .run(&strategy, |(public, presented)| {
            let (client_id, scope) = if public {
                ("dashboard", "openid read:profile")
            } else {
                ("workflow-studio", "openid")
            };
            let pairs = oauth_support::authorize_pairs(client_id, &presented, &challenge, scope);
            let request = AuthorizeRequest::from_query_pairs(pairs);
            let outcome = runtime()
                .block_on(h.server.authorize(&request, Some(&owner)))
                .map_err(|error| TestCaseError::fail(format!("infrastructure error: {error}")))?;
            let allowed = if public {
                is_public_redirect_on_any_port(&presented)
            } else {
                presented == REDIRECT
            };
            match &outcome {
                AuthorizeOutcome::ErrorPage(_) => {
                    prop_assert!(!allowed, "{presented:?} refused");
                }
                other => {
                    prop_assert!(allowed, "{presented:?} accepted: {other:?}");
                    if let Some(to) = destination(other) {
                        let prefix = format!("{presented}?");
                        prop_assert!(to.starts_with(&prefix), "{to}");
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

/// Registration takes only absolute `https` URIs (or loopback `http`), without fragment,
/// wildcard or user info — whatever it is given.
#[test]
fn registration_refuses_malformed_redirect_uris() {
    let h = harness();
    let mut runner = TestRunner::new(config(256));
    let strategy = prop_oneof![mutated_uri(REDIRECT), mutated_uri(PUBLIC_REDIRECT)];
    runner
        .run(&strategy, |uri| {
            let registration = ClientRegistration::confidential("Fuzz")
                .redirect_uri(uri.clone())
                .scopes("openid");
            if runtime()
                .block_on(h.server.register_client(registration))
                .is_ok()
            {
                let authority = uri
                    .trim_start_matches("https://")
                    .trim_start_matches("http://")
                    .split(['/', '?'])
                    .next()
                    .unwrap_or_default();
                prop_assert!(
                    uri.starts_with("https://") || uri.starts_with("http://"),
                    "{uri}"
                );
                prop_assert!(!authority.is_empty() && !authority.contains('@'), "{uri}");
                prop_assert!(!uri.contains(['#', '*', '\\']), "{uri}");
                prop_assert!(
                    !uri.chars().any(|c| c.is_whitespace() || c.is_control()),
                    "{uri:?}"
                );
            }
            Ok(())
        })
        .unwrap();
}

/// A `Basic` header of any shape: right scheme in any case, any base64 (padded or not),
/// any id and secret, or no Basic at all.
fn basic_header() -> impl Strategy<Value = String> {
    let scheme = prop::sample::select(&["Basic ", "basic ", "BASIC  ", "Basic", "Bearer ", ""][..]);
    let credentials = prop_oneof![
        (any::<String>(), any::<String>()).prop_map(|(id, secret)| format!("{id}:{secret}")),
        Just("workflow-studio:wrong".to_owned()),
        Just("workflow-studio".to_owned()),
        Just(":".to_owned()),
        Just("%zz:%".to_owned()),
        any::<String>(),
    ];
    let encoded = prop_oneof![
        credentials.clone().prop_map(|text| STANDARD.encode(text)),
        credentials
            .clone()
            .prop_map(|text| URL_SAFE_NO_PAD.encode(text)),
        credentials,
        "[A-Za-z0-9+/=]{0,40}",
    ];
    prop_oneof![
        (scheme, encoded).prop_map(|(scheme, encoded)| format!("{scheme}{encoded}")),
        any::<String>(),
        Just(format!("Basic {}", "A".repeat(3000))),
    ]
}

/// Token requests of any shape — form pairs, Basic headers — never yield tokens (no code
/// or refresh token can be guessed) and fail as the client's error, never the server's.
#[test]
fn token_requests_of_any_shape_are_refused() {
    let h = harness();
    let name = prop_oneof![
        prop::sample::select(
            &[
                "grant_type",
                "code",
                "redirect_uri",
                "code_verifier",
                "refresh_token",
                "scope",
                "client_id",
                "client_secret",
            ][..]
        )
        .prop_map(str::to_owned),
        any::<String>(),
    ];
    let value = prop_oneof![
        prop::sample::select(
            &[
                "authorization_code",
                "refresh_token",
                "client_credentials",
                "workflow-studio",
                "dashboard",
                REDIRECT,
                PUBLIC_REDIRECT,
                "openid",
            ][..]
        )
        .prop_map(str::to_owned),
        "[A-Za-z0-9_-]{43}",
        any::<String>(),
    ];
    let strategy = (
        prop::collection::vec((name, value), 0..8),
        prop::option::of(basic_header()),
    );
    let mut runner = TestRunner::new(config(512));
    runner
        .run(&strategy, |(pairs, authorization)| {
            let request = TokenRequest::from_form_pairs(pairs, authorization);
            match runtime().block_on(h.server.token(&request)) {
                Ok(_) => prop_assert!(false, "tokens for a guessed request: {request:?}"),
                Err(error) => {
                    prop_assert!(error.status_code() < 500, "{error:?}");
                    let expected = if matches!(error.error_code(), OAuthErrorCode::InvalidClient) {
                        401
                    } else {
                        400
                    };
                    prop_assert_eq!(error.status_code(), expected);
                }
            }
            Ok(())
        })
        .unwrap();
}

/// PKCE: a real code redeemed with any verifier but its own — one character changed, the
/// challenge itself (`plain`), arbitrary text — is refused with `invalid_grant`.
#[test]
fn pkce_verifiers_must_match_exactly() {
    let h = harness();
    let strategy = (
        any::<usize>(),
        any::<char>(),
        prop_oneof![
            Just(None),
            any::<String>().prop_map(Some),
            "[A-Za-z0-9._~-]{43,128}".prop_map(Some)
        ],
        any::<bool>(),
    );
    let mut runner = TestRunner::new(config(64));
    runner
        .run(
            &strategy,
            |(index, replacement, arbitrary, use_challenge)| {
                let (verifier, challenge) = pkce();
                let presented = match arbitrary {
                    Some(text) => text,
                    None if use_challenge => challenge.clone(),
                    None => {
                        let mut chars: Vec<char> = verifier.chars().collect();
                        let at = index % chars.len();
                        chars[at] = replacement;
                        chars.into_iter().collect()
                    }
                };
                prop_assume!(presented != verifier);
                let outcome = runtime().block_on(async {
                    let code = h.code(&challenge, "openid", None).await;
                    h.exchange(&code, &presented, REDIRECT, Some(h.basic()), &[])
                        .await
                });
                match outcome {
                    Ok(_) => {
                        prop_assert!(false, "a wrong verifier redeemed the code: {presented:?}")
                    }
                    Err(error) => prop_assert_eq!(error.error_code(), OAuthErrorCode::InvalidGrant),
                }
                Ok(())
            },
        )
        .unwrap();
    // The harness itself works: the right verifier redeems a fresh code.
    let (verifier, challenge) = pkce();
    runtime().block_on(async {
        let code = h.code(&challenge, "openid", None).await;
        h.exchange(&code, &verifier, REDIRECT, Some(h.basic()), &[])
            .await
            .expect("the right verifier redeems the code");
    });
}

// --- second factors (issue 15) ----------------------------------------------------------

proptest! {
    #![proptest_config(config(1024))]

    /// A typed TOTP code: anything that is not six ASCII digits (spaces aside) is
    /// `Malformed`, never a panic; six digits are accepted exactly when they are the code of
    /// a step in the window, and the step returned is after `last_used_step`.
    #[test]
    fn totp_verify_on_arbitrary_input(
        typed in prop_oneof![any::<String>(), "[0-9 ]{0,10}", "[0-9]{6}"],
        unix in 0u64..4_000_000_000,
        last in proptest::option::of(0u64..140_000_000),
    ) {
        let config = TotpConfig::new("Fuzz");
        let secret = TotpSecret::from_bytes(b"12345678901234567890".to_vec()).expect("20 bytes");
        let now = UNIX_EPOCH + Duration::from_secs(unix);
        let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        let well_formed = typed.len() <= 32
            && digits.len() == 6
            && digits.bytes().all(|b| b.is_ascii_digit());
        match config.verify(&secret, &typed, now, last) {
            Ok(step) => {
                prop_assert!(well_formed);
                prop_assert!(last.is_none_or(|last| step > last));
                prop_assert!(step.abs_diff(unix / 30) <= 1);
                let at = UNIX_EPOCH + Duration::from_secs(step * 30);
                let expected = config.code_at(&secret, at).expect("code");
                prop_assert_eq!(expected.as_str(), digits.as_str());
            }
            Err(TotpError::Malformed) => prop_assert!(!well_formed),
            Err(error) => {
                prop_assert!(well_formed, "{error}");
                prop_assert!(matches!(error, TotpError::Mismatch | TotpError::Replayed));
            }
        }
    }

    /// A typed recovery code normalizes to 12 characters of the code alphabet or is
    /// refused, and normalizing is idempotent.
    #[test]
    fn recovery_code_normalize_on_arbitrary_input(
        typed in prop_oneof![any::<String>(), "[0-9a-zA-Z -]{10,20}"],
    ) {
        if let Ok(canonical) = normalize(&typed) {
            prop_assert_eq!(canonical.len(), 12);
            prop_assert!(canonical
                .bytes()
                .all(|b| b"0123456789abcdefghjkmnpqrstvwxyz".contains(&b)));
            let again = normalize(&canonical).expect("canonical");
            prop_assert_eq!(again.as_str(), canonical.as_str());
            prop_assert!(hash_recovery_code(&typed).expect("same input").ct_eq(&SecretHash::of(&canonical)));
        }
    }

    /// Stored ciphertexts: arbitrary bytes, or a real one with one byte changed, never
    /// decrypt (and never panic).
    #[test]
    fn encrypted_secrets_refuse_arbitrary_and_altered_bytes(
        bytes in proptest::collection::vec(any::<u8>(), 0..128),
        index in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        let key = SecretKey::from_bytes([9; 32]);
        prop_assert!(decrypt(&key, &bytes, b"aad").is_err());
        let mut stored = encrypt(&key, b"a totp secret of 20b", b"aad").expect("encrypt");
        let at = index.index(stored.len());
        stored[at] ^= mask;
        prop_assert!(decrypt(&key, &stored, b"aad").is_err());
    }
}
