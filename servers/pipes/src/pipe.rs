//! One pipe: its bytes, its ends, and the callers waiting on it.

use crate::{End, Transfer};
use alloc::collections::VecDeque;
use uxrt::protocols::file::{Inline, INLINE_MAX};
use uxrt::protocols::{Errno, Reply, Word};
use uxrt::server::files::OpenFiles;
use uxrt::server::Deferred;

/// Bytes a pipe holds (as Linux's default).
pub const CAPACITY: usize = 64 * 1024;

pub struct Waiter {
    pub caller: Deferred,
    pub transfer: Transfer,
}

pub struct Pipe {
    bytes: VecDeque<u8>,
    readers: u32,
    writers: u32,
    /// The write end was not handed out yet (no end-of-file before it is).
    writer_pending: bool,
    pub readers_waiting: VecDeque<Waiter>,
    pub writers_waiting: VecDeque<Waiter>,
}

impl Pipe {
    pub fn new() -> Pipe {
        Pipe {
            bytes: VecDeque::new(),
            readers: 1,
            writers: 0,
            writer_pending: true,
            readers_waiting: VecDeque::new(),
            writers_waiting: VecDeque::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Hands out the write end, once.
    pub fn take_pending_writer(&mut self) -> bool {
        let pending = core::mem::take(&mut self.writer_pending);
        if pending {
            self.writers = 1;
        }
        pending
    }

    pub fn writer_closed(&mut self) {
        self.writers = self.writers.saturating_sub(1);
    }

    pub fn reader_closed(&mut self) {
        self.readers = self.readers.saturating_sub(1);
    }

    pub fn is_unused(&self) -> bool {
        self.readers == 0 && self.writers == 0 && !self.writer_pending
    }

    fn at_end(&self) -> bool {
        self.writers == 0 && !self.writer_pending
    }

    /// The answer to a read now, or `None` when the reader must wait.
    pub fn try_read(&mut self, files: &mut OpenFiles<End>, transfer: Transfer) -> Option<Reply> {
        if self.bytes.is_empty() {
            return self.at_end().then(|| end_of_file(transfer));
        }
        Some(match transfer {
            Transfer::Inline { length } => {
                let mut out = [0; INLINE_MAX];
                let n = self.take(&mut out[..length.min(INLINE_MAX)]);
                Inline::new(&out[..n]).reply()
            }
            Transfer::Shared { badge, pid, span } => match files.with_buffer(badge, pid, span) {
                Ok((_, buffer)) => Reply::ok(&[self.take(buffer) as Word]),
                Err(errno) => Reply::error(errno),
            },
            Transfer::InlineData(_) => Reply::error(Errno::EBADF),
        })
    }

    fn take(&mut self, into: &mut [u8]) -> usize {
        let n = into.len().min(self.bytes.len());
        for (slot, byte) in into.iter_mut().zip(self.bytes.drain(..n)) {
            *slot = byte;
        }
        n
    }

    /// The answer to a write now (as much as fits), or `None` when the writer must wait
    /// for room.
    pub fn try_write(&mut self, files: &mut OpenFiles<End>, transfer: Transfer) -> Option<Reply> {
        if self.readers == 0 {
            return Some(Reply::error(Errno::EPIPE));
        }
        let room = CAPACITY - self.bytes.len();
        if room == 0 {
            return None;
        }
        Some(match transfer {
            Transfer::InlineData(data) => {
                let bytes = &data.as_bytes()[..data.as_bytes().len().min(room)];
                self.bytes.extend(bytes);
                Reply::ok(&[bytes.len() as Word])
            }
            Transfer::Shared { badge, pid, span } => match files.with_buffer(badge, pid, span) {
                Ok((_, buffer)) => {
                    let bytes = &buffer[..buffer.len().min(room)];
                    self.bytes.extend(bytes.iter());
                    Reply::ok(&[bytes.len() as Word])
                }
                Err(errno) => Reply::error(errno),
            },
            Transfer::Inline { .. } => Reply::error(Errno::EBADF),
        })
    }

    /// Answers the waiting callers the pipe can serve now, in order.
    pub fn wake(&mut self, files: &mut OpenFiles<End>) {
        loop {
            let read = self.serve(files, |p| &mut p.readers_waiting, Pipe::try_read);
            let wrote = self.serve(files, |p| &mut p.writers_waiting, Pipe::try_write);
            if !read && !wrote {
                return;
            }
        }
    }

    /// Answers the callers at the head of one queue while `attempt` can; whether any was.
    fn serve(
        &mut self,
        files: &mut OpenFiles<End>,
        queue: fn(&mut Pipe) -> &mut VecDeque<Waiter>,
        attempt: fn(&mut Pipe, &mut OpenFiles<End>, Transfer) -> Option<Reply>,
    ) -> bool {
        let mut waiting = core::mem::take(queue(self));
        let mut moved = false;
        while let Some(waiter) = waiting.front_mut() {
            // A caller that ended while it waited must not take bytes (or room) with it.
            if !waiter.caller.still_waiting() {
                waiting.pop_front().map(|w| w.caller.forget());
                continue;
            }
            let Some(reply) = attempt(self, files, waiter.transfer) else { break };
            waiting.pop_front().map(|w| w.caller.answer(reply));
            moved = true;
        }
        *queue(self) = waiting;
        moved
    }
}

fn end_of_file(transfer: Transfer) -> Reply {
    match transfer {
        Transfer::Inline { .. } => Inline::new(&[]).reply(),
        _ => Reply::ok(&[0]),
    }
}
