//! A process's address space: its PML4, the frames mapped in it (each a kernel object of
//! its own, so that everything is returned when the process ends) and its memory quota.

use super::layout::PAGE;
use crate::caps;
use crate::resources::{Object, ResourceError, Resources};
use crate::vspace::{Paging, VSpace, LARGE_PAGE_SIZE};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use sel4::invocations::{cnode_copy, x86_asid_pool_assign, x86_page_unmap};
use sel4::{CapRights, ObjectType, Word};
use uxrt_protocols::Errno;

/// A mapped frame: one this space owns; one it owns but lends to another space, which
/// is charged for it (a buffer a server shares with a client: the client pays); a copy
/// of another space's frame cap (the client's side of that buffer); or a read-only copy
/// of a program's shared large frame (`text::Texts`: charged to nobody, as a page
/// cache is), with the original to read it through.
enum Page {
    Owned(Object),
    Lent(Object),
    Borrowed(sel4::CPtr),
    Shared { copy: sel4::CPtr, frame: sel4::CPtr, large: bool },
}

impl Page {
    fn cap(&self) -> sel4::CPtr {
        match self {
            Page::Owned(frame) | Page::Lent(frame) => frame.cap,
            Page::Borrowed(copy) | Page::Shared { copy, .. } => *copy,
        }
    }

    /// Bytes this page costs the space it is mapped in.
    fn charge(&self) -> u64 {
        match self {
            Page::Owned(frame) => 1u64 << crate::resources::object_bits(frame.kind, 0),
            Page::Lent(_) | Page::Shared { .. } => 0,
            Page::Borrowed(_) => PAGE,
        }
    }

    fn lent(&self) -> u64 {
        match self {
            Page::Lent(_) => PAGE,
            _ => 0,
        }
    }

    fn free(self, resources: &mut Resources) {
        match self {
            Page::Owned(frame) | Page::Lent(frame) => resources.free_object(frame),
            Page::Borrowed(copy) | Page::Shared { copy, .. } => {
                // Deleting the copy unmaps it.
                let _ = sel4::invocations::cnode_delete(caps::CNODE, copy, 64);
                resources.free_slot(copy);
            }
        }
    }
}

pub struct AddressSpace {
    pml4: Object,
    paging: Paging,
    pages: BTreeMap<Word, Page>,
    /// What its pages cost it (`Page::charge`), kept as they come and go.
    charged: u64,
    /// Bytes of the frames it lends (charged to their borrowers).
    lent: u64,
    /// Bytes of memory this space may hold (frames and paging structures).
    quota: u64,
}

/// Memory errors as a process sees them.
pub fn errno(error: ResourceError) -> Errno {
    match error {
        ResourceError::OutOfMemory | ResourceError::OutOfSlots => Errno::ENOMEM,
        ResourceError::BadSize(_) | ResourceError::BadBadge => Errno::EINVAL,
        ResourceError::Kernel(_) => Errno::EIO,
    }
}

/// Whether every byte is zero (a word at a time: a page's worth is scanned per page a
/// program's data or a stack has).
fn all_zero(bytes: &[u8]) -> bool {
    let words = bytes.chunks_exact(8);
    let tail = words.remainder();
    words.map(|word| u64::from_ne_bytes(word.try_into().unwrap_or_default())).all(|word| word == 0)
        && tail.iter().all(|&b| b == 0)
}

/// Paging structures one new page may need (page table, directory, PDPT).
const WORST_CASE_TABLES: u64 = 3;

/// Runs `f` on `frame` through a copy of its cap (the original is mapped in a process's
/// space, and a cap maps at one place only).
fn with_frame_copy<R>(
    resources: &mut Resources,
    vspace: &mut VSpace,
    frame: sel4::CPtr,
    f: impl FnOnce(&mut [u8; crate::vspace::PAGE_SIZE]) -> R,
) -> Result<R, Errno> {
    let copy = resources.alloc_slot().map_err(errno)?;
    let result = cnode_copy(caps::CNODE, copy, 64, caps::CNODE, frame, 64, CapRights::READ_WRITE)
        .map_err(|e| errno(ResourceError::Kernel(e)))
        .and_then(|()| vspace.with_frame(resources, copy, f).map_err(errno));
    resources.free_slot(copy);
    result
}

