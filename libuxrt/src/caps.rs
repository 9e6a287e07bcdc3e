//! This process's capability slots: its one CNode (at `startup::CNODE`), guarded so that
//! a slot number is a whole capability address. Slots from `FIRST_FREE_SLOT` to
//! `FIRST_FD` are handed out here; open files sit at `FIRST_FD + fd`.

use alloc::vec::Vec;
use sel4::CPtr;
use spin::Mutex;
use uxrt_protocols::startup::{CNODE, FIRST_FD, FIRST_FREE_SLOT};
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
    let mut pool = POOL.lock();
    if let Some(slot) = pool.freed.pop() {
        return Ok(slot);
    }
    if pool.next >= FIRST_FD {
        return Err(Errno::EMFILE);
    }
    pool.next += 1;
    Ok(pool.next - 1)
}

/// Empties `slot` and gives it back.
pub fn free(slot: CPtr) {
    delete(slot);
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
    sel4::invocations::cnode_copy(CNODE, to, DEPTH, CNODE, from, DEPTH, sel4::CapRights::ALL).map_err(|_| Errno::EIO)
}
