//! A pipe's bytes in memory its two ends share: a single-producer, single-consumer byte
//! ring whose two processes do not trust each other (issue 23's design; the pipes
//! server wires it in).
//!
//! The ring is a [`Header`] and a data area of a power-of-two capacity. Each side owns
//! one count in the header, which only it writes: the writer the bytes written so far,
//! the reader the bytes read so far (both only grow, wrapping at 2^64). A side keeps its
//! own count in private memory too ([`Writer`], [`Reader`]) and only *publishes* it to
//! the header: what the peer scribbles on a count is never believed by its owner. The
//! peer's count is read, and checked, at each transfer:
//! - the bytes in the ring are `written - read`; more than the capacity can only be a
//!   peer's scribble: a reader then takes the whole ring (garbage, which is all a peer
//!   that garbles its own pipe deserves), a writer sees it full;
//! - every byte copied is at `count % capacity` of the data area, and a copy never
//!   passes its end: whatever the header says, nothing outside the ring is touched, and
//!   each transfer does a bounded amount of work (no loops on the peer's values).
//!
//! The kernel is needed only to wake a side that sleeps. A side about to sleep sets its
//! flag in the header ([`Reader::prepare_to_sleep`]) and looks again, so that bytes (or
//! room) that came in between are not missed; the other side, after publishing, takes
//! the flag ([`Writer::take_sleeping_reader`]) and signals only if it was set, as an
//! eventfd or futex user would. A scribbled flag costs a needless signal, or a missed one
//! (the peer's own loss: it sleeps until its next wake-up).
//!
//! Memory shared with a distrusted peer is reached only through raw pointers, with
//! atomic loads and stores for the header and byte copies for the data, never Rust
//! references to the data (which another process may change at any time).

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Copies up to this many bytes go byte by byte.
const SMALL_COPY: usize = 16;

/// POSIX's `PIPE_BUF`: a write of at most this many bytes goes in whole or not at all
/// (Linux's value).
pub const PIPE_BUF: usize = 4096;

/// [`Header::ends`]: every write end has closed (once the bytes in the ring are read,
/// a read gives end of file).
pub const WRITERS_GONE: u32 = 1;
/// [`Header::ends`]: the pipes server serves this ring (set when it makes it, before the
/// reader sees it). When the server ends, the root server unmaps the ring from the
/// reader, header page first, and maps zeroed pages of the reader's own in its place:
/// a header without this bit is no ring any more, and bytes copied before it was seen
/// missing may be those zeros.
pub const SERVED: u32 = 2;

/// What the pipes server's word in the header says of the ring, as a reader sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ends {
    /// A writer may still add bytes.
    Open,
    /// Every writer has gone: once the ring is empty, end of file.
    WritersGone,
    /// The server ended (its ring was replaced by zeroed memory): bytes taken since the
    /// last look are no pipe's.
    ServerGone,
}

/// The shared header: each field on its own cache line (the two sides write different
/// ones at the same time).
#[repr(C, align(64))]
pub struct Header {
    /// Bytes written so far (the writer's).
    pub written: AtomicU64,
    /// What the pipes server says of the ends ([`WRITERS_GONE`]); only it writes this.
    /// A peer that scribbles on it misleads only itself (a false end of file on the
    /// pipe it garbles anyway).
    pub ends: AtomicU32,
    _pad0: [u32; 13],
    /// Bytes read so far (the reader's).
    pub read: AtomicU64,
    _pad1: [u64; 7],
    /// The reader sleeps, or is about to: a writer that adds bytes must signal it.
    pub reader_sleeps: AtomicU32,
    _pad2: [u32; 15],
    /// The writer sleeps, or is about to: a reader that frees room must signal it.
    pub writer_sleeps: AtomicU32,
    _pad3: [u32; 15],
}

impl Header {
    pub const fn new() -> Header {
        Header {
            written: AtomicU64::new(0),
            ends: AtomicU32::new(0),
            _pad0: [0; 13],
            read: AtomicU64::new(0),
            _pad1: [0; 7],
            reader_sleeps: AtomicU32::new(0),
            _pad2: [0; 15],
            writer_sleeps: AtomicU32::new(0),
            _pad3: [0; 15],
        }
    }
}