impl AddressSpace {
    pub fn new(resources: &mut Resources, quota: u64) -> Result<AddressSpace, Errno> {
        let pml4 = resources.alloc_object(ObjectType::X64_PML4Object, 0).map_err(errno)?;
        if let Err(error) = x86_asid_pool_assign(caps::ASID_POOL, pml4.cap) {
            resources.free_object(pml4);
            return Err(errno(ResourceError::Kernel(error)));
        }
        let paging = Paging::new(pml4.cap);
        Ok(AddressSpace { pml4, paging, pages: BTreeMap::new(), charged: 0, lent: 0, quota })
    }

    pub fn root(&self) -> sel4::CPtr {
        self.pml4.cap
    }

    /// Bytes charged to it now: its own frames and those lent to it, paging structures
    /// and the PML4.
    pub fn used(&self) -> u64 {
        self.charged + PAGE + self.paging.bytes()
    }

    /// Bytes of the shared frames it maps (charged to nobody).
    pub fn shared(&self) -> u64 {
        let bytes = |page: &Page| match page {
            Page::Shared { large: true, .. } => LARGE_PAGE_SIZE,
            Page::Shared { large: false, .. } => PAGE,
            _ => 0,
        };
        self.pages.values().map(bytes).sum()
    }

    /// Bytes of memory it holds, whoever is charged for them (what it returns when it
    /// ends).
    pub fn held(&self) -> u64 {
        self.used() + self.lent
    }

    fn insert(&mut self, at: Word, page: Page) {
        self.charged += page.charge();
        self.lent += page.lent();
        self.pages.insert(at, page);
    }

    /// What the space may hold (`MemoryLimit`).
    pub fn quota(&self) -> u64 {
        self.quota
    }

    /// Sets what the space may hold: `EINVAL` below what it holds already.
    pub fn set_quota(&mut self, quota: u64) -> Result<(), Errno> {
        if quota < self.used() {
            return Err(Errno::EINVAL);
        }
        self.quota = quota;
        Ok(())
    }

    /// Whether `bytes` more fit in the quota.
    pub fn has_room(&self, bytes: u64) -> bool {
        self.used() + bytes + WORST_CASE_TABLES * PAGE <= self.quota
    }

    /// Maps `frame` (a 4 KiB or, with `large`, a 2 MiB frame this space then owns) at
    /// `page`; on failure the frame is freed.
    pub fn map_frame(
        &mut self,
        resources: &mut Resources,
        frame: Object,
        page: Word,
        rights: CapRights,
        large: bool,
    ) -> Result<(), Errno> {
        let mapped = if self.pages.contains_key(&page) {
            Err(Errno::EEXIST)
        } else if large {
            self.paging.map_large(resources, frame.cap, page, rights).map_err(errno)
        } else {
            self.paging.map(resources, frame.cap, page, rights).map_err(errno)
        };
        match mapped {
            Ok(()) => {
                self.insert(page, Page::Owned(frame));
                Ok(())
            }
            Err(errno) => {
                resources.free_object(frame);
                Err(errno)
            }
        }
    }

    /// Slots held: one per page (a frame or a copy), paging structure, and the PML4.
    pub fn slots(&self) -> usize {
        self.pages.len() + self.paging.tables.len() + 1
    }

    /// The frame cap at `page`, for a TCB's IPC buffer.
    pub fn frame_at(&self, page: Word) -> Option<sel4::CPtr> {
        self.pages.get(&page).map(Page::cap)
    }

    /// Maps at `page` a copy of `frame` (a frame another space owns).
    pub fn map_borrowed(
        &mut self,
        resources: &mut Resources,
        page: Word,
        frame: sel4::CPtr,
        writable: bool,
    ) -> Result<(), Errno> {
        // (The borrower pays for a shared page: a server's clients cannot exhaust it.)
        if self.used() + (1 + WORST_CASE_TABLES) * PAGE > self.quota {
            return Err(Errno::ENOMEM);
        }
        let rights = if writable { CapRights::READ_WRITE } else { CapRights::READ };
        let copy = self.map_copy(resources, page, frame, rights, false)?;
        self.insert(page, Page::Borrowed(copy));
        Ok(())
    }

