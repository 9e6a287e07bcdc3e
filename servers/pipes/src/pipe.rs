//! One pipe: its bytes, its ends, and the callers waiting on it.

use crate::{End, Transfer};
use alloc::collections::VecDeque;
use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::Cell;
use uxrt::protocols::events::{transferred, Readiness};
use uxrt::protocols::file::{direct_reply, Inline, INLINE_MAX};
use uxrt::protocols::pipe_ring::{self, Ring, PIPE_BUF};
use uxrt::protocols::{Errno, Reply, Word};
use uxrt::server::files::OpenFiles;
use uxrt::server::{Answer, Deferred, Watchers};

/// Buffer an empty pipe always keeps.
const KEPT_CAPACITY: usize = 4096;
/// Buffer memory the pipes of one session may have together (128 full pipes): beyond,
/// a write gets `ENOMEM`, and the other sessions' pipes are untouched. A pipe is charged
/// for the buffer it has, not the bytes in it: an empty pipe keeps its buffer (no
/// allocation, growth and mapping of it each time a stream fills and drains it) while
/// its session has less than half of this; past that, an emptied buffer is given back.
pub const SESSION_QUOTA: usize = uxrt::protocols::session_shares::PIPES_BYTES as usize;

/// Buffer memory of all the pipes of one session (each of its pipes holds a count).
pub type Buffered = Rc<Cell<usize>>;

pub struct Waiter {
    pub caller: Deferred,
    pub transfer: Transfer,
    /// The handle it came through.
    pub badge: Word,
}

/// The read end's lease (`MapRing`): the pipe's bytes are in a ring shared with the
/// one process that holds the read end, which reads them with no call; this server
/// still writes them (the ring's writer, keeping its count privately, never trusting
/// the reader's). See `pipe_ring`.
pub struct Lease {
    /// The lessee's handle.
    handle: Word,
    /// This server's view: the header page, then the data area.
    view: &'static mut [u8],
    writer: pipe_ring::Writer,
    ring: Ring,
}

impl Lease {
    /// Bytes in the ring, as far as the reader's published count can be believed (a
    /// count it scribbled makes the ring look full: it garbles its own pipe).
    fn len(&self) -> usize {
        self.ring.capacity() - self.writer.room()
    }
}

pub struct Pipe {
    /// The bytes, unless the read end is leased (then they are in the lease's ring).
    bytes: VecDeque<u8>,
    lease: Option<Lease>,
    /// The most it holds (`F_SETPIPE_SZ`; Linux's default to start).
    capacity: usize,
    readers: u32,
    writers: u32,
    /// The write end was not handed out yet (no end-of-file before it is).
    writer_pending: bool,
    pub readers_waiting: VecDeque<Waiter>,
    pub writers_waiting: VecDeque<Waiter>,
    /// The notifications subscribed to each end's readiness (clients', write-only).
    watches: [Watchers; 2],
    /// What its session (the one that made it) has in buffers, this one's included.
    session_buffered: Buffered,
    /// What this pipe's buffer counts in `session_buffered`.
    charged: usize,
    /// A named pipe's key.
    key: Option<Word>,
    /// Ends of each kind opened so far (for a named pipe's openers that wait).
    opened: [u64; 2],
    /// The holders of a named pipe's ends waiting for the other end to open (their
    /// badge, and whether their end writes): one each.
    awaiting_peer: Vec<(Word, Deferred, bool)>,
}

impl Drop for Pipe {
    fn drop(&mut self) {
        let held = self.session_buffered.get();
        self.session_buffered.set(held - self.charged);
        if let Some(lease) = self.lease.take() {
            uxrt::server::unshare(lease.view);
        }
    }
}

/// Index of an end in `watches`.
const fn end(write: bool) -> usize {
    write as usize
}

