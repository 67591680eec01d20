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
