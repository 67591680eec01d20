//! Password hashing, verification (argon2id and legacy bcrypt) and policy, through the public
//! API. Everything uses `PasswordHasher::insecure_fast_for_tests()` except
//! `default_params_are_owasp_minimum`.

use std::time::{Duration, Instant};

use auth_core::password::{
    Argon2Params, MAX_PASSWORD_BYTES, Password, PasswordError, PasswordHasher, PasswordPolicy,
    PasswordVerification, PolicyViolation,
};

/// Hashes written by passlib 1.7.4 (`passlib.hash.bcrypt.using(rounds=4, ident=…)`) and python
/// bcrypt 5.0, the libraries of the systems users migrate from.
const PASSLIB_2B: &str = "$2b$04$4eztADlzKznydbL/FMrN7.1oRqPGwjfCszkYl.8UMCmkSw9.1fRdW";
const PASSLIB_2Y: &str = "$2y$04$o9Nu8MJZuOuSPF6A1o06EeTTS0ib53ieMuo81s74RDJDEfT.iR6OS";
const PYBCRYPT_2B: &str = "$2b$04$sBZUQcEC0hyxVzEXb9KVduj3dtTrAp8E5KilVWvj9uaGOBfhjs6Ry";
const LEGACY_PASSWORD: &str = "correct horse battery staple";
/// passlib `ident="2a"` hash of a non-ASCII password.
const PASSLIB_2A_UNICODE: &str = "$2a$04$1ra5hIaGPK9x0symb9j6U.fTrNFVUoo3rXaOxYjhcI25jW2ak4uVS";
const UNICODE_PASSWORD: &str = "hunter2-비밀";
/// passlib hash of `"x" * 72`.
const PASSLIB_72_X: &str = "$2b$04$GsiIzTAniiFZ9a2blTwVAeEpEvWZ/dYNmACqUyAsxNLIQYdz3vyeK";

fn fast() -> PasswordHasher {
    PasswordHasher::insecure_fast_for_tests()
}

const MATCH: PasswordVerification = PasswordVerification::Match {
    needs_rehash: false,
};
const MATCH_REHASH: PasswordVerification = PasswordVerification::Match { needs_rehash: true };

// ---------------------------------------------------------------------------------------------
// Hasher
// ---------------------------------------------------------------------------------------------

/// The one test with production parameters.
#[test]
fn default_params_are_owasp_minimum() {
    let hasher = PasswordHasher::new(Argon2Params::default()).expect("default params accepted");
    let stored = hasher.hash("s3cret passphrase").expect("hash");
    assert!(
        stored
            .as_str()
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored:?}"
    );
    assert_eq!(
        hasher.verify("s3cret passphrase", stored.as_str()),
        Ok(MATCH)
    );
    assert!(!hasher.needs_rehash(stored.as_str()));
    assert!(!PasswordHasher::default().needs_rehash(stored.as_str()));
    // A hasher with different parameters still verifies it, and asks for a rehash.
    assert!(fast().needs_rehash(stored.as_str()));
}

#[test]
fn round_trip() {
    let hasher = fast();
    let stored = hasher.hash("correct horse").expect("hash");
    assert!(stored.as_str().starts_with("$argon2id$v=19$"));
    assert_eq!(hasher.verify("correct horse", stored.as_str()), Ok(MATCH));
    assert!(!hasher.needs_rehash(stored.as_str()));
}

#[test]
fn empty_and_unicode_passwords_round_trip() {
    let hasher = fast();
    for password in ["", "비밀번호비밀번호", "pässwörd 🦀"] {
        let stored = hasher.hash(password).expect("hash");
        assert_eq!(hasher.verify(password, stored.as_str()), Ok(MATCH));
    }
}

#[test]
fn wrong_password_is_mismatch_not_error() {
    let hasher = fast();
    let stored = hasher.hash("correct horse").expect("hash");
    assert_eq!(
        hasher.verify("correct hors", stored.as_str()),
        Ok(PasswordVerification::Mismatch)
    );
    assert_eq!(
        hasher.verify("", stored.as_str()),
        Ok(PasswordVerification::Mismatch)
    );
}

