//! The root server's heap: a fixed arena in its image (the bookkeeping of slots and
//! untyped memory lives here, so it cannot itself come from untyped memory).

use linked_list_allocator::LockedHeap;

const HEAP_SIZE: usize = 4 << 20;

#[global_allocator]
static HEAP: LockedHeap = LockedHeap::empty();

static mut ARENA: [u8; HEAP_SIZE] = [0; HEAP_SIZE];

pub fn init() {
    // SAFETY: called once, before any allocation; the arena is used by nothing else.
    unsafe { HEAP.lock().init(core::ptr::addr_of_mut!(ARENA) as *mut u8, HEAP_SIZE) }
}

pub fn used() -> usize {
    HEAP.lock().used()
}