impl Default for Header {
    fn default() -> Self {
        Header::new()
    }
}

/// Where a ring is: its header and its data area.
#[derive(Clone, Copy, Debug)]
pub struct Ring {
    header: *const Header,
    data: *mut u8,
    /// A power of two.
    capacity: usize,
}

// SAFETY: a ring is memory another process writes at any time already: every access
// through it is atomic (the header) or a raw copy that tolerates concurrent writes (the
// data), so which thread of this process holds the pointers does not matter.
unsafe impl Send for Ring {}

impl Ring {
    /// The ring at `header` and `data`; `None` unless `capacity` is a power of two.
    ///
    /// # Safety
    /// `header` is aligned and readable and writable for a [`Header`], and `data` for
    /// `capacity` bytes, for as long as the ring and its sides are used (another process
    /// may write them at any time: that is all right).
    pub unsafe fn new(header: *const Header, data: *mut u8, capacity: usize) -> Option<Ring> {
        capacity.is_power_of_two().then_some(Ring { header, data, capacity })
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Says (the pipes server's word) that every write end has closed.
    pub fn mark_writers_gone(&self) {
        self.header().ends.fetch_or(WRITERS_GONE, Ordering::SeqCst);
    }

    /// Says (the pipes server's word, once, before anyone reads) that it serves the ring.
    pub fn mark_served(&self) {
        self.header().ends.fetch_or(SERVED, Ordering::SeqCst);
    }

    fn header(&self) -> &Header {
        // SAFETY: as `new`'s caller promised; every field is atomic, so a peer's writes
        // are no data race.
        unsafe { &*self.header }
    }

    /// Copies `bytes` into the ring from count `at` on (wrapping once at most: the
    /// caller never copies more than the capacity).
    fn copy_in(&self, at: u64, bytes: &[u8]) {
        let (first, second) = self.split(at, bytes.len());
        // SAFETY: `split` keeps both pieces inside the data area, which `new`'s caller
        // promised is mapped for `capacity` bytes; `bytes` is the caller's own memory,
        // never the ring.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.data.add(first.0), first.1);
            core::ptr::copy_nonoverlapping(bytes.as_ptr().add(first.1), self.data.add(second.0), second.1);
        }
    }

    /// Copies out of the ring from count `at` on into `out`.
    fn copy_out(&self, at: u64, out: &mut [u8]) {
        if out.len() <= SMALL_COPY {
            // (A few bytes: a loop costs less than two calls of memcpy.)
            let mask = self.capacity as u64 - 1;
            for (i, slot) in out.iter_mut().enumerate() {
                let offset = (at.wrapping_add(i as u64) & mask) as usize;
                // SAFETY: `offset` is below the capacity, inside the data area `new`'s
                // caller promised.
                *slot = unsafe { self.data.add(offset).read() };
            }
            return;
        }
        let (first, second) = self.split(at, out.len());
        // SAFETY: as in `copy_in`, the other way.
        unsafe {
            core::ptr::copy_nonoverlapping(self.data.add(first.0), out.as_mut_ptr(), first.1);
            core::ptr::copy_nonoverlapping(self.data.add(second.0), out.as_mut_ptr().add(first.1), second.1);
        }
    }

    /// The (offset, length) pieces of `length` bytes from count `at`: up to the end of
    /// the data area, then from its start. `length` is at most the capacity.
    fn split(&self, at: u64, length: usize) -> ((usize, usize), (usize, usize)) {
        let length = length.min(self.capacity);
        let offset = (at % self.capacity as u64) as usize;
        let first = length.min(self.capacity - offset);
        ((offset, first), (0, length - first))
    }

    /// Bytes in the ring between `read` and `written`, as the reader believes its own
    /// `read`: the peer's `written` is clamped (more than the capacity, or behind
    /// `read`, is a scribble: the whole ring, garbage).
    fn in_ring(&self, written: u64, read: u64) -> usize {
        let bytes = written.wrapping_sub(read);
        if bytes > self.capacity as u64 {
            self.capacity
        } else {
            bytes as usize
        }
    }
}

/// The writing side, in the one process (and thread) that writes.
#[derive(Debug)]
pub struct Writer {
    ring: Ring,
    /// Bytes written so far: the truth, which the header only echoes.
    written: u64,
}

impl Writer {
    /// The writer of `ring`, `written` bytes into its life (the server says how many
    /// when it hands the ring over).
    pub fn new(ring: Ring, written: u64) -> Writer {
        Writer { ring, written }
    }

