//! The seL4 interface for uxrt: system calls, the IPC buffer, and one function per kernel
//! invocation. Numbers, layouts and stubs are generated at build time from the patched
//! kernel's own interface files (see `sel4-gen`).
#![no_std]

mod generated {
    #![allow(clippy::all, unused_parens, dead_code)]
    use crate::{CPtr, CapData, CapRights, PrioProps, Word};
    include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
}

pub mod ipc_buffer;
mod syscalls;
mod words;

pub use generated::{
    config, consts, invocations, layout, Error, FaultKind, InvocationLabel, ObjectType, Syscall, UserContext,
};
pub use syscalls::*;
pub use words::{CapData, CapRights, MessageInfo, PrioProps};

/// A machine word.
pub type Word = u64;
/// A capability address in the caller's CSpace.
pub type CPtr = u64;

/// The first message registers of a reply (the ones passed in CPU registers); later ones
/// are read from the IPC buffer.
pub struct Reply {
    registers: [Word; syscalls::REGISTER_MRS],
    pub info: MessageInfo,
}

impl Reply {
    /// Message word `i` of the reply.
    pub fn word(&self, i: usize) -> Word {
        match self.registers.get(i) {
            Some(&word) => word,
            None => ipc_buffer::mr(i),
        }
    }
}

/// Calls `dest` with a message of `label` and `words` (the first ones in CPU registers,
/// the rest in the IPC buffer) and `extra_caps` caps already set in the IPC buffer.
pub fn call_message(dest: CPtr, label: Word, extra_caps: usize, words: &[Word]) -> Reply {
    call_message_flagged(dest, label, 0, extra_caps, words)
}

/// As [`call_message`], with `flags` in the message info's capsUnwrapped field (which
/// the kernel ignores on send but for uxrt's flags: `consts::TRANSFER_WINDOW`).
pub fn call_message_flagged(dest: CPtr, label: Word, flags: Word, extra_caps: usize, words: &[Word]) -> Reply {
    let mut registers = [0; syscalls::REGISTER_MRS];
    for (i, &word) in words.iter().enumerate() {
        match registers.get_mut(i) {
            Some(register) => *register = word,
            None => ipc_buffer::set_mr(i, word),
        }
    }
    let info = MessageInfo::new(label, flags, extra_caps as Word, words.len() as Word);
    let (info, registers) = call_with_mrs(dest, info, registers);
    Reply { registers, info }
}

/// Performs an invocation: `caps` as extra caps, `words` as the message.
pub(crate) fn invoke(service: CPtr, label: InvocationLabel, caps: &[CPtr], words: &[Word]) -> Result<Reply, Error> {
    for (i, &cap) in caps.iter().enumerate() {
        ipc_buffer::set_cap(i, cap);
    }
    let Reply { registers, info } = call_message(service, label as Word, caps.len(), words);
    match Error::from_label(info.label()) {
        None => Ok(Reply { registers, info }),
        Some(error) => {
            // Leave the whole error reply in the IPC buffer for callers that inspect it.
            for (i, &word) in registers.iter().enumerate() {
                ipc_buffer::set_mr(i, word);
            }
            Err(error)
        }
    }
}
