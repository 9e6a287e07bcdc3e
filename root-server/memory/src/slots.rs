//! Free slots of a CNode region, one bit each.

use crate::Slot;
use alloc::vec;
use alloc::vec::Vec;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotError {
    /// The slot is not in the managed region.
    OutOfRange(Slot),
    /// The slot is already free.
    NotAllocated(Slot),
}

pub struct SlotAllocator {
    start: Slot,
    end: Slot,
    /// Bit set = slot free.
    free: Vec<u64>,
    free_count: usize,
    /// The word to look in first (everything before it was full when last looked).
    hint: usize,
}

impl SlotAllocator {
    /// Manages the free slots `start..end`.
    pub fn new(start: Slot, end: Slot) -> Self {
        let count = end.saturating_sub(start) as usize;
        let mut free = vec![u64::MAX; count.div_ceil(64)];
        if let (Some(last), tail @ 1..) = (free.last_mut(), count % 64) {
            *last = (1 << tail) - 1;
        }
        SlotAllocator { start, end, free, free_count: count, hint: 0 }
    }

    pub fn alloc(&mut self) -> Option<Slot> {
        let words = self.free.len();
        for k in 0..words {
            let i = (self.hint + k) % words;
            let word = self.free[i];
            if word != 0 {
                let bit = word.trailing_zeros() as usize;
                self.free[i] &= !(1 << bit);
                self.free_count -= 1;
                self.hint = i;
                return Some(self.start + (i * 64 + bit) as Slot);
            }
        }
        None
    }

    pub fn free(&mut self, slot: Slot) -> Result<(), SlotError> {
        if slot < self.start || slot >= self.end {
            return Err(SlotError::OutOfRange(slot));
        }
        let i = (slot - self.start) as usize;
        let (word, bit) = (i / 64, i % 64);
        if self.free[word] & (1 << bit) != 0 {
            return Err(SlotError::NotAllocated(slot));
        }
        self.free[word] |= 1 << bit;
        self.free_count += 1;
        self.hint = self.hint.min(word);
        Ok(())
    }

    pub fn free_count(&self) -> usize {
        self.free_count
    }

    pub fn capacity(&self) -> usize {
        (self.end - self.start) as usize
    }

    /// Which slots are free now (to compare with later: [`SlotAllocator::taken_since`]).
    pub fn snapshot(&self) -> Vec<u64> {
        self.free.clone()
    }

    /// The slots allocated now that were free at `snapshot`.
    pub fn taken_since(&self, snapshot: &[u64]) -> Vec<Slot> {
        let mut taken = Vec::new();
        for (i, (&then, &now)) in snapshot.iter().zip(&self.free).enumerate() {
            let mut bits = then & !now;
            while bits != 0 {
                taken.push(self.start + (i * 64 + bits.trailing_zeros() as usize) as Slot);
                bits &= bits - 1;
            }
        }
        taken
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn hands_out_every_slot_once_then_none() {
        let mut slots = SlotAllocator::new(100, 230);
        let got: BTreeSet<Slot> = (0..130).map(|_| slots.alloc().unwrap()).collect();
        assert_eq!(got, (100..230).collect());
        assert_eq!(slots.alloc(), None);
        assert_eq!(slots.free_count(), 0);
    }

    #[test]
    fn freed_slots_come_back() {
        let mut slots = SlotAllocator::new(0, 70);
        let all: Vec<Slot> = (0..70).map(|_| slots.alloc().unwrap()).collect();
        slots.free(all[3]).unwrap();
        slots.free(all[65]).unwrap();
        let again: BTreeSet<Slot> = [slots.alloc().unwrap(), slots.alloc().unwrap()].into();
        assert_eq!(again, [3, 65].into());
    }

    #[test]
    fn bad_frees_are_errors_and_change_nothing() {
        let mut slots = SlotAllocator::new(10, 20);
        let s = slots.alloc().unwrap();
        assert_eq!(slots.free(9), Err(SlotError::OutOfRange(9)));
        assert_eq!(slots.free(20), Err(SlotError::OutOfRange(20)));
        assert_eq!(slots.free(s + 1), Err(SlotError::NotAllocated(s + 1)));
        assert_eq!(slots.free_count(), 9);
        slots.free(s).unwrap();
        assert_eq!(slots.free(s), Err(SlotError::NotAllocated(s)));
        assert_eq!(slots.free_count(), 10);
    }

    #[test]
    fn random_alloc_free_keeps_count_and_uniqueness() {
        let mut rng = crate::untyped::tests::Rng(0x9e37_79b9);
        let mut slots = SlotAllocator::new(5, 1005);
        let mut held = BTreeSet::new();
        for _ in 0..20_000 {
            if rng.below(3) > 0 {
                if let Some(s) = slots.alloc() {
                    assert!(held.insert(s), "slot {s} handed out twice");
                }
            } else if let Some(&s) = held.iter().nth(rng.below(held.len().max(1) as u64) as usize) {
                held.remove(&s);
                slots.free(s).unwrap();
            }
            assert_eq!(slots.free_count() + held.len(), 1000);
        }
    }
}