    pub fn written(&self) -> u64 {
        self.written
    }

    /// Room for this many bytes now. A peer's read count ahead of what was written, or
    /// more than a ring behind, is a scribble: no room (the writer waits, as for a
    /// reader that never reads).
    pub fn room(&self) -> usize {
        let read = self.ring.header().read.load(Ordering::Acquire);
        let held = self.written.wrapping_sub(read);
        (self.ring.capacity as u64).saturating_sub(held) as usize
    }

    /// Writes what fits of `bytes` (all or nothing for at most [`PIPE_BUF`] bytes, as
    /// POSIX says of a pipe); how many did. 0: wait for room (or `EAGAIN`).
    pub fn write(&mut self, bytes: &[u8]) -> usize {
        let room = self.room();
        if bytes.len() <= PIPE_BUF && bytes.len() > room {
            return 0;
        }
        let n = bytes.len().min(room);
        self.ring.copy_in(self.written, &bytes[..n]);
        self.written = self.written.wrapping_add(n as u64);
        // (Release: the bytes are in before the reader can see the count.)
        self.ring.header().written.store(self.written, Ordering::Release);
        n
    }

    /// Whether the reader said it sleeps (the flag is taken): if so, the caller signals
    /// it. Called after each write that added bytes.
    pub fn take_sleeping_reader(&self) -> bool {
        let flag = &self.ring.header().reader_sleeps;
        // (SeqCst, paired with the reader's: either it sees the new count when it looks
        // again, or this sees its flag.)
        flag.load(Ordering::SeqCst) != 0 && flag.swap(0, Ordering::SeqCst) != 0
    }

    /// Before sleeping for room: says so, and looks again. `true`: still no room for
    /// `wanted` bytes (at most the capacity), sleep (the reader will signal when it
    /// frees some); `false`: room came meanwhile, the flag is taken back.
    pub fn prepare_to_sleep(&self, wanted: usize) -> bool {
        let flag = &self.ring.header().writer_sleeps;
        flag.store(1, Ordering::SeqCst);
        if self.room() >= wanted.clamp(1, self.ring.capacity) {
            flag.store(0, Ordering::SeqCst);
            return false;
        }
        true
    }

    /// Asks the reader to signal when it frees room (as `prepare_to_sleep` does, for a
    /// writer that looks at the room itself afterwards).
    pub fn ask_for_room(&self) {
        self.ring.header().writer_sleeps.store(1, Ordering::SeqCst);
    }

    /// Publishes the count again (after the server wrote on this side's behalf, or a
    /// peer scribbled on it).
    pub fn republish(&self) {
        self.ring.header().written.store(self.written, Ordering::Release);
    }
}

/// The reading side, in the one process (and thread) that reads.
#[derive(Debug)]
pub struct Reader {
    ring: Ring,
    /// Bytes read so far: the truth, which the header only echoes.
    read: u64,
}

impl Reader {
    pub fn new(ring: Ring, read: u64) -> Reader {
        Reader { ring, read }
    }

    pub fn read_count(&self) -> u64 {
        self.read
    }

