//! Runtime of uxrt's `#![no_std]` userland programs, built for `x86_64-unknown-linux-gnu`
//! with stable Rust: the `_start` entry point and its stack, the memory functions the
//! compiler calls, and the linker script (`link.ld`, named by each program's build script).
//!
//! A program names its entry with [`entry!`]; it receives the word the kernel (or its
//! parent) passed in RDI.
#![no_std]

mod memory;

use core::arch::global_asm;
use core::cell::UnsafeCell;

/// Bytes of the initial thread's stack.
pub const STACK_SIZE: usize = 256 * 1024;

#[repr(C, align(16))]
struct Stack(UnsafeCell<[u8; STACK_SIZE]>);

// SAFETY: the stack is only ever used by the initial thread, through RSP.
unsafe impl Sync for Stack {}

static STACK: Stack = Stack(UnsafeCell::new([0; STACK_SIZE]));

// The kernel starts the initial thread with RDI = its argument and every other register,
// RSP included, zero.
global_asm!(
    ".section .text._start, \"ax\"",
    ".globl _start",
    "_start:",
    "    lea rsp, [rip + {stack} + {size}]",
    "    xor ebp, ebp",
    "    call uxrt_main",
    "    ud2",
    stack = sym STACK,
    size = const STACK_SIZE,
);

/// Declares the program's entry: `uxrt_rt::entry!(main)` with `fn main(arg: usize) -> !`.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        extern "C" fn uxrt_main(arg: usize) -> ! {
            let main: fn(usize) -> ! = $main;
            main(arg)
        }
    };
}

/// The prebuilt `core` refers to this symbol even with `panic = "abort"`; nothing unwinds.
#[no_mangle]
extern "C" fn rust_eh_personality() {}

/// The prebuilt `alloc` refers to this unwinder entry; with `panic = "abort"` nothing
/// unwinds, so reaching it is a bug: trap.
#[no_mangle]
extern "C" fn _Unwind_Resume() -> ! {
    // SAFETY: ud2 raises an invalid-opcode fault and never returns.
    unsafe { core::arch::asm!("ud2", options(noreturn)) }
}
