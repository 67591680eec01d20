//! `Serialize`/`Deserialize` (feature `serde`) for the record fields that have a stable text
//! form already: the enums by the names the SQL stores keep (`as_str` / `parse`), and
//! [`TokenHash`] as its 64 hex digits. A document written by one store reads back in any
//! other, and matches what auth-storage-seaorm keeps in its columns.

use serde::de::{Deserializer, Error as _};
use serde::{Deserialize, Serialize, Serializer};

use super::{
    AuditKind, CeremonyPurpose, ClientType, GrantType, OneTimePurpose, RevokeReason, SessionKind,
};
use crate::opaque::TokenHash;

macro_rules! by_name {
    ($($kind:ty),* $(,)?) => {$(
        impl Serialize for $kind {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $kind {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::parse(&name).ok_or_else(|| {
                    D::Error::custom(format_args!(
                        concat!("unknown ", stringify!($kind), " {:?}"),
                        name
                    ))
                })
            }
        }
    )*};
}

by_name!(
    RevokeReason,
    SessionKind,
    OneTimePurpose,
    AuditKind,
    ClientType,
    GrantType,
    CeremonyPurpose
);

impl Serialize for TokenHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for TokenHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let hex = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::from_hex(&hex).map_err(D::Error::custom)
    }
}