    /// What the server says of the ring now. Looked at after a read, it vouches for
    /// the bytes read: the root server replaces the header page before the data, so
    /// while the header still says [`Ends::Open`] or [`Ends::WritersGone`] the bytes
    /// copied before came from the ring. (The flag is read before the bytes left are
    /// counted: the server sets `WRITERS_GONE` after its last write, so an empty count
    /// after it is final.)
    pub fn ends(&self) -> Ends {
        // (Acquire: the loads of the bytes taken stay before this one; x86 keeps loads
        // in order, so it costs no instruction there.)
        core::sync::atomic::fence(Ordering::Acquire);
        let ends = self.ring.header().ends.load(Ordering::SeqCst);
        if ends & SERVED == 0 {
            Ends::ServerGone
        } else if ends & WRITERS_GONE != 0 {
            Ends::WritersGone
        } else {
            Ends::Open
        }
    }

    /// Bytes waiting now (at most the capacity, whatever the header says).
    pub fn available(&self) -> usize {
        let written = self.ring.header().written.load(Ordering::Acquire);
        self.ring.in_ring(written, self.read)
    }

    /// Takes up to `out.len()` bytes; how many. 0: the ring is empty (wait, or end of
    /// file if the server says every writer is gone).
    pub fn read(&mut self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.available());
        self.ring.copy_out(self.read, &mut out[..n]);
        self.read = self.read.wrapping_add(n as u64);
        // (Release: the bytes are copied out before the writer may reuse their room.)
        self.ring.header().read.store(self.read, Ordering::Release);
        n
    }

    /// Whether the writer said it sleeps (the flag is taken): if so, the caller signals
    /// it. Called after each read that freed room.
    pub fn take_sleeping_writer(&self) -> bool {
        let flag = &self.ring.header().writer_sleeps;
        flag.load(Ordering::SeqCst) != 0 && flag.swap(0, Ordering::SeqCst) != 0
    }

    /// Before sleeping for bytes: says so, and looks again. `true`: still empty, sleep;
    /// `false`: bytes came meanwhile, the flag is taken back.
    pub fn prepare_to_sleep(&self) -> bool {
        let flag = &self.ring.header().reader_sleeps;
        flag.store(1, Ordering::SeqCst);
        if self.available() > 0 {
            flag.store(0, Ordering::SeqCst);
            return false;
        }
        true
    }

