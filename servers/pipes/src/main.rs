//! Pipes. Each pipe is a bounded buffer with a read end and a write end, each an open
//! file of this server. A read of an empty pipe and a write to a full one wait (the
//! caller's reply capability is saved and answered when the other end moves); reading
//! gives end-of-file once every write end is closed, and writing gives `EPIPE` once every
//! read end is.
#![no_std]
#![no_main]

extern crate alloc;

mod pipe;

use hashbrown::HashMap;
use pipe::{Buffered, Pipe, Waiter};
use uxrt::protocols::events::Readiness;
use uxrt::protocols::file::{FileKind, FileRequest, FileStat, Inline, PathRequest, Span};
use uxrt::protocols::{Errno, Reply, Word};
use uxrt::server::files::{self, FileServer, OpenFiles};
use uxrt::server::{answer, Answer, Deferred};

uxrt::main!(main);

fn main() -> i32 {
    files::run(&mut Pipes { pipes: HashMap::new(), next_id: 1, sessions: HashMap::new() }, OpenFiles::default())
}

struct Pipes {
    pipes: HashMap<u64, Pipe>,
    next_id: u64,
    /// What each session's pipes buffer (`pipe::SESSION_QUOTA`), while it has pipes.
    sessions: HashMap<Word, Buffered>,
}

/// An open end of a pipe.
pub struct End {
    pipe: u64,
    write: bool,
}

/// What a waiting caller asked for.
#[derive(Clone, Copy)]
pub enum Transfer {
    Inline {
        length: usize,
    },
    /// Through the buffer shared with `pid` for the end `badge`.
    Shared {
        badge: Word,
        pid: Word,
        span: Span,
    },
    /// Inline data still to write.
    InlineData(Inline),
}

impl Pipes {
    /// A new pipe, its bytes charged to `session`.
    fn new_pipe(&mut self, files: &mut OpenFiles<End>, session: Word) -> Answer {
        let id = self.next_id;
        match files.open(End { pipe: id, write: false }) {
            Ok((_, cap)) => {
                self.next_id += 1;
                let buffered = self.sessions.entry(session).or_default().clone();
                self.pipes.insert(id, Pipe::new(buffered));
                Answer::WithCap(Reply::ok(&[]), cap)
            }
            Err(errno) => Reply::error(errno).into(),
        }
    }

    fn open_writer(&mut self, files: &mut OpenFiles<End>, badge: Word) -> Answer {
        let Some(&End { pipe: id, write: false }) = files.get(badge) else { return Reply::error(Errno::EINVAL).into() };
        let Some(pipe) = self.pipes.get_mut(&id) else { return Reply::error(Errno::EBADF).into() };
        if !pipe.take_pending_writer() {
            return Reply::error(Errno::EINVAL).into();
        }
        match files.open(End { pipe: id, write: true }) {
            Ok((_, cap)) => Answer::WithCap(Reply::ok(&[]), cap),
            Err(errno) => {
                pipe.writer_closed();
                Reply::error(errno).into()
            }
        }
    }

    /// Reads or writes now, or saves the caller to answer when the pipe moves (`EAGAIN`
    /// for a caller that must not wait).
    fn transfer(
        &mut self,
        files: &mut OpenFiles<End>,
        badge: Word,
        transfer: Transfer,
        write: bool,
        nonblocking: bool,
    ) -> Answer {
        let Some(end) = files.get(badge) else { return Reply::error(Errno::EBADF).into() };
        if end.write != write {
            return Reply::error(Errno::EBADF).into();
        }
        let id = end.pipe;
        let Some(pipe) = self.pipes.get_mut(&id) else { return Reply::error(Errno::EBADF).into() };
        let now = if write { pipe.try_write(files, transfer) } else { pipe.try_read(files, transfer) };
        let answer = match now {
            Some(reply) => reply.into(),
            None if nonblocking => Reply::error(Errno::EAGAIN).into(),
            None => match Deferred::save() {
                Ok(caller) => {
                    let waiter = Waiter { caller, transfer, badge };
                    if write {
                        pipe.writers_waiting.push_back(waiter)
                    } else {
                        pipe.readers_waiting.push_back(waiter)
                    }
                    Answer::Later
                }
                Err(errno) => Reply::error(errno).into(),
            },
        };
        pipe.wake(files);
        answer
    }
}

