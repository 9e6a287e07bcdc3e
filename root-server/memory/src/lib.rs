//! Bookkeeping, as pure logic that builds and tests on the host: the root server's kernel
//! resources, which CSpace slots are free ([`slots`]) and which untyped memory is free
//! ([`untyped`]), the kernel operations themselves behind a trait; how sessions share them
//! ([`sessions`]); and small-index tables ([`slab`]) for the servers.
#![no_std]

extern crate alloc;

pub mod sessions;
pub mod slab;
pub mod slots;
pub mod untyped;

/// A slot (capability address) in the root CNode.
pub type Slot = u64;
