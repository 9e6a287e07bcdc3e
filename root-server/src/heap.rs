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
use rlsf::Tlsf;
use sel4::{CapRights, ObjectType, Word};
use spin::Mutex;

const ARENA_SIZE: usize = 4 << 20;
/// Free bytes the root server keeps ahead of any request.
const RESERVE: usize = 1 << 20;
/// Where the heap grows (2 MiB pages, contiguous; far from every other mapping).
const GROWTH_BASE: Word = 0x30_0000_0000;
/// The most it grows to (the address range set aside for it).
const GROWTH_MAX: usize = 1 << 30;

/// A two-level segregated fit allocator: allocation and freeing in constant time however
/// fragmented the heap is. (A first-fit list walked its holes: after the benchmarks had
/// fragmented it, a spawn spent 240,000 instructions in the allocator.)
type Pools = Tlsf<'static, u32, u32, 28, 32>;

struct Heap {
    pools: Pools,
    /// Bytes handed out, each allocation rounded up as the allocator does and with its
    /// header (`charge`).
    used: usize,
    /// Bytes of the arena and of the memory grown into.
    total: usize,
    /// Bytes mapped at `GROWTH_BASE` so far.
    grown_bytes: usize,
}

struct RootAllocator(Mutex<Heap>);

#[global_allocator]
static HEAP: RootAllocator = RootAllocator(Mutex::new(Heap { pools: Tlsf::new(), used: 0, total: 0, grown_bytes: 0 }));

static mut ARENA: [u8; ARENA_SIZE] = [0; ARENA_SIZE];

/// What an allocation of `layout` takes at most: its size in whole granules, and a
/// granule of header.
fn charge(layout: Layout) -> usize {
    layout.size().next_multiple_of(rlsf::GRANULARITY) + rlsf::GRANULARITY
}

// SAFETY: the pools hand out disjoint memory they own (the arena, and the pages `grow`
// mapped); `dealloc` gives a block back with the alignment it was made with.
unsafe impl GlobalAlloc for RootAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut heap = self.0.lock();
        match heap.pools.allocate(layout) {
            Some(block) => {
                heap.used += charge(layout);
                block.as_ptr()
            }
            None => core::ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let mut heap = self.0.lock();
        let Some(block) = NonNull::new(ptr) else { return };
        heap.used -= charge(layout);
        // SAFETY: `ptr` came from these pools with this layout.
        unsafe { heap.pools.deallocate(block, layout.align()) }
    }
}

pub fn init() {
    let arena = core::ptr::slice_from_raw_parts_mut(core::ptr::addr_of_mut!(ARENA) as *mut u8, ARENA_SIZE);
    let mut heap = HEAP.0.lock();
    // SAFETY: called once, before any allocation; the arena is used by nothing else and
    // lives for ever.
    let added = NonNull::new(arena).and_then(|arena| unsafe { heap.pools.insert_free_block_ptr(arena) });
    heap.total = added.map_or(0, |bytes| bytes.get());
}

/// Bytes allocated now.
pub fn used() -> usize {
    HEAP.0.lock().used
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
            let heap = HEAP.0.lock();
            (heap.total.saturating_sub(heap.used), heap.grown_bytes)
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
        let mut heap = HEAP.0.lock();
        let page = core::ptr::slice_from_raw_parts_mut(at as *mut u8, LARGE_PAGE_SIZE as usize);
        let Some(page) = NonNull::new(page) else { return };
        // SAFETY: [at, at + 2 MiB) was just mapped read-write, follows the memory grown
        // into so far exactly (so it extends that pool), and nothing else uses it.
        let added = unsafe {
            match heap.grown_bytes {
                0 => heap.pools.insert_free_block_ptr(page).map_or(0, |bytes| bytes.get()),
                _ => heap.pools.append_free_block_ptr(page),
            }
        };
        heap.total += added;
        heap.grown_bytes += LARGE_PAGE_SIZE as usize;
    }
}
