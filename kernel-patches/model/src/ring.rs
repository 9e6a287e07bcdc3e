//! One queue: its attachment records and its ring (which, as uxrt's queues always
//! have one, is there from the start: entries are written at once, never queued).
//!
//! Ring positions, all modulo the ring length (`2 * capacity`):
//! `[head, head + delivered)` written and not yet acknowledged. Entry number `n` since
//! the start is at position `n mod 2 * capacity`; `written` counts them, as the ring
//! header does for user level, and user level's `read` count in the header
//! acknowledges them when the kernel next looks.

use crate::{Error, Source};
use alloc::vec;
use alloc::vec::Vec;

/// One ring entry as user level reads it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    pub token: u64,
    pub badge: u64,
}

/// What `poll`/`wait` return: the `count` unacknowledged entries from ring position
/// `start`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    pub start: usize,
    pub count: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// No entry.
    Idle,
    /// Its entry, at this position, was written and is not yet acknowledged.
    Delivered(usize),
}

#[derive(Clone, Debug)]
struct Record {
    source: Source,
    token: u64,
    place: Place,
    /// Signalled while `Delivered`: a new entry is due at acknowledgement, with these bits.
    again: Option<u64>,
    /// The source is gone (a deleted thread): the record is freed once its last entry
    /// has been acknowledged.
    orphan: bool,
}

#[derive(Clone, Debug)]
pub struct Ring {
    records: Vec<Option<Record>>,
    /// The user-visible ring.
    pub entries: Vec<Entry>,
    /// Ring position → the record whose entry it holds (kernel-private).
    owner: Vec<Option<usize>>,
    head: usize,
    delivered: usize,
    /// Entries written since the start (the header's first word).
    written: u64,
    /// The header's second word, user level's: entries read (an acknowledgement once
    /// the kernel looks at it, if it is a possible count).
    pub read: u64,
    /// The header's third word: set when a signal is deferred (user level clears it).
    pub deferred_hint: u64,
}

impl Ring {
    /// A ring for `capacity` records has twice as many positions, as the kernel's does:
    /// entries re-queued while acknowledging then never land where the acknowledgement
    /// has yet to read.
    pub fn new(capacity: usize) -> Ring {
        Ring {
            records: vec![None; capacity],
            entries: vec![Entry::default(); 2 * capacity],
            owner: vec![None; 2 * capacity],
            head: 0,
            delivered: 0,
            written: 0,
            read: 0,
            deferred_hint: 0,
        }
    }

    pub fn capacity(&self) -> usize {
        self.records.len()
    }

