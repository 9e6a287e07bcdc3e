//! Address spaces: [`Paging`] maps frames into any VSpace, making the paging structures
//! it lacks; [`VSpace`] is the root server's own, with fresh addresses to map at and a
//! scratch page to look into frames through.

use crate::caps;
use crate::resources::{Object, ResourceError, Resources};
use alloc::vec::Vec;
use sel4::invocations::{x86_page_directory_map, x86_page_map, x86_page_table_map, x86_page_unmap, x86_pdpt_map};
use sel4::{consts, CPtr, CapRights, Error, ObjectType, Word};

pub const PAGE_SIZE: usize = 1 << consts::PAGE_BITS;
/// Default attributes: write-back caching.
const ATTRIBUTES: Word = 0;

/// Fresh virtual addresses start here, far above the image. Its first 2 MiB (a scratch
/// window) are covered by a page table made at boot, so tests map there without making
/// paging structures; released ranges are reused first.
const FIRST_FRESH_ADDRESS: Word = 0x10_0000_0000;
/// Large (2 MiB) pages are mapped from here up, where no page table is in the way.
const FIRST_LARGE_ADDRESS: Word = 0x20_0000_0000;
pub const LARGE_PAGE_SIZE: Word = 1 << consts::LARGE_PAGE_BITS;

/// The paging structures of one address space (a PML4), made on demand and kept for
/// the address space's lifetime.
pub struct Paging {
    root: CPtr,
    pub tables: Vec<Object>,
    /// The structures known to be there, as (level's address bits, vaddr >> them): those
    /// in `tables` and those the kernel made (the root server's own, at boot).
    present: Vec<(u8, Word)>,
}

pub struct VSpace {
    /// Released ranges (start, pages incl. guard), reused first-fit.
    released: Vec<(Word, usize)>,
    next_fresh: Word,
    /// Released large-page addresses, and the next never used.
    released_large: Vec<Word>,
    next_large: Word,
    pub paging: Paging,
    /// Where `with_frame` maps a frame for a moment (in the scratch window).
    scratch_page: Option<Word>,
    /// Where `with_large_frame` does, once it has been needed.
    scratch_large: Option<Word>,
}

/// A kind of paging structure: its object, how it is mapped, and the address bits one
/// covers.
type Level = (ObjectType, fn(CPtr, CPtr, Word, Word) -> Result<(), Error>, u8);

/// Paging structures from the lowest level up.
const LEVELS: [Level; 3] = [
    (ObjectType::X86_PageTableObject, x86_page_table_map, 21),
    (ObjectType::X86_PageDirectoryObject, x86_page_directory_map, 30),
    (ObjectType::X86_PDPTObject, x86_pdpt_map, 39),
];

impl VSpace {
    pub const fn new() -> Self {
        VSpace {
            released: Vec::new(),
            next_fresh: FIRST_FRESH_ADDRESS,
            released_large: Vec::new(),
            next_large: FIRST_LARGE_ADDRESS,
            paging: Paging::new(caps::VSPACE),
            scratch_page: None,
            scratch_large: None,
        }
    }

    /// Makes the paging structures of the scratch window, so that mapping there later
    /// needs no new kernel objects, and sets its first page aside for `with_frame`.
    pub fn prepare_scratch_window(&mut self, resources: &mut Resources) -> Result<(), ResourceError> {
        let frame = resources.alloc_object(ObjectType::X86_4K, 0)?;
        let mapped = self.paging.map(resources, frame.cap, FIRST_FRESH_ADDRESS, CapRights::READ);
        resources.free_object(frame); // deleting the cap unmaps the frame
        mapped?;
        self.scratch_page = Some(self.reserve(1));
        Ok(())
    }

    /// Runs `f` on the contents of the 4 KiB `frame` (a cap not mapped anywhere else),
    /// mapped for the moment at the scratch page.
    pub fn with_frame<R>(
        &mut self,
        resources: &mut Resources,
        frame: CPtr,
        f: impl FnOnce(&mut [u8; PAGE_SIZE]) -> R,
    ) -> Result<R, ResourceError> {
        let page = self.scratch_page.ok_or(ResourceError::Kernel(Error::FailedLookup))?;
        self.paging.map(resources, frame, page, CapRights::READ_WRITE)?;
        // SAFETY: the frame is mapped read-write at `page` (page-aligned, 4 KiB) until the
        // unmap below, and no other reference to that address exists meanwhile.
        let result = f(unsafe { &mut *(page as *mut [u8; PAGE_SIZE]) });
        let _ = x86_page_unmap(frame);
        Ok(result)
    }

