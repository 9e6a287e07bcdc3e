//! Waiting for many things at once: `poll`, `select` (in posix-shim, on `poll`), an
//! epoll-like interest set ([`epoll`]), `sleep`, and the end of children, all as one wait
//! on this process's notification queue, whatever the number of fds.
//!
//! An fd is *watched* the first time a wait involves it (once, not per call): a
//! notification (made by the root server, in batches) is attached to the queue with the
//! fd as token, and a write-only copy goes to the file's server (`Subscribe`), which
//! signals it when the file becomes ready. The queue is edge-triggered; on top of it,
//! readiness is cached per fd and the POSIX level-triggered answer comes from the cache:
//! - a queue entry adds readiness (a signal without badge bits means the file's
//!   direction: readable for a pipe's read end; hang-up and error come as their bits);
//! - a transfer's reply says what the file lost by it (a pipe read empty), and only then
//!   is readiness cleared, after taking the entries already queued (which happened
//!   before the reply, so they must not count after it);
//! - `Subscribe` answers the readiness at the time.
//!
//! So a wait costs one scan of the cache (O(k) for epoll) and, when nothing is ready,
//! one kernel wait; no server is asked per wait, and nothing polls in a loop.

mod epoll_set;
mod queue;

pub use epoll_set::{
    epoll_check, epoll_create, epoll_ctl, epoll_wait, EpollEvent, EpollOp, EPOLLERR, EPOLLET, EPOLLHUP, EPOLLIN,
    EPOLLONESHOT, EPOLLOUT, MAX_CHAIN as EPOLL_MAX_CHAIN,
};
pub(crate) use epoll_set::{epoll_duplicate, epolls_for_child};

use crate::fd_map::FdMap;
use crate::sync::Lock as Mutex;
use crate::Fd;
use crate::{caps, sys};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use epoll_set::EpollSets;
use queue::Queue;
use sel4::{CPtr, Word};
use uxrt_protocols::events::{token, Readiness, Source};
use uxrt_protocols::file::FileRequest;
use uxrt_protocols::process::{Request, LARGE_QUEUE, SMALL_QUEUE};
use uxrt_protocols::{Errno, Pid, WaitStatus};

/// `poll` event bits, with Linux's values (posix-shim passes them through).
pub const POLLIN: i16 = 0x1;
pub const POLLPRI: i16 = 0x2;
pub const POLLOUT: i16 = 0x4;
pub const POLLERR: i16 = 0x8;
pub const POLLHUP: i16 = 0x10;
pub const POLLNVAL: i16 = 0x20;

/// One fd of a `poll`, laid out as C's `struct pollfd`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PollFd {
    /// Negative: ignored (`revents` 0).
    pub fd: i32,
    pub events: i16,
    pub revents: i16,
}

impl PollFd {
    pub fn new(fd: Fd, events: i16) -> PollFd {
        PollFd { fd: fd as i32, events, revents: 0 }
    }
}

/// Each readiness as `poll` bits (one load per fd in a scan of thousands).
const POLL_BITS: [i16; 256] = {
    let mut table = [0; 256];
    let mut ready = 0;
    while ready < 256 {
        let r = Readiness(ready as u8);
        table[ready] = if r.contains(Readiness::READABLE) { POLLIN } else { 0 }
            | if r.contains(Readiness::WRITABLE) { POLLOUT } else { 0 }
            | if r.contains(Readiness::HANGUP) { POLLHUP } else { 0 }
            | if r.contains(Readiness::ERROR) { POLLERR } else { 0 };
        ready += 1;
    }
    table
};

/// What readiness means to `poll`: the requested events that hold, plus hang-up and
/// error, which are always reported.
pub fn poll_bits(ready: Readiness, events: i16) -> i16 {
    POLL_BITS[ready.0 as usize] & (events | POLLHUP | POLLERR)
}

/// A watched fd.
pub(crate) struct Watch {
    /// `None` for a file that never blocks (its server keeps no notification).
    notification: Option<CPtr>,
    ready: Readiness,
    /// What a signal without badge bits means.
    plain: Readiness,
}