    /// Maps at `at` a read-only copy of `frame`, one the root server keeps for all (with
    /// `large`, a program's shared 2 MiB frame; otherwise a 4 KiB one): charged to nobody.
    pub fn map_shared(
        &mut self,
        resources: &mut Resources,
        at: Word,
        frame: sel4::CPtr,
        large: bool,
    ) -> Result<(), Errno> {
        let copy = self.map_copy(resources, at, frame, CapRights::READ, large)?;
        self.insert(at, Page::Shared { copy, frame, large });
        Ok(())
    }

    /// Maps at `at` a new copy of the cap `frame` with `rights` (a 2 MiB frame with
    /// `large`); the copy's slot, which the caller records. On failure nothing is left.
    fn map_copy(
        &mut self,
        resources: &mut Resources,
        at: Word,
        frame: sel4::CPtr,
        rights: CapRights,
        large: bool,
    ) -> Result<sel4::CPtr, Errno> {
        if self.pages.contains_key(&at) {
            return Err(Errno::EEXIST);
        }
        let copy = resources.alloc_slot().map_err(errno)?;
        let mapped = cnode_copy(caps::CNODE, copy, 64, caps::CNODE, frame, 64, rights)
            .map_err(ResourceError::Kernel)
            .and_then(|()| match large {
                true => self.paging.map_large(resources, copy, at, rights),
                false => self.paging.map(resources, copy, at, rights),
            });
        match mapped {
            Ok(()) => Ok(copy),
            Err(error) => {
                resources.free_slot(copy); // (deleting the copy first)
                Err(errno(error))
            }
        }
    }

    /// Maps a new zeroed frame at `page`, first writing `contents` at `offset` into it.
    pub fn map_new(
        &mut self,
        resources: &mut Resources,
        vspace: &mut VSpace,
        page: Word,
        writable: bool,
        contents: Option<(usize, &[u8])>,
    ) -> Result<(), Errno> {
        if self.pages.contains_key(&page) {
            return Err(Errno::EEXIST);
        }
        if self.used() + (1 + WORST_CASE_TABLES) * PAGE > self.quota {
            return Err(Errno::ENOMEM);
        }
        let frame = resources.alloc_object(ObjectType::X86_4K, 0).map_err(errno)?;
        let filled = match contents {
            // New frames are zeroed by the kernel: only non-zero contents are written.
            Some((offset, bytes)) if !all_zero(bytes) => vspace
                .with_frame(resources, frame.cap, |memory| memory[offset..offset + bytes.len()].copy_from_slice(bytes)),
            _ => Ok(()),
        };
        let rights = if writable { CapRights::READ_WRITE } else { CapRights::READ };
        match filled.and_then(|()| self.paging.map(resources, frame.cap, page, rights)) {
            Ok(()) => {
                self.insert(page, Page::Owned(frame));
                Ok(())
            }
            Err(error) => {
                resources.free_object(frame);
                Err(errno(error))
            }
        }
    }

    /// Lends the frame it owns at `page` to another space, which borrows it
    /// (`map_borrowed`) and is charged for it instead of this one.
    pub fn lend(&mut self, page: Word) -> Result<(), Errno> {
        let entry = self.pages.get_mut(&page).ok_or(Errno::EINVAL)?;
        let &mut Page::Owned(frame) = entry else { return Err(Errno::EINVAL) };
        self.charged -= entry.charge();
        *entry = Page::Lent(frame);
        self.lent += entry.lent();
        Ok(())
    }

    /// Unmaps and frees the frame at `page`.
    pub fn unmap(&mut self, resources: &mut Resources, page: Word) -> Result<(), Errno> {
        let page = self.pages.remove(&page).ok_or(Errno::EINVAL)?;
        self.charged -= page.charge();
        self.lent -= page.lent();
        let _ = x86_page_unmap(page.cap());
        page.free(resources);
        Ok(())
    }

