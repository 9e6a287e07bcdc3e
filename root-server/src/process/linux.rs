//! Linux system calls that reach the root server as faults (kernel patch 0016: a
//! `syscall` instruction without seL4's tag). uxrt's C library is musl with posix-shim
//! under it, and posix-shim replaces every musl function that makes a system call on a
//! path a uxrt program takes; what remains are three calls in musl's start-up and malloc
//! that no link-time replacement can reach (they are inlined into functions that must
//! stay musl's). Those are answered here; any other ends the process with a report.

use super::Process;
use sel4::Word;

/// The Linux system call names and numbers (from musl's `bits/syscall.h`, by `build.rs`).
mod table {
    include!(concat!(env!("OUT_DIR"), "/linux_syscalls.rs"));
}

/// The name of Linux system call `number` ("?" for a number Linux does not have).
pub fn name(number: Word) -> &'static str {
    table::NAMES.binary_search_by_key(&number, |&(n, _)| n).map_or("?", |i| table::NAMES[i].1)
}

/// What the root server does for a Linux system call it provides.
pub enum Emulated {
    /// Resume the thread with this result.
    Return(Word),
    /// Set the thread pointer (FS base) to this, and resume the thread with result 0.
    SetThreadPointer(Word),
}

/// `arch_prctl`'s code for setting the FS base (Linux's `ARCH_SET_FS`).
const ARCH_SET_FS: Word = 0x1002;
/// Linux's `-EINVAL`, as a system call returns it.
const EINVAL: Word = (-22i64) as Word;

/// What to do for Linux system call `number`, made by `process` with arguments
/// `arg(0)`, `arg(1)`, …, when the root server provides it; `None` when it does not.
pub fn emulate(process: &Process, number: Word, arg: impl Fn(usize) -> Word) -> Option<Emulated> {
    Some(Emulated::Return(match number {
        // musl's start-up points FS at its thread control block (`__set_thread_area`).
        table::nr::ARCH_PRCTL if arg(0) == ARCH_SET_FS => return Some(Emulated::SetThreadPointer(arg(1))),
        table::nr::ARCH_PRCTL => EINVAL,
        // musl's thread start-up (`__init_tp`) records its thread id: the pid (every
        // uxrt process has one thread).
        table::nr::SET_TID_ADDRESS => process.pid as Word,
        // musl's malloc asks to move the break once, to keep its bookkeeping there. The
        // break belongs to libuxrt's heap (`Sbrk`), so it cannot move: Linux's answer
        // for a break that cannot move is the current one, and malloc then uses `mmap`.
        table::nr::BRK => process.heap_end,
        _ => return None,
    }))
}
