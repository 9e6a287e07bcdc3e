//! Pipes. Each pipe is a bounded buffer with a read end and a write end, each an open
//! file of this server. A read of an empty pipe and a write to a full one wait (the
//! caller's reply capability is saved and answered when the other end moves); reading
//! gives end-of-file once every write end is closed, and writing gives `EPIPE` once every
//! read end is.
//!
//! A named pipe (a FIFO) is a name in a file system and a pipe here: the VFS asks for an
//! end of it by its key (`OpenFifo`), and the pipe is made on the first open and ends,
//! with the bytes it held, when its last end closes, as on Linux.
#![no_std]
#![no_main]

extern crate alloc;

mod pipe;

use hashbrown::HashMap;
use pipe::{Buffered, Pipe, Waiter};
use uxrt::protocols::events::Readiness;
use uxrt::protocols::file::{FileKind, FileRequest, FileStat, Inline, OpenFlags, PathRequest, Span};
use uxrt::protocols::{Errno, Reply, Word};
use uxrt::server::files::{self, FileServer, OpenFiles};
use uxrt::server::{answer, Answer, Deferred};

uxrt::main!(main);

fn main() -> i32 {
    let mut pipes = Pipes { pipes: HashMap::new(), next_id: 1, sessions: HashMap::new(), named: HashMap::new() };
    files::run(&mut pipes, OpenFiles::default())
}

struct Pipes {
    pipes: HashMap<u64, Pipe>,
    next_id: u64,
    /// What each session's pipes buffer (`pipe::SESSION_QUOTA`), while it has pipes.
    sessions: HashMap<Word, Buffered>,
    /// The named pipes that have open ends, by key (the VFS's name for the FIFO).
    named: HashMap<Word, u64>,
}

/// An open end of a pipe.
pub struct End {
    pipe: u64,
    write: bool,
    /// How many ends of the other kind had been opened when this one was (a FIFO's
    /// opener waits until a later one is: see `Pipe::has_peer`).
    peers_at_open: u64,
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
    /// Up to `length` bytes, copied by the kernel from the pipe's buffer into the
    /// caller's transfer window as the reply goes (`ReadDirect`).
    Direct {
        length: usize,
    },
}

impl Transfer {
    /// Whether the reply copies bytes into the caller's window (it must go before the
    /// pipe's buffer changes).
    fn copies(&self) -> bool {
        matches!(self, Transfer::Direct { .. })
    }
}

impl Pipes {
    /// A new pipe, its bytes charged to `session`.
    fn new_pipe(&mut self, files: &mut OpenFiles<End>, session: Word) -> Answer {
        let id = self.next_id;
        match files.open(End { pipe: id, write: false, peers_at_open: 0 }) {
            Ok((_, cap)) => {
                self.next_id += 1;
                let buffered = self.sessions.entry(session).or_default().clone();
                self.pipes.insert(id, Pipe::new(buffered, None));
                Answer::WithCap(Reply::ok(&[]), cap)
            }
            Err(errno) => Reply::error(errno).into(),
        }
    }

    /// An end of the named pipe `key`, made (its bytes charged to `session`) unless it
    /// has ends open. Opening never waits here: a blocking opener waits with
    /// `AwaitPeer` afterwards.
    fn open_fifo(&mut self, files: &mut OpenFiles<End>, key: Word, flags: OpenFlags, session: Word) -> Answer {
        let write = match (flags.readable(), flags.writable()) {
            (true, false) => false,
            (false, true) => true,
            // (Linux gives both ends to a read-write open; POSIX leaves it undefined.)
            _ => return Reply::error(Errno::EINVAL).into(),
        };
        let id = match self.named.get(&key) {
            Some(&id) => id,
            None => {
                let id = self.next_id;
                self.next_id += 1;
                let buffered = self.sessions.entry(session).or_default().clone();
                self.pipes.insert(id, Pipe::new(buffered, Some(key)));
                self.named.insert(key, id);
                id
            }
        };
        let Some(pipe) = self.pipes.get_mut(&id) else { return Reply::error(Errno::EIO).into() };
        let opened = if write && flags.has(OpenFlags::NONBLOCK) && pipe.ends(false) == 0 {
            Err(Errno::ENXIO)
        } else {
            files.open(End { pipe: id, write, peers_at_open: pipe.ends_opened(!write) })
        };
        match opened {
            Ok((_, cap)) => {
                pipe.end_opened(write);
                Answer::WithCap(Reply::ok(&[FileKind::Pipe as Word]), cap)
            }
            Err(errno) => {
                self.forget_if_unused(id);
                Reply::error(errno).into()
            }
        }
    }

