//! Password policy: NIST SP 800-63B length limits and a common-password check by default,
//! composition rules and a zxcvbn strength floor when configured.

use std::fmt;

use zxcvbn::matching::patterns::{DictionaryPattern, MatchPattern};

/// zxcvbn only evaluates this many leading characters of a password.
const ZXCVBN_MAX_CHARS: usize = 100;
/// Words of a context entry shorter than this are not added to the context on their own (a
/// one- or two-letter "word" would match everywhere).
const MIN_CONTEXT_PIECE: usize = 3;

/// What a new password must satisfy (at signup, password change and reset).
///
/// The [`Default`] follows NIST SP 800-63B §3.1.1.2: 8 to 128 characters counted in Unicode
/// code points, no composition rules, and passwords that are common, in a breach-derived
/// list, or built from the user's own details are refused. Use
/// [`with_composition_rules`](Self::with_composition_rules) for sites that must require
/// upper case, lower case, digits and symbols.
///
/// ```
/// use auth_core::password::{PasswordPolicy, PolicyViolation};
///
/// let policy = PasswordPolicy::default();
/// assert!(policy.check("mauve-tulip-orbit-42", &["kim@example.com"]).is_ok());
///
/// let err = policy.check("password", &[]).unwrap_err();
/// assert_eq!(err.violations, vec![PolicyViolation::Common]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(default, deny_unknown_fields)
)]
pub struct PasswordPolicy {
    /// Fewest characters (Unicode code points) allowed. Defaults to 8.
    pub min_length: usize,
    /// Most characters (Unicode code points) allowed. Defaults to 128. Checked first: a longer
    /// password is refused with only [`PolicyViolation::TooLong`], before any costly check.
    pub max_length: usize,
    /// Require at least one uppercase letter (Unicode `Uppercase`). Defaults to `false`.
    pub require_uppercase: bool,
    /// Require at least one lowercase letter (Unicode `Lowercase`). Defaults to `false`.
    pub require_lowercase: bool,
    /// Require at least one digit (Unicode `Numeric`). Defaults to `false`.
    pub require_digit: bool,
    /// Require at least one special character: anything that is neither alphanumeric nor
    /// whitespace. Defaults to `false`.
    pub require_special: bool,
    /// Refuse passwords that zxcvbn finds trivially guessable (score 0), that are exactly an
    /// entry of its common-passwords list (also reversed or with l33t substitutions), or that
    /// are exactly one of the user's own details passed as `context`. Defaults to `true`.
    pub reject_common: bool,
    /// Lowest zxcvbn score (0 to 4) accepted; values above 4 act as 4. Defaults to `None`
    /// (no strength floor beyond [`reject_common`](Self::reject_common)).
    pub min_strength: Option<u8>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 128,
            require_uppercase: false,
            require_lowercase: false,
            require_digit: false,
            require_special: false,
            reject_common: true,
            min_strength: None,
        }
    }
}

impl PasswordPolicy {
    /// The default policy plus composition rules: at least one uppercase letter, one
    /// lowercase letter, one digit and one special character (8 to 128 characters). This is
    /// what the systems migrated from (seed 001) enforce; NIST SP 800-63B advises against
    /// composition rules, so prefer [`Default`] where you can.
    pub fn with_composition_rules() -> Self {
        Self {
            require_uppercase: true,
            require_lowercase: true,
            require_digit: true,
            require_special: true,
            ..Self::default()
        }
    }

