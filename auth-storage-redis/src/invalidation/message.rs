//! The wire form of an [`Invalidation`]: a short text naming what to drop, ids only.
//!
//! `s:<session id>`, `u:<user id>`, `t:<jti>`, `*` (everything). Anything else received —
//! a variant this version does not know, a garbled message — is read as `*`: dropping more
//! than needed costs only cache misses, dropping less would serve a revoked token.

use auth_core::revocation::Invalidation;
use auth_core::store::{SessionId, UserId};

pub(crate) fn encode(invalidation: &Invalidation) -> String {
    match invalidation {
        Invalidation::Session(id) => format!("s:{id}"),
        Invalidation::User(id) => format!("u:{id}"),
        Invalidation::AccessToken(jti) => format!("t:{jti}"),
        // `All`, and variants added to auth-core later: drop everything.
        _ => "*".to_owned(),
    }
}

pub(crate) fn decode(payload: &[u8]) -> Invalidation {
    let Ok(text) = std::str::from_utf8(payload) else {
        return Invalidation::All;
    };
    let parsed = match text.split_once(':') {
        Some(("s", id)) => SessionId::parse(id).map(Invalidation::Session),
        Some(("u", id)) => UserId::parse(id).map(Invalidation::User),
        Some(("t", jti)) if !jti.is_empty() => Some(Invalidation::AccessToken(jti.to_owned())),
        _ => None,
    };
    parsed.unwrap_or(Invalidation::All)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_invalidation_round_trips() {
        for invalidation in [
            Invalidation::Session(SessionId::generate().unwrap()),
            Invalidation::User(UserId::generate().unwrap()),
            Invalidation::AccessToken("jti:with:colons".to_owned()),
            Invalidation::All,
        ] {
            assert_eq!(decode(encode(&invalidation).as_bytes()), invalidation);
        }
    }

    #[test]
    fn anything_unreadable_drops_everything() {
        for garbled in [&b""[..], b"s:not-a-uuid", b"x:1", b"t:", b"\xff\xfe", b"u"] {
            assert_eq!(decode(garbled), Invalidation::All, "{garbled:?}");
        }
    }
}
