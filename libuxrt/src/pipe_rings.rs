//! The read ends of pipes this process alone holds, read with no call: the pipes server
//! moves such a pipe's bytes to a ring in memory it shares with this process (the
//! *lease*, `FileRequest::MapRing`; the ring's protocol is `uxrt_protocols::pipe_ring`).
//! The server still writes, and signals the fd's subscription at each write, so the
//! readiness cache of `events` stays the one source of `poll` and epoll; a read that
//! empties the ring clears its readable bit there (then looks again, so that a write in
//! between is not lost).
//!
//! A read end is leased once it has carried a few reads through the server (a pipe used
//! once, as most of a shell's, never pays for the mapping), and only on a kernel with
//! notification queues (a blocked read waits on the fd's subscription). The lease ends
//! before the end is shared (`dup`, a child: `release`) and when it is closed.

use crate::fd_map::FdMap;
use crate::sync::Lock as Mutex;
use crate::{env, events, open_map, sys, Fd};
use sel4::Word;
use uxrt_protocols::events::Readiness;
use uxrt_protocols::file::FileRequest;
use uxrt_protocols::pipe_ring::{Ends, Header, Reader, Ring};
use uxrt_protocols::process::Request;
use uxrt_protocols::Errno;

/// Reads through the server after which a lease is asked for (and again after each
/// further multiple of it, should the server have said no: the end had other holders).
const READS_BEFORE_LEASE: u32 = 8;

/// What this process knows of one fd that was read. (An fd whose server refused a
/// lease for good, as no pipe's read end, is marked in `open_map` instead: its reads
/// look at one bit.)
enum EndState {
    /// Reads through the server so far.
    Counting(u32),
    /// The ring is mapped at `address` (a page of header, then the data).
    Leased { reader: Reader, address: Word, length: usize },
}

static RINGS: Mutex<FdMap<EndState>> = Mutex::new(FdMap::new());

/// Whether `fd` is a leased read end (then [`read`] reads it).
#[inline(always)]
pub(crate) fn is_leased(fd: Fd) -> bool {
    open_map::is_leased(fd)
}

/// A read through the server succeeded on `fd`: after a few, its lease is asked for.
pub(crate) fn read_through_server(fd: Fd) {
    if fd >= open_map::LEASABLE_FDS || open_map::is_never_leased(fd) {
        return;
    }
    let due = {
        let mut rings = RINGS.lock();
        match rings.get_mut(&fd) {
            Some(EndState::Counting(count)) => {
                *count = count.wrapping_add(1);
                *count % READS_BEFORE_LEASE == 0
            }
            Some(_) => false,
            None => {
                rings.insert(fd, EndState::Counting(1));
                false
            }
        }
    };
    if due {
        lease(fd);
    }
}

/// Asks for `fd`'s lease; on a refusal the end goes on through the server.
#[cold]
#[inline(never)]
fn lease(fd: Fd) {
    match try_lease(fd) {
        Ok(leased) => {
            RINGS.lock().insert(fd, leased);
            open_map::set_leased(fd, true);
        }
        // (Shared, or not now: asked again later.)
        Err(Errno::EBUSY | Errno::EAGAIN | Errno::ENOMEM) => {}
        // (No pipe's read end, or no queue to wait on: never again.)
        Err(_) => {
            RINGS.lock().remove(&fd);
            open_map::set_never_leased(fd, true);
        }
    }
}

fn try_lease(fd: Fd) -> Result<EndState, Errno> {
    let pid = env::pid_at_start().ok_or(Errno::EIO)?;
    let [token] = sys::call(Request::AcceptShare).results()?;
    let [address, capacity, read] = sys::file_call(fd, FileRequest::MapRing { pid, token }).results()?;
    // A blocked read waits on the fd's subscription (which the server signals at each
    // write): watched only now, so that a file that is no pipe (the console a shell
    // reads) never gets a watch, nor the process a queue, for it.
    let page = crate::memory::PAGE_SIZE as Word;
    let watched = if address % page == 0 { events::watch_fd(fd) } else { Err(Errno::EIO) };
    if let Err(errno) = watched {
        let _ = sys::file_call(fd, FileRequest::ReleaseRing);
        return Err(errno);
    }
    // SAFETY: the pipes server had the root server map a page and `capacity` bytes at
    // `address` for this process (until the lease ends: `release` or the close, which
    // drop the reader first); the server writes them at any time, which the ring's
    // atomics and raw copies allow for.
    let ring = unsafe { Ring::new(address as *const Header, (address + page) as *mut u8, capacity as usize) };
    let reader = ring.map(|ring| Reader::new(ring, read)).ok_or(Errno::EIO)?;
    Ok(EndState::Leased { reader, address, length: page as usize + capacity as usize })
}

