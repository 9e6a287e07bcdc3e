//! poll.h, sys/select.h and sys/epoll.h: all one wait on the process's notification queue
//! (libuxrt `events`). An epoll instance is an fd of the fd table, with no server behind
//! it (libuxrt's interest sets live in this process).

use crate::{fd, ret_int};
use alloc::vec::Vec;
use core::ffi::c_int;
use uxrt::events::{self, EpollEvent, EpollOp, PollFd, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI};
use uxrt::Errno;

/// A C timeout in milliseconds (negative: none) in libuxrt's microseconds.
fn timeout_ms(ms: c_int) -> events::Timeout {
    (ms >= 0).then(|| ms as u64 * 1000)
}

/// # Safety
/// `fds` holds `count` `struct pollfd`s (the same layout as `PollFd`).
#[no_mangle]
pub unsafe extern "C" fn poll(fds: *mut PollFd, count: u64, timeout: c_int) -> c_int {
    let set = match (fds.is_null(), count) {
        (_, 0) => Ok(&mut [][..]),
        (true, _) => Err(Errno::EFAULT),
        // SAFETY: as the caller promises.
        (false, _) => Ok(unsafe { core::slice::from_raw_parts_mut(fds, count as usize) }),
    };
    ret_int(set.and_then(|set| Ok(events::poll(set, timeout_ms(timeout))? as c_int)))
}

/// What each of select's sets asks poll for (the third, exceptional conditions, is
/// out-of-band data, which no uxrt file has).
const WANTED: [i16; 3] = [POLLIN, POLLOUT, POLLPRI];
/// What each set reports back.
const REPORTED: [i16; 3] = [POLLIN | POLLHUP | POLLERR, POLLOUT | POLLERR, POLLPRI];

#[repr(C)]
pub struct Timeval {
    tv_sec: i64,
    tv_usec: i64,
}

/// `select`, on one `poll`: the sets become pollfds and back. As on Linux, `nfds` may
/// exceed `FD_SETSIZE` (1024) up to the fd limit: each set is then read and written as
/// `nfds` bits, in as many words as the caller allocated for them.
///
/// # Safety
/// Each set is NULL or holds at least `nfds` bits (an `fd_set` when `nfds` ≤ 1024);
/// `timeout` is NULL or a `struct timeval`.
#[no_mangle]
pub unsafe extern "C" fn select(
    nfds: c_int,
    read: *mut u64,
    write: *mut u64,
    except: *mut u64,
    timeout: *mut Timeval,
) -> c_int {
    if !(0..=uxrt::fs::FD_LIMIT as c_int).contains(&nfds) {
        return ret_int::<c_int>(Err(Errno::EINVAL));
    }
    let words = (nfds as usize).div_ceil(64);
    // SAFETY: as the caller promises, each non-NULL set holds `nfds` bits.
    let mut sets =
        [read, write, except].map(|set| unsafe { set.as_mut().map(|s| core::slice::from_raw_parts_mut(s, words)) });
    // SAFETY: as the caller promises.
    let timeout = match unsafe { timeout.as_ref() } {
        Some(t) if t.tv_sec < 0 || t.tv_usec < 0 => return ret_int::<c_int>(Err(Errno::EINVAL)),
        Some(t) => Some(t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64),
        None => None,
    };
    // (Bits past `nfds` in the last word are not the caller's to ask about.)
    let last_mask = match nfds % 64 {
        0 => u64::MAX,
        bits => (1u64 << bits) - 1,
    };
    let asked_in = |word: usize| {
        let mask = if word + 1 == words { last_mask } else { u64::MAX };
        sets.iter().flatten().fold(0, |any, set| any | set[word]) & mask
    };
    // (Sized once: a select of a few fds allocates once, never grows.)
    let asked_fds = (0..words).map(|word| asked_in(word).count_ones() as usize).sum();
    let mut wanted: Vec<PollFd> = Vec::with_capacity(asked_fds);
    for word in 0..words {
        let mut bits = asked_in(word);
        while bits != 0 {
            let fd = word * 64 + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let events = sets
                .iter()
                .zip(WANTED)
                .filter(|(set, _)| set.as_ref().is_some_and(|s| s[fd / 64] & (1 << (fd % 64)) != 0))
                .fold(0, |events, (_, bit)| events | bit);
            wanted.push(PollFd::new(fd as u32, events));
        }
    }
    if let Err(errno) = events::poll(&mut wanted, timeout) {
        return ret_int::<c_int>(Err(errno));
    }
    if wanted.iter().any(|p| p.revents & POLLNVAL != 0) {
        return ret_int::<c_int>(Err(Errno::EBADF));
    }
    let mut count = 0;
    for (set, reported) in sets.iter_mut().zip(REPORTED) {
        let Some(set) = set else { continue };
        set.fill(0);
        for p in wanted.iter().filter(|p| p.revents & reported != 0) {
            set[p.fd as usize / 64] |= 1 << (p.fd % 64);
            count += 1;
        }
    }
    count
}

