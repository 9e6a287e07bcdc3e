//! A table of values at small indices, the lowest free one reused first: what a file
//! server keeps per open file (the index never leaves the server, so it need not be hard
//! to guess, unlike a badge), found by one index instead of a hash lookup. Growing it can
//! fail without harm; removing never allocates; a table that tens of thousands of values
//! once filled is given back as they go.

use alloc::collections::BinaryHeap;
use alloc::vec::Vec;
use core::cmp::Reverse;

/// Values at small indices, the lowest free one reused first.
pub struct Slab<T> {
    entries: Vec<Option<T>>,
    /// Indices of the `None` entries, lowest first, and perhaps indices at or past the
    /// end left from a tail that went (`insert` drops those when it meets them).
    vacant: BinaryHeap<Reverse<usize>>,
    /// Values stored.
    live: usize,
}

impl<T> Slab<T> {
    pub const fn new() -> Self {
        Slab { entries: Vec::new(), vacant: BinaryHeap::new(), live: 0 }
    }

    /// Stores `value` at the lowest free index (`None` if the table cannot grow: the
    /// allocation failed, and nothing changed).
    pub fn insert(&mut self, value: T) -> Option<u64> {
        match self.vacant.peek() {
            Some(&Reverse(at)) if at < self.entries.len() => {
                self.vacant.pop();
                self.entries[at] = Some(value);
                self.live += 1;
                return Some(at as u64);
            }
            // (The lowest is past the end: so are all, left from tails that went.)
            Some(_) => self.vacant.clear(),
            None => {}
        }
        // (Room for every index in `vacant` too, so that `remove` never allocates.)
        self.entries.try_reserve(1).ok()?;
        self.vacant.try_reserve(self.entries.len() + 1).ok()?;
        self.entries.push(Some(value));
        self.live += 1;
        Some(self.entries.len() as u64 - 1)
    }

    pub fn get(&self, at: u64) -> Option<&T> {
        self.entries.get(usize::try_from(at).ok()?)?.as_ref()
    }

    pub fn get_mut(&mut self, at: u64) -> Option<&mut T> {
        self.entries.get_mut(usize::try_from(at).ok()?)?.as_mut()
    }

    /// Values stored.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Room the table takes now, in values.
    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }

    /// Takes the value at `at` (never allocates; amortized O(log n)).
    pub fn remove(&mut self, at: u64) -> Option<T> {
        let at = usize::try_from(at).ok()?;
        let value = self.entries.get_mut(at)?.take()?;
        self.live -= 1;
        self.vacant.push(Reverse(at));
        // A vacant tail goes (each entry is popped once per push), and a table tens of
        // thousands of values once filled is given back once it is mostly vacant
        // (capacity halves at least: amortized O(1)).
        while self.entries.last().is_some_and(Option::is_none) {
            self.entries.pop();
        }
        let end = self.entries.len();
        if self.entries.capacity() > 1024 && end < self.entries.capacity() / 4 {
            self.entries.shrink_to(end * 2);
        }
        if self.vacant.len() > 2 * end + 1024 {
            self.vacant.retain(|&Reverse(vacant)| vacant < end);
            self.vacant.shrink_to(end * 2);
        }
        Some(value)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.entries.iter_mut().flatten()
    }
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab::new()
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::untyped::tests::Rng;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn the_lowest_free_index_is_reused_first() {
        let mut slab = Slab::new();
        let keys: Vec<u64> = (0..5).map(|i| slab.insert(i).unwrap()).collect();
        assert_eq!(keys, [0, 1, 2, 3, 4]);
        assert_eq!(slab.remove(3), Some(3));
        assert_eq!(slab.remove(1), Some(1));
        assert_eq!(slab.remove(1), None, "twice");
        assert_eq!((slab.insert(10), slab.insert(11), slab.insert(12)), (Some(1), Some(3), Some(5)));
        assert_eq!((slab.get(1), slab.get(3), slab.get(7), slab.get(u64::MAX)), (Some(&10), Some(&11), None, None));
        assert_eq!(slab.len(), 6);
    }

    #[test]
    fn a_table_once_large_is_given_back_as_it_empties() {
        let mut slab = Slab::new();
        for i in 0..40_000u64 {
            assert_eq!(slab.insert(i), Some(i));
        }
        let big = slab.capacity();
        // Every other one, then all from 10,000 up (in order): what stays is low.
        for i in (0..40_000).step_by(2) {
            slab.remove(i);
        }
        for i in 10_000..40_000 {
            slab.remove(i);
        }
        assert_eq!(slab.len(), 5_000);
        assert!(slab.capacity() <= big / 2, "capacity {} of {big}", slab.capacity());
        assert!(slab.vacant.len() <= 2 * 10_000 + 1024, "{} vacant kept", slab.vacant.len());
        // And the freed indices below are reused, lowest first.
        assert_eq!(slab.insert(7), Some(0));
    }

    #[test]
    fn random_operations_match_a_map() {
        let mut rng = Rng(0x5eed_0123_4567_89ab);
        let mut slab = Slab::new();
        let mut model: BTreeMap<u64, u64> = BTreeMap::new();
        // The model's free indices below its highest one ever used, and that bound.
        let (mut free, mut next) = (BTreeSet::new(), 0u64);
        for step in 0..100_000u64 {
            if rng.below(3) > 0 || model.is_empty() {
                let at = slab.insert(step).unwrap();
                let lowest_free = free.pop_first().unwrap_or_else(|| {
                    next += 1;
                    next - 1
                });
                assert_eq!(at, lowest_free, "step {step}");
                model.insert(at, step);
            } else {
                let at = rng.below(next + 8);
                let removed = model.remove(&at);
                if removed.is_some() {
                    free.insert(at);
                }
                assert_eq!(slab.remove(at), removed, "step {step}");
            }
            if step % 5000 == 0 {
                assert_eq!(slab.len(), model.len());
                for (&at, value) in &model {
                    assert_eq!(slab.get(at), Some(value));
                }
            }
        }
    }
}
