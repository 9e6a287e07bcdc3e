//! The root server's own address space: mapping frames at fresh addresses, with the
//! paging structures made on demand.

use crate::caps;
use crate::resources::{Object, ResourceError, Resources};
use alloc::vec::Vec;
use sel4::invocations::{x86_page_directory_map, x86_page_map, x86_page_table_map, x86_pdpt_map};
use sel4::{consts, CPtr, CapRights, Error, ObjectType, Word};

pub const PAGE_SIZE: usize = 1 << consts::PAGE_BITS;
/// Default attributes: write-back caching.
const ATTRIBUTES: Word = 0;

/// Fresh virtual addresses start here, far above the image.
const FIRST_FRESH_ADDRESS: Word = 0x10_0000_0000;

pub struct VSpace {
    next_fresh: Word,
    /// Paging structures made for this address space (kept for its lifetime).
    pub paging: Vec<Object>,
}

impl VSpace {
    pub const fn new() -> Self {
        VSpace { next_fresh: FIRST_FRESH_ADDRESS, paging: Vec::new() }
    }

    /// Reserves `pages` pages of address space, followed by an unmapped guard page.
    pub fn reserve(&mut self, pages: usize) -> Word {
        let start = self.next_fresh;
        self.next_fresh += ((pages + 1) * PAGE_SIZE) as Word;
        start
    }

    /// Maps `frame` at `vaddr`, making the missing page table, directory or PDPT.
    pub fn map(&mut self, resources: &mut Resources, frame: CPtr, vaddr: Word, rights: CapRights) -> Result<(), ResourceError> {
        // At most three levels can be missing (PDPT, page directory, page table).
        for _ in 0..4 {
            match x86_page_map(frame, caps::VSPACE, vaddr, rights, ATTRIBUTES) {
                Ok(()) => return Ok(()),
                Err(Error::FailedLookup) => self.add_paging_level(resources, vaddr)?,
                Err(error) => return Err(ResourceError::Kernel(error)),
            }
        }
        Err(ResourceError::Kernel(Error::FailedLookup))
    }

    /// Makes and maps the highest missing paging structure above `vaddr`.
    fn add_paging_level(&mut self, resources: &mut Resources, vaddr: Word) -> Result<(), ResourceError> {
        type MapFn = fn(CPtr, CPtr, Word, Word) -> Result<(), Error>;
        // From the lowest level up: the first that maps is the one that was missing.
        const LEVELS: [(ObjectType, MapFn); 3] = [
            (ObjectType::X86_PageTableObject, x86_page_table_map),
            (ObjectType::X86_PageDirectoryObject, x86_page_directory_map),
            (ObjectType::X86_PDPTObject, x86_pdpt_map),
        ];
        for (kind, map) in LEVELS {
            let table = resources.alloc_object(kind, 0)?;
            match map(table.cap, caps::VSPACE, vaddr, ATTRIBUTES) {
                Ok(()) => {
                    self.paging.push(table);
                    return Ok(());
                }
                Err(Error::FailedLookup) => resources.free_object(table),
                Err(error) => {
                    resources.free_object(table);
                    return Err(ResourceError::Kernel(error));
                }
            }
        }
        Err(ResourceError::Kernel(Error::FailedLookup))
    }
}