/// `epfd` as an epoll instance: `EBADF` when it is not open, `EINVAL` when it is
/// something else (as Linux).
fn epoll_fd(epfd: c_int) -> Result<uxrt::fs::Fd, Errno> {
    let epfd = fd(epfd).map_err(|_| Errno::EBADF)?;
    events::epoll_check(epfd)?;
    Ok(epfd)
}

const EPOLL_CLOEXEC: c_int = 0o2000000;

/// `epoll_create1(flags)`: `flags` is 0 or `EPOLL_CLOEXEC`. An epoll instance is an fd of
/// the fd table (`dup`, `fcntl`, `close`, `poll`, and into another epoll); it lives in
/// this process's memory, so a child gets a copy of it, unless `EPOLL_CLOEXEC`.
#[no_mangle]
pub extern "C" fn epoll_create1(flags: c_int) -> c_int {
    if flags & !EPOLL_CLOEXEC != 0 {
        return ret_int::<c_int>(Err(Errno::EINVAL));
    }
    ret_int(events::epoll_create(flags & EPOLL_CLOEXEC != 0).map(|epfd| epfd as c_int))
}

#[no_mangle]
pub extern "C" fn epoll_create(size: c_int) -> c_int {
    if size <= 0 {
        return ret_int::<c_int>(Err(Errno::EINVAL));
    }
    epoll_create1(0)
}

/// # Safety
/// `event` is NULL (for `EPOLL_CTL_DEL`) or a `struct epoll_event`.
#[no_mangle]
pub unsafe extern "C" fn epoll_ctl(epfd: c_int, op: c_int, fd_: c_int, event: *const EpollEvent) -> c_int {
    let op = match op {
        1 => Ok(EpollOp::Add),
        2 => Ok(EpollOp::Delete),
        3 => Ok(EpollOp::Modify),
        _ => Err(Errno::EINVAL),
    };
    // SAFETY: as the caller promises.
    let event = unsafe { event.as_ref() }.copied();
    ret_int(op.and_then(|op| {
        let (events, data) = match (op, event) {
            (EpollOp::Delete, _) => (0, 0),
            (_, Some(e)) => (e.events, e.data),
            (_, None) => return Err(Errno::EFAULT),
        };
        // (Linux's order: the set, the fd, whether the fd can be watched, itself.)
        let epfd = epoll_fd(epfd)?;
        let target = fd(fd_).ok().filter(|&f| uxrt::fs::is_open(f)).ok_or(Errno::EBADF)?;
        let is_epoll = events::epoll_check(target).is_ok();
        if !is_epoll
            && matches!(uxrt::fs::fstat(target)?.kind, uxrt::fs::FileKind::Regular | uxrt::fs::FileKind::Directory)
        {
            return Err(Errno::EPERM); // (a file or directory is always ready: Linux refuses it)
        }
        events::epoll_ctl(epfd, op, target, events, data).map(|()| 0)
    }))
}

/// # Safety
/// `out` holds `max` `struct epoll_event`s.
#[no_mangle]
pub unsafe extern "C" fn epoll_wait(epfd: c_int, out: *mut EpollEvent, max: c_int, timeout: c_int) -> c_int {
    if max <= 0 {
        return ret_int::<c_int>(Err(Errno::EINVAL));
    }
    if out.is_null() {
        return ret_int::<c_int>(Err(Errno::EFAULT));
    }
    // SAFETY: as the caller promises.
    let out = unsafe { core::slice::from_raw_parts_mut(out, max as usize) };
    ret_int(fd(epfd).and_then(|epfd| Ok(events::epoll_wait(epfd, out, timeout_ms(timeout))? as c_int)))
}