    pub fn republish(&self) {
        self.ring.header().read.store(self.read, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::boxed::Box;
    use alloc::vec;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    const GUARD: usize = 64;
    const GUARD_BYTE: u8 = 0xa5;

    /// A ring in test memory, with guard bytes around its data area.
    struct Memory {
        header: Box<Header>,
        data: Vec<u8>,
        capacity: usize,
    }

    impl Memory {
        fn new(capacity: usize) -> Memory {
            Memory { header: Box::new(Header::new()), data: vec![GUARD_BYTE; capacity + 2 * GUARD], capacity }
        }

        fn ring(&mut self) -> Ring {
            let data = self.data[GUARD..].as_mut_ptr();
            // SAFETY: the header and data area live as long as the test's `Memory`.
            unsafe { Ring::new(&*self.header, data, self.capacity) }.unwrap()
        }

        fn guards_intact(&self) -> bool {
            let after = GUARD + self.capacity;
            self.data[..GUARD].iter().chain(&self.data[after..]).all(|&b| b == GUARD_BYTE)
        }
    }

    #[test]
    fn capacity_must_be_a_power_of_two() {
        let header = Header::new();
        let mut data = [0u8; 12];
        // SAFETY: both live through the test.
        assert!(unsafe { Ring::new(&header, data.as_mut_ptr(), 12) }.is_none());
        assert!(unsafe { Ring::new(&header, data.as_mut_ptr(), 8) }.is_some());
    }

    #[test]
    fn bytes_come_out_in_order_across_the_wrap() {
        let mut memory = Memory::new(16);
        let ring = memory.ring();
        let (mut writer, mut reader) = (Writer::new(ring, 0), Reader::new(ring, 0));
        let mut out = [0u8; 16];
        assert_eq!(writer.write(b"abcdefghij"), 10);
        assert_eq!(reader.read(&mut out[..6]), 6);
        assert_eq!(&out[..6], b"abcdef");
        assert_eq!(writer.room(), 12);
        assert_eq!(writer.write(b"klmnopqrstuv"), 12);
        assert_eq!(writer.room(), 0);
        assert_eq!(reader.available(), 16);
        assert_eq!(reader.read(&mut out), 16);
        assert_eq!(&out, b"ghijklmnopqrstuv");
        assert_eq!(reader.read(&mut out), 0);
        assert!(memory.guards_intact());
    }

    #[test]
    fn small_writes_are_whole_or_nothing() {
        let mut memory = Memory::new(8192);
        let ring = memory.ring();
        let (mut writer, mut reader) = (Writer::new(ring, 0), Reader::new(ring, 0));
        assert_eq!(writer.write(&[1; 5000]), 5000);
        // 3,192 bytes of room: a PIPE_BUF write waits, a larger one goes in part.
        assert_eq!(writer.write(&[2; PIPE_BUF]), 0);
        assert_eq!(writer.write(&[3; 3193]), 0);
        assert_eq!(writer.write(&[4; 3192]), 3192);
        let mut out = vec![0; 8192];
        assert_eq!(reader.read(&mut out), 8192);
        assert_eq!(writer.write(&[5; 9000]), 8192);
    }

    #[test]
    fn a_sleeper_is_woken_once_and_never_missed() {
        let mut memory = Memory::new(16);
        let ring = memory.ring();
        let (mut writer, mut reader) = (Writer::new(ring, 0), Reader::new(ring, 0));
        // Nobody sleeps: a write signals nobody.
        assert_eq!(writer.write(b"x"), 1);
        assert!(!writer.take_sleeping_reader());
        // A reader that finds bytes when it looks again does not sleep.
        assert!(!reader.prepare_to_sleep());
        assert!(!writer.take_sleeping_reader());
        let mut out = [0u8; 16];
        reader.read(&mut out);
        // Empty: it sleeps, and the next write wakes it, once.
        assert!(reader.prepare_to_sleep());
        writer.write(b"y");
        assert!(writer.take_sleeping_reader());
        assert!(!writer.take_sleeping_reader());
        // The writer's side, the same way.
        writer.write(&[0; 15]);
        assert!(writer.prepare_to_sleep(1));
        assert_eq!(reader.read(&mut out[..1]), 1);
        assert!(reader.take_sleeping_writer());
        assert!(!reader.take_sleeping_writer());
        assert!(!writer.prepare_to_sleep(1));
    }

    #[test]
    fn counts_start_where_the_server_says() {
        let mut memory = Memory::new(16);
        memory.header.written.store(u64::MAX - 3, Ordering::Relaxed);
        memory.header.read.store(u64::MAX - 3, Ordering::Relaxed);
        let ring = memory.ring();
        let (mut writer, mut reader) = (Writer::new(ring, u64::MAX - 3), Reader::new(ring, u64::MAX - 3));
        assert_eq!(writer.write(b"wrapping"), 8);
        let mut out = [0u8; 8];
        assert_eq!(reader.read(&mut out), 8);
        assert_eq!(&out, b"wrapping");
        assert_eq!(writer.written(), 4);
    }

    #[test]
    fn a_replaced_ring_says_its_server_is_gone() {
        let mut memory = Memory::new(16);
        let ring = memory.ring();
        let (mut writer, mut reader) = (Writer::new(ring, 0), Reader::new(ring, 0));
        // A header nobody served (all zeros, as the root server's replacement is).
        assert_eq!(reader.ends(), Ends::ServerGone);
        ring.mark_served();
        assert_eq!(reader.ends(), Ends::Open);
        writer.write(b"ab");
        let mut out = [0u8; 2];
        assert_eq!(reader.read(&mut out), 2);
        ring.mark_writers_gone();
        assert_eq!(reader.ends(), Ends::WritersGone);
        // The server ended: zeroed memory in the ring's place. The reader's own count is
        // past the zero written count, so it takes a whole ring of zeros: `ends` says
        // they are nobody's bytes.
        *memory.header = Header::new();
        memory.data.fill(0);
        let mut zeros = [1u8; 16];
        assert_eq!(reader.read(&mut zeros), 16);
        assert_eq!(reader.ends(), Ends::ServerGone);
    }

    /// What a hostile peer does to the shared page between two transfers.
    #[derive(Clone, Debug)]
    enum Scribble {
        Written(u64),
        Read(u64),
        ReaderSleeps(u32),
        WriterSleeps(u32),
        Data(usize, u8),
    }

    fn scribble() -> impl Strategy<Value = Scribble> {
        prop_oneof![
            any::<u64>().prop_map(Scribble::Written),
            any::<u64>().prop_map(Scribble::Read),
            any::<u32>().prop_map(Scribble::ReaderSleeps),
            any::<u32>().prop_map(Scribble::WriterSleeps),
            (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Scribble::Data(at, byte)),
        ]
    }

    proptest! {
        /// Two honest sides: every byte arrives once, in order, whatever the sizes.
        #[test]
        fn an_honest_stream_arrives_whole(
            capacity_bits in 3u32..10,
            steps in proptest::collection::vec((any::<bool>(), 1usize..700), 1..200),
        ) {
            let mut memory = Memory::new(1 << capacity_bits);
            let ring = memory.ring();
            let (mut writer, mut reader) = (Writer::new(ring, 0), Reader::new(ring, 0));
            let (mut sent, mut got) = (Vec::new(), Vec::new());
            let mut next = 0u8;
            for (write, length) in steps {
                if write {
                    let bytes: Vec<u8> = (0..length).map(|i| next.wrapping_add(i as u8)).collect();
                    let n = writer.write(&bytes);
                    prop_assert!(n == 0 || n == length || length > PIPE_BUF);
                    sent.extend_from_slice(&bytes[..n]);
                    next = next.wrapping_add(n as u8);
                } else {
                    let mut out = vec![0; length];
                    let n = reader.read(&mut out);
                    got.extend_from_slice(&out[..n]);
                }
            }
            let mut rest = vec![0; 1 << capacity_bits];
            let n = reader.read(&mut rest);
            got.extend_from_slice(&rest[..n]);
            prop_assert_eq!(got, sent);
            prop_assert!(memory.guards_intact());
        }

        /// A peer that scribbles on every field: the honest side never touches memory
        /// outside the ring, never takes or gives more than asked or than the ring
        /// holds, and never panics.
        #[test]
        fn a_scribbling_peer_harms_only_its_pipe(
            capacity_bits in 3u32..8,
            steps in proptest::collection::vec((scribble(), any::<bool>(), 0usize..300), 1..100),
        ) {
            let capacity = 1usize << capacity_bits;
            let mut memory = Memory::new(capacity);
            let ring = memory.ring();
            let (mut writer, mut reader) = (Writer::new(ring, 0), Reader::new(ring, 0));
            for (scribble, write, length) in steps {
                let header = &memory.header;
                match scribble {
                    Scribble::Written(v) => header.written.store(v, Ordering::Relaxed),
                    Scribble::Read(v) => header.read.store(v, Ordering::Relaxed),
                    Scribble::ReaderSleeps(v) => header.reader_sleeps.store(v, Ordering::Relaxed),
                    Scribble::WriterSleeps(v) => header.writer_sleeps.store(v, Ordering::Relaxed),
                    Scribble::Data(at, byte) => {
                        let at = GUARD + at % capacity;
                        memory.data[at] = byte;
                    }
                }
                if write {
                    let before = writer.written();
                    let n = writer.write(&vec![7; length]);
                    prop_assert!(n <= length && n <= capacity);
                    prop_assert_eq!(writer.written(), before.wrapping_add(n as u64));
                    let _ = (writer.take_sleeping_reader(), writer.prepare_to_sleep(length));
                } else {
                    prop_assert!(reader.available() <= capacity);
                    let mut out = vec![0; length];
                    let before = reader.read_count();
                    let n = reader.read(&mut out);
                    prop_assert!(n <= length && n <= capacity);
                    prop_assert_eq!(reader.read_count(), before.wrapping_add(n as u64));
                    let _ = (reader.take_sleeping_writer(), reader.prepare_to_sleep());
                }
                prop_assert!(memory.guards_intact());
            }
        }
    }
}