    /// Moves the frame this space owns at `from` to the free page `to`, contents and all
    /// (`mremap`); on failure it stays at `from`.
    pub fn move_page(&mut self, resources: &mut Resources, from: Word, to: Word) -> Result<(), Errno> {
        if self.pages.contains_key(&to) {
            return Err(Errno::EEXIST);
        }
        let Some(&Page::Owned(frame)) = self.pages.get(&from) else { return Err(Errno::EINVAL) };
        // (A frame cap maps at one place: unmapped here first.)
        let _ = x86_page_unmap(frame.cap);
        match self.paging.map(resources, frame.cap, to, CapRights::READ_WRITE) {
            Ok(()) => {
                if let Some(page) = self.pages.remove(&from) {
                    self.pages.insert(to, page);
                }
                Ok(())
            }
            Err(error) => {
                // Its tables at `from` are still there: mapping it back cannot fail.
                let _ = self.paging.map(resources, frame.cap, from, CapRights::READ_WRITE);
                Err(errno(error))
            }
        }
    }

    /// Runs `f` on the frame at `page` through a copy of its cap (the original is mapped
    /// in this space, and a cap maps at one place only).
    fn with_page<R>(
        &self,
        resources: &mut Resources,
        vspace: &mut VSpace,
        page: Word,
        f: impl FnOnce(&[u8]) -> R,
    ) -> Result<R, Errno> {
        let region = page & !(LARGE_PAGE_SIZE - 1);
        if let Some(&Page::Shared { frame, large: true, .. }) = self.pages.get(&region) {
            let offset = (page - region) as usize;
            return vspace
                .with_large_frame(resources, frame, |memory| f(&memory[offset..offset + PAGE as usize]))
                .map_err(errno);
        }
        let frame = self.pages.get(&page).ok_or(Errno::EFAULT)?.cap();
        with_frame_copy(resources, vspace, frame, |memory| f(memory))
    }

    /// Copies `length` bytes at `address` of this space (all of it mapped, or EFAULT).
    pub fn read(
        &self,
        resources: &mut Resources,
        vspace: &mut VSpace,
        address: Word,
        length: usize,
    ) -> Result<Vec<u8>, Errno> {
        let end = address.checked_add(length as Word).ok_or(Errno::EFAULT)?;
        let mut out = Vec::new();
        out.try_reserve_exact(length).map_err(|_| Errno::ENOMEM)?;
        let mut at = address;
        while at < end {
            let page = at & !(PAGE - 1);
            let chunk_end = end.min(page + PAGE);
            let (from, to) = ((at - page) as usize, (chunk_end - page) as usize);
            self.with_page(resources, vspace, page, |memory| out.extend_from_slice(&memory[from..to]))?;
            at = chunk_end;
        }
        Ok(out)
    }

    /// Copies `bytes` to `address` of this space: only into frames it owns (never a
    /// program's shared text or a buffer another process lends), else `EFAULT`.
    pub fn write(
        &self,
        resources: &mut Resources,
        vspace: &mut VSpace,
        address: Word,
        bytes: &[u8],
    ) -> Result<(), Errno> {
        let end = address.checked_add(bytes.len() as Word).ok_or(Errno::EFAULT)?;
        let mut at = address;
        while at < end {
            let page = at & !(PAGE - 1);
            let chunk_end = end.min(page + PAGE);
            let Some(Page::Owned(frame)) = self.pages.get(&page) else { return Err(Errno::EFAULT) };
            let (from, to) = ((at - page) as usize, (chunk_end - page) as usize);
            let source = &bytes[(at - address) as usize..(chunk_end - address) as usize];
            with_frame_copy(resources, vspace, frame.cap, |memory| memory[from..to].copy_from_slice(source))?;
            at = chunk_end;
        }
        Ok(())
    }

    /// Returns every frame, paging structure and the PML4 (its ASID with it).
    pub fn destroy(self, resources: &mut Resources) {
        for (_, page) in self.pages {
            page.free(resources);
        }
        self.paging.free(resources);
        resources.free_object(self.pml4);
    }
}
