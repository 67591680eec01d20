//! A small bounded map whose entries go stale after a fixed time.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Entries older than `max_age` are ignored; when full, expired entries are dropped first and,
/// if that frees nothing, the whole map is cleared (a cache miss only costs a store read).
#[derive(Debug)]
pub(crate) struct StaleCache<K, V> {
    entries: Mutex<HashMap<K, (V, SystemTime)>>,
    max_age: Duration,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> StaleCache<K, V> {
    pub(crate) fn new(max_age: Duration, capacity: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            max_age,
            capacity,
        }
    }

    /// The cached value, if it was stored less than `max_age` before `now`. A zero `max_age`
    /// caches nothing. Looks up by a borrowed form of the key (`&str` for `String` keys), so a hit allocates
    /// nothing.
    pub(crate) fn get<Q>(&self, key: &Q, now: SystemTime) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        if self.max_age.is_zero() {
            return None;
        }
        let entries = self
            .entries
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let (value, stored_at) = entries.get(key)?;
        let age = now.duration_since(*stored_at).unwrap_or(Duration::MAX);
        (age < self.max_age).then(|| value.clone())
    }

    /// Drops the entries `keep` says no to, whatever their age.
    pub(crate) fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) {
        self.entries
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .retain(|key, (value, _)| keep(key, value));
    }

    #[cfg(test)]
    pub(crate) fn put(&self, key: K, value: V, now: SystemTime) {
        self.put_if(key, value, now, || true);
    }

    /// Stores `value` unless `still_current` says no. `still_current` runs under the map's
    /// lock, so an invalidation that clears the map ([`retain`](Self::retain)) after marking
    /// answers stale either makes it say no, or runs after the insert and removes it: an
    /// answer looked up before an invalidation is never left behind by it.
    pub(crate) fn put_if(
        &self,
        key: K,
        value: V,
        now: SystemTime,
        still_current: impl FnOnce() -> bool,
    ) {
        if self.max_age.is_zero() || self.capacity == 0 {
            return;
        }
        let mut entries = self
            .entries
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if !still_current() {
            return;
        }
        if entries.len() >= self.capacity {
            let max_age = self.max_age;
            entries.retain(|_, (_, stored_at)| {
                now.duration_since(*stored_at)
                    .is_ok_and(|age| age < max_age)
            });
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (value, now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn entries_expire_after_max_age() {
        let cache = StaleCache::new(Duration::from_secs(5), 10);
        cache.put("a", 1, at(100));
        assert_eq!(cache.get(&"a", at(104)), Some(1));
        assert_eq!(cache.get(&"a", at(105)), None);
        // A clock that moved backwards never serves a cached value.
        assert_eq!(cache.get(&"a", at(99)), None);
    }

    #[test]
    fn zero_max_age_caches_nothing() {
        let cache = StaleCache::new(Duration::ZERO, 10);
        cache.put("a", 1, at(100));
        assert_eq!(cache.get(&"a", at(100)), None);
    }

    #[test]
    fn capacity_is_bounded() {
        let cache = StaleCache::new(Duration::from_secs(60), 3);
        for key in 0..10 {
            cache.put(key, key, at(100));
        }
        let held = cache.entries.lock().unwrap().len();
        assert!(held <= 3, "{held}");
        assert_eq!(cache.get(&9, at(100)), Some(9));
    }

    #[test]
    fn put_if_stores_nothing_when_no_longer_current() {
        let cache = StaleCache::new(Duration::from_secs(60), 3);
        cache.put_if("a", 1, at(100), || false);
        assert_eq!(cache.get(&"a", at(100)), None);
        cache.put_if("a", 1, at(100), || true);
        assert_eq!(cache.get(&"a", at(100)), Some(1));
    }
}
