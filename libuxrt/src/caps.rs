//! This process's capability slots: its CSpace (root CNode at `startup::CNODE`), guarded
//! so that a slot number is a whole capability address. Slots from `FIRST_FREE_SLOT` to
//! `FIRST_FD`, and from `FIRST_SPARE_SLOT` to the CSpace's end, are handed out here; open
//! files sit at `FIRST_FD + fd`, between the two. The CNode starts small: `ensure` asks
//! the root server for a larger one before a slot beyond it is used.

use crate::open_map;
use crate::sync::Lock as Mutex;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU8, Ordering};
use sel4::CPtr;
use uxrt_protocols::process::{Request, UserBuffer};
use uxrt_protocols::startup::{
    aux, CNODE, CSPACE_BITS, FIRST_FD, FIRST_FREE_SLOT, FIRST_SPARE_SLOT, INITIAL_CSPACE_BITS,
};
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
    let first = pool.next;
    ensure_with(&pool, first, count)?;
    pool.next += count;
    Ok(first)
}

/// The CNode has 2^`SIZE_BITS` slots.
static SIZE_BITS: AtomicU8 = AtomicU8::new(INITIAL_CSPACE_BITS);

/// Makes sure slots `first..first + count` exist (one root-server call when they lie
/// beyond the CNode; `ENOMEM` past the process's memory quota).
pub fn ensure(first: CPtr, count: CPtr) -> Result<(), Errno> {
    if first + count <= 1 << SIZE_BITS.load(Ordering::Relaxed) {
        return Ok(());
    }
    ensure_with(&POOL.lock(), first, count)
}

fn ensure_with(pool: &Pool, first: CPtr, count: CPtr) -> Result<(), Errno> {
    let size = 1 << SIZE_BITS.load(Ordering::Relaxed);
    if first + count <= size {
        return Ok(());
    }
    let occupied = occupied(pool, size);
    let request = Request::ExtendCSpace { first, count, occupied: UserBuffer::of_words(&occupied) };
    let [bits] = crate::sys::call(request).results()?;
    SIZE_BITS.store(bits as u8, Ordering::Relaxed);
    Ok(())
}

/// The slots below `size` from `FIRST_FREE_SLOT` up that hold a capability, a bit each:
/// the pool's slots handed out and not given back, and the open fds' (the root server
/// moves these into a larger CNode, and no empty slot: the debug kernel complains of
/// each).
fn occupied(pool: &Pool, size: CPtr) -> Vec<u64> {
    let mut bits = alloc::vec![0u64; (size as usize).div_ceil(64)];
    let mut mark = |slot: CPtr, on: bool| {
        if let Some(word) = bits.get_mut(slot as usize / 64) {
            match on {
                true => *word |= 1 << (slot % 64),
                false => *word &= !(1 << (slot % 64)),
            }
        }
    };
    let first_part = FIRST_FREE_SLOT..pool.next.min(FIRST_FD);
    let second_part = FIRST_SPARE_SLOT..pool.next.max(FIRST_SPARE_SLOT);
    for slot in first_part.chain(second_part) {
        mark(slot, true);
    }
    for &slot in &pool.freed {
        mark(slot, false);
    }
    if open_map::published() {
        open_map::open_fds().for_each(|fd| mark(FIRST_FD + fd as CPtr, true));
    } else {
        // (The fd table is not made yet: the fds it started with are all it has.)
        let inherited = crate::env::aux(aux::FDS).unwrap_or(0);
        (0..64).filter(|fd| inherited & 1 << fd != 0).for_each(|fd| mark(FIRST_FD + fd, true));
    }
    bits
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
