//! Free untyped memory, as a buddy system over untyped capabilities.
//!
//! Every boot untyped is a power-of-two, size-aligned region: a root of the buddy tree.
//! To hand out a block of 2^n bytes, a larger free block is split in halves by retyping
//! its untyped into two child untypeds, until one has the size asked for. The caller
//! retypes objects from the block it gets. Freeing a block revokes its untyped (which
//! deletes every object made from it) and keeps it free at its size: the next request of
//! that size takes it back with no split. Buddies are merged (deleting the two child caps
//! so the parent untyped is whole) only when a request finds no block large enough, or
//! slots run short (`coalesce`): merging eagerly would make the next small request split
//! the parent again, and seL4 zeroes a whole untyped that is retyped after its children
//! went, however little of it is then used (34 MB of zeroing for one spawn was seen).

use crate::slots::SlotAllocator;
use crate::Slot;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

/// The kernel operations the allocator needs.
pub trait UntypedOps {
    type Error;
    /// Retype the untyped in `parent` into one untyped of 2^`bits` bytes placed in `slot`
    /// (successive calls take successive, size-aligned parts of the parent).
    fn retype_untyped(&mut self, parent: Slot, bits: u8, slot: Slot) -> Result<(), Self::Error>;
    /// Delete every capability derived from the one in `slot` (objects, child untypeds).
    fn revoke(&mut self, slot: Slot) -> Result<(), Self::Error>;
    /// Delete the capability in `slot`.
    fn delete(&mut self, slot: Slot) -> Result<(), Self::Error>;
}

/// A block of untyped memory: 2^`bits` bytes at `paddr`, its cap in `slot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Block {
    pub slot: Slot,
    pub paddr: u64,
    pub bits: u8,
}

