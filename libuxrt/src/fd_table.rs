//! The fd table: what this process keeps per fd (the capability itself sits in the fd's
//! slot), the lowest free fd, and the fd limits. `fs` does the file calls on it; `events`
//! makes epoll instances in it (fds no server holds).

use crate::open_map;
use crate::sync::Lock as Mutex;
use crate::sys::fd_slot;
use crate::{caps, env, Fd};
use core::sync::atomic::{AtomicU32, Ordering};
use uxrt_protocols::startup::{aux, MAX_FDS};
use uxrt_protocols::Errno;

/// fds a process may hold: every fd is below this.
pub const FD_LIMIT: Fd = MAX_FDS as Fd;

/// What this process keeps per fd (the capability itself sits in the fd's slot).
pub(crate) struct Descriptor {
    /// The buffer shared with the file's server, once a bulk transfer needed it.
    pub(crate) buffer: Option<&'static mut [u8]>,
    pub(crate) close_on_exec: bool,
    /// `O_NONBLOCK` as opened (a transfer that would wait fails with `EAGAIN` instead);
    /// from `insert` on the open-fd map holds it, which `fcntl` changes.
    pub(crate) nonblocking: bool,
    /// Whether the file's server may read straight into a transfer window (until it
    /// answers `ReadDirect` with `ENOSYS`).
    pub(crate) reads_direct: bool,
    /// No server holds it: an epoll instance (the `events` module's), whose slot is
    /// empty. Such an fd is left out of the open-fd map (nothing there to close at
    /// death) and out of what children get.
    pub(crate) local: bool,
}

impl Descriptor {
    pub(crate) fn new(close_on_exec: bool, nonblocking: bool) -> Descriptor {
        Descriptor { buffer: None, close_on_exec, nonblocking, reads_direct: true, local: false }
    }
}

pub(crate) struct Table {
    pub(crate) fds: crate::fd_map::FdMap<Descriptor>,
    /// Free fds below `limit`; every fd from `limit` up is free (so the lowest free fd
    /// is found in O(log n), not by a scan).
    pub(crate) free: alloc::collections::BTreeSet<Fd>,
    pub(crate) limit: Fd,
    /// The buffer shared with the VFS for paths.
    pub(crate) paths: Option<&'static mut [u8]>,
}

static TABLE: Mutex<Option<Table>> = Mutex::new(None);

/// Runs `f` on the table, made on first use from the fds the process started with.
/// Whether the fd table is in use right now: only in a panic raised while it was (an
/// allocation that failed inside an fd call), which must then not wait for it.
pub(crate) fn table_in_use() -> bool {
    TABLE.is_locked()
}

pub(crate) fn with_table<R>(f: impl FnOnce(&mut Table) -> R) -> R {
    f(TABLE.lock().get_or_insert_with(inherited_table))
}

/// The table of the fds the process started with. (Out of line: `with_table` is
/// instantiated for every caller, and a small program should carry this once.)
#[inline(never)]
fn inherited_table() -> Table {
    let files = env::aux(aux::FDS).unwrap_or(0);
    // The epoll instances the parent passed (their sets are made when epoll is first
    // used): an fd that is a file is not one.
    let epolls = env::inherited_epolls().map_or(0, uxrt_protocols::inherited_epolls::names_below_64) & !files;
    let mut table = Table { fds: Default::default(), free: Default::default(), limit: 0, paths: None };
    for fd in (0..64).filter(|fd| (files | epolls) & (1 << fd) != 0) {
        table.insert(fd, Descriptor { local: epolls & (1 << fd) != 0, ..Descriptor::new(false, false) });
    }
    table
}

/// `EBADF` unless `fd` is an open file, `EINVAL` for an epoll instance (no server holds
/// it, so no file request may go to its slot). (For an open file the map of open fds
/// answers without the table's lock: `poll` asks for every fd of its set. The table,
/// which is made on first use, answers for the others.)
#[inline]
pub(crate) fn check(fd: Fd) -> Result<(), Errno> {
    match is_local(fd)? {
        false => Ok(()),
        true => Err(Errno::EINVAL),
    }
}

/// Whether `fd` is open and an epoll instance (`EBADF` when it is not open).
#[inline]
pub(crate) fn is_local(fd: Fd) -> Result<bool, Errno> {
    if open_map::contains(fd) {
        return Ok(false);
    }
    is_local_in_table(fd)
}

#[inline(never)]
fn is_local_in_table(fd: Fd) -> Result<bool, Errno> {
    with_table(|t| t.fds.get(&fd).map(|d| d.local)).ok_or(Errno::EBADF)
}

/// A new fd for an object of this process's own (an epoll instance: see `events`); the
/// lowest free one.
pub(crate) fn open_local(close_on_exec: bool) -> Result<Fd, Errno> {
    with_table(|t| {
        let fd = lowest_free(t, 0)?;
        t.insert(fd, Descriptor { local: true, ..Descriptor::new(close_on_exec, false) });
        Ok(fd)
    })
}

impl Table {
    pub(crate) fn insert(&mut self, fd: Fd, descriptor: Descriptor) {
        self.free.remove(&fd);
        if fd >= self.limit {
            self.free.extend(self.limit..fd);
            self.limit = fd + 1;
        }
        open_map::set_nonblocking(fd, descriptor.nonblocking);
        let local = descriptor.local;
        self.fds.insert(fd, descriptor);
        open_map::set(fd, !local);
    }

    pub(crate) fn remove(&mut self, fd: Fd) -> Option<Descriptor> {
        let descriptor = self.fds.remove(&fd)?;
        self.free.insert(fd);
        open_map::set(fd, false);
        Some(descriptor)
    }
}

/// The fds this process may open: `RLIMIT_NOFILE`'s soft and hard limits (at most
/// [`FD_LIMIT`]).
static SOFT_LIMIT: AtomicU32 = AtomicU32::new(FD_LIMIT);
static HARD_LIMIT: AtomicU32 = AtomicU32::new(FD_LIMIT);

/// (soft, hard) limit of fds: fds from the soft one up cannot be opened.
pub fn fd_limits() -> (Fd, Fd) {
    (SOFT_LIMIT.load(Ordering::Relaxed), HARD_LIMIT.load(Ordering::Relaxed))
}

/// Sets the limits of [`fd_limits`]: `EINVAL` for a soft limit above the hard one,
/// `EPERM` for raising the hard one (as for an unprivileged process on Linux).
pub fn set_fd_limits(soft: Fd, hard: Fd) -> Result<(), Errno> {
    if soft > hard {
        return Err(Errno::EINVAL);
    }
    if hard > HARD_LIMIT.load(Ordering::Relaxed) {
        return Err(Errno::EPERM);
    }
    HARD_LIMIT.store(hard, Ordering::Relaxed);
    SOFT_LIMIT.store(soft, Ordering::Relaxed);
    Ok(())
}

/// Whether `fd` is below the soft limit (an fd this process may open).
pub(crate) fn allowed(fd: Fd) -> bool {
    fd < SOFT_LIMIT.load(Ordering::Relaxed)
}

/// The lowest fd not in use, from `from` up.
pub(crate) fn lowest_free(table: &Table, from: Fd) -> Result<Fd, Errno> {
    let fd = table.free.range(from..).next().copied().unwrap_or(from.max(table.limit));
    if !allowed(fd) {
        return Err(Errno::EMFILE);
    }
    caps::ensure(fd_slot(fd), 1)?;
    Ok(fd)
}

/// Whether `fd` is open (a file or an epoll instance).
pub fn is_open(fd: Fd) -> bool {
    is_local(fd).is_ok()
}