impl Pipe {
    /// A pipe made with its read end open and its write end to come, or with `key`, a
    /// named pipe with no end open yet.
    pub fn new(session_buffered: Buffered, key: Option<Word>) -> Pipe {
        Pipe {
            bytes: VecDeque::new(),
            lease: None,
            capacity: uxrt::protocols::file::PIPE_CAPACITY,
            readers: key.is_none() as u32,
            writers: 0,
            writer_pending: key.is_none(),
            readers_waiting: VecDeque::new(),
            writers_waiting: VecDeque::new(),
            watches: [Watchers::default(), Watchers::default()],
            session_buffered,
            charged: 0,
            key,
            opened: [0; 2],
            awaiting_peer: Vec::new(),
        }
    }

    pub fn is_named(&self) -> bool {
        self.key.is_some()
    }

    pub fn key(&self) -> Option<Word> {
        self.key
    }

    /// Ends of one kind open now.
    pub fn ends(&self, write: bool) -> u32 {
        if write {
            self.writers
        } else {
            self.readers
        }
    }

    /// Ends of one kind opened so far.
    pub fn ends_opened(&self, write: bool) -> u64 {
        self.opened[end(write)]
    }

    /// Whether an end (`write` or not) opened after `peers_at_open` ends of the other
    /// kind were has a peer: one is open, or one was opened since (and maybe closed
    /// already: it still ends the wait, as on Linux).
    pub fn has_peer(&self, write: bool, peers_at_open: u64) -> bool {
        self.ends(!write) > 0 || self.ends_opened(!write) > peers_at_open
    }

    /// A named pipe's end was opened: the openers of the other kind waiting for it go on.
    pub fn end_opened(&mut self, write: bool) {
        if write {
            self.writers += 1;
        } else {
            self.readers += 1;
        }
        self.opened[end(write)] += 1;
        let (peers, others) = core::mem::take(&mut self.awaiting_peer).into_iter().partition(|w| w.2 != write);
        self.awaiting_peer = others;
        for (_, caller, _) in peers {
            caller.answer(Reply::ok(&[]));
        }
    }

    /// Keeps `handle` (of an end that writes or not) waiting for the other end.
    pub fn await_peer(&mut self, handle: Word, write: bool) -> Answer {
        if self.awaiting_peer.iter().any(|w| w.0 == handle) {
            return Reply::error(Errno::EBUSY).into();
        }
        match self.awaiting_peer.try_reserve(1).map_err(|_| Errno::ENOMEM).and_then(|()| Deferred::save()) {
            Ok(caller) => {
                self.awaiting_peer.push((handle, caller, write));
                Answer::Later
            }
            Err(errno) => Reply::error(errno).into(),
        }
    }

    /// Bytes a write could add now.
    fn room(&self) -> usize {
        self.capacity.saturating_sub(self.len())
    }

    /// What one end is ready for now. A read end: readable with bytes in, hung up with
    /// no writer left; a write end: writable with room for a write of `PIPE_BUF` bytes
    /// (which goes in whole or waits: as Linux, a pipe polls writable only while such a
    /// write would not wait), in error with no reader left.
    pub fn readiness(&self, write: bool) -> Readiness {
        let mut ready = Readiness::NONE;
        if write {
            if self.room() >= PIPE_BUF {
                ready = ready.union(Readiness::WRITABLE);
            }
            if self.readers == 0 {
                ready = ready.union(Readiness::ERROR);
            }
        } else {
            if self.len() > 0 {
                ready = ready.union(Readiness::READABLE);
            }
            if self.at_end() {
                ready = ready.union(Readiness::HANGUP);
            }
        }
        ready
    }

    /// Signals `notification` (too, in place of the one `handle` gave before) when the
    /// end becomes ready; returns the readiness now.
    pub fn subscribe(&mut self, write: bool, handle: Word, notification: sel4::CPtr) -> Readiness {
        self.watches[end(write)].add(handle, notification);
        self.readiness(write)
    }