    /// Sources attached now (not orphans).
    pub fn attached(&self) -> impl Iterator<Item = (usize, Source)> + '_ {
        self.records.iter().enumerate().filter_map(|(i, r)| r.as_ref().filter(|r| !r.orphan).map(|r| (i, r.source)))
    }

    /// Records in use, orphans included: what limits further attachments.
    pub fn occupied(&self) -> usize {
        self.records.iter().flatten().count()
    }

    /// Records a new source; `pending` bits (the notification's word) are queued at once.
    pub fn attach(&mut self, source: Source, token: u64, pending: Option<u64>) -> Result<usize, Error> {
        let index = self.records.iter().position(Option::is_none).ok_or(Error::RangeError)?;
        self.records[index] = Some(Record { source, token, place: Place::Idle, again: None, orphan: false });
        if let Some(bits) = pending {
            self.signal(index, bits);
        }
        Ok(index)
    }

    /// An event on record `index`: write an entry, or, while its entry is not
    /// acknowledged (after taking the header's acknowledgement), defer. Returns true if
    /// any entry was written (the deferred ones the acknowledgement released count).
    pub fn signal(&mut self, index: usize, badge: u64) -> bool {
        let written = self.written;
        if matches!(self.records[index].as_ref().expect("attached").place, Place::Delivered(_)) {
            self.acknowledge(self.header_acks()).expect("a possible count");
        }
        let record = self.records[index].as_mut().expect("attached");
        match record.place {
            Place::Idle => {
                let position = (self.head + self.delivered) % self.owner.len();
                self.entries[position] = Entry { token: record.token, badge };
                self.owner[position] = Some(index);
                record.place = Place::Delivered(position);
                self.delivered += 1;
                self.written += 1;
            }
            Place::Delivered(_) => {
                record.again = Some(record.again.unwrap_or(0) | badge);
                self.deferred_hint = 1;
            }
        }
        self.written != written
    }

    /// After Poll and Wait: the hint is set again if an unacknowledged entry's record
    /// has deferred bits.
    pub fn rehint_deferred(&mut self) {
        let capacity = self.owner.len();
        let deferred = (0..self.delivered)
            .filter_map(|i| self.owner[(self.head + i) % capacity])
            .any(|index| self.records[index].as_ref().is_some_and(|r| r.again.is_some()));
        if deferred {
            self.deferred_hint = 1;
        }
    }

    /// Entries the header's read count acknowledges that are not yet taken as
    /// acknowledged: 0 when the count is not a possible one.
    pub fn header_acks(&self) -> usize {
        let acks = self.read.wrapping_sub(self.written - self.delivered as u64);
        if acks <= self.delivered as u64 {
            acks as usize
        } else {
            0
        }
    }

    /// Entries written since the start (the header's first word).
    pub fn written(&self) -> u64 {
        self.written
    }

    /// Reports `bits` for a source that is going away; its record stays until the report
    /// has been acknowledged. Returns true if any entry was written.
    pub fn orphan(&mut self, index: usize, bits: u64) -> bool {
        let written = self.signal(index, bits);
        self.records[index].as_mut().expect("attached").orphan = true;
        written
    }

    /// Forgets record `index`; returns the bits user level may not have seen: deferred
    /// ones, and those of its written entry if the header does not count that entry as
    /// read (user level may still read it; then it sees them twice, never not at all).
    /// A record whose entry is in user hands stays, as an orphan, until that entry is
    /// acknowledged: its ring place is not free before then.
    pub fn detach(&mut self, index: usize) -> Option<u64> {
        let record = self.records[index].take().expect("attached");
        match record.place {
            Place::Idle => None,
            Place::Delivered(position) => {
                let capacity = self.owner.len();
                let read = (position + capacity - self.head) % capacity < self.header_acks();
                let unread = (!read).then_some(self.entries[position].badge);
                let bits = match (record.again, unread) {
                    (None, None) => None,
                    (again, unread) => Some(again.unwrap_or(0) | unread.unwrap_or(0)),
                };
                self.records[index] = Some(Record { again: None, orphan: true, ..record });
                bits
            }
        }
    }

    /// Acknowledges the `count` oldest delivered entries.
    pub fn acknowledge(&mut self, count: usize) -> Result<(), Error> {
        if count > self.delivered {
            return Err(Error::RangeError);
        }
        let capacity = self.owner.len();
        let owners: Vec<usize> = (0..count).filter_map(|i| self.owner[(self.head + i) % capacity].take()).collect();
        self.head = (self.head + count) % capacity;
        self.delivered -= count;
        for index in owners {
            let record = self.records[index].as_mut().expect("owner");
            record.place = Place::Idle;
            if let Some(bits) = record.again.take() {
                self.signal(index, bits);
            } else if record.orphan {
                self.records[index] = None;
            }
        }
        Ok(())
    }

    /// The unacknowledged entries.
    pub fn unacknowledged(&self) -> Delivery {
        Delivery { start: self.head, count: self.delivered }
    }

    pub fn delivered(&self) -> usize {
        self.delivered
    }

    /// How many entries would be unacknowledged after acknowledging `count` (deferred
    /// signals of the acknowledged entries are written then).
    pub fn unacknowledged_after_acknowledging(&self, count: usize) -> usize {
        let capacity = self.owner.len();
        let deferred = (0..count.min(self.delivered))
            .filter_map(|i| self.owner[(self.head + i) % capacity])
            .filter(|&index| self.records[index].as_ref().is_some_and(|r| r.again.is_some()))
            .count();
        self.delivered - count.min(self.delivered) + deferred
    }

    /// The entries of a delivery, in order.
    pub fn read(&self, delivery: Delivery) -> Vec<Entry> {
        (0..delivery.count).map(|i| self.entries[(delivery.start + i) % self.entries.len()]).collect()
    }

    /// Internal consistency (used by the tests).
    pub fn check(&self) -> Result<(), &'static str> {
        let capacity = self.owner.len();
        if self.delivered > self.records.len() {
            return Err("more entries than records");
        }
        if (self.head as u64 + self.delivered as u64) % capacity as u64 != self.written % capacity as u64 {
            return Err("entry n is not at position n");
        }
        for (index, record) in self.records.iter().enumerate() {
            let Some(record) = record else { continue };
            let owned = self.owner.iter().filter(|o| **o == Some(index)).count();
            match record.place {
                Place::Idle if owned != 0 => return Err("an idle record owns an entry"),
                Place::Delivered(position) if owned != 1 || self.owner[position] != Some(index) => {
                    return Err("a delivered record does not own exactly its entry")
                }
                _ => {}
            }
            if record.again.is_some() && !matches!(record.place, Place::Delivered(_)) {
                return Err("deferred bits outside the delivered state");
            }
        }
        for i in self.delivered..capacity {
            if self.owner[(self.head + i) % capacity].is_some() {
                return Err("an owner outside the live part of the ring");
            }
        }
        Ok(())
    }
}