#[test]
fn garbage_stored_hash_is_invalid_hash() {
    let hasher = fast();
    for garbage in [
        "",
        "not a hash",
        "$argon2id$v=19$m=64,t=1,p=1$",
        "plaintext-password",
    ] {
        assert_eq!(
            hasher.verify("pw", garbage),
            Err(PasswordError::InvalidHash),
            "{garbage:?}"
        );
        assert!(hasher.needs_rehash(garbage));
    }
}

#[test]
fn corrupt_argon2_parallelism_is_invalid_not_a_panic() {
    // Regression: argon2 0.5.3 computes `p * 8` unchecked; a corrupt stored `p` must be
    // refused before argon2 sees it (it overflowed, panicking in debug builds).
    let stored = "$argon2id$v=19$m=64,t=1,p=4294967295$c2FsdHNhbHQ$\
                  tzq8ohl7j3Ymz4i5fW2Rm0SIYcA1S0IWCjRFYIjB+dk";
    assert_eq!(fast().verify("pw", stored), Err(PasswordError::InvalidHash));
    // The same string with a sane `p` is well-formed (just the wrong password).
    let sane = stored.replace("p=4294967295", "p=1");
    assert_eq!(
        fast().verify("pw", &sane),
        Ok(PasswordVerification::Mismatch)
    );
}

#[test]
fn other_algorithms_are_unsupported() {
    let hasher = fast();
    let pbkdf2 =
        "$pbkdf2-sha256$i=29000$N2bMeS8lpFSKUQoBwFgrZQ$Zt9tZQ0UVmGCN0GK0KCPUvhwNzPh0gLWUXv4qWSVZWM";
    assert_eq!(
        hasher.verify("pw", pbkdf2),
        Err(PasswordError::UnsupportedHash)
    );
}

#[test]
fn params_change_makes_old_hashes_need_rehash() {
    let old = fast();
    let stored = old.hash("correct horse").expect("hash");
    // Verification uses the parameters in the PHC string, so this is cheap and still matches.
    let stronger = PasswordHasher::new(Argon2Params {
        memory_kib: 7168,
        iterations: 5,
        parallelism: 1,
    })
    .expect("OWASP-equivalent params");
    assert_eq!(
        stronger.verify("correct horse", stored.as_str()),
        Ok(MATCH_REHASH)
    );
    assert_eq!(
        stronger.verify("wrong", stored.as_str()),
        Ok(PasswordVerification::Mismatch)
    );
    assert!(stronger.needs_rehash(stored.as_str()));
    assert!(PasswordHasher::default().needs_rehash(stored.as_str()));
}

#[test]
fn verify_dummy_returns_without_panic() {
    let hasher = fast();
    assert_eq!(hasher.verify_dummy("whatever"), Ok(()));
    assert_eq!(hasher.verify_dummy(""), Ok(()));
    assert_eq!(hasher.clone().verify_dummy("again"), Ok(()));
}

#[test]
fn legacy_bcrypt_from_passlib_verifies_and_needs_rehash() {
    let hasher = fast();
    for stored in [PASSLIB_2B, PASSLIB_2Y, PYBCRYPT_2B] {
        assert_eq!(
            hasher.verify(LEGACY_PASSWORD, stored),
            Ok(MATCH_REHASH),
            "{stored}"
        );
        assert_eq!(
            hasher.verify("correct horse battery stapler", stored),
            Ok(PasswordVerification::Mismatch),
            "{stored}"
        );
        assert!(hasher.needs_rehash(stored));
    }
    assert_eq!(
        hasher.verify(UNICODE_PASSWORD, PASSLIB_2A_UNICODE),
        Ok(MATCH_REHASH)
    );
    assert_eq!(
        hasher.verify("hunter2-비", PASSLIB_2A_UNICODE),
        Ok(PasswordVerification::Mismatch)
    );
}

#[test]
fn legacy_bcrypt_truncates_at_72_bytes() {
    // Documented bcrypt behaviour: only the first 72 bytes count, as in passlib.
    let hasher = fast();
    let password = "x".repeat(72);
    assert_eq!(hasher.verify(&password, PASSLIB_72_X), Ok(MATCH_REHASH));
    assert_eq!(
        hasher.verify(&format!("{password}TAIL"), PASSLIB_72_X),
        Ok(MATCH_REHASH)
    );
    assert_eq!(
        hasher.verify(&"x".repeat(71), PASSLIB_72_X),
        Ok(PasswordVerification::Mismatch)
    );
}

