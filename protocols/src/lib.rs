//! uxrt's IPC interfaces, defined once and shared by the clients (`libuxrt`) and the
//! servers (the root server, later the VFS and the file servers). Each interface is a set
//! of requests encoded as a seL4 message: a label naming the operation and a few words of
//! arguments. A reply's label is 0 on success (its words are the results) or an errno.
//!
//! Everything here is pure data: it builds and is tested on the host with `cargo test`.
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod args;
pub mod clock;
pub mod errno;
pub mod events;
pub mod file;
pub mod inherited_epolls;
pub mod message;
pub mod pipe_ring;
pub mod process;
pub mod session_shares;
pub mod signal;
pub mod startup;

pub use errno::Errno;
pub use message::{Message, Reply};
pub use signal::{Signal, WaitStatus};

/// A machine word, as carried by one message register.
pub type Word = u64;

/// A process id. 0 is the root server itself; processes start at 1.
pub type Pid = u32;