    /// Checks `password` against the policy.
    ///
    /// `context` holds the user's own details (email, name, username, and the service's name
    /// is a good addition); a password that is one of them is refused as
    /// [`PolicyViolation::Common`], and they lower the zxcvbn score of passwords containing
    /// them. For an email, its local part is used as well.
    ///
    /// # Errors
    /// A [`PolicyError`] listing every violation found. If the password is longer than
    /// [`max_length`](Self::max_length), that is the only violation reported and nothing else
    /// is computed.
    pub fn check(&self, password: &str, context: &[&str]) -> Result<(), PolicyError> {
        // Count no further than needed to decide, so huge input costs next to nothing.
        let length = password
            .chars()
            .take(self.max_length.saturating_add(1))
            .count();
        if length > self.max_length {
            return Err(PolicyError {
                violations: vec![PolicyViolation::TooLong {
                    max: self.max_length,
                }],
            });
        }

        let mut violations = Vec::new();
        if length < self.min_length {
            violations.push(PolicyViolation::TooShort {
                min: self.min_length,
            });
        }
        if self.require_uppercase && !password.chars().any(char::is_uppercase) {
            violations.push(PolicyViolation::MissingUppercase);
        }
        if self.require_lowercase && !password.chars().any(char::is_lowercase) {
            violations.push(PolicyViolation::MissingLowercase);
        }
        if self.require_digit && !password.chars().any(char::is_numeric) {
            violations.push(PolicyViolation::MissingDigit);
        }
        if self.require_special && !password.chars().any(is_special) {
            violations.push(PolicyViolation::MissingSpecial);
        }

        if self.reject_common || self.min_strength.is_some() {
            let inputs = user_inputs(context);
            let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
            let entropy = zxcvbn::zxcvbn(password, &inputs);
            if self.reject_common && is_common(&entropy, length) {
                violations.push(PolicyViolation::Common);
            }
            if let Some(min) = self.min_strength {
                let min = min.min(4);
                let score = u8::from(entropy.score());
                if score < min {
                    violations.push(PolicyViolation::TooWeak { score, min });
                }
            }
        }

        if violations.is_empty() {
            Ok(())
        } else {
            Err(PolicyError { violations })
        }
    }
}

fn is_special(c: char) -> bool {
    !c.is_alphanumeric() && !c.is_whitespace()
}

/// The context as zxcvbn user inputs: each non-empty entry, an email's local part, and the
/// words (3+ characters) of either, split at whitespace, `.`, `_`, `-` and `+`.
fn user_inputs(context: &[&str]) -> Vec<String> {
    let is_separator = |c: char| c.is_whitespace() || matches!(c, '.' | '_' | '-' | '+');
    let mut inputs = Vec::with_capacity(context.len() * 3);
    for entry in context {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        inputs.push(entry.to_owned());
        let name = match entry.split_once('@') {
            Some((local, _domain)) => {
                if !local.is_empty() {
                    inputs.push(local.to_owned());
                }
                local
            }
            None => entry,
        };
        if name.contains(is_separator) {
            inputs.extend(
                name.split(is_separator)
                    .filter(|piece| piece.chars().count() >= MIN_CONTEXT_PIECE)
                    .map(str::to_owned),
            );
        }
    }
    inputs
}

/// zxcvbn 3.1 does not export the type of [`DictionaryPattern::dictionary_name`] (its module is
/// private), so dictionaries are told apart by their `Debug` name. The unit test
/// `zxcvbn_dictionary_names_are_pinned` fails if an upgrade renames them.
fn dictionary_is(pattern: &DictionaryPattern, name: &str) -> bool {
    format!("{:?}", pattern.dictionary_name) == name
}

fn is_common(entropy: &zxcvbn::Entropy, length: usize) -> bool {
    if entropy.score() == zxcvbn::Score::Zero {
        return true;
    }
    // One dictionary match covering the whole (evaluated part of the) password.
    let evaluated = length.min(ZXCVBN_MAX_CHARS);
    match entropy.sequence() {
        [only] if only.i == 0 && only.j + 1 == evaluated => match &only.pattern {
            MatchPattern::Dictionary(pattern) => {
                dictionary_is(pattern, "Passwords") || dictionary_is(pattern, "UserInputs")
            }
            _ => false,
        },
        _ => false,
    }
}