impl FileServer for Pipes {
    type File = End;

    fn control(&mut self, files: &mut OpenFiles<End>, request: PathRequest, _paths: &mut [u8]) -> Answer {
        match request {
            PathRequest::Pipe { owner } => self.new_pipe(files, owner),
            _ => Reply::error(Errno::ENOSYS).into(),
        }
    }

    // (`transfer` finds the end, or answers EBADF.)
    const FINDS_TRANSFERS_FILE: bool = true;

    fn file(&mut self, files: &mut OpenFiles<End>, badge: Word, request: FileRequest) -> Answer {
        match request {
            FileRequest::Read { length, nonblocking } => {
                self.transfer(files, badge, Transfer::Inline { length: length as usize }, false, nonblocking)
            }
            FileRequest::Write { data, nonblocking } => {
                self.transfer(files, badge, Transfer::InlineData(data), true, nonblocking)
            }
            FileRequest::ReadShared { pid, span, nonblocking } => {
                self.transfer(files, badge, Transfer::Shared { badge, pid, span }, false, nonblocking)
            }
            FileRequest::WriteShared { pid, span, nonblocking } => {
                self.transfer(files, badge, Transfer::Shared { badge, pid, span }, true, nonblocking)
            }
            FileRequest::OpenPeer => self.open_writer(files, badge),
            FileRequest::PipeCapacity { bytes } => {
                let Some(&End { pipe, .. }) = files.get(badge) else { return Reply::error(Errno::EBADF).into() };
                let Some(pipe) = self.pipes.get_mut(&pipe) else { return Reply::error(Errno::EBADF).into() };
                answer(pipe.set_capacity(files, bytes).map(|capacity| [capacity as Word]))
            }
            FileRequest::Stat => {
                // (A pipe keeps no times: its contents change all the time.)
                let now = uxrt::time::realtime_ns();
                let size = files.get(badge).and_then(|e| self.pipes.get(&e.pipe)).map_or(0, |p| p.len() as u64);
                FileStat { ino: badge, kind: FileKind::Pipe, size, links: 1, mode: 0o600, modified: now, changed: now }
                    .reply()
                    .into()
            }
            FileRequest::Seek { .. } => Reply::error(Errno::ESPIPE).into(),
            FileRequest::ReadDir { .. } => Reply::error(Errno::ENOTDIR).into(),
            _ => answer::<0>(Err(Errno::EINVAL)),
        }
    }

    fn subscribe(&mut self, files: &mut OpenFiles<End>, badge: Word, notification: sel4::CPtr) -> Answer {
        let end = files.get(badge).and_then(|e| self.pipes.get_mut(&e.pipe).map(|p| (p, e.write)));
        let Some((pipe, write)) = end else {
            uxrt::caps::free(notification);
            return Reply::error(Errno::EBADF).into();
        };
        let now = pipe.subscribe(write, badge, notification);
        let plain = if write { Readiness::WRITABLE } else { Readiness::READABLE };
        answer(Ok([now.0 as Word, plain.0 as Word]))
    }

    fn handle_closed(&mut self, files: &mut OpenFiles<End>, badge: Word) {
        let end = files.get(badge).and_then(|e| self.pipes.get_mut(&e.pipe).map(|p| (p, e.write)));
        if let Some((pipe, write)) = end {
            pipe.handle_closed(write, badge);
        }
    }

    fn closed(&mut self, files: &mut OpenFiles<End>, end: End) {
        let Some(pipe) = self.pipes.get_mut(&end.pipe) else { return };
        pipe.unsubscribe(end.write);
        if end.write {
            pipe.writer_closed();
        } else {
            pipe.reader_closed();
        }
        pipe.wake(files);
        if pipe.is_unused() {
            self.pipes.remove(&end.pipe);
            files::shrink_when_sparse(&mut self.pipes);
            // (A session's count goes with its last pipe.)
            self.sessions.retain(|_, buffered| alloc::rc::Rc::strong_count(buffered) > 1);
        }
    }
}
