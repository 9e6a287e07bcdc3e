//! Kernel objects for the root server: untyped memory and CSpace slots (bookkept by
//! `uxrt-memory`), turned into objects with `Untyped_Retype`.

use crate::bootinfo::BootInfo;
use crate::caps;
use alloc::vec::Vec;
use sel4::invocations::{cnode_delete, cnode_mint, cnode_revoke, untyped_retype};
use sel4::{consts, CPtr, Error, ObjectType, Word};
use uxrt_memory::slots::SlotAllocator;
use uxrt_memory::untyped::{AllocError, Block, UntypedAllocator, UntypedOps};

/// The kernel side of the untyped allocator: invocations on the root CNode.
struct Kernel;

impl UntypedOps for Kernel {
    type Error = Error;
    fn retype_untyped(&mut self, parent: CPtr, bits: u8, slot: CPtr) -> Result<(), Error> {
        untyped_retype(parent, ObjectType::UntypedObject as Word, bits as Word, caps::CNODE, 0, 0, slot, 1)
    }
    fn revoke(&mut self, slot: CPtr) -> Result<(), Error> {
        cnode_revoke(caps::CNODE, slot, caps::CNODE_DEPTH as u8)
    }
    fn delete(&mut self, slot: CPtr) -> Result<(), Error> {
        cnode_delete(caps::CNODE, slot, caps::CNODE_DEPTH as u8)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceError {
    OutOfMemory,
    OutOfSlots,
    BadSize(u8),
    /// A badge wider than the kernel's.
    BadBadge,
    Kernel(Error),
}

impl From<AllocError<Error>> for ResourceError {
    fn from(error: AllocError<Error>) -> Self {
        match error {
            AllocError::OutOfMemory => ResourceError::OutOfMemory,
            AllocError::OutOfSlots => ResourceError::OutOfSlots,
            AllocError::BadSize(bits) => ResourceError::BadSize(bits),
            AllocError::Kernel(error) => ResourceError::Kernel(error),
        }
    }
}

/// A kernel object and the untyped block it was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Object {
    pub cap: CPtr,
    pub kind: ObjectType,
    block: Block,
}

impl Object {
    pub fn paddr(&self) -> Word {
        self.block.paddr
    }

    /// Bytes of memory it takes (its block of untyped memory).
    pub fn bytes(&self) -> u64 {
        self.block.size()
    }
}

/// A device region (memory-mapped I/O), kept aside from RAM.
#[derive(Debug, Clone, Copy)]
pub struct DeviceUntyped {
    pub cap: CPtr,
    pub paddr: Word,
    pub bits: u8,
}

pub struct Resources {
    pub slots: SlotAllocator,
    pub untyped: UntypedAllocator,
    pub devices: Vec<DeviceUntyped>,
    pub ram_bytes: u64,
    pub ram_untypeds: usize,
}

/// The size (log2 bytes) of an object of `kind`; `size_bits` is the size parameter of
/// variable-sized objects (CNode slots, untyped bytes).
pub fn object_bits(kind: ObjectType, size_bits: u8) -> u8 {
    let bits = match kind {
        ObjectType::UntypedObject => size_bits as i64,
        ObjectType::TCBObject => consts::TCB_BITS,
        ObjectType::EndpointObject => consts::ENDPOINT_BITS,
        ObjectType::NotificationObject => consts::NOTIFICATION_BITS,
        ObjectType::CapTableObject => consts::SLOT_BITS + size_bits as i64,
        #[cfg(notification_queues)]
        ObjectType::NotificationQueueObject => size_bits as i64,
        ObjectType::X86_4K => consts::PAGE_BITS,
        ObjectType::X86_LargePageObject => consts::LARGE_PAGE_BITS,
        ObjectType::X86_PageTableObject => consts::PAGE_TABLE_BITS,
        ObjectType::X86_PageDirectoryObject => consts::PAGE_DIR_BITS,
        ObjectType::X86_PDPTObject => consts::PDPT_BITS,
        ObjectType::X64_PML4Object => consts::PML4_BITS,
    };
    bits as u8
}

impl Resources {
    pub fn from_boot_info(info: &BootInfo) -> Resources {
        let mut untyped = UntypedAllocator::new(consts::MIN_UNTYPED_BITS as u8, consts::MAX_UNTYPED_BITS as u8);
        let mut devices = Vec::new();
        let (mut ram_bytes, mut ram_untypeds) = (0, 0);
        for (cap, desc) in info.untypeds() {
            if desc.is_device != 0 {
                devices.push(DeviceUntyped { cap, paddr: desc.paddr, bits: desc.size_bits });
            } else {
                untyped.add(cap, desc.paddr, desc.size_bits);
                ram_bytes += 1u64 << desc.size_bits;
                ram_untypeds += 1;
            }
        }
        Resources {
            slots: SlotAllocator::new(info.empty.start, info.empty.end),
            untyped,
            devices,
            ram_bytes,
            ram_untypeds,
        }
    }

