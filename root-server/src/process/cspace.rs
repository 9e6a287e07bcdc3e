//! A process's CSpace: one CNode, small at first, replaced by a larger one when the
//! process asks for room beyond it (`startup::CSPACE_BITS`). Charged to the process.

use super::space::errno;
use crate::caps;
use crate::resources::{object_bits, Object, ResourceError, Resources};
use sel4::invocations::{cnode_mint, cnode_move, tcb_set_space};
use sel4::{CPtr, CapData, CapRights, ObjectType, Word};
use uxrt_protocols::startup::{self, CSPACE_BITS, INITIAL_CSPACE_BITS};
use uxrt_protocols::Errno;

pub struct CSpace {
    cnode: Object,
    /// It has 2^`bits` slots.
    bits: u8,
    /// The slots below `startup::FIRST_FREE_SLOT` the root server filled, a bit each.
    fixed: u16,
}

/// The guard that makes a slot number of a CNode of 2^`bits` slots a whole word.
pub fn guard(bits: u8) -> CapData {
    CapData::guard(0, 64 - bits as Word)
}

/// What the process's thread needs to be pointed at a new CNode.
pub struct Thread {
    pub tcb: CPtr,
    pub vspace: CPtr,
}

impl CSpace {
    pub fn new(resources: &mut Resources) -> Result<CSpace, Errno> {
        let cnode = resources.alloc_object(ObjectType::CapTableObject, INITIAL_CSPACE_BITS).map_err(errno)?;
        Ok(CSpace { cnode, bits: INITIAL_CSPACE_BITS, fixed: 0 })
    }

    /// The CNode (what the thread and the process's `startup::CNODE` slot name).
    pub fn cap(&self) -> CPtr {
        self.cnode.cap
    }

    /// Address bits of a slot in it (the depth to name one through `cap`).
    pub fn bits(&self) -> u8 {
        self.bits
    }

    /// Records that the root server filled the fixed slot `slot` (below
    /// `startup::FIRST_FREE_SLOT`): it moves with the rest when the CSpace grows.
    pub fn filled(&mut self, slot: Word) {
        if slot < startup::FIRST_FREE_SLOT {
            self.fixed |= 1 << slot;
        }
    }

    /// Whether it has `slot`.
    pub fn has(&self, slot: Word) -> bool {
        slot < 1 << self.bits
    }

    /// The size (bits) it must grow to for slots `first..first + count`, or `None` if it
    /// has them (`EINVAL` past the largest CSpace). Growth is by four times at least, so
    /// that a process opening many files grows it a few times only.
    pub fn growth_for(&self, first: Word, count: Word) -> Result<Option<u8>, Errno> {
        let end = first.checked_add(count).filter(|&end| count > 0 && end <= 1 << CSPACE_BITS).ok_or(Errno::EINVAL)?;
        if end <= 1 << self.bits {
            return Ok(None);
        }
        let needed = (end - 1).ilog2() as u8 + 1;
        Ok(Some(needed.max(self.bits + 2).min(CSPACE_BITS)))
    }

    /// Bytes a CNode of 2^`bits` slots takes.
    pub fn bytes_for(bits: u8) -> u64 {
        1 << object_bits(ObjectType::CapTableObject, bits)
    }

    /// Replaces the CNode by one of 2^`bits` slots: the capabilities move to the same
    /// slots of the new one (those of the fixed slots the root server filled, and those
    /// `occupied` names: the process's own word for what it holds, a bit per slot), the
    /// process's own `startup::CNODE` names the new one, and so does its thread, if it has
    /// one (it is blocked in its call to the root server). Moving only what is there
    /// spares the debug kernel a complaint per empty slot.
    pub fn grow(
        &mut self,
        resources: &mut Resources,
        bits: u8,
        occupied: &[u64],
        thread: Option<Thread>,
    ) -> Result<(), Errno> {
        let (fixed, size) = (self.fixed, 1 << self.bits);
        let fixed = (0..startup::FIRST_FREE_SLOT).filter(move |&slot| fixed & 1 << slot != 0);
        let named = (startup::FIRST_FREE_SLOT..size.min(occupied.len() as Word * 64))
            .filter(|&slot| occupied[slot as usize / 64] & 1 << (slot % 64) != 0);
        // (A process that names too few only loses its own capabilities.)
        let movable = || fixed.clone().chain(named.clone()).filter(|&slot| slot != startup::CNODE);
        let new = resources.alloc_object(ObjectType::CapTableObject, bits).map_err(errno)?;
        let kernel = |error| errno(ResourceError::Kernel(error));
        let remint = cnode_mint(new.cap, startup::CNODE, bits, caps::CNODE, new.cap, 64, CapRights::ALL, guard(bits));
        // (Moving from an empty slot fails, and changes nothing. The old `CNODE` goes with
        // the old CNode.)
        for slot in movable() {
            let _ = cnode_move(new.cap, slot, bits, self.cnode.cap, slot, self.bits);
        }
        let switched = remint.map_err(kernel).and_then(|()| match &thread {
            Some(thread) => {
                tcb_set_space(thread.tcb, startup::FAULT_HANDLER, new.cap, guard(bits), thread.vspace, CapData::NONE)
                    .map_err(kernel)
            }
            None => Ok(()),
        });
        if let Err(error) = switched {
            // Back where they were: the process keeps its CSpace as it was.
            for slot in movable() {
                let _ = cnode_move(self.cnode.cap, slot, self.bits, new.cap, slot, bits);
            }
            resources.free_object(new);
            return Err(error);
        }
        let old = core::mem::replace(&mut self.cnode, new);
        self.bits = bits;
        resources.free_object(old);
        Ok(())
    }

    /// Bytes of kernel memory it takes.
    pub fn bytes(&self) -> u64 {
        self.cnode.bytes()
    }

    /// Deletes the CNode, and so every capability the process held.
    pub fn destroy(self, resources: &mut Resources) {
        resources.free_object(self.cnode);
    }
}