/// A new password does not satisfy the [`PasswordPolicy`].
///
/// `Display` lists the violations in plain English; it never contains the password.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyError {
    /// Every rule the password broke, in the order the policy checks them (never empty).
    pub violations: Vec<PolicyViolation>,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("password does not meet the policy: it ")?;
        for (i, violation) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; it ")?;
            }
            write!(f, "{violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyError {}

/// One rule of the [`PasswordPolicy`] a password broke.
///
/// `Display` completes the sentence "the password …". Serializes as an object tagged by
/// `code` (e.g. `{"code":"too_short","min":8}`) for API responses.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PolicyViolation {
    /// Fewer code points than [`PasswordPolicy::min_length`].
    #[error("must be at least {min} characters long")]
    TooShort {
        /// The minimum length in code points.
        min: usize,
    },
    /// More code points than [`PasswordPolicy::max_length`].
    #[error("must be at most {max} characters long")]
    TooLong {
        /// The maximum length in code points.
        max: usize,
    },
    /// No uppercase letter while [`PasswordPolicy::require_uppercase`] is set.
    #[error("must contain an uppercase letter")]
    MissingUppercase,
    /// No lowercase letter while [`PasswordPolicy::require_lowercase`] is set.
    #[error("must contain a lowercase letter")]
    MissingLowercase,
    /// No digit while [`PasswordPolicy::require_digit`] is set.
    #[error("must contain a digit")]
    MissingDigit,
    /// No special character while [`PasswordPolicy::require_special`] is set.
    #[error("must contain a symbol (a character that is not a letter, digit or space)")]
    MissingSpecial,
    /// Common, trivially guessable, or one of the user's own details, while
    /// [`PasswordPolicy::reject_common`] is set.
    #[error("is too common or too easy to guess, or is based on your account details")]
    Common,
    /// The zxcvbn score is below [`PasswordPolicy::min_strength`].
    #[error("is too easy to guess (strength {score} of 4, at least {min} required)")]
    TooWeak {
        /// The password's zxcvbn score, 0 to 4.
        score: u8,
        /// The lowest accepted score.
        min: u8,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violations(
        policy: &PasswordPolicy,
        password: &str,
        context: &[&str],
    ) -> Vec<PolicyViolation> {
        policy
            .check(password, context)
            .err()
            .map(|e| e.violations)
            .unwrap_or_default()
    }

    #[test]
    fn zxcvbn_dictionary_names_are_pinned() {
        let dict_name = |password: &str, context: &[&str]| {
            let entropy = zxcvbn::zxcvbn(password, context);
            match entropy.sequence() {
                [m] => match &m.pattern {
                    MatchPattern::Dictionary(p) => format!("{:?}", p.dictionary_name),
                    other => format!("{other:?}"),
                },
                seq => format!("{} matches", seq.len()),
            }
        };
        assert_eq!(dict_name("password", &[]), "Passwords");
        assert_eq!(dict_name("xqzvkwjh", &["xqzvkwjh"]), "UserInputs");
    }

    #[test]
    fn max_length_short_circuits() {
        let policy = PasswordPolicy::with_composition_rules();
        assert_eq!(
            violations(&policy, &"a".repeat(129), &[]),
            vec![PolicyViolation::TooLong { max: 128 }]
        );
        // Huge input: refused after counting 129 chars.
        assert_eq!(
            violations(&policy, &"a".repeat(10_000_000), &[]),
            vec![PolicyViolation::TooLong { max: 128 }]
        );
    }

    #[test]
    fn length_counts_code_points() {
        let policy = PasswordPolicy {
            reject_common: false,
            ..PasswordPolicy::default()
        };
        assert_eq!("비밀번호비밀번호".len(), 24);
        assert!(policy.check("비밀번호비밀번호", &[]).is_ok());
        assert_eq!(
            violations(&policy, "비밀번호비밀번", &[]),
            vec![PolicyViolation::TooShort { min: 8 }]
        );
    }

    #[test]
    fn email_local_part_is_context() {
        let inputs = user_inputs(&["  kim.minsu@example.com ", "", "Kim Minsu"]);
        assert_eq!(
            inputs,
            vec![
                "kim.minsu@example.com",
                "kim.minsu",
                "kim",
                "minsu",
                "Kim Minsu",
                "Kim",
                "Minsu"
            ]
        );
    }

    #[test]
    fn special_characters() {
        assert!(is_special('!'));
        assert!(is_special('€'));
        assert!(!is_special(' '));
        assert!(!is_special('a'));
        assert!(!is_special('비'));
        assert!(!is_special('7'));
    }

    #[test]
    fn min_strength_above_four_acts_as_four() {
        let policy = PasswordPolicy {
            min_strength: Some(9),
            ..PasswordPolicy::default()
        };
        assert!(policy.check("correct horse battery staple", &[]).is_ok());
    }

    #[test]
    fn display_lists_violations_without_the_password() {
        let err = PasswordPolicy::with_composition_rules()
            .check("abc", &[])
            .unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("password does not meet the policy: it must be at least 8"));
        assert!(shown.contains("; it must contain a digit"));
        assert!(!shown.contains("abc"));
    }

    #[test]
    fn violations_serialize_with_a_code() {
        let json = serde_json::to_string(&PolicyViolation::TooShort { min: 8 }).expect("json");
        assert_eq!(json, r#"{"code":"too_short","min":8}"#);
        let json = serde_json::to_string(&PolicyViolation::Common).expect("json");
        assert_eq!(json, r#"{"code":"common"}"#);
    }
}