    /// `handle` on one end closed: its subscription goes.
    pub fn handle_closed(&mut self, write: bool, handle: Word) {
        self.watches[end(write)].remove(handle);
        if let Some(at) = self.awaiting_peer.iter().position(|w| w.0 == handle) {
            self.awaiting_peer.swap_remove(at).1.forget();
        }
    }

    /// The end is closed: its watchers go.
    pub fn unsubscribe(&mut self, write: bool) {
        self.watches[end(write)].clear();
    }

    /// The end's subscribers learn of a hang-up or error, with the readiness it has.
    fn signal_state(&self, write: bool) {
        self.watches[end(write)].signal_bits(self.readiness(write).0 as Word);
    }

    pub fn len(&self) -> usize {
        match &self.lease {
            Some(lease) => lease.len(),
            None => self.bytes.len(),
        }
    }

    /// Its capacity, first set to `bytes` unless that is 0 (see `F_SETPIPE_SZ`).
    /// Linux counts a pipe's contents in pages: `EBUSY` when they take more pages than
    /// the new capacity has. Growing wakes writers that waited for room.
    pub fn set_capacity(&mut self, files: &mut OpenFiles<End>, bytes: Word) -> Result<usize, Errno> {
        if bytes != 0 {
            let capacity = uxrt::protocols::file::pipe_capacity(bytes)?;
            if self.len().div_ceil(4096) > capacity / 4096 {
                return Err(Errno::EBUSY);
            }
            // (A leased ring keeps its size: it is mapped in the reader.)
            if self.lease.as_ref().is_some_and(|l| capacity > l.ring.capacity()) {
                return Err(Errno::EBUSY);
            }
            let grew = capacity > self.capacity;
            self.capacity = capacity;
            if grew {
                self.watches[end(true)].signal();
                self.wake(files);
            }
        }
        Ok(self.capacity)
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
        if self.at_end() {
            if let Some(lease) = &self.lease {
                lease.ring.mark_writers_gone();
            }
            self.signal_state(false);
        }
    }

    pub fn reader_closed(&mut self) {
        self.readers = self.readers.saturating_sub(1);
        if self.readers == 0 {
            self.signal_state(true);
        }
    }

    pub fn is_unused(&self) -> bool {
        self.readers == 0 && self.writers == 0 && !self.writer_pending
    }

    fn at_end(&self) -> bool {
        self.writers == 0 && !self.writer_pending
    }

    /// The answer to a read now, or `None` when the reader must wait.
    pub fn try_read(&mut self, files: &mut OpenFiles<End>, transfer: Transfer) -> Option<Reply> {
        // (The lessee reads the ring itself; nobody else holds the read end.)
        if self.lease.is_some() {
            return Some(Reply::error(Errno::EBUSY));
        }
        if self.bytes.is_empty() {
            return self.at_end().then(|| end_of_file(transfer));
        }
        Some(match transfer {
            Transfer::Inline { length } => {
                let mut out = [0; INLINE_MAX];
                let n = self.take(&mut out[..length.min(INLINE_MAX)]);
                Inline::reply_bytes(&out[..n], self.cleared(false))
            }
            Transfer::Shared { badge, pid, span } => match files.with_buffer(badge, pid, span) {
                Ok((_, buffer)) => {
                    let n = self.take(buffer);
                    Reply::ok(&[transferred(n, self.cleared(false))])
                }
                Err(errno) => Reply::error(errno),
            },
            Transfer::Direct { length } => {
                let (bytes, cleared) = self.take_in_place(length);
                direct_reply(bytes, cleared)
            }
            Transfer::InlineData(_) => Reply::error(Errno::EBADF),
        })
    }

    /// A read took bytes from a pipe that had no room for `PIPE_BUF` more (`was_full`):
    /// the writers' subscribers hear of the room if there is now.
    fn room_made(&self, was_full: bool) {
        if was_full && self.room() >= PIPE_BUF {
            self.watches[end(true)].signal();
        }
    }

