//! The one reading of a JWT `NumericDate` (RFC 7519 §2), shared by every parser of `exp`,
//! `iat`, `nbf` and `auth_time`: our access tokens here, and in auth-providers the id_tokens
//! of other providers and RFC 7662 introspection answers.
//!
//! One home for the rule, so that "a fractional date is floored, a string is refused" cannot
//! drift between the places that read dates.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};

/// A JWT `NumericDate` (RFC 7519 §2): whole seconds since the Unix epoch.
///
/// The RFC allows a non-integer value, and real identity providers send one
/// (`"exp": 1796071628.5`): the fraction is dropped (floored — the value is never negative).
/// Everything that is not a non-negative JSON number is refused: a string (`"exp": "1796071628"`),
/// a negative number, `null`, a boolean, a float too large to hold whole seconds exactly
/// (2⁵³ and above). A date that cannot be read must never read as "no expiry"
/// (the CVE-2026-25537 class).
///
/// ```
/// use auth_core::token::NumericDate;
/// use serde_json::json;
///
/// assert_eq!(NumericDate::from_json(&json!(1796071628.5)).map(NumericDate::unix_seconds),
///     Some(1796071628));
/// assert_eq!(NumericDate::from_json(&json!(1796071628)).map(NumericDate::unix_seconds),
///     Some(1796071628));
/// assert_eq!(NumericDate::from_json(&json!("1796071628")), None);
/// assert_eq!(NumericDate::from_json(&json!(-1)), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NumericDate(u64);

impl NumericDate {
    /// The float bound: from 2⁵³ on, an `f64` no longer holds whole seconds exactly.
    const F64_EXACT_LIMIT: f64 = 9_007_199_254_740_992.0;

    /// The date `seconds` after the Unix epoch.
    pub const fn from_unix_seconds(seconds: u64) -> Self {
        Self(seconds)
    }

    /// Whole seconds since the Unix epoch.
    pub const fn unix_seconds(self) -> u64 {
        self.0
    }

    /// Reads a member of a JSON document that was already parsed (an id_token's claims, an
    /// introspection answer). `None` when `value` is not a `NumericDate`: the caller refuses
    /// the document with its own typed error naming the member.
    pub fn from_json(value: &serde_json::Value) -> Option<Self> {
        Self::deserialize(value).ok()
    }
}

impl fmt::Display for NumericDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for NumericDate {
    /// Always written as an integer: what we issue carries no fraction.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for NumericDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct DateVisitor;

        impl Visitor<'_> for DateVisitor {
            type Value = NumericDate;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative number of seconds")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(NumericDate(v))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u64::try_from(v)
                    .map(NumericDate)
                    .map_err(|_| E::custom("negative date"))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                if v.is_finite() && (0.0..NumericDate::F64_EXACT_LIMIT).contains(&v) {
                    // Flooring is the intent (RFC 7519 §2 allows fractions; we count whole
                    // seconds), and the range check above keeps the cast exact.
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    Ok(NumericDate(v.floor() as u64))
                } else {
                    Err(E::custom("date out of range"))
                }
            }
        }

        deserializer.deserialize_any(DateVisitor)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(value: serde_json::Value) -> Option<u64> {
        NumericDate::from_json(&value).map(NumericDate::unix_seconds)
    }

    // RFC 7519 §2: a NumericDate is "a JSON numeric value", non-integer values allowed. Pins
    // that a fractional date is floored (not refused, not read as "no date") through the one
    // reader every crate uses.
    #[test]
    fn rfc7519_2_numeric_date_may_be_non_integer() {
        assert_eq!(read(json!(1_796_071_628.5)), Some(1_796_071_628));
        assert_eq!(read(json!(1_796_071_628.999)), Some(1_796_071_628));
        assert_eq!(read(json!(0.25)), Some(0));
        assert_eq!(read(json!(1_796_071_628)), Some(1_796_071_628));
        let parsed: NumericDate = serde_json::from_str("1796071628.5").unwrap();
        assert_eq!(parsed, NumericDate::from_unix_seconds(1_796_071_628));
    }

    // RFC 7519 §2 again, the other side: only a JSON number is a NumericDate. A string,
    // negative, null, boolean or out-of-range value is refused, never read as "no expiry".
    #[test]
    fn rfc7519_2_numeric_date_is_a_non_negative_number() {
        for refused in [
            json!("1796071628"),
            json!("1796071628.5"),
            json!(-1),
            json!(-0.5),
            json!(null),
            json!(true),
            json!(1e300),
            json!(9_007_199_254_740_992.0),
            json!([1]),
            json!({"exp": 1}),
        ] {
            assert_eq!(read(refused.clone()), None, "{refused}");
        }
    }

    #[test]
    fn serializes_as_an_integer() {
        let date = NumericDate::from_unix_seconds(42);
        assert_eq!(serde_json::to_string(&date).unwrap(), "42");
        assert_eq!(date.to_string(), "42");
    }
}
