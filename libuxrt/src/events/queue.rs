//! The process's notification queue, as the kernel gives it: its capability (from the
//! root server, which also attaches the alarm and the children), its ring mapped
//! read-only here, and the entries delivered but not yet acknowledged (acknowledged by
//! the next poll or wait, in the same call).

use crate::{caps, sys};
use sel4::{CPtr, Word};
use uxrt_protocols::process::Request;
use uxrt_protocols::startup::PROCESS_SERVER;
use uxrt_protocols::Errno;

pub struct Queue {
    cap: CPtr,
    ring: *const [Word; 2],
    positions: Word,
    pub capacity: usize,
    /// Entries delivered by the last poll or wait (read since, acknowledged by the next).
    unacknowledged: Word,
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
            ring: ring as *const [Word; 2],
            positions: 2 * capacity as Word,
            capacity,
            unacknowledged: 0,
        })
    }

    /// Acknowledges what was read and takes the new entries: without blocking, or
    /// (`block`) waiting for at least one. Calls `each(token, badge)` for each.
    pub fn harvest(&mut self, block: bool, mut each: impl FnMut(Word, Word)) -> Result<usize, Errno> {
        let (count, start) = kernel::take(self.cap, self.unacknowledged, block)?;
        self.unacknowledged = count;
        for i in 0..count {
            let position = (start + i) % self.positions;
            // SAFETY: the ring holds `positions` entries, mapped read-only for as long as
            // the queue lives; the kernel wrote the `count` entries from `start` and
            // leaves them alone until they are acknowledged.
            let [token, badge] = unsafe { self.ring.add(position as usize).read_volatile() };
            each(token, badge);
        }
        Ok(count as usize)
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

    pub fn take(queue: CPtr, ack: Word, block: bool) -> Result<(Word, Word), Errno> {
        let taken = if block { notification_queue_wait(queue, ack) } else { notification_queue_poll(queue, ack) };
        taken.map_err(|_| Errno::EIO)
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

    pub fn take(_: CPtr, _: Word, _: bool) -> Result<(Word, Word), Errno> {
        Err(Errno::ENOSYS)
    }

    pub fn attach(_: CPtr, _: CPtr, _: Word) -> Result<(), Errno> {
        Err(Errno::ENOSYS)
    }

    pub fn detach(_: CPtr, _: CPtr) {}
}
