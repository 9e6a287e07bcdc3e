//! poll.h, sys/select.h and sys/epoll.h: all one wait on the process's notification queue
//! (libuxrt `events`). An epoll instance is an fd here, numbered from `EPOLL_FD_BASE`
//! (libuxrt's interest sets have no server behind them).

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

/// `fd_set`: a bit per fd, as glibc's (FD_SETSIZE 1024).
const FD_SETSIZE: usize = 1024;
#[repr(C)]
pub struct FdSet {
    bits: [u64; FD_SETSIZE / 64],
}

impl FdSet {
    fn has(&self, fd: usize) -> bool {
        self.bits[fd / 64] & (1 << (fd % 64)) != 0
    }
}

/// What each of select's sets asks poll for (the third, exceptional conditions, is
/// out-of-band data, which no uxrt file has).
const WANTED: [i16; 3] = [POLLIN, POLLOUT, POLLPRI];

#[repr(C)]
pub struct Timeval {
    tv_sec: i64,
    tv_usec: i64,
}

/// `select`, on one `poll`: the sets become pollfds and back.
///
/// # Safety
/// Each set is NULL or an `fd_set`; `timeout` is NULL or a `struct timeval`.
#[no_mangle]
pub unsafe extern "C" fn select(
    nfds: c_int,
    read: *mut FdSet,
    write: *mut FdSet,
    except: *mut FdSet,
    timeout: *mut Timeval,
) -> c_int {
    if !(0..=FD_SETSIZE as c_int).contains(&nfds) {
        return ret_int::<c_int>(Err(Errno::EINVAL));
    }
    // SAFETY: as the caller promises.
    let sets = unsafe { [read.as_mut(), write.as_mut(), except.as_mut()] };
    let timeout = match unsafe { timeout.as_ref() } {
        // SAFETY: (above) as the caller promises.
        Some(t) if t.tv_sec < 0 || t.tv_usec < 0 => return ret_int::<c_int>(Err(Errno::EINVAL)),
        Some(t) => Some(t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64),
        None => None,
    };
    let mut wanted: Vec<PollFd> = Vec::new();
    for fd in 0..nfds as usize {
        let mut events = 0;
        for (set, bit) in sets.iter().zip(WANTED) {
            if set.as_ref().is_some_and(|s| s.has(fd)) {
                events |= bit;
            }
        }
        if events != 0 {
            wanted.push(PollFd::new(fd as u32, events));
        }
    }
    if let Err(errno) = events::poll(&mut wanted, timeout) {
        return ret_int::<c_int>(Err(errno));
    }
    if wanted.iter().any(|p| p.revents & POLLNVAL != 0) {
        return ret_int::<c_int>(Err(Errno::EBADF));
    }
    let [read, write, except] = sets;
    let mut count = 0;
    for (set, bits) in [(read, POLLIN | POLLHUP | POLLERR), (write, POLLOUT | POLLERR), (except, POLLPRI)] {
        let Some(set) = set else { continue };
        set.bits = [0; FD_SETSIZE / 64];
        for p in &wanted {
            if p.revents & bits != 0 {
                set.bits[p.fd as usize / 64] |= 1 << (p.fd as usize % 64);
                count += 1;
            }
        }
    }
    count
}

/// epoll instances are fds from here up (above any fd of a file).
const EPOLL_FD_BASE: c_int = 1 << 20;

fn epoll_id(epfd: c_int) -> Result<usize, Errno> {
    epfd.checked_sub(EPOLL_FD_BASE).and_then(|id| usize::try_from(id).ok()).ok_or(Errno::EBADF)
}

#[no_mangle]
pub extern "C" fn epoll_create1(_flags: c_int) -> c_int {
    ret_int(events::epoll_create().map(|id| EPOLL_FD_BASE + id as c_int))
}

#[no_mangle]
pub extern "C" fn epoll_create(size: c_int) -> c_int {
    if size <= 0 {
        return ret_int::<c_int>(Err(Errno::EINVAL));
    }
    epoll_create1(0)
}

/// Closes an epoll fd (`close` sends those here).
pub(crate) fn epoll_close(epfd: c_int) -> Option<c_int> {
    let id = epoll_id(epfd).ok()?;
    Some(ret_int(events::epoll_close(id).map(|()| 0)))
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
        events::epoll_ctl(epoll_id(epfd)?, op, fd(fd_)?, events, data).map(|()| 0)
    }))
}

/// # Safety
/// `out` holds `max` `struct epoll_event`s.
#[no_mangle]
pub unsafe extern "C" fn epoll_wait(epfd: c_int, out: *mut EpollEvent, max: c_int, timeout: c_int) -> c_int {
    if out.is_null() || max <= 0 {
        return ret_int::<c_int>(Err(Errno::EINVAL));
    }
    // SAFETY: as the caller promises.
    let out = unsafe { core::slice::from_raw_parts_mut(out, max as usize) };
    ret_int(epoll_id(epfd).and_then(|id| Ok(events::epoll_wait(id, out, timeout_ms(timeout))? as c_int)))
}
