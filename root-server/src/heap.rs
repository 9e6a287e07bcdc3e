//! The root server's heap: a fixed arena in its image, then memory it grows into.
//!
//! The bookkeeping of slots and untyped memory lives here, so the first part cannot
//! itself come from untyped memory: a 4 MiB arena in the image. What processes make the
//! root server keep (their address spaces' books, their shares, their waits) grows with
//! them, so before each request the root server makes sure that at least [`RESERVE`]
//! bytes are free, mapping 2 MiB pages of untyped memory at [`GROWTH_BASE`] when they are
//! not ([`grow`]). A single request needs far less than the reserve, so an allocation
//! never fails for want of memory while untyped memory lasts; when untyped memory is
//! gone, spawns and mappings fail with `ENOMEM` first (they need it too).

use crate::resources::Resources;
use crate::vspace::{VSpace, LARGE_PAGE_SIZE};
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use linked_list_allocator::Heap;
use sel4::{CapRights, ObjectType, Word};
use spin::Mutex;

const ARENA_SIZE: usize = 4 << 20;
/// Free bytes the root server keeps ahead of any request.
const RESERVE: usize = 1 << 20;
/// Where the heap grows (2 MiB pages, contiguous; far from every other mapping).
const GROWTH_BASE: Word = 0x30_0000_0000;
/// The most it grows to (the address range set aside for it).
const GROWTH_MAX: usize = 1 << 30;

struct Heaps {
    arena: Heap,
    grown: Heap,
    /// Bytes mapped at `GROWTH_BASE` so far.
    grown_bytes: usize,
}

struct RootAllocator(Mutex<Heaps>);

#[global_allocator]
static HEAP: RootAllocator =
    RootAllocator(Mutex::new(Heaps { arena: Heap::empty(), grown: Heap::empty(), grown_bytes: 0 }));

static mut ARENA: [u8; ARENA_SIZE] = [0; ARENA_SIZE];

// SAFETY: both heaps hand out disjoint memory they own; `dealloc` gives a block back to
// the heap whose range holds it, the one that made it.
unsafe impl GlobalAlloc for RootAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut heaps = self.0.lock();
        match heaps.arena.allocate_first_fit(layout) {
            Ok(block) => block.as_ptr(),
            Err(()) => heaps.grown.allocate_first_fit(layout).map_or(core::ptr::null_mut(), NonNull::as_ptr),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let mut heaps = self.0.lock();
        let Some(block) = NonNull::new(ptr) else { return };
        let address = ptr as usize;
        let in_arena = address >= heaps.arena.bottom() as usize && address < heaps.arena.top() as usize;
        // SAFETY: `ptr` came from the heap whose range holds it, with this layout.
        unsafe {
            if in_arena {
                heaps.arena.deallocate(block, layout)
            } else {
                heaps.grown.deallocate(block, layout)
            }
        }
    }
}

pub fn init() {
    // SAFETY: called once, before any allocation; the arena is used by nothing else.
    unsafe { HEAP.0.lock().arena.init(core::ptr::addr_of_mut!(ARENA) as *mut u8, ARENA_SIZE) }
}

/// Bytes allocated now.
pub fn used() -> usize {
    let heaps = HEAP.0.lock();
    heaps.arena.used() + heaps.grown.used()
}

/// Bytes of untyped memory the heap has grown by (kept for the root server's life).
pub fn grown_bytes() -> u64 {
    HEAP.0.lock().grown_bytes as u64
}

/// Makes sure at least [`RESERVE`] bytes are free, mapping more memory if not. Fails
/// quietly when untyped memory is gone (what needs memory then fails with ENOMEM).
pub fn grow(resources: &mut Resources, vspace: &mut VSpace) {
    loop {
        let (free, grown) = {
            let heaps = HEAP.0.lock();
            (heaps.arena.free() + heaps.grown.free(), heaps.grown_bytes)
        };
        if free >= RESERVE || grown + LARGE_PAGE_SIZE as usize > GROWTH_MAX {
            return;
        }
        let Ok(frame) = resources.alloc_object(ObjectType::X86_LargePageObject, 0) else { return };
        let at = GROWTH_BASE + grown as Word;
        if vspace.paging.map_large(resources, frame.cap, at, CapRights::READ_WRITE).is_err() {
            resources.free_object(frame);
            return;
        }
        // (The frame stays mapped for the root server's life: its cap is never freed.)
        let mut heaps = HEAP.0.lock();
        // SAFETY: [at, at + 2 MiB) was just mapped read-write, follows the grown heap's
        // top exactly, and nothing else uses it.
        unsafe {
            if heaps.grown_bytes == 0 {
                heaps.grown.init(at as *mut u8, LARGE_PAGE_SIZE as usize);
            } else {
                heaps.grown.extend(LARGE_PAGE_SIZE as usize);
            }
        }
        heaps.grown_bytes += LARGE_PAGE_SIZE as usize;
    }
}
