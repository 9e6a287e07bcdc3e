//! Runtime of uxrt's `#![no_std]` userland programs, built for `x86_64-unknown-linux-gnu`
//! with stable Rust: the `_start` entry point and its stack, the memory functions the
//! compiler calls, and the linker script (`link.ld`, which `cargo xtask` links every
//! userland program with).
//!
//! A program names its entry with one of two macros, which also emit `_start`:
//! [`initial_task_entry!`] for the root server (the kernel starts it with no stack and the
//! boot info address in RDI) and [`process_entry!`] for processes (the root server gives
//! them a stack holding their start-up record; see `uxrt_protocols::startup`).
#![cfg_attr(not(test), no_std)]

mod memory;

/// Bytes of the initial task's stack.
pub const INITIAL_TASK_STACK_SIZE: usize = 256 * 1024;

#[doc(hidden)]
#[repr(C, align(16))]
pub struct Stack(pub core::cell::UnsafeCell<[u8; INITIAL_TASK_STACK_SIZE]>);

// SAFETY: the stack is only ever used by the initial thread, through RSP.
unsafe impl Sync for Stack {}

/// Declares the initial task's entry, `fn main(boot_info: usize) -> !`. The kernel starts
/// the initial thread with RDI = the boot info address and every other register, RSP
/// included, zero: `_start` switches to a static stack.
#[macro_export]
macro_rules! initial_task_entry {
    ($main:path) => {
        static UXRT_INITIAL_STACK: $crate::Stack = $crate::Stack(core::cell::UnsafeCell::new([0; $crate::INITIAL_TASK_STACK_SIZE]));

        core::arch::global_asm!(
            ".section .text._start, \"ax\"",
            ".globl _start",
            "_start:",
            "    lea rsp, [rip + {stack} + {size}]",
            "    xor ebp, ebp",
            "    call uxrt_main",
            "    ud2",
            stack = sym UXRT_INITIAL_STACK,
            size = const $crate::INITIAL_TASK_STACK_SIZE,
        );

        #[no_mangle]
        extern "C" fn uxrt_main(boot_info: usize) -> ! {
            let main: fn(usize) -> ! = $main;
            main(boot_info)
        }
    };
}

/// Declares a process's entry, `fn main(record: usize, length: usize) -> !`: the root
/// server starts it with RSP = RDI = its start-up record and RSI = the record's length.
#[macro_export]
macro_rules! process_entry {
    ($main:path) => {
        core::arch::global_asm!(
            ".section .text._start, \"ax\"",
            ".globl _start",
            "_start:",
            "    xor ebp, ebp",
            "    and rsp, -16",
            "    call uxrt_main",
            "    ud2",
        );

        #[no_mangle]
        extern "C" fn uxrt_main(record: usize, length: usize) -> ! {
            let main: fn(usize, usize) -> ! = $main;
            main(record, length)
        }
    };
}

/// The prebuilt `core` refers to this symbol even with `panic = "abort"`; nothing unwinds.
/// (Host tests link `std`, which has its own.)
#[cfg(not(test))]
#[no_mangle]
extern "C" fn rust_eh_personality() {}

/// The prebuilt `alloc` refers to this unwinder entry; with `panic = "abort"` nothing
/// unwinds, so reaching it is a bug: trap.
#[cfg(not(test))]
#[no_mangle]
extern "C" fn _Unwind_Resume() -> ! {
    // SAFETY: ud2 raises an invalid-opcode fault and never returns.
    unsafe { core::arch::asm!("ud2", options(noreturn)) }
}