/// Ends `fd`'s lease before the end is shared: its unread bytes go back to the server.
pub(crate) fn release(fd: Fd) -> Result<(), Errno> {
    if !is_leased(fd) {
        return Ok(());
    }
    sys::file_call(fd, FileRequest::ReleaseRing).results::<0>()?;
    forget(fd);
    Ok(())
}

/// `fd` is being closed (or was released): what is known of it goes (the server unmaps
/// the ring once it hears).
pub(crate) fn forget(fd: Fd) {
    let _ = take(fd);
}

/// [`forget`], returning what was known.
fn take(fd: Fd) -> Option<EndState> {
    open_map::set_leased(fd, false);
    open_map::set_never_leased(fd, false);
    RINGS.lock().remove(&fd)
}

/// A read of the leased `fd`: what the ring has; when it is empty, end of file once
/// every writer has gone, `EAGAIN` for a non-blocking read, or a wait for the server's
/// next signal (which `EINTR` may end, as a blocked read on Linux).
pub(crate) fn read(fd: Fd, buffer: &mut [u8], nonblocking: bool) -> Result<usize, Errno> {
    loop {
        let (n, wake_writer, left, ends) = {
            let mut rings = RINGS.lock();
            let Some(EndState::Leased { reader, .. }) = rings.get_mut(&fd) else { return Err(Errno::EBADF) };
            let n = reader.read(buffer);
            let ends = reader.ends();
            (n, n > 0 && reader.take_sleeping_writer(), reader.available(), ends)
        };
        if ends == Ends::ServerGone {
            return Err(server_gone(fd));
        }
        if wake_writer {
            // (A writer waits for the room this made, or its watchers want to hear.)
            let _ = sys::file_call(fd, FileRequest::RingWake);
        }
        if n > 0 || buffer.is_empty() {
            if left == 0 {
                emptied(fd);
            }
            return Ok(n);
        }
        if left > 0 {
            continue;
        }
        if ends == Ends::WritersGone {
            return Ok(0);
        }
        if nonblocking {
            if emptied(fd) {
                continue;
            }
            return Err(Errno::EAGAIN);
        }
        // (Until the server's next signal: readable, or hung up.)
        crate::signals::restarting(|| {
            events::clear_and_wait(fd, Readiness::READABLE, Readiness::HANGUP, || has_bytes(fd))
        })?;
    }
}

/// The pipes server ended (it crashed): what was read from the zeroed memory in the
/// ring's place is dropped and the read fails with `EIO`, as one the server had received
/// does; the end goes on through the server, which says `EBADF` (its fds name nothing
/// in the server started in its place).
#[cold]
#[inline(never)]
fn server_gone(fd: Fd) -> Errno {
    if let Some(EndState::Leased { address, length, .. }) = take(fd) {
        // (The zeroed pages are this process's own now: given back.)
        if let Some(address) = core::ptr::NonNull::new(address as *mut u8) {
            let _ = crate::memory::unmap(address, length);
        }
    }
    Errno::EIO
}

/// The leased `fd`'s ring was found empty: readable no more, unless bytes came since
/// (looked at after the clearing, which may have taken their signal): whether they did.
fn emptied(fd: Fd) -> bool {
    events::clear_unless(fd, Readiness::READABLE, || has_bytes(fd))
}

fn has_bytes(fd: Fd) -> bool {
    matches!(RINGS.lock().get(&fd), Some(EndState::Leased { reader, .. }) if reader.available() > 0)
}