#[derive(Default)]
struct State {
    queue: Option<Queue>,
    watches: FdMap<Watch>,
    /// Notifications made and not in use (each detached and cleared).
    spare: Vec<CPtr>,
    /// A child may have ended since the last look (its thread's entry came, or the queue
    /// is new and ended children were never reported on it).
    children_ended: bool,
    /// The deadline last given to the root server.
    alarm: Option<u64>,
    epolls: EpollSets,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn with_state<R>(f: impl FnOnce(&mut State) -> R) -> R {
    f(STATE.lock().get_or_insert_with(State::default))
}

/// The fds below 64 closed before the epoll sets the parent passed were made (on the
/// first use of epoll): those sets' names and interests under these numbers are gone,
/// and the numbers may name other files now.
static CLOSED_BEFORE_ADOPTION: AtomicU64 = AtomicU64::new(0);

/// Whether `fd` is still what the process started with, as far as the adoption of the
/// parent's sets can tell (it is below 64 and was not closed since).
fn unchanged_since_start(fd: Fd) -> bool {
    fd < 64 && CLOSED_BEFORE_ADOPTION.load(Ordering::Relaxed) & (1 << fd) == 0
}

/// Notifications asked of the root server at once.
const NOTIFICATION_BATCH: Word = 64;
/// Room kept in the queue beyond the watched fds: the alarm and a few children.
const QUEUE_SLACK: usize = 16;

impl State {
    /// Takes what the queue delivered since the last look (blocking for something with
    /// `block`) into the readiness cache.
    #[inline(always)]
    fn harvest(&mut self, block: bool) -> Result<(), Errno> {
        match &self.queue {
            Some(queue) if block || !queue.is_caught_up() => self.take_entries(block),
            _ => Ok(()),
        }
    }

    #[inline(never)]
    fn take_entries(&mut self, block: bool) -> Result<(), Errno> {
        let Some(queue) = self.queue.as_mut() else { return Ok(()) };
        let (watches, epolls) = (&mut self.watches, &mut self.epolls);
        let (mut child, mut peer_ended) = (false, false);
        // The alarm's entry only ends a blocked wait: the waiter looks at the clock (and,
        // if the root server says a server or a peer ended, at what it watches).
        queue.harvest(block, |token, badge| match Source::of(token) {
            Source::Fd(fd) => {
                if let Some(watch) = watches.get_mut(&fd) {
                    let bits = Readiness((badge & 0xff) as u8);
                    watch.ready = watch.ready.union(if bits.is_empty() { watch.plain } else { bits });
                    epolls.touched(fd);
                }
            }
            Source::Child(_) => child = true,
            Source::Alarm => peer_ended |= badge & token::PEER_ENDED != 0,
            Source::Unknown(_) => {}
        })?;
        self.children_ended |= child;
        if peer_ended {
            self.ask_again();
        }
        Ok(())
    }

    /// A server (or a process that shared memory with this one) ended: its readiness
    /// signals will never come, so every watched fd asks its server for its readiness
    /// again (one call each, only when a server has ended). An fd of the dead server is
    /// answered `EBADF` by the server started in its place (or `EIO`): it is in error and
    /// hung up from then on, which `poll` reports, as Linux's `POLLERR | POLLHUP`, so a
    /// wait on it ends (a leased pipe's blocked read too: it then finds its ring gone) and
    /// the read or write that follows gets the error.
    #[cold]
    #[inline(never)]
    fn ask_again(&mut self) {
        for (fd, watch) in self.watches.iter_mut() {
            let Some(notification) = watch.notification else { continue };
            watch.ready = match subscribe(fd, notification) {
                Ok((ready, _)) => ready,
                Err(_) => Readiness::ERROR.union(Readiness::HANGUP),
            };
            self.epolls.touched(fd);
        }
    }

    /// Brings the readiness of the epoll fds `poll` watches up to date (their sets'
    /// candidates may have changed since: after a harvest, before a scan).
    fn refresh_epolls(&mut self) {
        if self.epolls.are_polled() {
            self.epolls.refresh(&mut self.watches);
        }
    }

    /// Makes sure the queue takes `watches` watched fds (a large one replaces the small
    /// one when needed, and every watch moves to it).
    fn reserve(&mut self, watches: usize) -> Result<(), Errno> {
        let needed = watches + QUEUE_SLACK + crate::children::live_children();
        if self.queue.as_ref().is_some_and(|q| q.capacity >= needed) {
            return Ok(());
        }
        if needed > LARGE_QUEUE as usize {
            return Err(Errno::EMFILE);
        }
        let size = if needed <= SMALL_QUEUE as usize { needed } else { LARGE_QUEUE as usize };
        self.harvest(false)?;
        let queue = Queue::new(size, self.queue.take())?;
        for (fd, watch) in self.watches.iter() {
            if let Some(notification) = watch.notification {
                queue.attach(notification, fd as Word)?;
            }
        }
        self.queue = Some(queue);
        self.children_ended = true;
        Ok(())
    }