#[test]
fn legacy_rehash_flow_upgrades_to_argon2id() {
    let hasher = fast();
    let outcome = hasher
        .verify(LEGACY_PASSWORD, PASSLIB_2B)
        .expect("verifies");
    assert!(outcome.needs_rehash());
    let upgraded = hasher.hash(LEGACY_PASSWORD).expect("hash");
    assert_eq!(hasher.verify(LEGACY_PASSWORD, upgraded.as_str()), Ok(MATCH));
}

#[test]
fn oversized_password_is_refused_before_hashing() {
    // DoS guard: 5000 bytes never reach argon2 or bcrypt.
    let hasher = PasswordHasher::default();
    let huge = "a".repeat(5000);
    let too_long = PasswordError::TooLong {
        max_bytes: MAX_PASSWORD_BYTES,
    };
    let started = Instant::now();
    assert_eq!(hasher.hash(&huge).unwrap_err(), too_long);
    assert_eq!(hasher.verify(&huge, PASSLIB_2B).unwrap_err(), too_long);
    assert_eq!(hasher.verify_dummy(&huge).unwrap_err(), too_long);
    // Three refusals with production parameters, yet no hashing happened.
    assert!(started.elapsed() < Duration::from_millis(20));
    assert_eq!(MAX_PASSWORD_BYTES, 4096);
}

#[test]
fn new_refuses_weak_params() {
    for (memory_kib, iterations, parallelism) in [
        (19455, 2, 1),
        (19456, 1, 1),
        (12288, 2, 1),
        (7168, 4, 1),
        (65536, 3, 0),
        (64, 1, 1),
    ] {
        let params = Argon2Params {
            memory_kib,
            iterations,
            parallelism,
        };
        let err = PasswordHasher::new(params).unwrap_err();
        assert_eq!(
            err,
            PasswordError::WeakParameters {
                memory_kib,
                iterations,
                parallelism
            }
        );
        assert!(err.to_string().contains("m >= 19456 KiB with t >= 2"));
    }
}

#[test]
fn new_accepts_owasp_equivalents_and_reports_invalid_params() {
    for (memory_kib, iterations) in [(47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5)] {
        let params = Argon2Params {
            memory_kib,
            iterations,
            parallelism: 1,
        };
        assert_eq!(
            PasswordHasher::new(params).expect("accepted").params(),
            params
        );
    }
    // Strong enough, but more lanes than argon2 allows.
    let params = Argon2Params {
        memory_kib: 19456,
        iterations: 2,
        parallelism: u32::MAX,
    };
    assert!(matches!(
        PasswordHasher::new(params),
        Err(PasswordError::InvalidParameters(_))
    ));
}

#[test]
fn debug_output_does_not_leak() {
    let password = Password::from("hunter2-secret");
    assert_eq!(format!("{password:?}"), "Password([redacted])");

    let hasher = fast();
    let stored = hasher.hash(password.expose_secret()).expect("hash");
    let dbg = format!("{stored:?}");
    assert!(
        dbg.contains("argon2id") && dbg.contains("m=64,t=1,p=1"),
        "{dbg}"
    );
    let salt_and_hash = stored.as_str().rsplitn(3, '$').take(2).collect::<Vec<_>>();
    for part in salt_and_hash {
        assert!(!dbg.contains(part), "Debug shows {part}");
    }
    assert!(!dbg.contains("hunter2"));
    assert!(!format!("{hasher:?}").contains("hunter2"));
}

#[test]
fn errors_do_not_echo_the_stored_hash() {
    let hasher = fast();
    let corrupt = "$2b$04$4eztADlzKznydbL/FMrN7.1oRqPGwjfCszkYl.8UMCmkSw9.1fRd";
    let err = hasher.verify("pw", corrupt).unwrap_err();
    assert_eq!(err, PasswordError::InvalidHash);
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("4eztAD"), "{shown}");
}