    /// Answers once the other end of a named pipe has been opened since this one was.
    fn await_peer(&mut self, files: &mut OpenFiles<End>, badge: Word) -> Answer {
        let Some(&End { pipe: id, write, peers_at_open }) = files.get(badge) else {
            return Reply::error(Errno::EBADF).into();
        };
        let Some(pipe) = self.pipes.get_mut(&id).filter(|p| p.is_named()) else {
            return Reply::error(Errno::EINVAL).into();
        };
        if pipe.has_peer(write, peers_at_open) {
            return answer(Ok([]));
        }
        pipe.await_peer(badge, write)
    }

    /// Drops a pipe nobody holds (a named one leaves the names too; its bytes go, as
    /// when a FIFO's last end closes on Linux).
    fn forget_if_unused(&mut self, id: u64) {
        let Some(pipe) = self.pipes.get(&id).filter(|p| p.is_unused()) else { return };
        if let Some(key) = pipe.key() {
            self.named.remove(&key);
        }
        self.pipes.remove(&id);
        files::shrink_when_sparse(&mut self.pipes);
        // (A session's count goes with its last pipe.)
        self.sessions.retain(|_, buffered| alloc::rc::Rc::strong_count(buffered) > 1);
    }

    fn open_writer(&mut self, files: &mut OpenFiles<End>, badge: Word) -> Answer {
        let Some(&End { pipe: id, write: false, .. }) = files.get(badge) else {
            return Reply::error(Errno::EINVAL).into();
        };
        let Some(pipe) = self.pipes.get_mut(&id) else { return Reply::error(Errno::EBADF).into() };
        if !pipe.take_pending_writer() {
            return Reply::error(Errno::EINVAL).into();
        }
        match files.open(End { pipe: id, write: true, peers_at_open: 0 }) {
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
            // The reply copies out of the buffer, which nothing may change before it
            // goes: on the fastpath as the server receives again, unless writers wait
            // for the room the read made (then it goes now, and they are served).
            Some(reply) if transfer.copies() && pipe.writers_waiting.is_empty() => Answer::Copying(reply),
            Some(reply) if transfer.copies() => {
                uxrt::server::answer_copying_now(reply);
                Answer::Later
            }
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
        // (Not before a reply that copies out of the buffer: nobody is waiting then,
        // as writers waiting had the reply sent already, and readers do not wait while
        // there are bytes.)
        if !matches!(answer, Answer::Copying(_)) {
            pipe.watch_room();
            pipe.wake(files);
        }
        answer
    }

    /// The pipe of the read end `badge`.
    fn read_end(&mut self, files: &OpenFiles<End>, badge: Word) -> Result<&mut Pipe, Errno> {
        match files.get(badge) {
            Some(&End { pipe, write: false, .. }) => self.pipes.get_mut(&pipe).ok_or(Errno::EBADF),
            Some(_) => Err(Errno::EINVAL),
            None => Err(Errno::EBADF),
        }
    }

    /// `MapRing`: the read end's lease, for its one holder.
    fn map_ring(&mut self, files: &mut OpenFiles<End>, badge: Word, pid: Word, token: Word) -> Answer {
        let pid = match uxrt::protocols::Pid::try_from(pid) {
            Ok(pid) => pid,
            Err(_) => return Reply::error(Errno::ESRCH).into(),
        };
        let sole = files.holders(badge) == Some(1);
        let pipe = match self.read_end(files, badge) {
            Ok(pipe) => pipe,
            Err(errno) => return Reply::error(errno).into(),
        };
        if !sole {
            return Reply::error(Errno::EBUSY).into();
        }
        let leased = pipe.lease(badge, pid, token);
        pipe.wake(files);
        answer(leased)
    }
}

impl FileServer for Pipes {
    type File = End;