    /// Takes up to `length` bytes (those at the front of the buffer, in one piece) for a
    /// reply that copies them: they leave the pipe now, and stay where they are in the
    /// buffer until its next change (the caller sends the reply first). With what the
    /// read cleared.
    fn take_in_place(&mut self, length: usize) -> (&[u8], Readiness) {
        let was_full = self.room() < PIPE_BUF;
        let (front, _) = self.bytes.as_slices();
        let n = length.min(front.len());
        let start = front.as_ptr();
        // (Draining bytes moves the buffer's start, and neither frees nor writes memory.)
        self.bytes.drain(..n);
        self.room_made(was_full);
        let cleared = self.cleared(false);
        // SAFETY: the `n` bytes at `start` are in the buffer's allocation, which this
        // borrow of the pipe keeps as it is (only a change of `bytes` could move or
        // overwrite them); they were initialised bytes of the pipe until the drain,
        // which leaves memory alone for `u8`s.
        let bytes = unsafe { core::slice::from_raw_parts(start, n) };
        (bytes, cleared)
    }

    /// What an end's transfer just took from its readiness: readable once empty,
    /// writable once full.
    fn cleared(&self, write: bool) -> Readiness {
        let ready = self.readiness(write);
        if write {
            Readiness::WRITABLE.without(ready)
        } else {
            Readiness::READABLE.without(ready)
        }
    }

    fn take(&mut self, into: &mut [u8]) -> usize {
        let was_full = self.room() < PIPE_BUF;
        let n = into.len().min(self.bytes.len());
        if n <= INLINE_MAX {
            // (A few bytes, for a reply's registers: a loop costs less than two calls
            // of memcpy.)
            for (slot, byte) in into.iter_mut().zip(self.bytes.drain(..n)) {
                *slot = byte;
            }
        } else {
            // (Two copies of the ring's two slices, not a loop over its bytes.)
            let (front, back) = self.bytes.as_slices();
            let first = n.min(front.len());
            into[..first].copy_from_slice(&front[..first]);
            into[first..n].copy_from_slice(&back[..n - first]);
            self.bytes.drain(..n);
        }
        self.room_made(was_full);
        // An emptied pipe gives back a large buffer once its session has many (a server
        // whose clients once filled many pipes does not stay grown).
        let crowded = self.session_buffered.get() > SESSION_QUOTA / 2;
        if self.bytes.is_empty() && self.bytes.capacity() > KEPT_CAPACITY && crowded {
            self.bytes = VecDeque::new();
            self.recharge();
        }
        n
    }

    /// Brings the session's count up to date with this pipe's buffer.
    fn recharge(&mut self) {
        let now = self.bytes.capacity();
        self.session_buffered.set(self.session_buffered.get() - self.charged + now);
        self.charged = now;
    }

    /// Appends what fits of `bytes`; how many did. Every write that adds bytes signals
    /// the reader (an edge-triggered waiter hears of each, as on Linux); room freed is
    /// signalled when the pipe was full.
    /// `ENOMEM` beyond the session's quota, or when the server's memory cannot hold
    /// them (never a crash).
    fn put(&mut self, bytes: &[u8]) -> Result<usize, Errno> {
        let n = bytes.len().min(self.room());
        if let Some(lease) = &mut self.lease {
            // (At most the room, which the ring has: the pipe's capacity is at most the
            // ring's, and the reader's count is clamped the same way.)
            let n = lease.writer.write(&bytes[..n]);
            if n > 0 {
                self.watches[end(false)].signal();
            }
            return Ok(n);
        }
        let needed = self.bytes.len() + n;
        if needed > self.bytes.capacity() {
            // A buffer grows by doubling, up to what the pipe may hold.
            let size = needed.max((2 * self.bytes.capacity()).min(self.capacity)).max(64);
            if self.session_buffered.get() - self.charged + size > SESSION_QUOTA {
                return Err(Errno::ENOMEM);
            }
            self.bytes.try_reserve_exact(size - self.bytes.len()).map_err(|_| Errno::ENOMEM)?;
            self.recharge();
        }
        self.bytes.extend(&bytes[..n]);
        if n > 0 {
            self.watches[end(false)].signal();
        }
        Ok(n)
    }

