//! Memory: the heap (grown from the root server with `sbrk`, within the process's quota)
//! and anonymous mappings.

use crate::sync::Lock as Mutex;
use crate::sys;
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicUsize, Ordering};
use linked_list_allocator::Heap;
use uxrt_protocols::process::Request;
use uxrt_protocols::{Errno, Word};

pub const PAGE_SIZE: usize = 4096;
/// The heap grows by at least this much at a time (fewer calls to the root server).
const GROWTH: usize = 64 * 1024;
/// Blocks of at least this size are mappings of their own, given back to the root
/// server when freed (as malloc's mmap threshold, 128 KiB as glibc's): the heap itself
/// never shrinks, so a server whose clients once made it hold large tables, files or
/// pipe buffers would stay grown. Servers lower it (`give_back_from`).
static OWN_MAPPING: AtomicUsize = AtomicUsize::new(128 * 1024);

/// Makes blocks of `bytes` or more mappings of their own, returned when freed (a server
/// calls it at start: what its clients make it hold comes back when they let go).
pub fn give_back_from(bytes: usize) {
    OWN_MAPPING.store(bytes.max(PAGE_SIZE), Ordering::Relaxed);
}

/// Whether a block of `layout` is a mapping of its own.
fn is_own_mapping(layout: Layout) -> bool {
    layout.size() >= OWN_MAPPING.load(Ordering::Relaxed) && layout.align() <= PAGE_SIZE
}

/// Moves the end of the heap by `increment` bytes; returns the old end. (The allocator
/// grows the heap this way; a program that moves the break itself stops it growing.)
pub fn sbrk(increment: isize) -> Result<usize, Errno> {
    let [old] = sys::call(Request::Sbrk { increment: increment as i64 }).results()?;
    Ok(old as usize)
}

/// The process's memory limit: sets it to `limit` bytes (`None` leaves it); returns
/// (the limit now, the most it may be raised to). `EINVAL` above that most or below
/// what the process holds.
pub fn memory_limit(limit: Option<usize>) -> Result<(usize, usize), Errno> {
    let [now, most] = sys::call(Request::MemoryLimit { limit: limit.map_or(0, |l| l.max(1)) as Word }).results()?;
    Ok((now as usize, most as usize))
}

/// Maps `length` bytes of zeroed memory (whole pages).
pub fn map_anonymous(length: usize) -> Result<NonNull<u8>, Errno> {
    let [address] = sys::call(Request::MapAnonymous { length: length as Word }).results()?;
    NonNull::new(address as *mut u8).ok_or(Errno::EIO)
}

/// Resizes the whole mapping `map_anonymous` made at `address` (`old_length` bytes) to
/// `new_length`, moving it (its pages, not their contents) if it grows; returns where
/// it is now.
pub fn remap(address: NonNull<u8>, old_length: usize, new_length: usize) -> Result<NonNull<u8>, Errno> {
    let request = Request::Remap {
        address: address.as_ptr() as Word,
        old_length: old_length as Word,
        new_length: new_length as Word,
    };
    let [at] = sys::call(request).results()?;
    NonNull::new(at as *mut u8).ok_or(Errno::EIO)
}

/// Unmaps what `map_anonymous` mapped.
pub fn unmap(address: NonNull<u8>, length: usize) -> Result<(), Errno> {
    let [] = sys::call(Request::Unmap { address: address.as_ptr() as Word, length: length as Word }).results()?;
    Ok(())
}

/// The global allocator: a linked-list heap that asks for more memory when it runs out.
struct GrowingHeap(Mutex<Option<Heap>>);

impl GrowingHeap {
    fn grow(heap: &mut Option<Heap>, layout: Layout) -> Result<(), Errno> {
        let wanted = layout.size().checked_add(layout.align()).ok_or(Errno::ENOMEM)?;
        let by = wanted.max(GROWTH).next_multiple_of(PAGE_SIZE);
        let start = sbrk(isize::try_from(by).map_err(|_| Errno::ENOMEM)?)?;
        match heap {
            // SAFETY: sbrk returned `by` bytes of fresh memory right after the heap's end.
            Some(heap) if heap.top() as usize == start => unsafe { heap.extend(by) },
            // Someone else moved the break: the heap cannot grow in one piece. (The
            // fresh range stays mapped, unused.)
            Some(_) => return Err(Errno::ENOMEM),
            // SAFETY: the fresh range is the first memory the heap gets.
            None => *heap = Some(unsafe { Heap::new(start as *mut u8, by) }),
        }
        Ok(())
    }
}

// SAFETY: allocations come from a linked-list heap behind a lock, whose memory comes
// from sbrk and is never handed out twice, or (large ones) are fresh mappings of their
// own, unmapped only when that block is freed.
unsafe impl GlobalAlloc for GrowingHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_own_mapping(layout) {
            return map_anonymous(layout.size()).map_or(core::ptr::null_mut(), NonNull::as_ptr);
        }
        let mut heap = self.0.lock();
        loop {
            if let Some(block) = heap.as_mut().and_then(|h| h.allocate_first_fit(layout).ok()) {
                return block.as_ptr();
            }
            if Self::grow(&mut heap, layout).is_err() {
                return core::ptr::null_mut();
            }
        }
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        let Some(pointer) = NonNull::new(pointer) else { return };
        // Where the block lies says where it came from: the threshold may have been
        // lowered since it was made (`give_back_from`).
        let mut heap = self.0.lock();
        match heap.as_mut() {
            Some(heap) if (heap.bottom()..heap.top()).contains(&pointer.as_ptr()) => {
                // SAFETY: the caller gives back a block this heap allocated with `layout`.
                unsafe { heap.deallocate(pointer, layout) }
            }
            _ => {
                drop(heap);
                let _ = unmap(pointer, layout.size());
            }
        }
    }
}

#[global_allocator]
static HEAP: GrowingHeap = GrowingHeap(Mutex::new(None));
