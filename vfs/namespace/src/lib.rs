//! The file namespace as pure logic, shared by the VFS (which holds the directory tree
//! and mount points) and ramfs (which holds file contents): checking and resolving paths,
//! and an in-memory tree of directories and files with POSIX semantics. Nothing here talks
//! to the kernel, so all of it is tested on the host with `cargo test`.
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod path;
pub mod tree;

pub use path::{resolve, Path, NAME_MAX, PATH_MAX};
pub use tree::{Ino, Kind, Stat, Tree};