    pub fn alloc_slot(&mut self) -> Result<CPtr, ResourceError> {
        if let Some(slot) = self.slots.alloc() {
            return Ok(slot);
        }
        // (Free blocks kept at their size hold slots that merging gives back.)
        self.coalesce()?;
        self.slots.alloc().ok_or(ResourceError::OutOfSlots)
    }

    /// Merges free untyped blocks (`UntypedAllocator::coalesce`), giving back their slots.
    pub fn coalesce(&mut self) -> Result<usize, ResourceError> {
        Ok(self.untyped.coalesce(&mut self.slots, &mut Kernel)?)
    }

    pub fn free_slot(&mut self, slot: CPtr) {
        // Deleting an empty slot is a no-op; the slot came from this allocator.
        let _ = cnode_delete(caps::CNODE, slot, caps::CNODE_DEPTH as u8);
        self.free_empty_slot(slot);
    }

    /// A copy of `source` (an endpoint or notification of the root server's) carrying
    /// `badge`, in a slot of its own (`free_slot` deletes it).
    pub fn badged_copy(&mut self, source: CPtr, badge: Word) -> Result<CPtr, ResourceError> {
        let data = sel4::CapData::badge(badge).ok_or(ResourceError::BadBadge)?;
        let slot = self.alloc_slot()?;
        let depth = caps::CNODE_DEPTH as u8;
        cnode_mint(caps::CNODE, slot, depth, caps::CNODE, source, depth, sel4::CapRights::ALL, data).map_err(
            |error| {
                self.free_empty_slot(slot);
                ResourceError::Kernel(error)
            },
        )?;
        Ok(slot)
    }

    /// Gives back `slot`, known to be empty already (no system call to empty it).
    pub fn free_empty_slot(&mut self, slot: CPtr) {
        let _ = self.slots.free(slot);
    }

    /// Makes one object of `kind` (of 2^`size_bits` for variable-sized ones).
    pub fn alloc_object(&mut self, kind: ObjectType, size_bits: u8) -> Result<Object, ResourceError> {
        let bits = object_bits(kind, size_bits).max(consts::MIN_UNTYPED_BITS as u8);
        let block = self.untyped.alloc(bits, &mut self.slots, &mut Kernel)?;
        let made = self.alloc_slot().and_then(|cap| {
            untyped_retype(block.slot, kind as Word, size_bits as Word, caps::CNODE, 0, 0, cap, 1)
                .map(|()| cap)
                .map_err(|error| {
                    let _ = self.slots.free(cap);
                    ResourceError::Kernel(error)
                })
        });
        match made {
            Ok(cap) => Ok(Object { cap, kind, block }),
            Err(error) => {
                let _ = self.untyped.free(block, &mut Kernel);
                Err(error)
            }
        }
    }

    /// Makes `count` objects of `kind`; on failure none is left behind.
    pub fn alloc_objects(&mut self, kind: ObjectType, count: usize) -> Result<Vec<Object>, ResourceError> {
        let mut made = Vec::with_capacity(count);
        for _ in 0..count {
            match self.alloc_object(kind, 0) {
                Ok(object) => made.push(object),
                Err(error) => {
                    self.free_objects(made);
                    return Err(error);
                }
            }
        }
        Ok(made)
    }

    pub fn free_objects(&mut self, objects: Vec<Object>) {
        for object in objects {
            self.free_object(object);
        }
    }

    /// Destroys an object (revoking its untyped deletes it and every copy of its cap).
    pub fn free_object(&mut self, object: Object) {
        let freed = self.untyped.free(object.block, &mut Kernel);
        debug_assert!(freed.is_ok(), "freeing {object:?}: {freed:?}");
        let _ = self.slots.free(object.cap);
    }
}
