//! The ids of users and sessions: random (v4) UUIDs, generated from the OS's CSPRNG.

use std::fmt;

use uuid::Uuid;

/// A user's id: a random (v4) UUID.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct UserId(pub Uuid);

/// A session's id (`sid`): a random (v4) UUID.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct SessionId(pub Uuid);

macro_rules! uuid_id {
    ($name:ident) => {
        impl $name {
            /// A fresh random id from the operating system's CSPRNG.
            pub fn generate() -> Result<Self, crate::store::StoreError> {
                let mut bytes = [0u8; 16];
                getrandom::getrandom(&mut bytes)
                    .map_err(|error| crate::store::StoreError::backend(error))?;
                Ok(Self(uuid::Builder::from_random_bytes(bytes).into_uuid()))
            }

            /// Parses the text form. [`Display`](fmt::Display) writes the lowercase hyphenated
            /// spelling; the other spellings the `uuid` crate reads (32 hex digits, braced,
            /// `urn:uuid:`, uppercase) name the same id and are accepted too.
            pub fn parse(text: &str) -> Option<Self> {
                Uuid::try_parse(text).ok().map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }
    };
}

uuid_id!(UserId);
uuid_id!(SessionId);
