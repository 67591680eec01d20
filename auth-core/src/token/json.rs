//! Strict JSON building blocks shared by the header and claims parsers: borrowed strings and
//! the side channel that carries a typed refusal out of serde. (`NumericDate`, which other
//! crates read too, has its own module.)
//!
//! RFC 7515 §4 and RFC 7519 §4 leave duplicate member names to the parser; RFC 8725 §3.2 asks
//! for strict parsing, so both objects are walked member by member and a repeated name is
//! refused — even one spelled with JSON escapes (`"e\u0078p"` is `exp`).

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

use super::error::TokenError;

/// A JSON string, borrowed from the input when it has no escapes.
pub(crate) struct JsonStr<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for JsonStr<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;

        impl<'de> Visitor<'de> for StrVisitor {
            type Value = JsonStr<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(JsonStr(Cow::Borrowed(v)))
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(JsonStr(Cow::Owned(v.to_owned())))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(JsonStr(Cow::Owned(v)))
            }
        }

        deserializer.deserialize_str(StrVisitor)
    }
}

/// Where a visitor leaves the precise reason for a refusal; serde's own error type can only
/// carry a string, and callers deserve a typed [`TokenError`].
#[derive(Clone, Copy)]
pub(crate) struct Refusal<'a>(pub(crate) &'a Cell<Option<TokenError>>);

impl Refusal<'_> {
    /// Records `error` and returns a serde error that aborts parsing.
    pub(crate) fn reject<E: de::Error>(self, error: TokenError) -> E {
        self.0.set(Some(error));
        E::custom("refused")
    }

    /// Sets a field once; a second value for it is a duplicate member name.
    pub(crate) fn set_once<T, E: de::Error>(self, slot: &mut Option<T>, value: T) -> Result<(), E> {
        if slot.is_some() {
            return Err(self.reject(TokenError::Malformed("duplicate member name")));
        }
        *slot = Some(value);
        Ok(())
    }
}

/// Deserializes one JSON object from `bytes` with `visitor`, requiring nothing but whitespace
/// after it, and turns any failure into the typed reason the visitor recorded (or `fallback`).
pub(crate) fn parse_object<'de, V>(
    bytes: &'de [u8],
    failure: &Cell<Option<TokenError>>,
    fallback: &'static str,
    visitor: V,
) -> Result<V::Value, TokenError>
where
    V: Visitor<'de>,
{
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = deserializer
        .deserialize_map(visitor)
        .and_then(|value| deserializer.end().map(|()| value));
    parsed.map_err(|_| failure.take().unwrap_or(TokenError::Malformed(fallback)))
}
