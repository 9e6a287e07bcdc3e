//! uxrt's client library: what a process links to talk to the system. It starts the
//! process (reads its start-up record, sets up the heap), and wraps the process interface
//! of the root server (`uxrt_protocols::process`) as Rust functions returning
//! `Result<T, Errno>`.
//!
//! A program is `#![no_std] #![no_main]` and names its main function with [`main!`]:
//!
//! ```ignore
//! uxrt::main!(main);
//! fn main() -> i32 { uxrt::println!("hello"); 0 }
//! ```
#![no_std]

extern crate alloc;

pub mod caps;
pub mod check;
mod children;
pub mod env;
pub mod events;
mod fd_map;
mod fd_table;
pub mod fs;
pub mod io;
pub mod memory;
mod open_map;
mod pipe_rings;
pub mod process;
pub mod server;
pub mod signals;
pub mod start;
pub mod sync;
pub mod sys;
pub mod time;

/// The message definitions, for programs that speak a protocol directly (see [`sys`]).
pub use uxrt_protocols as protocols;
pub use uxrt_protocols::{Errno, Pid, Signal, WaitStatus};

/// A file descriptor.
pub type Fd = u32;
#[doc(hidden)]
pub use uxrt_rt as rt;

/// Declares the program's main function, `fn main() -> i32` (the exit status).
#[macro_export]
macro_rules! main {
    ($main:path) => {
        fn uxrt_process_start(record: usize, length: usize) -> ! {
            $crate::start::run(record, length, $main)
        }
        $crate::rt::process_entry!(uxrt_process_start);
    };
}

#[panic_handler]
fn panic(panic: &core::panic::PanicInfo) -> ! {
    let (file, line) = panic.location().map_or(("?", 0), |l| (l.file(), l.line()));
    eprintln!("{}: panic: {} at {file}:{line}", env::program_name(), panic.message());
    process::abort()
}
