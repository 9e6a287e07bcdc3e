//! An executable model of uxrt's **notification queue**, the kernel object added by
//! `kernel-patches/`. It is the specification the kernel patch is tested against: the
//! root server runs the same random operations on the kernel and on this model and
//! compares every result (`no_std` + `alloc`, so it runs in the image too).
//!
//! Semantics (see `kernel-patches/README.md` for the reasoning):
//! - A queue has a fixed `capacity`: how many sources can be attached at once. Its ring
//!   has `capacity` entries, and each source has at most one entry in it, so it can never
//!   overflow.
//! - Attaching a source (a notification, or a thread whose stop is reported) records a
//!   user-chosen token. A source sits on at most one queue.
//! - Signalling an attached notification appends `(token, badge)` if the source has no
//!   entry waiting to be delivered; otherwise the badge is OR-ed into that entry
//!   (edge-triggered: one entry, no bits lost). While the source's last entry has been
//!   delivered but not yet acknowledged, signals accumulate and produce a new entry when
//!   it is acknowledged.
//! - `poll`/`wait` first acknowledge `ack` delivered entries (oldest first), then deliver
//!   every queued entry: they return where the new entries start in the ring and how many
//!   there are. `wait` blocks when there are none; the next entry wakes it.
//! - Detaching a source (or deleting it, or the queue) withdraws its queued entry; bits
//!   not yet delivered go back to the notification's own word, so nothing is lost and a
//!   stale token is never delivered.

#![no_std]

extern crate alloc;

mod model;
mod ring;

pub use model::{Model, QueueId, Wait};
pub use ring::{Delivery, Entry};

/// A thing that can be attached to a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Notification(usize),
    /// A thread: the queue reports when it stops for good.
    Thread(usize),
}

/// Why a thread's entry was made (the entry's badge bits).
pub mod thread_event {
    /// The thread's TCB was deleted.
    pub const DELETED: u64 = 1 << 0;
    /// The thread was suspended.
    pub const SUSPENDED: u64 = 1 << 1;
    /// The thread faulted and has no fault handler.
    pub const FAULTED: u64 = 1 << 2;
}

/// The kernel's errors for queue operations (the seL4 error of the same name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// No such queue (the capability is not a queue).
    InvalidCapability,
    /// The queue is full, or more entries were acknowledged than were delivered.
    RangeError,
    /// The source is attached to a queue already.
    DeleteFirst,
    /// The source is not attached to any queue.
    IllegalOperation,
}