impl Block {
    pub fn size(&self) -> u64 {
        1 << self.bits
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocError<E> {
    /// No free block is large enough.
    OutOfMemory,
    /// The size is below the kernel's smallest untyped or above the largest.
    BadSize(u8),
    /// No free CSpace slot for the caps of a split.
    OutOfSlots,
    /// The kernel refused an operation (a bug in the bookkeeping).
    Kernel(E),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreeError<E> {
    /// The block was not handed out by this allocator (or was freed already).
    NotAllocated(Block),
    Kernel(E),
}

pub struct UntypedAllocator {
    min_bits: u8,
    max_bits: u8,
    /// Free blocks per size: paddr → slot.
    free: BTreeMap<u8, BTreeMap<u64, Slot>>,
    /// Blocks we split: (paddr, bits) → their slot.
    split: BTreeMap<(u64, u8), Slot>,
    /// Blocks handed out and not yet freed.
    allocated: BTreeSet<Block>,
    free_bytes: u64,
}

impl UntypedAllocator {
    /// `min_bits..=max_bits` bounds the sizes handed out (the kernel's untyped limits).
    pub fn new(min_bits: u8, max_bits: u8) -> Self {
        UntypedAllocator {
            min_bits,
            max_bits,
            free: BTreeMap::new(),
            split: BTreeMap::new(),
            allocated: BTreeSet::new(),
            free_bytes: 0,
        }
    }

    /// Adds a boot untyped (a root of the buddy tree).
    pub fn add(&mut self, slot: Slot, paddr: u64, bits: u8) {
        self.free.entry(bits).or_default().insert(paddr, slot);
        self.free_bytes += 1 << bits;
    }

    pub fn free_bytes(&self) -> u64 {
        self.free_bytes
    }

    /// Slots the books hold: free, split and allocated blocks (what splitting takes from
    /// the slot allocator, merging gives back).
    pub fn slots_held(&self) -> usize {
        self.free.values().map(BTreeMap::len).sum::<usize>() + self.split.len() + self.allocated.len()
    }

    /// The largest block that could be handed out now.
    pub fn largest_free_bits(&self) -> Option<u8> {
        self.free.iter().rev().find(|(_, blocks)| !blocks.is_empty()).map(|(&bits, _)| bits)
    }

    pub fn alloc<K: UntypedOps>(
        &mut self,
        bits: u8,
        slots: &mut SlotAllocator,
        kernel: &mut K,
    ) -> Result<Block, AllocError<K::Error>> {
        if bits < self.min_bits || bits > self.max_bits {
            return Err(AllocError::BadSize(bits));
        }
        // (A split takes up to two slots a level: merging first gives slots back.)
        if slots.free_count() < 2 * (self.max_bits - self.min_bits) as usize {
            self.coalesce(slots, kernel)?;
        }
        let found = match self.smallest_free(bits) {
            Some(found) => Some(found),
            None if self.coalesce(slots, kernel)? > 0 => self.smallest_free(bits),
            None => None,
        };
        let Some(found_bits) = found else {
            return Err(AllocError::OutOfMemory);
        };
        let (paddr, slot) = self.take_free(found_bits).expect("the list is not empty");
        let mut block = Block { slot, paddr, bits: found_bits };
        while block.bits > bits {
            match self.split_block(block, slots, kernel) {
                Ok(lower) => block = lower,
                Err(error) => {
                    self.put_free(block);
                    return Err(error);
                }
            }
        }
        self.allocated.insert(block);
        Ok(block)
    }

    /// Splits `block` in two halves; keeps the upper one free, returns the lower one.
    fn split_block<K: UntypedOps>(
        &mut self,
        block: Block,
        slots: &mut SlotAllocator,
        kernel: &mut K,
    ) -> Result<Block, AllocError<K::Error>> {
        let half = block.bits - 1;
        let lower_slot = slots.alloc().ok_or(AllocError::OutOfSlots)?;
        let Some(upper_slot) = slots.alloc() else {
            slots.free(lower_slot).expect("just allocated");
            return Err(AllocError::OutOfSlots);
        };
        let made = kernel
            .retype_untyped(block.slot, half, lower_slot)
            .and_then(|()| kernel.retype_untyped(block.slot, half, upper_slot));
        if let Err(error) = made {
            // Undo whatever was made: the block is whole again once it has no children.
            let _ = kernel.revoke(block.slot);
            slots.free(lower_slot).expect("just allocated");
            slots.free(upper_slot).expect("just allocated");
            return Err(AllocError::Kernel(error));
        }
        self.split.insert((block.paddr, block.bits), block.slot);
        self.put_free(Block { slot: upper_slot, paddr: block.paddr + (1 << half), bits: half });
        Ok(Block { slot: lower_slot, paddr: block.paddr, bits: half })
    }

    /// Returns a block: every object made from it is destroyed, and it merges with its
    /// buddy as far up as possible.
    pub fn free<K: UntypedOps>(&mut self, block: Block, kernel: &mut K) -> Result<(), FreeError<K::Error>> {
        if !self.allocated.remove(&block) {
            return Err(FreeError::NotAllocated(block));
        }
        if let Err(error) = kernel.revoke(block.slot) {
            self.allocated.insert(block);
            return Err(FreeError::Kernel(error));
        }
        self.put_free(block);
        Ok(())
    }

    /// Merges every pair of free buddies, smallest first (so merged halves merge on up):
    /// what a request that finds no block large enough does before it fails. Returns how
    /// many merges were made.
    pub fn coalesce<K: UntypedOps>(
        &mut self,
        slots: &mut SlotAllocator,
        kernel: &mut K,
    ) -> Result<usize, AllocError<K::Error>> {
        let mut merged = 0;
        for bits in self.min_bits..self.max_bits {
            let lower_halves: Vec<(u64, Slot)> = match self.free.get(&bits) {
                Some(list) => {
                    list.iter().filter(|(&paddr, _)| paddr & (1 << bits) == 0).map(|(&p, &s)| (p, s)).collect()
                }
                None => continue,
            };
            for (paddr, slot) in lower_halves {
                let parent_key = (paddr, bits + 1);
                let buddy_paddr = paddr | (1 << bits);
                let Some(&parent_slot) = self.split.get(&parent_key) else { continue };
                let Some(buddy_slot) = self.free.get(&bits).and_then(|list| list.get(&buddy_paddr)).copied() else {
                    continue;
                };
                kernel.delete(slot).map_err(AllocError::Kernel)?;
                kernel.delete(buddy_slot).map_err(AllocError::Kernel)?;
                let list = self.free.get_mut(&bits).expect("the list holding both halves");
                list.remove(&paddr);
                list.remove(&buddy_paddr);
                self.free_bytes -= 2 << bits;
                slots.free(slot).expect("a split's slot");
                slots.free(buddy_slot).expect("a split's slot");
                self.split.remove(&parent_key);
                self.put_free(Block { slot: parent_slot, paddr, bits: bits + 1 });
                merged += 1;
            }
        }
        Ok(merged)
    }

    /// The size of the smallest free block of at least 2^`bits` bytes.
    fn smallest_free(&self, bits: u8) -> Option<u8> {
        self.free.range(bits..).find(|(_, blocks)| !blocks.is_empty()).map(|(&found, _)| found)
    }

    fn take_free(&mut self, bits: u8) -> Option<(u64, Slot)> {
        let entry = self.free.get_mut(&bits)?.pop_first()?;
        self.free_bytes -= 1 << bits;
        Some(entry)
    }

    fn put_free(&mut self, block: Block) {
        self.free.entry(block.bits).or_default().insert(block.paddr, block.slot);
        self.free_bytes += block.size();
    }

    /// Free blocks, largest first (for reports).
    pub fn free_blocks(&self) -> Vec<(u8, usize)> {
        self.free.iter().rev().filter(|(_, b)| !b.is_empty()).map(|(&bits, b)| (bits, b.len())).collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    extern crate std;
    use super::*;
    use std::collections::BTreeMap as Map;
    use std::vec;

    /// xorshift64: a small deterministic generator for randomized tests.
    pub struct Rng(pub u64);

    impl Rng {
        pub fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        pub fn below(&mut self, n: u64) -> u64 {
            if n == 0 {
                0
            } else {
                self.next() % n
            }
        }
    }

    /// A model of the kernel's untyped caps: which slots hold untypeds, their region, their
    /// children and how much of them is used (the kernel's free index).
    #[derive(Default)]
    struct ModelKernel {
        caps: Map<Slot, (u64, u8, Option<Slot>)>, // slot → (paddr, bits, parent)
        used: Map<Slot, u64>,                     // untyped slot → bytes retyped so far
        fail_after: Option<usize>,
    }

    impl ModelKernel {
        fn children(&self, slot: Slot) -> Vec<Slot> {
            self.caps.iter().filter(|(_, c)| c.2 == Some(slot)).map(|(&s, _)| s).collect()
        }
    }

    impl UntypedOps for ModelKernel {
        type Error = &'static str;
        fn retype_untyped(&mut self, parent: Slot, bits: u8, slot: Slot) -> Result<(), &'static str> {
            if let Some(n) = self.fail_after.as_mut() {
                if *n == 0 {
                    return Err("injected failure");
                }
                *n -= 1;
            }
            let &(paddr, parent_bits, _) = self.caps.get(&parent).ok_or("no untyped in parent slot")?;
            if self.caps.contains_key(&slot) {
                return Err("destination slot occupied");
            }
            // The kernel resets an untyped that has no children before retyping it.
            let used = if self.children(parent).is_empty() { 0 } else { self.used[&parent] };
            let start = used.div_ceil(1 << bits) * (1 << bits);
            if start + (1 << bits) > 1 << parent_bits {
                return Err("not enough memory");
            }
            self.used.insert(parent, start + (1 << bits));
            self.caps.insert(slot, (paddr + start, bits, Some(parent)));
            Ok(())
        }
        fn revoke(&mut self, slot: Slot) -> Result<(), &'static str> {
            for child in self.children(slot) {
                self.revoke(child)?;
                self.caps.remove(&child);
            }
            Ok(())
        }
        fn delete(&mut self, slot: Slot) -> Result<(), &'static str> {
            if !self.children(slot).is_empty() {
                return Err("delete with children would orphan them in this model");
            }
            self.caps.remove(&slot).map(|_| ()).ok_or("delete of an empty slot")
        }
    }

    fn setup(roots: &[(u64, u8)]) -> (UntypedAllocator, SlotAllocator, ModelKernel) {
        let mut kernel = ModelKernel::default();
        let mut untyped = UntypedAllocator::new(4, 47);
        for (i, &(paddr, bits)) in roots.iter().enumerate() {
            kernel.caps.insert(i as Slot, (paddr, bits, None));
            untyped.add(i as Slot, paddr, bits);
        }
        (untyped, SlotAllocator::new(100, 10_000), kernel)
    }

    #[test]
    fn a_block_is_the_size_asked_for_aligned_and_backed_by_the_kernel() {
        let (mut untyped, mut slots, mut kernel) = setup(&[(0x10_0000, 20)]);
        let block = untyped.alloc(12, &mut slots, &mut kernel).unwrap();
        assert_eq!(block.bits, 12);
        assert_eq!(block.paddr % 4096, 0);
        assert_eq!(kernel.caps[&block.slot], (block.paddr, 12, kernel.caps[&block.slot].2));
        assert_eq!(untyped.free_bytes(), (1 << 20) - 4096);
    }

    #[test]
    fn freeing_everything_merges_back_to_the_roots() {
        let (mut untyped, mut slots, mut kernel) = setup(&[(0, 16), (1 << 20, 14)]);
        let blocks: Vec<Block> =
            [4, 12, 5, 13, 14, 4].iter().map(|&b| untyped.alloc(b, &mut slots, &mut kernel).unwrap()).collect();
        for block in blocks.into_iter().rev() {
            untyped.free(block, &mut kernel).unwrap();
        }
        assert_eq!(untyped.free_bytes(), (1 << 16) + (1 << 14));
        untyped.coalesce(&mut slots, &mut kernel).unwrap();
        assert_eq!(untyped.free_blocks(), vec![(16, 1), (14, 1)]);
        assert_eq!(slots.free_count(), slots.capacity());
        assert_eq!(kernel.caps.len(), 2, "only the boot untypeds remain");
    }

    #[test]
    fn a_freed_block_is_reused_without_splitting_or_merging_again() {
        let (mut untyped, mut slots, mut kernel) = setup(&[(0, 20)]);
        let first = untyped.alloc(12, &mut slots, &mut kernel).unwrap();
        untyped.free(first, &mut kernel).unwrap();
        let caps = kernel.caps.len();
        kernel.fail_after = Some(0); // any retype now fails
        let again = untyped.alloc(12, &mut slots, &mut kernel).unwrap();
        assert_eq!(again, first, "the freed block itself comes back");
        assert_eq!(kernel.caps.len(), caps, "no cap made or deleted");
    }

    #[test]
    fn a_request_too_large_for_the_free_blocks_merges_them_first() {
        let (mut untyped, mut slots, mut kernel) = setup(&[(0, 14)]);
        let blocks: Vec<Block> = (0..4).map(|_| untyped.alloc(12, &mut slots, &mut kernel).unwrap()).collect();
        for block in blocks {
            untyped.free(block, &mut kernel).unwrap();
        }
        assert_eq!(untyped.free_blocks(), vec![(12, 4)], "kept at their size");
        let whole = untyped.alloc(14, &mut slots, &mut kernel).unwrap();
        assert_eq!((whole.paddr, whole.bits, whole.slot), (0, 14, 0), "the boot untyped, whole again");
        assert_eq!(kernel.caps.len(), 1);
    }

    #[test]
    fn exhaustion_bad_sizes_and_double_frees_are_errors() {
        let (mut untyped, mut slots, mut kernel) = setup(&[(0, 12)]);
        assert_eq!(untyped.alloc(13, &mut slots, &mut kernel), Err(AllocError::OutOfMemory));
        assert_eq!(untyped.alloc(3, &mut slots, &mut kernel), Err(AllocError::BadSize(3)));
        let a = untyped.alloc(11, &mut slots, &mut kernel).unwrap();
        let b = untyped.alloc(11, &mut slots, &mut kernel).unwrap();
        assert_eq!(untyped.alloc(4, &mut slots, &mut kernel), Err(AllocError::OutOfMemory));
        untyped.free(a, &mut kernel).unwrap();
        assert_eq!(untyped.free(a, &mut kernel), Err(FreeError::NotAllocated(a)));
        untyped.free(b, &mut kernel).unwrap();
        assert_eq!(untyped.free_bytes(), 1 << 12);
    }

    #[test]
    fn running_out_of_slots_loses_nothing() {
        let (mut untyped, _, mut kernel) = setup(&[(0, 16)]);
        // Enough slots for the first split (16 → 15) but not the second.
        let mut few = SlotAllocator::new(100, 103);
        assert_eq!(untyped.alloc(12, &mut few, &mut kernel), Err(AllocError::OutOfSlots));
        assert_eq!(untyped.free_bytes(), 1 << 16);
        assert_eq!(untyped.free_blocks(), vec![(15, 2)]);
        assert_eq!(few.free_count(), 1);
    }

    #[test]
    fn a_kernel_failure_in_a_split_loses_nothing() {
        let (mut untyped, mut slots, mut kernel) = setup(&[(0, 16)]);
        kernel.fail_after = Some(1);
        assert!(matches!(untyped.alloc(12, &mut slots, &mut kernel), Err(AllocError::Kernel(_))));
        assert_eq!(untyped.free_bytes(), 1 << 16);
        assert_eq!(slots.free_count(), slots.capacity());
        kernel.fail_after = None;
        let block = untyped.alloc(12, &mut slots, &mut kernel).unwrap();
        untyped.free(block, &mut kernel).unwrap();
        untyped.coalesce(&mut slots, &mut kernel).unwrap();
        assert_eq!(untyped.free_blocks(), vec![(16, 1)]);
    }

    #[test]
    fn random_sequences_never_overlap_and_always_account_exactly() {
        for seed in 1..=40u64 {
            let mut rng = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d));
            let roots = [(0u64, 18u8), (1 << 20, 16), (3 << 20, 12)];
            let total: u64 = roots.iter().map(|r| 1u64 << r.1).sum();
            let (mut untyped, mut slots, mut kernel) = setup(&roots);
            let mut held: Vec<Block> = Vec::new();
            for _ in 0..400 {
                if rng.below(5) < 3 {
                    let bits = 4 + rng.below(12) as u8;
                    match untyped.alloc(bits, &mut slots, &mut kernel) {
                        Ok(block) => {
                            assert_eq!(block.paddr % block.size(), 0, "seed {seed}: misaligned");
                            for other in &held {
                                let disjoint = block.paddr + block.size() <= other.paddr
                                    || other.paddr + other.size() <= block.paddr;
                                assert!(disjoint, "seed {seed}: {block:?} overlaps {other:?}");
                            }
                            held.push(block);
                        }
                        Err(AllocError::OutOfMemory) => {
                            assert!(
                                untyped.largest_free_bits().is_none_or(|b| b < bits),
                                "seed {seed}: refused with room"
                            );
                        }
                        Err(other) => panic!("seed {seed}: {other:?}"),
                    }
                } else if !held.is_empty() {
                    let block = held.swap_remove(rng.below(held.len() as u64) as usize);
                    untyped.free(block, &mut kernel).unwrap();
                }
                let in_use: u64 = held.iter().map(Block::size).sum();
                assert_eq!(untyped.free_bytes() + in_use, total, "seed {seed}: bytes leaked");
            }
            for block in held.drain(..) {
                untyped.free(block, &mut kernel).unwrap();
            }
            untyped.coalesce(&mut slots, &mut kernel).unwrap();
            assert_eq!(untyped.free_blocks(), vec![(18, 1), (16, 1), (12, 1)], "seed {seed}: not merged back");
            assert_eq!(slots.free_count(), slots.capacity(), "seed {seed}: slots leaked");
        }
    }
}
