//! A notification queue with its ring frame mapped in the root server (used by the
//! in-image tests and the benchmarks).

use crate::resources::{Object, ResourceError};
use crate::vspace::PAGE_SIZE;
use crate::Env;
use alloc::vec::Vec;
use sel4::invocations::{notification_queue_poll as poll, notification_queue_set_ring as set_ring, x86_page_unmap};
use sel4::{consts, CapRights, Error, ObjectType, Word};

/// How many notifications a queue of 2^`bits` bytes takes.
pub fn capacity(bits: u8) -> usize {
    ((1usize << bits) - consts::NOTIFICATION_QUEUE_HEADER_BYTES as usize)
        / consts::NOTIFICATION_QUEUE_RECORD_BYTES as usize
}

/// The smallest queue size (log2 bytes) that takes `notifications`.
pub fn bits_for(notifications: usize) -> u8 {
    (consts::NOTIFICATION_QUEUE_MIN_BITS as u8..).find(|&bits| capacity(bits) >= notifications).unwrap_or(u8::MAX)
}

pub struct TestQueue {
    pub queue: Object,
    ring_frame: Object,
    ring: Word,
    large: bool,
    pub capacity: usize,
    /// Entries delivered and not yet acknowledged.
    pub unacknowledged: Word,
}

impl TestQueue {
    /// A queue of 2^`bits` bytes, with a 4 KiB or 2 MiB ring frame as its ring needs.
    pub fn new(env: &mut Env, bits: u8) -> Result<TestQueue, ResourceError> {
        let capacity = capacity(bits);
        let ring_bytes = consts::NOTIFICATION_QUEUE_RING_HEADER_BYTES as usize
            + 2 * capacity * consts::NOTIFICATION_QUEUE_ENTRY_BYTES as usize;
        let large = ring_bytes > PAGE_SIZE;
        let queue = env.resources.alloc_object(ObjectType::NotificationQueueObject, bits)?;
        let kind = if large { ObjectType::X86_LargePageObject } else { ObjectType::X86_4K };
        let ring_frame = match env.resources.alloc_object(kind, 0) {
            Ok(frame) => frame,
            Err(error) => {
                env.resources.free_object(queue);
                return Err(error);
            }
        };
        let ring = if large { env.vspace.reserve_large() } else { env.vspace.reserve(1) };
        let made = TestQueue { queue, ring_frame, ring, large, capacity, unacknowledged: 0 };
        let mapped = if large {
            env.vspace.paging.map_large(&mut env.resources, ring_frame.cap, ring, CapRights::READ_WRITE)
        } else {
            env.vspace.paging.map(&mut env.resources, ring_frame.cap, ring, CapRights::READ_WRITE)
        };
        match mapped.and_then(|()| set_ring(queue.cap, ring_frame.cap).map_err(ResourceError::Kernel)) {
            Ok(()) => Ok(made),
            Err(error) => {
                made.destroy(env);
                Err(error)
            }
        }
    }

    pub fn ring_frame_cap(&self) -> Word {
        self.ring_frame.cap
    }

    /// Word `index` of the ring header.
    fn header(&self, index: i64) -> *mut Word {
        (self.ring as *mut Word).wrapping_add(index as usize)
    }

    /// The header's count of entries written.
    pub fn written(&self) -> Word {
        // SAFETY: the ring frame is mapped at `self.ring`; its header is the kernel's.
        unsafe { self.header(consts::NOTIFICATION_QUEUE_RING_WRITTEN).read_volatile() }
    }

    /// Writes the header's count of entries read (an acknowledgement, taken by the kernel
    /// when it next looks).
    pub fn set_read(&self, read: Word) {
        // SAFETY: the ring frame is mapped read-write at `self.ring`; this word is ours.
        unsafe { self.header(consts::NOTIFICATION_QUEUE_RING_READ).write_volatile(read) }
    }

    /// The header's deferred-signal hint (the kernel sets it; user level clears it).
    pub fn deferred_hint(&self) -> Word {
        // SAFETY: as for `written`.
        unsafe { self.header(consts::NOTIFICATION_QUEUE_RING_DEFERRED).read_volatile() }
    }

    pub fn clear_deferred_hint(&self) {
        // SAFETY: as for `set_read`.
        unsafe { self.header(consts::NOTIFICATION_QUEUE_RING_DEFERRED).write_volatile(0) }
    }

    /// Entry `position` of the ring, as user level reads it.
    pub fn entry(&self, position: Word) -> (Word, Word) {
        let entry = (self.ring
            + consts::NOTIFICATION_QUEUE_RING_HEADER_BYTES as Word
            + position * consts::NOTIFICATION_QUEUE_ENTRY_BYTES as Word) as *const Word;
        // SAFETY: the ring frame is mapped at `self.ring` and holds the header and
        // 2 * capacity entries; `position` is below 2 * capacity.
        unsafe { (entry.read_volatile(), entry.add(1).read_volatile()) }
    }

    /// Entry number `n` since the ring was set (at position n mod 2 * capacity).
    pub fn nth(&self, n: Word) -> (Word, Word) {
        self.entry(n % (2 * self.capacity as Word))
    }

    pub fn read(&self, count: Word, start: Word) -> Vec<(Word, Word)> {
        let positions = 2 * self.capacity as Word;
        (0..count).map(|i| self.entry((start + i) % positions)).collect()
    }

    /// Acknowledges everything returned so far and returns the entries since (Poll answers
    /// with every unacknowledged entry).
    pub fn poll_all(&mut self) -> Result<Vec<(Word, Word)>, Error> {
        let (count, start) = poll(self.queue.cap, self.unacknowledged)?;
        self.unacknowledged = count;
        Ok(self.read(count, start))
    }

    pub fn destroy(self, env: &mut Env) {
        env.resources.free_object(self.queue);
        let _ = x86_page_unmap(self.ring_frame.cap);
        env.resources.free_object(self.ring_frame);
        if self.large {
            env.vspace.release_large(self.ring);
        } else {
            env.vspace.release(self.ring, 1);
        }
    }
}
