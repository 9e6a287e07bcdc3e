//! `ring-scribble`: a process leases a pipe's read end by the protocol itself (as the
//! library would after a few reads) and scribbles on every field of the ring it shares
//! with the pipes server (both counts, the end flag, both sleep flags, the padding) and on
//! its data, with extreme and random values, while the server writes into the ring. The
//! server must never trust the page: its writes stay within the ring, what it reports of
//! the pipe stays within the capacity, the requests a lessee may send are answered, and
//! the lessee's own other pipe, and everyone else's, work on (`health`).

use uxrt::fs::{self, FileStat};
use uxrt::protocols::file::FileRequest;
use uxrt::protocols::process::Request;
use uxrt::{ensure, must, println, sys, Errno};

/// Values written to the header's words: the edges of a count, and of the capacity.
const EXTREMES: [u64; 9] = [0, 1, 4095, 4096, 65535, 65536, 65537, 1 << 63, u64::MAX];
/// Sizes of the writes the server makes into the scribbled ring.
const WRITES: [usize; 6] = [1, 100, 4096, 4097, 20000, 65536];

/// A small generator of scribbles (xorshift).
struct Scribbles(u64);

impl Scribbles {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// An extreme value or a random one.
    fn value(&mut self) -> u64 {
        let pick = self.next();
        match (pick % 2) as usize {
            0 => EXTREMES[(pick / 2) as usize % EXTREMES.len()],
            _ => self.next(),
        }
    }
}

fn lease(read: fs::Fd) -> Result<(u64, usize), Errno> {
    let pid = uxrt::env::pid_at_start().ok_or(Errno::EIO)?;
    let [token] = sys::call(Request::AcceptShare).results()?;
    let [address, capacity, _] =
        sys::call_endpoint(sys::fd_slot(read), FileRequest::MapRing { pid, token }.encode()).0.results()?;
    Ok((address, capacity as usize))
}

fn request(fd: fs::Fd, request: FileRequest) -> Result<(), Errno> {
    sys::call_endpoint(sys::fd_slot(fd), request.encode()).0.results::<0>().map(drop)
}

pub fn ring_scribble() -> i32 {
    let (read, write) = must!(fs::pipe());
    must!(fs::set_nonblocking(write, true));
    let (address, capacity) = must!(lease(read));
    ensure!(capacity.is_power_of_two() && capacity >= 4096, "a ring of {capacity} bytes");
    let (honest_read, honest_write) = must!(fs::pipe());
    let bytes = alloc::vec![0x42u8; 65536];
    let mut scribbles = Scribbles(0x9e37_79b9_7f4a_7c15);
    let mut taken = 0usize;
    for round in 0..300 {
        // The header page's first 64 words (every field and its padding), and 64 bytes
        // of the data area anywhere.
        for word in 0..64 {
            let value = scribbles.value();
            // SAFETY: the server had the root server map the header page at `address`
            // for this process (until the close below); it is plain shared memory.
            unsafe { ((address as *mut u64).add(word)).write_volatile(value) };
        }
        for _ in 0..64 {
            let at = scribbles.next() as usize % capacity;
            // SAFETY: as above, the data area of `capacity` bytes on the next page.
            unsafe { ((address as usize + 4096 + at) as *mut u8).write_volatile(scribbles.next() as u8) };
        }
        let size = WRITES[round % WRITES.len()];
        match fs::write(write, &bytes[..size]) {
            Ok(n) if n <= size => taken += n,
            Ok(n) => ensure!(false, "a write of {size} bytes took {n}"),
            Err(Errno::EAGAIN) => {}
            Err(errno) => ensure!(false, "a write into the scribbled ring failed: {errno}"),
        }
        let stat: FileStat = must!(fs::fstat(read));
        ensure!(stat.size as usize <= capacity, "the pipe says it holds {} bytes", stat.size);
        ensure!(request(read, FileRequest::RingWake).is_ok(), "a wake-up from the lessee was refused");
        let through_server = request(read, FileRequest::Read { length: 8, nonblocking: true });
        ensure!(through_server == Err(Errno::EBUSY), "a read through the server got {through_server:?}");
        let duplicate = request(read, FileRequest::Duplicate);
        ensure!(duplicate == Err(Errno::EBUSY), "a leased end's duplicate got {duplicate:?}");
        if round % 50 == 0 {
            let pattern: alloc::vec::Vec<u8> = (0..1000).map(|i| (i * 13 + round) as u8).collect();
            ensure!(must!(fs::write(honest_write, &pattern)) == pattern.len(), "the honest pipe took less");
            let mut back = alloc::vec![0u8; pattern.len()];
            ensure!(
                must!(fs::read(honest_read, &mut back)) == back.len() && back == pattern,
                "the honest pipe garbled"
            );
        }
    }
    let grown = fs::pipe_capacity(read, 1 << 20);
    ensure!(grown == Err(Errno::EBUSY), "growing a leased pipe past its ring got {grown:?}");
    // Released with scribbled counts: what comes back is at most the ring.
    must!(request(read, FileRequest::ReleaseRing));
    must!(fs::set_nonblocking(read, true));
    let mut back = 0usize;
    let mut chunk = alloc::vec![0u8; 65536];
    loop {
        match fs::read(read, &mut chunk) {
            Ok(0) | Err(Errno::EAGAIN) => break,
            Ok(n) => back += n,
            Err(errno) => ensure!(false, "a read after the release failed: {errno}"),
        }
        ensure!(back <= capacity, "{back} bytes came back from a {capacity}-byte ring");
    }
    // Leased again, then closed with the ring mapped: the server unmaps it.
    let (again, _) = must!(lease(read));
    ensure!(again != 0, "no second lease");
    must!(fs::close(read));
    must!(fs::close(write));
    must!(fs::close(honest_read));
    must!(fs::close(honest_write));
    println!(
        "hostile: ring scribbled 300 times: the server wrote {taken} bytes within it, {back} came back, nothing else was touched"
    );
    0
}
