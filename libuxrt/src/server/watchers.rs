//! The notifications subscribed to one file's readiness. Every process (and every fd of
//! a process) that polls the file subscribes its own, and each is signalled: a reader
//! that shares a pipe end with another must not lose its wake-ups to the other's
//! subscription. A client revokes its notification when it stops watching (the copy
//! here then becomes empty); empty ones are pruned whenever the list has doubled.

use super::{signal, signal_bits};
use crate::caps;
use alloc::vec::Vec;
use sel4::{CPtr, Word};

/// Length below which the list is never pruned.
const PRUNE_FROM: usize = 8;

#[derive(Default)]
pub struct Watchers {
    slots: Vec<CPtr>,
    /// Prune when the list reaches this length.
    prune_at: usize,
}

impl Watchers {
    /// Keeps `notification` (the slot is the list's from now on).
    pub fn add(&mut self, notification: CPtr) {
        if self.slots.len() >= self.prune_at.max(PRUNE_FROM) {
            self.slots.retain(|&slot| {
                let alive = caps::holds(slot);
                if !alive {
                    caps::free(slot);
                }
                alive
            });
            self.prune_at = 2 * self.slots.len();
        }
        self.slots.push(notification);
    }

    /// Signals every watcher with a plain signal.
    pub fn signal(&self) {
        for &slot in &self.slots {
            signal(slot);
        }
    }

    /// Signals every watcher with `bits` as the badge.
    pub fn signal_bits(&self, bits: Word) {
        for &slot in &self.slots {
            signal_bits(slot, bits);
        }
    }

    /// Drops every watcher (the file is closed).
    pub fn clear(&mut self) {
        for slot in self.slots.drain(..) {
            caps::free(slot);
        }
        self.prune_at = 0;
    }
}
