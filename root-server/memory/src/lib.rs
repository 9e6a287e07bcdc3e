//! The root server's bookkeeping of kernel resources, as pure logic that builds and tests
//! on the host: which CSpace slots are free ([`slots`]) and which untyped memory is free
//! ([`untyped`]). The kernel operations themselves are behind a trait.
#![no_std]

extern crate alloc;

pub mod slots;
pub mod untyped;

/// A slot (capability address) in the root CNode.
pub type Slot = u64;
