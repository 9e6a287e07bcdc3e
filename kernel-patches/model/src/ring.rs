//! One queue: its attachment records and its ring.
//!
//! Ring positions, all modulo the ring length (`2 * capacity`):
//! `[head, head + delivered)` delivered and not yet acknowledged, then
//! `[head + delivered, head + delivered + queued)` queued (not yet delivered).

use crate::{Error, Source};
use alloc::vec;
use alloc::vec::Vec;

/// One ring entry as user level reads it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    pub token: u64,
    pub badge: u64,
}

/// What `poll`/`wait` return: `count` new entries starting at ring position `start`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    pub start: usize,
    pub count: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// No entry.
    Idle,
    /// An entry at this position, not yet delivered.
    Queued(usize),
    /// Its entry, at this position, was delivered and is not yet acknowledged.
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
    queued: usize,
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
            queued: 0,
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

    /// An event on record `index`: queue an entry, merge into the queued one, or defer.
    /// Returns true if an entry was appended.
    pub fn signal(&mut self, index: usize, badge: u64) -> bool {
        let record = self.records[index].as_mut().expect("attached");
        match record.place {
            Place::Idle => {
                let position = (self.head + self.delivered + self.queued) % self.owner.len();
                self.entries[position] = Entry { token: record.token, badge };
                self.owner[position] = Some(index);
                record.place = Place::Queued(position);
                self.queued += 1;
                true
            }
            Place::Queued(position) => {
                self.entries[position].badge |= badge;
                false
            }
            Place::Delivered(_) => {
                record.again = Some(record.again.unwrap_or(0) | badge);
                false
            }
        }
    }

    /// Reports `bits` for a source that is going away; its record stays until the report
    /// has been acknowledged.
    pub fn orphan(&mut self, index: usize, bits: u64) {
        self.signal(index, bits);
        self.records[index].as_mut().expect("attached").orphan = true;
    }

    /// Forgets record `index`; returns the bits it had not yet delivered. A record whose
    /// entry is in user hands stays, as an orphan, until that entry is acknowledged: its
    /// ring place is not free before then.
    pub fn detach(&mut self, index: usize) -> Option<u64> {
        let record = self.records[index].take().expect("attached");
        match record.place {
            Place::Idle => None,
            Place::Delivered(_) => {
                let bits = record.again;
                self.records[index] = Some(Record { again: None, orphan: true, ..record });
                bits
            }
            Place::Queued(position) => {
                // Move the last queued entry into the hole.
                let last = (self.head + self.delivered + self.queued - 1) % self.owner.len();
                let bits = self.entries[position].badge;
                if position != last {
                    self.entries[position] = self.entries[last];
                    let moved = self.owner[last].expect("queued entries have owners");
                    self.owner[position] = Some(moved);
                    self.records[moved].as_mut().expect("owner").place = Place::Queued(position);
                }
                self.owner[last] = None;
                self.queued -= 1;
                Some(bits)
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

    /// Delivers every queued entry.
    pub fn deliver(&mut self) -> Delivery {
        let capacity = self.owner.len();
        let start = (self.head + self.delivered) % capacity;
        for i in 0..self.queued {
            let position = (start + i) % capacity;
            let index = self.owner[position].expect("queued entries have owners");
            self.records[index].as_mut().expect("owner").place = Place::Delivered(position);
        }
        let delivery = Delivery { start, count: self.queued };
        self.delivered += self.queued;
        self.queued = 0;
        delivery
    }

    pub fn queued(&self) -> usize {
        self.queued
    }

    pub fn delivered(&self) -> usize {
        self.delivered
    }

    /// How many entries would be queued after acknowledging `count` (deferred signals
    /// of the acknowledged entries are queued then).
    pub fn queued_after_acknowledging(&self, count: usize) -> usize {
        let capacity = self.owner.len();
        let deferred = (0..count.min(self.delivered))
            .filter_map(|i| self.owner[(self.head + i) % capacity])
            .filter(|&index| self.records[index].as_ref().is_some_and(|r| r.again.is_some()))
            .count();
        self.queued + deferred
    }

    /// The entries of a delivery, in order.
    pub fn read(&self, delivery: Delivery) -> Vec<Entry> {
        (0..delivery.count).map(|i| self.entries[(delivery.start + i) % self.entries.len()]).collect()
    }

    /// Internal consistency (used by the tests).
    pub fn check(&self) -> Result<(), &'static str> {
        let capacity = self.owner.len();
        if self.delivered + self.queued > self.records.len() {
            return Err("more entries than records");
        }
        let queued_records = self.records.iter().flatten().filter(|r| matches!(r.place, Place::Queued(_))).count();
        if queued_records != self.queued {
            return Err("the queued count disagrees with the records");
        }
        for (index, record) in self.records.iter().enumerate() {
            let Some(record) = record else { continue };
            let owned = self.owner.iter().filter(|o| **o == Some(index)).count();
            match record.place {
                Place::Idle if owned != 0 => return Err("an idle record owns an entry"),
                Place::Queued(position) if self.owner[position] != Some(index) || owned != 1 => {
                    return Err("a queued record does not own exactly its entry")
                }
                Place::Delivered(position) if owned != 1 || self.owner[position] != Some(index) => {
                    return Err("a delivered record does not own exactly its entry")
                }
                _ => {}
            }
            if record.again.is_some() && !matches!(record.place, Place::Delivered(_)) {
                return Err("deferred bits outside the delivered state");
            }
        }
        for i in self.delivered + self.queued..capacity {
            if self.owner[(self.head + i) % capacity].is_some() {
                return Err("an owner outside the live part of the ring");
            }
        }
        Ok(())
    }
}
