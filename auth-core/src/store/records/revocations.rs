//! Access tokens revoked one by one, by their `jti`.

use std::time::SystemTime;

/// One access token revoked by its `jti` (RFC 7009 on an access token), kept until the token
/// would have expired anyway.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedAccessToken {
    /// The token's `jti`.
    pub jti: String,
    /// The token's `exp`; the entry can be purged after it.
    pub expires_at: SystemTime,
}

impl RevokedAccessToken {
    /// A revocation of `jti` kept until `expires_at`.
    pub fn new(jti: impl Into<String>, expires_at: SystemTime) -> Self {
        Self {
            jti: jti.into(),
            expires_at,
        }
    }
}
