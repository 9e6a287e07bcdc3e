//! The map of open fds the root server reads if this process dies without closing
//! them (`startup::FD_MAP_IN_USER_DATA`); its address is in the IPC buffer. And a
//! map of their `O_NONBLOCK` flags: both are read without the fd table's lock.
use crate::Fd;
use core::sync::atomic::{AtomicU64, Ordering};
use uxrt_protocols::startup::FD_MAP_WORDS;

static MAP: [AtomicU64; FD_MAP_WORDS] = [const { AtomicU64::new(0) }; FD_MAP_WORDS];

/// Each open fd's `O_NONBLOCK`, mirrored from its descriptor (under the table's lock)
/// so that every read and write can look without taking the lock.
static NONBLOCKING: [AtomicU64; FD_MAP_WORDS] = [const { AtomicU64::new(0) }; FD_MAP_WORDS];

fn bit(map: &[AtomicU64], fd: Fd) -> bool {
    map.get(fd as usize / 64).is_some_and(|word| word.load(Ordering::Relaxed) & (1u64 << (fd % 64)) != 0)
}

fn set_bit(map: &[AtomicU64], fd: Fd, on: bool) {
    let Some(word) = map.get(fd as usize / 64) else { return };
    let bit = 1u64 << (fd % 64);
    if on {
        word.fetch_or(bit, Ordering::Relaxed);
    } else {
        word.fetch_and(!bit, Ordering::Relaxed);
    }
}

/// Whether `fd` is open (the table sets and clears its bit under its lock).
pub fn contains(fd: Fd) -> bool {
    bit(&MAP, fd)
}

/// fds below this may be leased pipe read ends (`pipe_rings`): the two maps below are
/// a few hundred bytes, not a page each in every process's memory.
pub const LEASABLE_FDS: Fd = 64 * LEASE_WORDS as Fd;
const LEASE_WORDS: usize = 64;

/// The read ends of pipes leased to this process (`pipe_rings`), for the same reason.
static LEASED: [AtomicU64; LEASE_WORDS] = [const { AtomicU64::new(0) }; LEASE_WORDS];

/// The fds whose file is no pipe's read end (their server refused a lease for good):
/// their reads ask nothing more.
static NEVER_LEASED: [AtomicU64; LEASE_WORDS] = [const { AtomicU64::new(0) }; LEASE_WORDS];

pub fn is_leased(fd: Fd) -> bool {
    bit(&LEASED, fd)
}

pub fn set_leased(fd: Fd, leased: bool) {
    set_bit(&LEASED, fd, leased);
}

pub fn is_never_leased(fd: Fd) -> bool {
    bit(&NEVER_LEASED, fd)
}

pub fn set_never_leased(fd: Fd, never: bool) {
    set_bit(&NEVER_LEASED, fd, never);
}

pub fn is_nonblocking(fd: Fd) -> bool {
    bit(&NONBLOCKING, fd)
}

pub fn set_nonblocking(fd: Fd, nonblocking: bool) {
    set_bit(&NONBLOCKING, fd, nonblocking);
}

pub fn set(fd: Fd, open: bool) {
    set_bit(&MAP, fd, open);
    if open {
        sel4::ipc_buffer::set_user_data(MAP.as_ptr() as sel4::Word);
    }
}
/// Each open fd, in order (what the map says: the fds the process started with are in it
/// once the fd table is made).
pub fn open_fds() -> impl Iterator<Item = Fd> {
    MAP.iter().enumerate().flat_map(|(i, word)| {
        let bits = word.load(Ordering::Relaxed);
        (0..64).filter(move |bit| bits & (1 << bit) != 0).map(move |bit| (i * 64 + bit) as Fd)
    })
}

/// Whether the map is in use (published in the IPC buffer once an fd was set open).
pub fn published() -> bool {
    sel4::ipc_buffer::user_data() != 0
}
