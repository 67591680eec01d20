//! Reading auth-tower's configuration from files (feature `serde`): header names and origin
//! lists checked as they are read, so a bad value is an error naming its field rather than a
//! setting that never matches. Durations use [`auth_core::config_serde`].

use http::HeaderName;
use serde::de::Error as _;
use serde::{Deserialize as _, Deserializer};

use crate::origin::is_exact_origin;

/// `deserialize_with` for a [`HeaderName`] (`"x-csrf-token"`).
pub(crate) fn header_name<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<HeaderName, D::Error> {
    let text = String::deserialize(deserializer)?;
    HeaderName::from_bytes(text.trim().as_bytes())
        .map_err(|_| D::Error::custom(format_args!("{text:?} is not an HTTP header name")))
}

/// `deserialize_with` for a list of exact origins (`["https://app.example"]`): a path, user
/// info or wildcard is refused.
pub(crate) fn origins<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let origins = Vec::<String>::deserialize(deserializer)?;
    match origins.iter().find(|origin| !is_exact_origin(origin)) {
        None => Ok(origins),
        Some(bad) => Err(D::Error::custom(format_args!(
            "{bad:?} is not exactly an origin (scheme, host and port only, like \
             https://app.example)"
        ))),
    }
}

/// The serde shape of [`ClientIpSource`](crate::endpoints::ClientIpSource): `"peer_addr"`, or
/// `{ "dangerous_trust_proxy_header": "x-forwarded-for" }` — the switch keeps its warning in
/// the file that sets it.
#[derive(serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum ClientIpSetting {
    PeerAddr,
    DangerousTrustProxyHeader(#[serde(deserialize_with = "header_name")] HeaderName),
}

impl From<ClientIpSetting> for crate::endpoints::ClientIpSource {
    fn from(setting: ClientIpSetting) -> Self {
        match setting {
            ClientIpSetting::PeerAddr => Self::PeerAddr,
            ClientIpSetting::DangerousTrustProxyHeader(header) => Self::ProxyHeader(header),
        }
    }
}
