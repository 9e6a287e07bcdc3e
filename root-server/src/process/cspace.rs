//! A process's CSpace: a root CNode whose entries are leaf CNodes, made as the process
//! asks for room (`startup::CSPACE_BITS`). Every leaf is charged to the process.

use super::space::errno;
use crate::caps;
use crate::resources::{Object, ResourceError, Resources};
use alloc::collections::BTreeMap;
use sel4::invocations::cnode_copy;
use sel4::{CPtr, CapRights, ObjectType, Word};
use uxrt_protocols::startup::{CSPACE_BITS, LEAF_BITS, ROOT_BITS};
use uxrt_protocols::Errno;

pub struct CSpace {
    root: Object,
    /// Leaf CNodes by their index in the root (`slot >> LEAF_BITS`).
    leaves: BTreeMap<Word, Object>,
}

/// Bytes of one leaf CNode.
pub fn leaf_bytes() -> u64 {
    1 << crate::resources::object_bits(ObjectType::CapTableObject, LEAF_BITS)
}

impl CSpace {
    /// The root and leaf 0.
    pub fn new(resources: &mut Resources) -> Result<CSpace, Errno> {
        let root = resources.alloc_object(ObjectType::CapTableObject, ROOT_BITS).map_err(errno)?;
        let mut cspace = CSpace { root, leaves: BTreeMap::new() };
        match cspace.add_leaf(resources, 0) {
            Ok(()) => Ok(cspace),
            Err(error) => {
                cspace.destroy(resources);
                Err(error)
            }
        }
    }

    /// The root CNode (what the process's thread and its `startup::CNODE` slot name).
    pub fn cap(&self) -> CPtr {
        self.root.cap
    }

    /// The leaves `first..first + count` needs that are not made yet: how many, checked
    /// (`EINVAL` for a range beyond the CSpace).
    pub fn missing(&self, first: Word, count: Word) -> Result<usize, Errno> {
        let end = first.checked_add(count).filter(|&end| count > 0 && end <= 1 << CSPACE_BITS).ok_or(Errno::EINVAL)?;
        Ok(leaf_range(first, end).filter(|leaf| !self.leaves.contains_key(leaf)).count())
    }

    /// Makes the leaves `first..first + count` needs (the caller checked the range with
    /// `missing` and found room for them).
    pub fn extend(&mut self, resources: &mut Resources, first: Word, count: Word) -> Result<(), Errno> {
        for leaf in leaf_range(first, first + count) {
            if !self.leaves.contains_key(&leaf) {
                self.add_leaf(resources, leaf)?;
            }
        }
        Ok(())
    }

    fn add_leaf(&mut self, resources: &mut Resources, leaf: Word) -> Result<(), Errno> {
        let node = resources.alloc_object(ObjectType::CapTableObject, LEAF_BITS).map_err(errno)?;
        // (A copy of the unguarded original: its radix takes the address's last bits.)
        match cnode_copy(self.root.cap, leaf, ROOT_BITS, caps::CNODE, node.cap, 64, CapRights::ALL) {
            Ok(()) => {
                self.leaves.insert(leaf, node);
                Ok(())
            }
            Err(error) => {
                resources.free_object(node);
                Err(errno(ResourceError::Kernel(error)))
            }
        }
    }

    /// Bytes of kernel memory it takes.
    pub fn bytes(&self) -> u64 {
        self.root.bytes() + self.leaves.values().map(Object::bytes).sum::<u64>()
    }

    /// Slots of the root server's CSpace it holds.
    pub fn slots(&self) -> usize {
        1 + self.leaves.len()
    }

    /// Deletes every CNode, and so every capability the process held.
    pub fn destroy(self, resources: &mut Resources) {
        resources.free_object(self.root);
        for (_, leaf) in self.leaves {
            resources.free_object(leaf);
        }
    }
}

fn leaf_range(first: Word, end: Word) -> core::ops::RangeInclusive<Word> {
    first >> LEAF_BITS..=(end - 1) >> LEAF_BITS
}
