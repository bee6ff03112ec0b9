//! A queue of keys in the order they were last seen, so that bounded tables (the tracker's
//! flows and tombstones, the ladder's open connections) find their least recently seen entry
//! in amortised O(1) instead of scanning or sorting the whole table when it is full.
//!
//! The owner keeps its entries in a map and tells the queue when a key is added; it does not
//! tell the queue about every packet. When the queue is asked for the oldest key, it looks at
//! the key's current last-seen time (through a closure over the owner's map): a key seen since
//! it was queued goes to the back with its new time (a second chance, as the CLOCK page
//! replacement does), a key no longer in the map is dropped, and the first key that was not
//! seen since it was queued is the answer. Each key is re-queued at most once per pass, so the
//! cost per answer is constant on average. When removed keys pile up (more than the live ones
//! plus some slack), the owner rebuilds the queue from its map, sorted by last-seen time.
//!
//! A leaf: generic over the key and the time, it uses no other module.

use std::collections::VecDeque;

/// Keys in the order they were last seen (approximately: see the module doc).
#[derive(Clone, Debug)]
pub struct Recency<K, T> {
    q: VecDeque<(K, T)>,
}

impl<K, T> Default for Recency<K, T> {
    fn default() -> Self {
        Recency { q: VecDeque::new() }
    }
}

/// Entries (stale ones included) beyond the live count before a rebuild is due.
const SLACK: usize = 1024;

impl<K: Copy + PartialEq, T: Copy + Ord> Recency<K, T> {
    /// An empty queue.
    pub fn new() -> Self {
        Recency { q: VecDeque::new() }
    }

    /// Entries queued, stale ones included.
    pub fn len(&self) -> usize {
        self.q.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.q.is_empty()
    }

    /// Queues a key added to the owner's map, last seen at `t`.
    #[inline]
    pub fn push(&mut self, k: K, t: T) {
        self.q.push_back((k, t));
    }

    /// Whether the queue holds so many removed keys that the owner should [`Recency::rebuild`]
    /// it (`live` keys are in the owner's map).
    #[inline]
    pub fn needs_rebuild(&self, live: usize) -> bool {
        self.q.len() > live.saturating_mul(2).saturating_add(SLACK)
    }

    /// Replaces the queue with the owner's keys, oldest first. O(n log n), due only after
    /// about n removals, so O(log n) per removal on average.
    pub fn rebuild(&mut self, live: impl Iterator<Item = (K, T)>) {
        let mut v: Vec<(K, T)> = live.collect();
        v.sort_by_key(|e| e.1);
        self.q = v.into();
    }

    /// The least recently seen key still in the map (and takes it off the queue); `last(k)`
    /// is the key's current last-seen time, `None` when the key is no longer in the map.
    pub fn pop_oldest(&mut self, last: impl FnMut(&K) -> Option<T>) -> Option<K> {
        self.pop_where(last, |_| true)
    }

    /// The next key not seen since before `cutoff` (and takes it off the queue); stops at the
    /// first queued key that is newer. Keys seen since they were queued move to the back.
    pub fn pop_older_than(&mut self, cutoff: T, last: impl FnMut(&K) -> Option<T>) -> Option<K> {
        self.pop_where(last, |t| t < cutoff)
    }

    fn pop_where(&mut self, mut last: impl FnMut(&K) -> Option<T>, old: impl Fn(T) -> bool) -> Option<K> {
        // Each entry is looked at most twice in one call: once as queued, once re-queued with
        // its current time (which cannot change during the call).
        let mut budget = self.q.len().saturating_mul(2).saturating_add(1);
        while budget > 0 {
            budget -= 1;
            let &(k, queued) = self.q.front()?;
            if !old(queued) {
                return None;
            }
            self.q.pop_front();
            match last(&k) {
                None => {}
                Some(now) if now > queued => self.q.push_back((k, now)),
                Some(_) => return Some(k),
            }
        }
        None
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn the_oldest_unseen_key_comes_first_and_seen_keys_get_a_second_chance() {
        let mut map: HashMap<u32, u64> = HashMap::new();
        let mut r = Recency::new();
        for (k, t) in [(1, 10), (2, 20), (3, 30)] {
            map.insert(k, t);
            r.push(k, t);
        }
        map.insert(1, 35); // key 1 seen again
        map.remove(&2); // key 2 removed
        assert_eq!(r.pop_oldest(|k| map.get(k).copied()), Some(3));
        map.remove(&3);
        assert_eq!(r.pop_oldest(|k| map.get(k).copied()), Some(1));
        map.remove(&1);
        assert_eq!(r.pop_oldest(|k| map.get(k).copied()), None);
        assert!(r.is_empty());
    }

    #[test]
    fn older_than_stops_at_the_first_newer_key() {
        let mut map: HashMap<u32, u64> = HashMap::new();
        let mut r = Recency::new();
        for k in 0..10u32 {
            map.insert(k, u64::from(k));
            r.push(k, u64::from(k));
        }
        map.insert(0, 100);
        let mut gone = Vec::new();
        while let Some(k) = r.pop_older_than(5, |k| map.get(k).copied()) {
            map.remove(&k);
            gone.push(k);
        }
        assert_eq!(gone, vec![1, 2, 3, 4]);
        assert!(map.contains_key(&0));
    }

    #[test]
    fn rebuild_drops_removed_keys_and_sorts() {
        let mut r = Recency::new();
        for k in 0..5000u32 {
            r.push(k, u64::from(k));
        }
        assert!(r.needs_rebuild(10));
        r.rebuild([(7u32, 9u64), (3, 1)].into_iter());
        assert_eq!(r.len(), 2);
        assert_eq!(r.pop_oldest(|_| Some(0)), Some(3));
    }
}
