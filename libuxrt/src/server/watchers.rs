//! The notifications subscribed to one file's readiness, one per handle. Every process
//! (and every fd of a process: each has a handle of its own) that polls the file
//! subscribes its own, and each is signalled: a reader that shares a pipe end with
//! another must not lose its wake-ups to the other's subscription. A handle's new
//! subscription replaces its last, and goes when the handle closes, so a server keeps
//! at most one per handle whatever a client sends.

use super::{signal, signal_bits};
use crate::caps;
use alloc::vec::Vec;
use sel4::{CPtr, Word};

#[derive(Default)]
pub struct Watchers {
    /// (handle's badge, notification slot).
    slots: Vec<(Word, CPtr)>,
}

impl Watchers {
    /// Keeps `notification` for `handle` (the slot is the list's from now on), in place
    /// of the one it gave before.
    pub fn add(&mut self, handle: Word, notification: CPtr) {
        match self.slots.iter_mut().find(|(h, _)| *h == handle) {
            Some((_, slot)) => caps::free(core::mem::replace(slot, notification)),
            None => self.slots.push((handle, notification)),
        }
    }

    /// Drops `handle`'s notification (the handle is closed).
    pub fn remove(&mut self, handle: Word) {
        if let Some(at) = self.slots.iter().position(|(h, _)| *h == handle) {
            caps::free(self.slots.swap_remove(at).1);
        }
    }

    /// Signals every watcher with a plain signal.
    pub fn signal(&self) {
        for &(_, slot) in &self.slots {
            signal(slot);
        }
    }

    /// Signals every watcher with `bits` as the badge.
    pub fn signal_bits(&self, bits: Word) {
        for &(_, slot) in &self.slots {
            signal_bits(slot, bits);
        }
    }

    /// Drops every watcher (the file is closed).
    pub fn clear(&mut self) {
        for (_, slot) in self.slots.drain(..) {
            caps::free(slot);
        }
    }
}
