//! The calling thread's IPC buffer. The kernel sets the GS base to the thread's IPC
//! buffer on every return to user mode, so every access is `gs:`-relative and needs no
//! per-thread pointer.

use crate::{consts, CPtr, Word};
use core::arch::asm;

const MESSAGE: usize = 1;
const MAX_LENGTH: usize = consts::MSG_MAX_LENGTH as usize;
const USER_DATA: usize = MESSAGE + MAX_LENGTH;
const CAPS_OR_BADGES: usize = USER_DATA + 1;
const MAX_EXTRA_CAPS: usize = consts::MSG_MAX_EXTRA_CAPS as usize;
const RECEIVE_CNODE: usize = CAPS_OR_BADGES + MAX_EXTRA_CAPS;
const RECEIVE_INDEX: usize = RECEIVE_CNODE + 1;
const RECEIVE_DEPTH: usize = RECEIVE_CNODE + 2;
/// Words in an IPC buffer (`seL4_IPCBuffer`).
pub const WORDS: usize = RECEIVE_DEPTH + 1;
const _: () = assert!(WORDS * 8 <= 1 << consts::PAGE_BITS, "the IPC buffer fits its page");

#[inline(always)]
fn read(index: usize) -> Word {
    assert!(index < WORDS);
    let value;
    // SAFETY: GS points at this thread's IPC buffer, a mapped page of WORDS words, and
    // `index` is in bounds; reading it has no other effect.
    unsafe {
        asm!("mov {v}, qword ptr gs:[{o}]", v = out(reg) value, o = in(reg) index * 8, options(nostack, readonly, preserves_flags))
    };
    value
}

#[inline(always)]
fn write(index: usize, value: Word) {
    assert!(index < WORDS);
    // SAFETY: as in `read`; the IPC buffer is this thread's own, writable page.
    unsafe {
        asm!("mov qword ptr gs:[{o}], {v}", v = in(reg) value, o = in(reg) index * 8, options(nostack, preserves_flags))
    };
}

/// Message register `i`.
pub fn mr(i: usize) -> Word {
    assert!(i < MAX_LENGTH, "message register {i} out of range");
    read(MESSAGE + i)
}

pub fn set_mr(i: usize, value: Word) {
    assert!(i < MAX_LENGTH, "message register {i} out of range");
    write(MESSAGE + i, value)
}

/// Extra capability `i` of the next message sent.
pub fn set_cap(i: usize, cap: CPtr) {
    assert!(i < MAX_EXTRA_CAPS, "extra cap {i} out of range");
    write(CAPS_OR_BADGES + i, cap)
}

/// Badge of unwrapped capability `i` of the last message received.
pub fn badge(i: usize) -> Word {
    assert!(i < MAX_EXTRA_CAPS, "extra cap {i} out of range");
    read(CAPS_OR_BADGES + i)
}

/// Where a capability received in the next message is stored: slot `index`, resolved to
/// `depth` bits in the CNode `cnode`.
pub fn set_receive_slot(cnode: CPtr, index: CPtr, depth: Word) {
    write(RECEIVE_CNODE, cnode);
    write(RECEIVE_INDEX, index);
    write(RECEIVE_DEPTH, depth);
}

/// Byte offset of the `userData` word in an IPC buffer.
pub const USER_DATA_OFFSET: usize = USER_DATA * 8;

pub fn user_data() -> Word {
    read(USER_DATA)
}

pub fn set_user_data(value: Word) {
    write(USER_DATA, value)
}

/// The whole IPC buffer (to put back with [`restore`]: code that interrupts a thread
/// and makes calls of its own, a signal handler, must leave it as it found it).
pub fn save() -> [Word; WORDS] {
    core::array::from_fn(read)
}

pub fn restore(saved: &[Word; WORDS]) {
    for (index, &word) in saved.iter().enumerate() {
        write(index, word);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_sel4_ipc_buffer() {
        // tag, msg[120], userData, caps_or_badges[3], receiveCNode/Index/Depth
        assert_eq!((USER_DATA, CAPS_OR_BADGES, RECEIVE_CNODE, WORDS), (121, 122, 125, 128));
    }
}
