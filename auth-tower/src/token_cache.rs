//! An opt-in cache of verified access tokens: a client sends the same token on every request
//! for its whole lifetime, so the signature check and the claims parse need to run once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use auth_core::Clock;
use auth_core::token::Claims;

/// Verified tokens, by their exact text. Only tokens that passed full verification are
/// stored, so nobody can fill it without valid tokens; `exp`, `nbf` and `iat` are checked
/// again (with the leeway) on every hit, so an entry never outlives its token; when full,
/// it is cleared (a miss only costs a verification).
pub(crate) struct TokenCache<E> {
    entries: Mutex<HashMap<Box<str>, Arc<Claims<E>>>>,
    capacity: usize,
    leeway_secs: u64,
    clock: Arc<dyn Clock>,
}

impl<E> TokenCache<E> {
    pub(crate) fn new(capacity: usize, leeway_secs: u64, clock: Arc<dyn Clock>) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            capacity,
            leeway_secs,
            clock,
        }
    }

    fn still_valid(&self, claims: &Claims<E>) -> bool {
        let now = self.clock.unix_seconds();
        let leeway = self.leeway_secs;
        now < claims.exp.saturating_add(leeway)
            && claims
                .nbf
                .is_none_or(|nbf| nbf <= now.saturating_add(leeway))
            && claims.iat <= now.saturating_add(leeway)
    }

    pub(crate) fn get(&self, token: &str) -> Option<Arc<Claims<E>>> {
        let claims = {
            let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(entries.get(token)?)
        };
        // An expired entry is a miss: full verification then refuses it with the right error.
        self.still_valid(&claims).then_some(claims)
    }

    pub(crate) fn put(&self, token: &str, claims: Arc<Claims<E>>) {
        if self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.capacity {
            entries.retain(|_, claims| self.still_valid(claims));
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(Box::from(token), claims);
    }
}

#[cfg(test)]
mod tests {
    use auth_core::SystemClock;
    use auth_core::token::{
        AccessTokenIssuer, AccessTokenRequest, AccessTokenVerifier, Algorithm, IssuerConfig,
        KeySet, SigningKey, VerifierConfig,
    };

    use super::*;

    /// Bounded: never more than `capacity` entries, whatever the number of valid tokens.
    #[test]
    fn never_holds_more_than_its_capacity() {
        let keys = KeySet::new(SigningKey::hmac("k1", Algorithm::HS256, &[5; 32]).unwrap());
        let issuer = AccessTokenIssuer::new(IssuerConfig::new("iss", "api"), &keys);
        let verifier = AccessTokenVerifier::new(VerifierConfig::new("iss", "api"), &keys);
        let cache = TokenCache::new(3, 30, Arc::new(SystemClock));
        let mut tokens = Vec::new();
        for user in 0..10 {
            let token = issuer
                .issue(&AccessTokenRequest::new(format!("user-{user}")))
                .unwrap()
                .token
                .into_secret();
            let claims = Arc::new(verifier.verify(&token).unwrap());
            cache.put(&token, claims);
            let len = cache.entries.lock().unwrap().len();
            assert!(len <= 3, "{len} entries");
            tokens.push(token);
        }
        // The last one is served, by its exact text only.
        let last = tokens.last().unwrap();
        assert_eq!(cache.get(last).unwrap().sub, "user-9");
        assert!(cache.get(&last[..last.len() - 1]).is_none());
        let none =
            TokenCache::<auth_core::token::NoCustomClaims>::new(0, 30, Arc::new(SystemClock));
        none.put(last, cache.get(last).unwrap());
        assert!(none.get(last).is_none(), "capacity 0 caches nothing");
    }
}