    fn new_notification(&mut self) -> Result<CPtr, Errno> {
        if let Some(notification) = self.spare.pop() {
            return Ok(notification);
        }
        let first = caps::alloc_range(NOTIFICATION_BATCH)?;
        let [] = sys::call(Request::NewNotifications { slot: first, count: NOTIFICATION_BATCH }).results()?;
        self.spare.extend((first..first + NOTIFICATION_BATCH).rev());
        self.spare.pop().ok_or(Errno::EIO)
    }

    /// Takes a notification back (`attached` to the queue or not): nobody else can
    /// signal it, and its word is clear.
    fn retire(&mut self, notification: CPtr, attached: bool) {
        if let (Some(queue), true) = (&self.queue, attached) {
            queue.detach(notification);
        }
        caps::revoke(notification);
        sel4::poll(notification);
        self.spare.push(notification);
    }

    /// Watches open file `fd` (once): subscribes to its readiness. (`poll` watches an
    /// epoll instance by `epoll_set::watch_polled`.)
    fn watch(&mut self, fd: Fd) -> Result<(), Errno> {
        if self.watches.contains_key(&fd) {
            return Ok(());
        }
        self.reserve(self.watches.len() + 1)?;
        let notification = self.new_notification()?;
        let subscribed = subscribe(fd, notification);
        let (ready, plain) = match subscribed {
            Ok(answer) => answer,
            Err(errno) => {
                self.retire(notification, false);
                return Err(errno);
            }
        };
        let notification = if plain.is_empty() {
            self.retire(notification, false);
            None
        } else {
            let queue = self.queue.as_ref().ok_or(Errno::EIO)?;
            if let Err(errno) = queue.attach(notification, fd as Word) {
                self.retire(notification, false);
                return Err(errno);
            }
            Some(notification)
        };
        self.watches.insert(fd, Watch { notification, ready, plain });
        Ok(())
    }

    fn readiness(&self, fd: Fd) -> Readiness {
        self.watches.get(&fd).map_or(Readiness::NONE, |w| w.ready)
    }

    /// See [`clear_unless`].
    fn clear_unless(&mut self, fd: Fd, cleared: Readiness, still: impl FnOnce() -> bool) -> bool {
        // (Every entry queued so far: those of the bytes just taken, which must not
        // count afterwards, whether or not the cache showed them yet.)
        let _ = self.harvest(false);
        let again = still();
        if let Some(watch) = self.watches.get_mut(&fd) {
            if again {
                watch.ready = watch.ready.union(cleared);
                self.epolls.touched(fd);
            } else {
                watch.ready = watch.ready.without(cleared);
            }
        }
        again
    }