// ---------------------------------------------------------------------------------------------
// Async (blocking pool)
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn async_variants_work() {
    let hasher = fast();
    let stored = hasher
        .hash_async(Password::from("correct horse"))
        .await
        .expect("hash");
    assert_eq!(
        hasher
            .verify_async(
                Password::from("correct horse"),
                stored.clone().into_string()
            )
            .await,
        Ok(MATCH)
    );
    assert_eq!(
        hasher
            .verify_async(Password::from("wrong"), stored.into_string())
            .await,
        Ok(PasswordVerification::Mismatch)
    );
    assert_eq!(
        hasher
            .verify_async(Password::from(LEGACY_PASSWORD), PASSLIB_2B.to_owned())
            .await,
        Ok(MATCH_REHASH)
    );
    assert_eq!(
        hasher.verify_dummy_async(Password::from("nobody")).await,
        Ok(())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn async_errors_match_sync_errors() {
    let hasher = fast();
    let huge = Password::new("a".repeat(5000));
    assert!(matches!(
        hasher.hash_async(huge).await,
        Err(PasswordError::TooLong { .. })
    ));
    assert_eq!(
        hasher
            .verify_async(Password::from("pw"), "garbage".to_owned())
            .await,
        Err(PasswordError::InvalidHash)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_async_verifications() {
    let hasher = fast();
    let stored = hasher.hash("pw").expect("hash").into_string();
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let hasher = hasher.clone();
            let stored = stored.clone();
            tokio::spawn(async move {
                let guess = if i % 2 == 0 { "pw" } else { "nope" };
                hasher.verify_async(Password::from(guess), stored).await
            })
        })
        .collect();
    for (i, task) in tasks.into_iter().enumerate() {
        let outcome = task.await.expect("task").expect("verify");
        assert_eq!(outcome.is_match(), i % 2 == 0);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn async_works_on_current_thread_runtime() {
    let hasher = fast();
    let stored = hasher.hash_async(Password::from("pw")).await.expect("hash");
    assert!(stored.as_str().starts_with("$argon2id$"));
}

// ---------------------------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------------------------

fn violations(policy: &PasswordPolicy, password: &str, context: &[&str]) -> Vec<PolicyViolation> {
    match policy.check(password, context) {
        Ok(()) => Vec::new(),
        Err(e) => e.violations,
    }
}

#[test]
fn default_policy_is_nist() {
    let p = PasswordPolicy::default();
    assert_eq!((p.min_length, p.max_length), (8, 128));
    assert!(!(p.require_uppercase || p.require_lowercase || p.require_digit || p.require_special));
    assert!(p.reject_common);
    assert_eq!(p.min_strength, None);
}

#[test]
fn common_passwords_are_rejected() {
    let policy = PasswordPolicy::default();
    for common in [
        "password",
        "12345678",
        "qwertyuiop",
        "P@ssw0rd",
        "trustno1",
        // zxcvbn scores these 1, but each is a single entry of its common-password list.
        "football1",
        "sunshine1",
        // Reversed entries count too.
        "drowssap",
        // Trivially guessable patterns (score 0).
        "aaaaaaaaaa",
        "abcdefghij",
    ] {
        assert_eq!(
            violations(&policy, common, &[]),
            vec![PolicyViolation::Common],
            "{common:?}"
        );
    }
}

#[test]
fn passphrases_are_accepted() {
    let policy = PasswordPolicy::default();
    for good in [
        "correct horse battery staple",
        "mauve-tulip-orbit-42",
        "비밀번호비밀번호",
        "xkqmvbtrwz",
    ] {
        assert_eq!(policy.check(good, &["kim@example.com"]), Ok(()), "{good:?}");
    }
}

#[test]
fn users_own_details_are_rejected() {
    let policy = PasswordPolicy::default();
    let context = ["kim.minsu@example.com", "Kim Minsu"];
    assert_eq!(
        violations(&policy, "kim.minsu@example.com", &context),
        vec![PolicyViolation::Common]
    );
    // Case does not help.
    assert_eq!(
        violations(&policy, "KIM.MINSU@EXAMPLE.COM", &context),
        vec![PolicyViolation::Common]
    );
    // The email local part alone.
    assert_eq!(
        violations(&policy, "kim.minsu", &context),
        vec![PolicyViolation::Common]
    );
    // Without the context the address itself is not a known password.
    assert_eq!(policy.check("kim.minsu@example.com", &[]), Ok(()));
}

#[test]
fn length_limits_in_code_points() {
    let policy = PasswordPolicy {
        reject_common: false,
        ..PasswordPolicy::default()
    };
    assert_eq!(
        violations(&policy, "abcdefg", &[]),
        vec![PolicyViolation::TooShort { min: 8 }]
    );
    assert_eq!(policy.check("abcdefgh", &[]), Ok(()));
    assert_eq!(policy.check(&"a".repeat(128), &[]), Ok(()));
    assert_eq!(
        violations(&policy, &"a".repeat(129), &[]),
        vec![PolicyViolation::TooLong { max: 128 }]
    );
    // 8 code points, 24 bytes: long enough.
    let korean = "비밀번호비밀번호";
    assert_eq!((korean.chars().count(), korean.len()), (8, 24));
    assert_eq!(policy.check(korean, &[]), Ok(()));
    // 128 code points of 4-byte chars (512 bytes) are still within the limit.
    assert_eq!(policy.check(&"🦀".repeat(128), &[]), Ok(()));
}

#[test]
fn too_long_is_checked_first_and_alone() {
    // Even with every rule on and a common base, only TooLong is reported, and fast.
    let policy = PasswordPolicy {
        min_strength: Some(4),
        ..PasswordPolicy::with_composition_rules()
    };
    let huge = "password".repeat(1_000_000);
    let started = Instant::now();
    assert_eq!(
        violations(&policy, &huge, &[]),
        vec![PolicyViolation::TooLong { max: 128 }]
    );
    assert!(started.elapsed() < Duration::from_millis(50));
}

#[test]
fn composition_rules_each_reported() {
    let policy = PasswordPolicy::with_composition_rules();
    assert!(policy.require_uppercase && policy.require_lowercase);
    assert!(policy.require_digit && policy.require_special);
    assert_eq!(policy.min_length, 8);

    let cases: [(&str, &[PolicyViolation]); 6] = [
        (
            "xkqmvbtrwz",
            &[
                PolicyViolation::MissingUppercase,
                PolicyViolation::MissingDigit,
                PolicyViolation::MissingSpecial,
            ],
        ),
        ("XKQMVBTRWZ4!", &[PolicyViolation::MissingLowercase]),
        ("Xkqmvbtrwz!", &[PolicyViolation::MissingDigit]),
        ("Xkqmvbtrwz4", &[PolicyViolation::MissingSpecial]),
        ("xkqmvbtrwz4!", &[PolicyViolation::MissingUppercase]),
        ("Xkq4!", &[PolicyViolation::TooShort { min: 8 }]),
    ];
    for (password, expected) in cases {
        assert_eq!(violations(&policy, password, &[]), expected, "{password:?}");
    }
    assert_eq!(policy.check("Mauve-tulip-orbit-42", &[]), Ok(()));
    // A space is not a symbol.
    assert_eq!(
        violations(&policy, "Mauve tulip orbit 42", &[]),
        vec![PolicyViolation::MissingSpecial]
    );
}

#[test]
fn all_violations_are_listed_together() {
    let policy = PasswordPolicy::with_composition_rules();
    assert_eq!(
        violations(&policy, "passwor", &[]),
        vec![
            PolicyViolation::TooShort { min: 8 },
            PolicyViolation::MissingUppercase,
            PolicyViolation::MissingDigit,
            PolicyViolation::MissingSpecial,
            PolicyViolation::Common,
        ]
    );
}

#[test]
fn min_strength_reports_score() {
    let policy = PasswordPolicy {
        min_strength: Some(2),
        ..PasswordPolicy::default()
    };
    // A common base with a predictable suffix passes `reject_common` alone (zxcvbn score 1);
    // a strength floor catches it.
    assert_eq!(PasswordPolicy::default().check("Password1!", &[]), Ok(()));
    assert_eq!(
        violations(&policy, "Password1!", &[]),
        vec![PolicyViolation::TooWeak { score: 1, min: 2 }]
    );
    assert_eq!(policy.check("correct horse battery staple", &[]), Ok(()));
}

#[test]
fn policy_error_display_never_echoes_the_password() {
    let policy = PasswordPolicy::with_composition_rules();
    for password in ["secretpw", "P@ssw0rd", "tiny"] {
        if let Err(e) = policy.check(password, &[]) {
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains(password), "{shown}");
        }
    }
}
