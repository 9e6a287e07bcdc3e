//! The process's notification queue, as the kernel gives it: its capability (from the
//! root server, which also attaches the alarm and the children) and its ring, mapped
//! here. The kernel writes each entry into the ring as the signal happens and counts it
//! in the ring's header; this side reads the entries up to that count and writes how
//! many it has read into the header, which acknowledges them. So looking for news is a
//! memory read: the only system call is the `Wait` that blocks when there is none.

use crate::{caps, sys};
use sel4::{consts, CPtr, Word};
use uxrt_protocols::process::Request;
use uxrt_protocols::startup::PROCESS_SERVER;
use uxrt_protocols::Errno;

pub struct Queue {
    cap: CPtr,
    /// The ring header: entries written (the kernel's word), entries read (ours).
    header: *mut Word,
    entries: *const [Word; 2],
    positions: Word,
    pub capacity: usize,
    /// Entries read: the number of the next entry to read.
    read: Word,
}

// SAFETY: the ring pointer refers to a mapping that lives as long as the queue, read
// only under the events lock.
unsafe impl Send for Queue {}

impl Queue {
    /// A queue for `sources` sources from the root server, replacing `old` (which the
    /// root server deletes, detaching all that was on it).
    pub fn new(sources: usize, old: Option<Queue>) -> Result<Queue, Errno> {
        let slot = match old {
            Some(old) => old.cap,
            None => caps::alloc()?,
        };
        caps::delete(slot);
        caps::receive_into(slot);
        let (reply, received) =
            sys::call_endpoint(PROCESS_SERVER, Request::NewQueue { sources: sources as Word }.encode());
        let answer = reply.results().and_then(|words| if received == 1 { Ok(words) } else { Err(Errno::EIO) });
        let [ring, capacity] = match answer {
            Ok(words) => words,
            Err(errno) => {
                caps::free(slot);
                return Err(errno);
            }
        };
        let capacity = capacity as usize;
        Ok(Queue {
            cap: slot,
            header: ring as *mut Word,
            entries: (ring + consts::NOTIFICATION_QUEUE_RING_HEADER_BYTES as Word) as *const [Word; 2],
            positions: 2 * capacity as Word,
            capacity,
            read: 0,
        })
    }

    /// Whether a non-blocking [`Queue::harvest`] would find nothing: no entry written
    /// since the last look and no deferred signal (two loads, inlined where a read that
    /// empties a leased pipe asks, so that the usual answer costs no call).
    #[inline(always)]
    pub fn is_caught_up(&self) -> bool {
        // SAFETY: the header is mapped for as long as the queue lives; the kernel writes
        // the count and sets the hint, which volatile reads see as they are.
        unsafe {
            self.header_word(consts::NOTIFICATION_QUEUE_RING_WRITTEN).read_volatile() == self.read
                && self.header_word(consts::NOTIFICATION_QUEUE_RING_DEFERRED).read_volatile() == 0
        }
    }

    /// Takes the new entries, calling `each(token, badge)` for each, and acknowledges
    /// them: without a system call, unless `block` and there are none (then it waits for
    /// one).
    pub fn harvest(&mut self, block: bool, mut each: impl FnMut(Word, Word)) -> Result<usize, Errno> {
        let mut count = 0;
        // (One Poll per look between waits: what a Poll leaves deferred waits behind
        // entries written since, and the next look finds the hint set again.)
        let mut flushed = false;
        loop {
            // SAFETY: the header is mapped (read-write) for as long as the queue lives;
            // the kernel writes an entry before it counts it, and x86 keeps stores in
            // order, so every entry below the count is complete (volatile accesses keep
            // the compiler from reordering them).
            let written = unsafe { self.header_word(consts::NOTIFICATION_QUEUE_RING_WRITTEN).read_volatile() };
            while self.read != written {
                let position = self.read % self.positions;
                // SAFETY: the ring holds `positions` entries after the header; the kernel
                // leaves an entry alone until it is acknowledged, which happens only
                // after the header says it was read.
                let [token, badge] = unsafe { self.entries.add(position as usize).read_volatile() };
                each(token, badge);
                self.read = self.read.wrapping_add(1);
                count += 1;
            }
            // SAFETY: the header's read count is this side's to write.
            unsafe { self.header_word(consts::NOTIFICATION_QUEUE_RING_READ).write_volatile(self.read) };
            // A signal for a source whose entry was unacknowledged waits for the kernel
            // to take the read count (the header says so): a Poll has it written now.
            let hint = self.header_word(consts::NOTIFICATION_QUEUE_RING_DEFERRED);
            // SAFETY: the header is mapped for as long as the queue lives; the kernel
            // only sets the hint.
            let deferred = unsafe { hint.read_volatile() } != 0;
            if deferred && !flushed {
                // SAFETY: as above; clearing the hint is this side's part.
                unsafe { hint.write_volatile(0) };
                kernel::poll(self.cap)?;
                flushed = true;
                continue;
            }
            if count > 0 || !block {
                return Ok(count);
            }
            // Nothing new: the kernel takes the read count and blocks until an entry comes.
            kernel::wait(self.cap)?;
            flushed = false;
        }
    }

    fn header_word(&self, index: i64) -> *mut Word {
        self.header.wrapping_add(index as usize)
    }

    pub fn attach(&self, notification: CPtr, token: Word) -> Result<(), Errno> {
        kernel::attach(self.cap, notification, token)
    }

    pub fn detach(&self, notification: CPtr) {
        kernel::detach(self.cap, notification);
    }
}

#[cfg(notification_queues)]
mod kernel {
    use super::{CPtr, Errno, Word};
    use sel4::invocations::{
        notification_queue_attach, notification_queue_detach, notification_queue_poll, notification_queue_wait,
    };

    /// Has the kernel take the ring header's read count now (writing the entries that
    /// waited for it).
    pub fn poll(queue: CPtr) -> Result<(), Errno> {
        notification_queue_poll(queue, 0).map(|_| ()).map_err(|_| Errno::EIO)
    }

    /// Blocks until the queue has an entry not yet acknowledged (the ring header's read
    /// count acknowledges).
    pub fn wait(queue: CPtr) -> Result<(), Errno> {
        notification_queue_wait(queue, 0).map(|_| ()).map_err(|_| Errno::EIO)
    }

    pub fn attach(queue: CPtr, notification: CPtr, token: Word) -> Result<(), Errno> {
        notification_queue_attach(queue, notification, token).map_err(|error| match error {
            sel4::Error::RangeError => Errno::ENOSPC,
            _ => Errno::EIO,
        })
    }

    pub fn detach(queue: CPtr, notification: CPtr) {
        let _ = notification_queue_detach(queue, notification);
    }
}

/// Without notification queues in the kernel, the root server gives no queue, so none of
/// these is ever reached.
#[cfg(not(notification_queues))]
mod kernel {
    use super::{CPtr, Errno, Word};

    pub fn wait(_: CPtr) -> Result<(), Errno> {
        Err(Errno::ENOSYS)
    }

    pub fn poll(_: CPtr) -> Result<(), Errno> {
        Err(Errno::ENOSYS)
    }

    pub fn attach(_: CPtr, _: CPtr, _: Word) -> Result<(), Errno> {
        Err(Errno::ENOSYS)
    }

    pub fn detach(_: CPtr, _: CPtr) {}
}