    fn control(&mut self, files: &mut OpenFiles<End>, request: PathRequest, _paths: &mut [u8]) -> Answer {
        match request {
            PathRequest::Pipe { owner } => self.new_pipe(files, owner),
            PathRequest::OpenFifo { key, flags, owner } => self.open_fifo(files, key, flags, owner),
            _ => Reply::error(Errno::ENOSYS).into(),
        }
    }

    // (`transfer` finds the end, or answers EBADF.)
    const FINDS_TRANSFERS_FILE: bool = true;
    // (A bulk read copies once, from the pipe's buffer into the reader's memory.)
    const READS_DIRECT: bool = true;

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
            FileRequest::ReadDirect { window, nonblocking } => {
                let transfer = Transfer::Direct { length: window.length as usize };
                self.transfer(files, badge, transfer, false, nonblocking)
            }
            FileRequest::OpenPeer => self.open_writer(files, badge),
            FileRequest::MapRing { pid, token } => self.map_ring(files, badge, pid, token),
            FileRequest::ReleaseRing => match self.read_end(files, badge) {
                Ok(pipe) if pipe.leased_to(badge) => answer(pipe.end_lease(true).map(|()| [])),
                Ok(_) => Reply::error(Errno::EINVAL).into(),
                Err(errno) => Reply::error(errno).into(),
            },
            FileRequest::RingWake => match self.read_end(files, badge) {
                Ok(pipe) if pipe.leased_to(badge) => {
                    pipe.room_woken(files);
                    answer(Ok([]))
                }
                Ok(_) => Reply::error(Errno::EINVAL).into(),
                Err(errno) => Reply::error(errno).into(),
            },
            FileRequest::AwaitPeer => self.await_peer(files, badge),
            FileRequest::PipeCapacity { bytes } => {
                let Some(&End { pipe, .. }) = files.get(badge) else { return Reply::error(Errno::EBADF).into() };
                let Some(pipe) = self.pipes.get_mut(&pipe) else { return Reply::error(Errno::EBADF).into() };
                answer(pipe.set_capacity(files, bytes).map(|capacity| [capacity as Word]))
            }
            FileRequest::Stat => {
                // (A pipe keeps no times: its contents change all the time.)
                let now = uxrt::time::realtime_ns();
                let size = files.get(badge).and_then(|e| self.pipes.get(&e.pipe)).map_or(0, |p| p.len() as u64);
                FileStat {
                    ino: badge,
                    kind: FileKind::Pipe,
                    size,
                    links: 1,
                    mode: 0o600,
                    modified: now,
                    changed: now,
                    accessed: now,
                }
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
            // (The lessee is the read end's only holder: its bytes go with it.)
            if pipe.leased_to(badge) {
                let _ = pipe.end_lease(false);
            }
        }
    }

    fn may_duplicate(&mut self, files: &mut OpenFiles<End>, badge: Word) -> Result<(), Errno> {
        // (A leased end has one reader: its holder ends the lease before sharing it.)
        match files.get(badge).and_then(|e| self.pipes.get(&e.pipe)) {
            Some(pipe) if pipe.leased_to(badge) => Err(Errno::EBUSY),
            _ => Ok(()),
        }
    }

    fn closed(&mut self, files: &mut OpenFiles<End>, end: End) {
        let Some(pipe) = self.pipes.get_mut(&end.pipe) else { return };
        if end.write {
            pipe.writer_closed();
        } else {
            pipe.reader_closed();
        }
        // (Each handle's subscription went with it. A named pipe's other opens of the
        // same kind keep theirs: the watchers go only with the last end of a kind.)
        if pipe.ends(end.write) == 0 {
            pipe.unsubscribe(end.write);
        }
        pipe.wake(files);
        self.forget_if_unused(end.pipe);
    }
}
