//! Reading the configuration structs from files and the environment (feature `serde`):
//! durations as people write them.
//!
//! Every config struct derives `Deserialize` with `#[serde(default, deny_unknown_fields)]`:
//! a field left out keeps its secure default, and a misspelt one is an error that names it
//! rather than a setting silently ignored. Durations are written `"15m"`, `"30d"`,
//! `"1h 30m"` (the `humantime` crate's format) or as a number of seconds.
//!
//! The helpers are public so that the other crates of the family (and a host's own config
//! structs) read durations the same way:
//!
//! ```
//! use std::time::Duration;
//!
//! #[derive(serde::Deserialize)]
//! struct Settings {
//!     #[serde(deserialize_with = "auth_core::config_serde::duration")]
//!     timeout: Duration,
//!     #[serde(default, deserialize_with = "auth_core::config_serde::optional_duration")]
//!     statement_timeout: Option<Duration>,
//! }
//!
//! let settings: Settings = serde_json::from_str(r#"{ "timeout": "1m 30s" }"#).unwrap();
//! assert_eq!(settings.timeout, Duration::from_secs(90));
//! assert_eq!(settings.statement_timeout, None);
//! ```

use std::fmt;
use std::time::Duration;

use serde::Deserialize as _;
use serde::de::{self, Deserializer, Visitor};

/// `deserialize_with` for a [`Duration`] field: `"15m"`, `"30d"`, `"1h 30m"` or seconds.
///
/// # Errors
/// The deserializer's error, quoting a string that is no duration; a negative or fractional
/// number is refused.
pub fn duration<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    deserializer.deserialize_any(DurationVisitor)
}

/// `deserialize_with` for an `Option<Duration>` field: `null` is `None`, anything else as
/// [`duration`]. Pair it with `#[serde(default)]` so that a missing field is `None` too.
///
/// # Errors
/// As [`duration`].
pub fn optional_duration<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Duration>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "duration")] Duration);
    Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(duration)| duration))
}

struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = Duration;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"a duration such as "15m", "30d" or "1h 30m", or a number of seconds"#)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Duration, E> {
        humantime::parse_duration(text.trim())
            .map_err(|error| E::custom(format_args!("invalid duration {text:?}: {error}")))
    }

    fn visit_u64<E: de::Error>(self, seconds: u64) -> Result<Duration, E> {
        Ok(Duration::from_secs(seconds))
    }

    fn visit_i64<E: de::Error>(self, seconds: i64) -> Result<Duration, E> {
        u64::try_from(seconds)
            .map(Duration::from_secs)
            .map_err(|_| E::custom("a duration cannot be negative"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Wrapper(#[serde(deserialize_with = "duration")] Duration);

    fn parse(json: &str) -> Result<Duration, serde_json::Error> {
        serde_json::from_str::<Wrapper>(json).map(|wrapper| wrapper.0)
    }

    #[test]
    fn durations_as_people_write_them() {
        assert_eq!(parse(r#""15m""#).unwrap(), Duration::from_secs(900));
        assert_eq!(parse(r#""30d""#).unwrap(), Duration::from_secs(30 * 86_400));
        assert_eq!(parse(r#"" 1h 30m ""#).unwrap(), Duration::from_secs(5_400));
        assert_eq!(parse("90").unwrap(), Duration::from_secs(90));
    }

    #[test]
    fn a_bad_duration_is_an_error_that_quotes_it() {
        let error = parse(r#""fortnight""#).unwrap_err().to_string();
        assert!(error.contains("\"fortnight\""), "{error}");
        assert!(parse("-5").is_err());
        assert!(parse("1.5").is_err());
        assert!(parse("true").is_err());
    }
}