    /// Sets the alarm for `deadline` unless it is set for it already.
    fn arm_alarm(&mut self, deadline: u64) -> Result<(), Errno> {
        if self.alarm != Some(deadline) {
            let [] = sys::call(Request::Alarm { deadline }).results()?;
            self.alarm = Some(deadline);
        }
        Ok(())
    }
}

/// Sends a write-only copy of `notification` to `fd`'s server; its answer: readiness
/// now, and what a plain signal means.
fn subscribe(fd: Fd, notification: CPtr) -> Result<(Readiness, Readiness), Errno> {
    let copy = caps::alloc()?;
    let sent = caps::copy_with_rights(notification, copy, sel4::CapRights::WRITE)
        .map(|()| sys::call_sending(sys::fd_slot(fd), FileRequest::Subscribe.encode(), Some(copy)).0);
    caps::free(copy);
    let [now, plain] = sent?.results()?;
    Ok((Readiness::from_word(now)?, Readiness::from_word(plain)?))
}

// ---- Hooks of the fd layer ---------------------------------------------------------

/// A transfer on `fd` took `cleared` from its readiness (the server said so).
pub(crate) fn cleared(fd: Fd, cleared: Readiness) {
    if cleared.is_empty() {
        return;
    }
    with_state(|state| {
        if !state.readiness(fd).intersects(cleared) {
            return;
        }
        // Entries queued before the reply describe the file before the transfer.
        let _ = state.harvest(false);
        if let Some(watch) = state.watches.get_mut(&fd) {
            watch.ready = watch.ready.without(cleared);
        }
    });
}

/// Watches `fd` (subscribes to its readiness), if it is not yet.
pub(crate) fn watch_fd(fd: Fd) -> Result<(), Errno> {
    with_state(|state| {
        state.reserve(state.watches.len() + 1)?;
        state.watch(fd)
    })
}

/// What a transfer saw for itself (a leased pipe's read end found its ring empty):
/// `fd` is no longer `cleared`, unless `still` says it is again after the clearing
/// (which takes the entries already queued, so a change between the transfer and
/// `still` is seen either way). Returns `still`'s answer.
pub(crate) fn clear_unless(fd: Fd, cleared: Readiness, still: impl FnOnce() -> bool) -> bool {
    with_state(|state| state.clear_unless(fd, cleared, still))
}

/// As [`clear_unless`], then, unless `still`, waits until `fd` is `cleared` or `also`
/// again (or a signal comes for a handler: `EINTR`): a leased pipe's blocked read.
pub(crate) fn clear_and_wait(
    fd: Fd,
    cleared: Readiness,
    also: Readiness,
    still: impl FnOnce() -> bool,
) -> Result<(), Errno> {
    with_state(|state| {
        if state.clear_unless(fd, cleared, still) {
            return Ok(());
        }
        while !state.readiness(fd).intersects(cleared.union(also)) {
            block(state, None)?;
        }
        Ok(())
    })
}

/// For a non-blocking fd: `EAGAIN` unless it is `wanted` (readable: readable or hung
/// up; writable: writable or in error).
pub(crate) fn check_ready(fd: Fd, wanted: Readiness) -> Result<(), Errno> {
    with_state(|state| {
        state.watch(fd)?;
        if !state.readiness(fd).intersects(wanted) {
            state.harvest(false)?;
        }
        match state.readiness(fd).intersects(wanted) {
            true => Ok(()),
            false => Err(Errno::EAGAIN),
        }
    })
}

/// `fd` is being closed: its watch ends (and its place in every interest set).
pub(crate) fn forget(fd: Fd) {
    let mut state = STATE.lock();
    if fd < 64 && !state.as_ref().is_some_and(|state| state.epolls.adopted()) {
        CLOSED_BEFORE_ADOPTION.fetch_or(1 << fd, Ordering::Relaxed);
    }
    let Some(state) = state.as_mut() else { return };
    state.epolls.forget(fd);
    let notification = state.watches.get(&fd).and_then(|watch| watch.notification);
    if let (Some(notification), Some(queue)) = (notification, &state.queue) {
        queue.detach(notification);
        // Entries it wrote before the detach are in the ring: taken now, while the fd
        // still names this watch (afterwards they would name the next file to get it).
        let _ = state.harvest(false);
    }
    if let Some(Watch { notification: Some(notification), .. }) = state.watches.remove(&fd) {
        state.retire(notification, false);
    }
}

// ---- Waiting --------------------------------------------------------------------------

/// When a wait gives up: `None` waits for ever, `Some(0)` not at all.
pub type Timeout = Option<u64>;

use crate::time::tsc as now;

/// The deadline `timeout` microseconds from now.
fn deadline(timeout_us: Timeout) -> Option<u64> {
    let mhz = crate::time::tsc_mhz();
    timeout_us.map(|us| now().saturating_add(us.saturating_mul(mhz)))
}

/// Blocks until the queue has something (or the deadline passes); `Ok(false)` when the
/// deadline has passed.
/// `EINTR` when a signal came for a handler (it runs once the wait lets go of the
/// library: see `signals`).
fn block(state: &mut State, deadline: Option<u64>) -> Result<bool, Errno> {
    if let Some(deadline) = deadline {
        if now() >= deadline {
            return Ok(false);
        }
        state.arm_alarm(deadline)?;
    }
    if !crate::signals::kept() {
        state.harvest(true)?;
    }
    if crate::signals::kept() {
        return Err(Errno::EINTR);
    }
    Ok(deadline.is_none_or(|d| now() < d))
}

/// Waits until `fd` is `wanted` (readable: readable or hung up; writable: writable or in
/// error), or a signal comes for a handler (`EINTR`): what a blocking read or write in a
/// process that catches signals does first, so that a signal can end it.
pub(crate) fn wait_ready(fd: Fd, wanted: Readiness) -> Result<(), Errno> {
    with_state(|state| {
        state.reserve(state.watches.len() + 1)?;
        state.watch(fd)?;
        state.harvest(false)?;
        while !state.readiness(fd).intersects(wanted) {
            block(state, None)?;
        }
        Ok(())
    })
}

/// `poll`: sets each `revents`; returns how many fds have some. Closed fds get
/// `POLLNVAL`. `timeout` in microseconds.
pub fn poll(fds: &mut [PollFd], timeout_us: Timeout) -> Result<usize, Errno> {
    poll_and_wait(fds, timeout_us, false).map(|(count, _)| count)
}

/// As [`poll`], also returning (and reaping) a child that has ended, with `children`:
/// `waitpid` and `poll` in the same wait.
pub fn poll_and_wait(
    fds: &mut [PollFd],
    timeout_us: Timeout,
    children: bool,
) -> Result<(usize, Option<(Pid, WaitStatus)>), Errno> {
    let deadline = deadline(timeout_us);
    unless_handled(|| {
        with_state(|state| {
            // (The queue, made on first use, also carries the alarm a timeout needs.)
            state.reserve(state.watches.len())?;
            state.harvest(false)?;
            state.refresh_epolls();
            let mut count = watch_and_scan(state, fds)?;
            loop {
                let child = if children { ended_child(state)? } else { None };
                if count > 0 || child.is_some() {
                    return Ok((count, child));
                }
                let waited = block(state, deadline)?;
                state.refresh_epolls();
                if !waited {
                    return Ok((scan(state, fds), None));
                }
                count = scan(state, fds);
            }
        })
    })
}

/// Runs `wait` (which takes the state) again when a signal ended it (`EINTR`) but ran
/// no handler: one blocked or ignored does not end a wait. (The handlers run when
/// `wait` lets go of the state, so only then can it be told.)
fn unless_handled<T>(mut wait: impl FnMut() -> Result<T, Errno>) -> Result<T, Errno> {
    let mark = crate::signals::mark();
    loop {
        match wait() {
            Err(Errno::EINTR) if !mark.handled() => continue,
            result => return result,
        }
    }
}

/// One pass over the set: watches each open fd not watched yet (its server's answer is
/// its readiness now; the others' is up to date, the queue taken just before) and sets
/// each `revents`. Closing an fd ends its watch, so a watched fd is open: only the others
/// are looked up in the fd table.
fn watch_and_scan(state: &mut State, fds: &mut [PollFd]) -> Result<usize, Errno> {
    let mut count = 0;
    let mut rest = fds;
    while !rest.is_empty() {
        // The fds already watched (all of them, from the second call on), in a tight loop
        // over a shared borrow of the watches...
        let watches = &state.watches;
        let scanned = rest
            .iter_mut()
            .map_while(|pollfd| {
                pollfd.revents = match watches.get(&(pollfd.fd as Fd)) {
                    _ if pollfd.fd < 0 => 0,
                    Some(watch) => poll_bits(watch.ready, pollfd.events),
                    None => return None,
                };
                count += (pollfd.revents != 0) as usize;
                Some(())
            })
            .count();
        // ...then one that is not: watched now if it is open.
        let Some((pollfd, after)) = rest[scanned..].split_first_mut() else { break };
        if crate::fd_table::is_open(pollfd.fd as Fd) {
            // (Watching makes room in the queue as it goes: at most one larger queue.)
            epoll_set::watch_polled(state, pollfd.fd as Fd)?;
            state.refresh_epolls();
        }
        pollfd.revents = revents(state, pollfd);
        count += (pollfd.revents != 0) as usize;
        rest = after;
    }
    Ok(count)
}

/// Sets each `revents` from the cache (after a wait: every open fd of the set is watched).
fn scan(state: &State, fds: &mut [PollFd]) -> usize {
    let mut count = 0;
    for pollfd in fds.iter_mut() {
        pollfd.revents = revents(state, pollfd);
        count += (pollfd.revents != 0) as usize;
    }
    count
}

/// What `poll` reports for one entry of its set: an fd without a watch is not open.
fn revents(state: &State, pollfd: &PollFd) -> i16 {
    match state.watches.get(&(pollfd.fd as Fd)) {
        _ if pollfd.fd < 0 => 0,
        Some(watch) => poll_bits(watch.ready, pollfd.events),
        None => POLLNVAL,
    }
}

/// A child that has ended, reaped, if the queue said one may have.
fn ended_child(state: &mut State) -> Result<Option<(Pid, WaitStatus)>, Errno> {
    if !state.children_ended {
        return Ok(None);
    }
    match crate::children::try_wait(None) {
        Ok(Some(ended)) => Ok(Some(ended)),
        Ok(None) | Err(Errno::ECHILD) => {
            state.children_ended = false;
            Ok(None)
        }
        Err(errno) => Err(errno),
    }
}

/// Sleeps `us` microseconds (on the queue's alarm).
pub fn sleep_us(us: u64) -> Result<(), Errno> {
    poll(&mut [], Some(us)).map(drop)
}

/// Whether this kernel has notification queues (poll, select and epoll need them).
pub fn available() -> bool {
    with_state(|state| state.reserve(state.watches.len()).is_ok())
}