    /// Runs `f` on the contents of the 2 MiB `frame` (a writable cap not mapped anywhere
    /// else), mapped for the moment at the large scratch page.
    pub fn with_large_frame<R>(
        &mut self,
        resources: &mut Resources,
        frame: CPtr,
        f: impl FnOnce(&mut [u8]) -> R,
    ) -> Result<R, ResourceError> {
        let at = match self.scratch_large {
            Some(at) => at,
            None => {
                let at = self.reserve_large_address();
                *self.scratch_large.insert(at)
            }
        };
        self.paging.map_large(resources, frame, at, CapRights::READ_WRITE)?;
        // SAFETY: the frame is mapped read-write at `at` (2 MiB-aligned, 2 MiB long) until
        // the unmap below, and no other reference to that address exists meanwhile.
        let result = f(unsafe { core::slice::from_raw_parts_mut(at as *mut u8, LARGE_PAGE_SIZE as usize) });
        let _ = x86_page_unmap(frame);
        Ok(result)
    }

    /// Reserves `pages` pages of address space, followed by an unmapped guard page.
    pub fn reserve(&mut self, pages: usize) -> Word {
        let span = pages + 1;
        if let Some(i) = self.released.iter().position(|&(_, free)| free >= span) {
            let (start, free) = self.released[i];
            if free == span {
                self.released.swap_remove(i);
            } else {
                self.released[i] = (start + (span * PAGE_SIZE) as Word, free - span);
            }
            return start;
        }
        let start = self.next_fresh;
        self.next_fresh += (span * PAGE_SIZE) as Word;
        start
    }

    /// Gives back a range from `reserve` (its pages must be unmapped).
    pub fn release(&mut self, start: Word, pages: usize) {
        self.released.push((start, pages + 1));
    }

    /// A 2 MiB-aligned address for one large page.
    pub fn reserve_large(&mut self) -> Word {
        self.released_large.pop().unwrap_or_else(|| self.reserve_large_address())
    }

    fn reserve_large_address(&mut self) -> Word {
        let start = self.next_large;
        self.next_large += 2 * LARGE_PAGE_SIZE; // and an unmapped guard
        start
    }

    pub fn release_large(&mut self, start: Word) {
        self.released_large.push(start);
    }
}

impl Paging {
    /// The paging of the address space whose PML4 is `root`.
    pub const fn new(root: CPtr) -> Self {
        Paging { root, tables: Vec::new(), present: Vec::new() }
    }

    /// Maps the 4 KiB `frame` at `vaddr`, making the missing page table, directory or PDPT.
    pub fn map(
        &mut self,
        resources: &mut Resources,
        frame: CPtr,
        vaddr: Word,
        rights: CapRights,
    ) -> Result<(), ResourceError> {
        self.map_with_levels(resources, frame, vaddr, rights, &LEVELS)
    }

    /// Maps the 2 MiB `frame` at `vaddr` (from `VSpace::reserve_large`): no page table below it.
    pub fn map_large(
        &mut self,
        resources: &mut Resources,
        frame: CPtr,
        vaddr: Word,
        rights: CapRights,
    ) -> Result<(), ResourceError> {
        self.map_with_levels(resources, frame, vaddr, rights, &LEVELS[1..])
    }

    /// Bytes of the paging structures made so far.
    pub fn bytes(&self) -> u64 {
        self.tables.iter().map(|table| 1u64 << crate::resources::object_bits(table.kind, 0)).sum()
    }

    /// Destroys the paging structures (their mappings go with them).
    pub fn free(self, resources: &mut Resources) {
        resources.free_objects(self.tables);
    }

    fn map_with_levels(
        &mut self,
        resources: &mut Resources,
        frame: CPtr,
        vaddr: Word,
        rights: CapRights,
        levels: &[Level],
    ) -> Result<(), ResourceError> {
        // The structures above `vaddr` that are not known to be there, from the top down:
        // no failed attempts in an address space the root server made alone.
        for &(kind, map, bits) in levels.iter().rev() {
            let key = (bits, vaddr >> bits);
            if self.present.contains(&key) {
                continue;
            }
            let table = resources.alloc_object(kind, 0)?;
            match map(table.cap, self.root, vaddr, ATTRIBUTES) {
                Ok(()) => self.tables.push(table),
                // (One the kernel made: the root server's own at boot.)
                Err(Error::DeleteFirst) => resources.free_object(table),
                Err(error) => {
                    resources.free_object(table);
                    return Err(ResourceError::Kernel(error));
                }
            }
            self.present.push(key);
        }
        x86_page_map(frame, self.root, vaddr, rights, ATTRIBUTES).map_err(ResourceError::Kernel)
    }
}
