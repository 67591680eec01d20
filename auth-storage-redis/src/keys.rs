//! The key layout. Every key starts with the configured prefix and a fixed namespace
//! (`throttle:key:`, `counter:key:`, `revoked:jti:`, `pending:state:`, `ceremony:id:`); what a caller controls
//! only ever follows that namespace, so no input can name a key of another namespace or
//! application. Counter keys and `jti`s are SHA-256 hashed (fixed length, nothing to escape);
//! throttle keys stay literal because [`clear_failures`](auth_core::store::ThrottleStore)
//! matches nested keys by literal prefix, which a sorted-set index answers without `SCAN`
//! patterns (so there are no glob characters to escape either).

use std::fmt::Write as _;
use std::sync::Arc;

use sha2::{Digest, Sha256};

#[derive(Clone, Debug)]
pub(crate) struct Keys {
    prefix: Arc<str>,
}

impl Keys {
    pub(crate) fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    fn join(&self, rest: &str) -> String {
        format!("{}{rest}", self.prefix)
    }

    /// Where a throttle key's hash (`o`: window opened, ms; `n`: attempts) lives: this
    /// followed by the key itself.
    pub(crate) fn throttle_data(&self) -> String {
        self.join("throttle:key:")
    }
    /// Sorted set: throttle key → when its window opened (ms), for purging.
    pub(crate) fn throttle_opened(&self) -> String {
        self.join("throttle:opened")
    }
    /// Sorted set of throttle keys, all at score 0, for literal prefix ranges (`ZRANGEBYLEX`).
    pub(crate) fn throttle_names(&self) -> String {
        self.join("throttle:names")
    }

    /// Where a counter's hash (`n`: used; `e`: expires, ms) lives: this followed by the
    /// hex SHA-256 of its key.
    pub(crate) fn counter_data(&self) -> String {
        self.join("counter:key:")
    }
    /// Sorted set: hashed counter key → expiry (ms), for purging.
    pub(crate) fn counter_expiry(&self) -> String {
        self.join("counter:expiry")
    }

    pub(crate) fn revoked_data(&self) -> String {
        self.join("revoked:jti:")
    }
    /// Sorted set: hashed `jti` → the token's `exp` (ms), for purging.
    pub(crate) fn revoked_expiry(&self) -> String {
        self.join("revoked:expiry")
    }

    pub(crate) fn pending_data(&self) -> String {
        self.join("pending:state:")
    }
    /// Sorted set: state hash → the login's expiry (ms), for purging.
    pub(crate) fn pending_expiry(&self) -> String {
        self.join("pending:expiry")
    }

    pub(crate) fn ceremony_data(&self) -> String {
        self.join("ceremony:id:")
    }
    /// Sorted set: ceremony id hash → the ceremony's expiry (ms), for purging.
    pub(crate) fn ceremony_expiry(&self) -> String {
        self.join("ceremony:expiry")
    }

    /// The publish/subscribe channel of revocation-cache invalidations.
    pub(crate) fn invalidation_channel(&self) -> String {
        self.join("revocation")
    }
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Lower-case hex SHA-256 of `value`.
pub(crate) fn hashed(value: &str) -> String {
    hex(&Sha256::digest(value.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_never_overlap_whatever_the_input() {
        let keys = Keys::new("app:");
        let data = [
            keys.throttle_data(),
            keys.counter_data(),
            keys.revoked_data(),
            keys.pending_data(),
            keys.ceremony_data(),
        ];
        let indexes = [
            keys.throttle_opened(),
            keys.throttle_names(),
            keys.counter_expiry(),
            keys.revoked_expiry(),
            keys.pending_expiry(),
            keys.ceremony_expiry(),
            keys.invalidation_channel(),
        ];
        // No data namespace is a prefix of another, nor of an index key: a key built from
        // one namespace plus any input can never equal a key of another.
        for (i, a) in data.iter().enumerate() {
            for (j, b) in data.iter().enumerate() {
                assert!(i == j || !b.starts_with(a.as_str()), "{a} / {b}");
            }
            for index in &indexes {
                assert!(!index.starts_with(a.as_str()), "{a} / {index}");
            }
        }
    }

    #[test]
    fn hashes_are_fixed_length_hex() {
        assert_eq!(hashed("x*?[]:").len(), 64);
        assert!(hashed("").bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