    /// The answer to a write now (as much as fits; a write of at most `PIPE_BUF` bytes
    /// all or nothing, as POSIX says), or `None` when the writer must wait for room.
    pub fn try_write(&mut self, files: &mut OpenFiles<End>, transfer: Transfer) -> Option<Reply> {
        if self.readers == 0 {
            return Some(Reply::error(Errno::EPIPE));
        }
        let length = match transfer {
            Transfer::InlineData(data) => data.as_bytes().len(),
            Transfer::Shared { span, .. } => span.length as usize,
            Transfer::Inline { .. } | Transfer::Direct { .. } => 0,
        };
        let room = self.room();
        if room == 0 || (length <= PIPE_BUF && length > room) {
            return None;
        }
        Some(match transfer {
            Transfer::InlineData(data) => match self.put(data.as_bytes()) {
                Ok(n) => Reply::ok(&[transferred(n, self.cleared(true))]),
                Err(errno) => Reply::error(errno),
            },
            Transfer::Shared { badge, pid, span } => match files.with_buffer(badge, pid, span) {
                Ok((_, buffer)) => match self.put(buffer) {
                    Ok(n) => Reply::ok(&[transferred(n, self.cleared(true))]),
                    Err(errno) => Reply::error(errno),
                },
                Err(errno) => Reply::error(errno),
            },
            Transfer::Inline { .. } | Transfer::Direct { .. } => Reply::error(Errno::EBADF),
        })
    }

    /// Leases the read end to the process `pid` that alone holds it through `handle`
    /// (`MapRing`; `token` its consent to the share): the bytes move to a ring shared
    /// with it. Returns `[address, capacity, read count]` for the reply.
    pub fn lease(&mut self, handle: Word, pid: uxrt::protocols::Pid, token: Word) -> Result<[Word; 3], Errno> {
        if self.is_named() || self.readers != 1 || self.lease.is_some() || !self.readers_waiting.is_empty() {
            return Err(Errno::EBUSY);
        }
        let capacity = self.capacity;
        let page = uxrt::memory::PAGE_SIZE;
        let (view, theirs) = uxrt::server::share(pid, page + capacity, token)?;
        let header = view.as_mut_ptr() as *const pipe_ring::Header;
        // SAFETY: `view` is page-aligned fresh (zeroed: a valid empty header) memory of
        // a page and `capacity` bytes, mapped until `unshare` (when the lease ends);
        // the reader may write it at any time, which the ring allows for.
        let ring = unsafe { Ring::new(header, view.as_mut_ptr().add(page), capacity) };
        let Some(ring) = ring else {
            uxrt::server::unshare(view);
            return Err(Errno::EAGAIN);
        };
        // (Before the reader sees the ring: it takes a header without this for zeroed
        // memory the root server put in its place when this server ended.)
        ring.mark_served();
        let mut writer = pipe_ring::Writer::new(ring, 0);
        let (front, back) = self.bytes.as_slices();
        writer.write(front);
        writer.write(back);
        self.bytes = VecDeque::new();
        self.recharge();
        if self.at_end() {
            ring.mark_writers_gone();
        }
        self.lease = Some(Lease { handle, view, writer, ring });
        self.watch_room();
        Ok([theirs, capacity as Word, 0])
    }

    /// Whether `handle` holds the read end's lease.
    pub fn leased_to(&self, handle: Word) -> bool {
        self.lease.as_ref().is_some_and(|l| l.handle == handle)
    }

