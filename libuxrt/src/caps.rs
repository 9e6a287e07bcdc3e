//! This process's capability slots: its CSpace (root CNode at `startup::CNODE`), guarded
//! so that a slot number is a whole capability address. Slots from `FIRST_FREE_SLOT` to
//! `FIRST_FD`, and from `FIRST_SPARE_SLOT` to the CSpace's end, are handed out here; open
//! files sit at `FIRST_FD + fd`, between the two. The CNode starts small: `ensure` asks
//! the root server for a larger one before a slot beyond it is used.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use sel4::CPtr;
use spin::Mutex;
use uxrt_protocols::process::Request;
use uxrt_protocols::startup::{CNODE, CSPACE_BITS, FIRST_FD, FIRST_FREE_SLOT, FIRST_SPARE_SLOT, INITIAL_CSPACE_BITS};
use uxrt_protocols::Errno;

/// Bits that resolve a slot of this process's CNode (guard and index: a whole word).
pub const DEPTH: u8 = 64;

struct Pool {
    next: CPtr,
    freed: Vec<CPtr>,
}

static POOL: Mutex<Pool> = Mutex::new(Pool { next: FIRST_FREE_SLOT, freed: Vec::new() });

/// An empty slot.
pub fn alloc() -> Result<CPtr, Errno> {
    if let Some(slot) = POOL.lock().freed.pop() {
        return Ok(slot);
    }
    alloc_range(1)
}

/// `count` consecutive empty slots, never used before (for objects made in a batch).
pub fn alloc_range(count: CPtr) -> Result<CPtr, Errno> {
    let mut pool = POOL.lock();
    // (The fd slots, `FIRST_FD` to `FIRST_SPARE_SLOT`, are never handed out.)
    if pool.next < FIRST_SPARE_SLOT && pool.next + count > FIRST_FD {
        // What is left of the first part stays for single slots.
        let rest = pool.next.min(FIRST_FD)..FIRST_FD;
        pool.freed.extend(rest);
        pool.next = FIRST_SPARE_SLOT;
    }
    if pool.next + count > 1 << CSPACE_BITS {
        return Err(Errno::EMFILE);
    }
    ensure(pool.next, count)?;
    pool.next += count;
    Ok(pool.next - count)
}

/// The CNode has 2^`SIZE_BITS` slots.
static SIZE_BITS: AtomicU8 = AtomicU8::new(INITIAL_CSPACE_BITS);
/// Slots from here up have never been used (the root server moves only those below into
/// a larger CNode). At first: the pool's first part and the fds a process starts with.
static USED_BELOW: AtomicU64 = AtomicU64::new(FIRST_FD + 64);

/// Makes sure slots `first..first + count` exist, about to be used (one root-server call
/// when they lie beyond the CNode; `ENOMEM` past the process's memory quota).
pub fn ensure(first: CPtr, count: CPtr) -> Result<(), Errno> {
    let end = first + count;
    if end > 1 << SIZE_BITS.load(Ordering::Relaxed) {
        let used = USED_BELOW.load(Ordering::Relaxed);
        let [bits] = crate::sys::call(Request::ExtendCSpace { first, count, used }).results()?;
        SIZE_BITS.store(bits as u8, Ordering::Relaxed);
    }
    USED_BELOW.fetch_max(end, Ordering::Relaxed);
    Ok(())
}

/// Empties `slot` and gives it back.
pub fn free(slot: CPtr) {
    delete(slot);
    free_empty(slot);
}

/// Gives back `slot`, known to be empty already (no system call to empty it).
pub fn free_empty(slot: CPtr) {
    POOL.lock().freed.push(slot);
}

/// Deletes whatever capability `slot` holds (nothing happens for an empty one).
pub fn delete(slot: CPtr) {
    let _ = sel4::invocations::cnode_delete(CNODE, slot, DEPTH);
}

/// A capability that comes with the next message received goes to `slot`.
pub fn receive_into(slot: CPtr) {
    sel4::ipc_buffer::set_receive_slot(CNODE, slot, DEPTH as u64);
}

/// Moves the capability in `from` to the empty slot `to`.
pub fn move_to(from: CPtr, to: CPtr) -> Result<(), Errno> {
    sel4::invocations::cnode_move(CNODE, to, DEPTH, CNODE, from, DEPTH).map_err(|_| Errno::EIO)
}

/// Copies the capability in `from` to the empty slot `to`.
pub fn copy_to(from: CPtr, to: CPtr) -> Result<(), Errno> {
    copy_with_rights(from, to, sel4::CapRights::ALL)
}

/// Copies the capability in `from` to the empty slot `to` with fewer `rights`.
pub fn copy_with_rights(from: CPtr, to: CPtr, rights: sel4::CapRights) -> Result<(), Errno> {
    sel4::invocations::cnode_copy(CNODE, to, DEPTH, CNODE, from, DEPTH, rights).map_err(|_| Errno::EIO)
}

/// Deletes every capability derived from the one in `slot` (copies sent to others).
pub fn revoke(slot: CPtr) {
    let _ = sel4::invocations::cnode_revoke(CNODE, slot, DEPTH);
}

// SaveCaller says when there is no reply capability (kernel patch 0014), which
// `save_caller` relies on: without it an empty slot would be kept as a caller.
const _: () = assert!(sel4::config::SAVE_CALLER_REPORTS_EMPTY == 1);

/// Saves the reply capability of the caller being served in a new slot; `EINVAL` when
/// there is none (a request sent with `seL4_Send`: nobody waits for an answer).
pub fn save_caller() -> Result<CPtr, Errno> {
    let saved = alloc()?;
    let result = sel4::invocations::cnode_save_caller(CNODE, saved, DEPTH);
    if result.is_err() {
        free_empty(saved); // (nothing was saved)
    }
    match result {
        Ok(()) => Ok(saved),
        Err(sel4::Error::FailedLookup) => Err(Errno::EINVAL),
        Err(_) => Err(Errno::EIO),
    }
}