    /// Ends the lease (`ReleaseRing`, or the lessee's close): the bytes the reader left
    /// come back here (unless the lessee is gone: `keep` false), the ring is unmapped.
    pub fn end_lease(&mut self, keep: bool) -> Result<(), Errno> {
        let Some(lease) = self.lease.as_ref() else { return Ok(()) };
        if keep {
            let left = lease.len();
            self.bytes.try_reserve_exact(left).map_err(|_| Errno::ENOMEM)?;
            let read = lease.writer.written().wrapping_sub(left as u64);
            let mut reader = pipe_ring::Reader::new(lease.ring, read);
            let mut chunk = [0u8; 256];
            loop {
                let n = reader.read(&mut chunk);
                if n == 0 || self.bytes.len() >= left {
                    break;
                }
                self.bytes.extend(&chunk[..n.min(left - self.bytes.len())]);
            }
        }
        if let Some(lease) = self.lease.take() {
            uxrt::server::unshare(lease.view);
        }
        self.recharge();
        Ok(())
    }

    /// While the read end is leased, the reader cannot be seen making room: when room
    /// is wanted (a writer waits, or the pipe is not writable and its writers' watchers
    /// must hear when it is), the ring's writer-sleeps flag asks the reader to say so
    /// (`RingWake`). The flag is set first, then the room looked at: room made before
    /// is signalled here, room made after brings the call.
    pub fn watch_room(&mut self) {
        let Some(lease) = &self.lease else { return };
        if self.room() >= PIPE_BUF && self.writers_waiting.is_empty() {
            return;
        }
        lease.writer.ask_for_room();
        if self.room() >= PIPE_BUF {
            self.watches[end(true)].signal();
        }
    }

    /// `RingWake`: the leased reader made room that was wanted.
    pub fn room_woken(&mut self, files: &mut OpenFiles<End>) {
        if self.room() >= PIPE_BUF {
            self.watches[end(true)].signal();
        }
        self.wake(files);
        self.watch_room();
    }

    /// Answers the waiting callers the pipe can serve now, in order.
    #[inline(always)]
    pub fn wake(&mut self, files: &mut OpenFiles<End>) {
        // (Nearly every transfer finds nobody waiting: no call for that.)
        if !self.readers_waiting.is_empty() || !self.writers_waiting.is_empty() {
            self.wake_waiting(files);
        }
    }

    fn wake_waiting(&mut self, files: &mut OpenFiles<End>) {
        loop {
            let read = self.serve(files, |p| &mut p.readers_waiting, Pipe::try_read, true);
            let wrote = self.serve(files, |p| &mut p.writers_waiting, Pipe::try_write, false);
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
        reading: bool,
    ) -> bool {
        let mut waiting = core::mem::take(queue(self));
        let mut moved = false;
        while let Some(waiter) = waiting.front_mut() {
            // A caller that ended while it waited must not take bytes (or room) with it:
            // its reply capability is gone then, which a move of it shows. An inline read
            // by the only holder of the only read end needs no such probe: had that
            // holder ended, nobody else could read those bytes anyway (and they travel
            // in the reply, not in memory of the holder's).
            let sole_reader = reading
                && self.readers == 1
                && matches!(waiter.transfer, Transfer::Inline { .. })
                && files.holders(waiter.badge) == Some(1);
            if !sole_reader && !waiter.caller.still_waiting() {
                waiting.pop_front().map(|w| w.caller.forget());
                continue;
            }
            let Some(reply) = attempt(self, files, waiter.transfer) else { break };
            // (A reply that copies out of the buffer goes before anything changes it.)
            match waiting.pop_front() {
                Some(w) if w.transfer.copies() => w.caller.answer_copying(reply),
                Some(w) => w.caller.answer(reply),
                None => {}
            }
            moved = true;
        }
        *queue(self) = waiting;
        moved
    }
}

fn end_of_file(transfer: Transfer) -> Reply {
    match transfer {
        Transfer::Inline { .. } => Inline::reply_bytes(&[], Readiness::NONE),
        Transfer::Direct { .. } => direct_reply(&[], Readiness::NONE),
        _ => Reply::ok(&[0]),
    }
}
