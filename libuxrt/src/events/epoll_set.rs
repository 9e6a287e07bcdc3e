//! Interest sets, as Linux's epoll: a program registers fds once and each wait costs
//! O(ready), not O(registered). A set keeps the fds that may be ready (*candidates*):
//! those registered since, or touched by a queue entry since, the last wait, and (level
//! triggered) those it reported last time. A wait looks only at them.
//!
//! An epoll instance is an fd (`fs` keeps it in the fd table with no capability; here it
//! names its set): it can be duplicated, closed, polled, and put in another set. A set
//! in a set is ready (readable) while it has a ready candidate; a queue entry that
//! touches an fd touches, too, the fds of every set holding it, up the nesting. Loops
//! and chains of more than [`MAX_CHAIN`] sets are refused (`ELOOP`), as Linux does.

use super::{block, deadline, poll_bits, unless_handled, with_state, State, Timeout, Watch};
use crate::fd_map::FdMap;
use crate::Fd;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use uxrt_protocols::events::Readiness;
use uxrt_protocols::inherited_epolls::{self, InheritedSet};
use uxrt_protocols::Errno;

/// Sets one chain of nested sets may hold (Linux: `EPOLL_MAX_NESTS` + 1).
pub const MAX_CHAIN: usize = 5;

pub const EPOLLIN: u32 = 0x1;
pub const EPOLLOUT: u32 = 0x4;
pub const EPOLLERR: u32 = 0x8;
pub const EPOLLHUP: u32 = 0x10;
/// Report once, then not again until re-armed with `Modify`.
pub const EPOLLONESHOT: u32 = 1 << 30;
/// Edge-triggered: report when the fd becomes ready, not while it stays so.
pub const EPOLLET: u32 = 1 << 31;

/// One event of a wait, laid out as Linux's x86_64 `struct epoll_event` (packed).
#[repr(C, packed)]
#[derive(Clone, Copy, Debug, Default)]
pub struct EpollEvent {
    pub events: u32,
    pub data: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpollOp {
    Add,
    Modify,
    Delete,
}

struct Interest {
    events: u32,
    data: u64,
    /// Among the candidates now.
    queued: bool,
    /// One-shot and reported: silent until modified.
    disarmed: bool,
}

#[derive(Default)]
struct Set {
    interests: FdMap<Interest>,
    candidates: VecDeque<Fd>,
    /// The fds that name it (it ends with the last).
    names: u32,
}

impl Set {
    /// Makes `fd` a candidate if the set holds it; whether it does.
    fn enqueue(&mut self, fd: Fd) -> bool {
        let Some(interest) = self.interests.get_mut(&fd) else { return false };
        if !interest.queued && !interest.disarmed {
            interest.queued = true;
            self.candidates.push_back(fd);
        }
        true
    }
}

/// The process's interest sets, by id, and the fds that name them.
#[derive(Default)]
pub(super) struct EpollSets {
    sets: Vec<Option<Set>>,
    /// Each epoll fd's set.
    fds: FdMap<usize>,
    /// Interests, over all sets, on an epoll fd: while there are none, nothing is
    /// nested, and a queue entry touches only the sets that hold its fd.
    nested: usize,
    /// The epoll fds `poll` watches (their readiness is refreshed before each scan).
    polled: Vec<Fd>,
    /// Whether the sets the parent passed were made (see [`with_sets`]).
    adopted: bool,
}

impl EpollSets {
    /// A queue entry came for `fd` (or it was just registered): it becomes a candidate
    /// in each set holding it, and so do those sets' fds in the sets holding them, up
    /// the chain.
    pub fn touched(&mut self, fd: Fd) {
        if self.enqueue_everywhere(fd) && self.nested > 0 {
            self.touch_holders_of(fd, 0);
        }
    }

    /// Makes `fd` a candidate in each set holding it; whether any does.
    fn enqueue_everywhere(&mut self, fd: Fd) -> bool {
        let mut held = false;
        for set in self.sets.iter_mut().flatten() {
            held |= set.enqueue(fd);
        }
        held
    }

    /// Touches the fds of the sets holding `fd` (`depth` sets up so far).
    #[inline(never)]
    fn touch_holders_of(&mut self, fd: Fd, depth: usize) {
        if depth >= MAX_CHAIN {
            return;
        }
        let holds = |id: usize| self.sets[id].as_ref().is_some_and(|set| set.interests.contains_key(&fd));
        let names: Vec<Fd> = self.fds.iter().filter(|&(_, &id)| holds(id)).map(|(name, _)| name).collect();
        for name in names {
            if self.enqueue_everywhere(name) {
                self.touch_holders_of(name, depth + 1);
            }
        }
    }

    /// `fd` was closed: it leaves every set, and a set it was the last name of ends.
    pub fn forget(&mut self, fd: Fd) {
        let is_epoll = self.fds.contains_key(&fd);
        self.polled.retain(|&polled| polled != fd);
        for set in self.sets.iter_mut().flatten() {
            if set.interests.remove(&fd).is_some() && is_epoll {
                self.nested -= 1;
            }
        }
        let Some(id) = self.fds.remove(&fd) else { return };
        let Ok(set) = self.get(id) else { return };
        set.names -= 1;
        if set.names > 0 {
            return;
        }
        if let Some(set) = self.sets[id].take() {
            self.nested -= set.interests.keys().filter(|fd| self.fds.contains_key(fd)).count();
        }
    }

    /// A new, empty set named by `names` fds; its id.
    fn new_set(&mut self, names: u32) -> usize {
        let id = self.sets.iter().position(Option::is_none).unwrap_or(self.sets.len());
        if id == self.sets.len() {
            self.sets.push(None);
        }
        self.sets[id] = Some(Set { names, ..Set::default() });
        id
    }

    /// Registers (or changes) `fd`'s interest in set `id`, keeping the count of nested
    /// sets. Whatever holds now is reported by the next wait, edge-triggered or not (and
    /// the sets holding this one hear of it).
    fn register(&mut self, id: usize, fd: Fd, events: u32, data: u64, disarmed: bool) -> Result<(), Errno> {
        let nests = self.fds.contains_key(&fd);
        let set = self.get(id)?;
        let queued = set.interests.get(&fd).is_some_and(|i| i.queued);
        let new = set.interests.insert(fd, Interest { events, data, queued, disarmed }).is_none();
        self.nested += (new && nests) as usize;
        self.touched(fd);
        Ok(())
    }

    /// Takes `fd` out of set `id`; whether it was there.
    fn unregister(&mut self, id: usize, fd: Fd) -> Result<bool, Errno> {
        let nests = self.fds.contains_key(&fd);
        let removed = self.get(id)?.interests.remove(&fd).is_some();
        self.nested -= (removed && nests) as usize;
        Ok(removed)
    }

    fn get(&mut self, id: usize) -> Result<&mut Set, Errno> {
        self.sets.get_mut(id).and_then(Option::as_mut).ok_or(Errno::EBADF)
    }

    /// Whether the sets the parent passed exist: until then, an fd closed may be one of
    /// theirs (`events::forget` notes it).
    pub fn adopted(&self) -> bool {
        self.adopted
    }

    /// Whether `poll` watches some epoll fds (whose readiness a scan must refresh).
    pub fn are_polled(&self) -> bool {
        !self.polled.is_empty()
    }

    /// `poll` watches `epfd` from now on.
    pub fn polled(&mut self, epfd: Fd) {
        self.polled.push(epfd);
    }

    /// The set `epfd` names: `EINVAL` for an fd that is not an epoll instance.
    pub fn set_of(&self, epfd: Fd) -> Result<usize, Errno> {
        self.fds.get(&epfd).copied().ok_or(Errno::EINVAL)
    }

    /// As [`set_of`](Self::set_of), `EBADF` for an fd that is not open (as Linux).
    fn set_named(&self, epfd: Fd) -> Result<usize, Errno> {
        self.set_of(epfd).map_err(|errno| if crate::fd_table::is_open(epfd) { errno } else { Errno::EBADF })
    }

    /// What `fd` is ready for: a set's fd is readable while the set has a ready
    /// candidate (`depth` sets down so far).
    fn readiness(&self, fd: Fd, watches: &FdMap<Watch>, depth: usize) -> Readiness {
        match self.fds.get(&fd) {
            None => watches.get(&fd).map_or(Readiness::NONE, |w| w.ready),
            Some(&id) if depth < MAX_CHAIN && self.has_ready(id, watches, depth + 1) => Readiness::READABLE,
            Some(_) => Readiness::NONE,
        }
    }

    fn has_ready(&self, id: usize, watches: &FdMap<Watch>, depth: usize) -> bool {
        let Some(Some(set)) = self.sets.get(id) else { return false };
        set.candidates.iter().any(|&fd| {
            set.interests.get(&fd).is_some_and(|interest| {
                let ready = self.readiness(fd, watches, depth);
                !interest.disarmed && poll_bits(ready, interest.events as i16 & 0xff) != 0
            })
        })
    }

    /// The readiness of each epoll fd `poll` watches, now.
    pub fn refresh(&self, watches: &mut FdMap<Watch>) {
        for &epfd in &self.polled {
            let ready = self.readiness(epfd, watches, 0);
            if let Some(watch) = watches.get_mut(&epfd) {
                watch.ready = ready;
            }
        }
    }

    /// The longest chain of sets from `id` down (1: it holds no set).
    fn depth_below(&self, id: usize, limit: usize) -> usize {
        let Some(Some(set)) = self.sets.get(id) else { return 1 };
        let inner = set.interests.keys().filter_map(|fd| self.fds.get(&fd).copied());
        1 + inner.map(|inner| if limit > 1 { self.depth_below(inner, limit - 1) } else { 1 }).max().unwrap_or(0)
    }

    /// The longest chain of sets holding `id`, from the top (0: none holds it).
    fn height_above(&self, id: usize, limit: usize) -> usize {
        let holders = self.sets.iter().enumerate().filter_map(|(holder, set)| {
            let holds = set.as_ref()?.interests.keys().any(|fd| self.fds.get(&fd) == Some(&id));
            holds.then_some(holder)
        });
        holders.map(|holder| 1 + if limit > 1 { self.height_above(holder, limit - 1) } else { 1 }).max().unwrap_or(0)
    }

    /// Whether set `id` holds `target`, or a set that does, and so on down.
    fn reaches(&self, id: usize, target: usize, limit: usize) -> bool {
        let Some(Some(set)) = self.sets.get(id) else { return false };
        set.interests
            .keys()
            .filter_map(|fd| self.fds.get(&fd).copied())
            .any(|inner| inner == target || (limit > 0 && self.reaches(inner, target, limit - 1)))
    }

    /// May set `inner` go into set `outer`? `EINVAL` into itself, `ELOOP` for a loop or
    /// a chain of more than [`MAX_CHAIN`] sets.
    fn check_nesting(&self, outer: usize, inner: usize) -> Result<(), Errno> {
        if outer == inner {
            return Err(Errno::EINVAL);
        }
        let limit = MAX_CHAIN + 1;
        if self.reaches(inner, outer, limit)
            || self.height_above(outer, limit) + self.depth_below(inner, limit) + 1 > MAX_CHAIN
        {
            return Err(Errno::ELOOP);
        }
        Ok(())
    }
}

/// Runs `f` on the state, the sets of the epoll instances the parent passed made first
/// (once, when the process first uses epoll: a program that never does carries none of
/// this).
fn with_sets<R>(f: impl FnOnce(&mut State) -> R) -> R {
    with_state(|state| {
        adopt_once(state);
        f(state)
    })
}

#[inline(always)]
fn adopt_once(state: &mut State) {
    if !state.epolls.adopted {
        adopt_inherited(state);
    }
}

#[cold]
#[inline(never)]
fn adopt_inherited(state: &mut State) {
    state.epolls.adopted = true;
    if let Some(text) = crate::env::inherited_epolls() {
        adopt(state, text);
    }
}

/// `poll` watches `fd`: an epoll instance's readiness is its set's (brought up to date
/// before each scan), a file's its server's.
pub(super) fn watch_polled(state: &mut State, fd: Fd) -> Result<(), Errno> {
    if state.watches.contains_key(&fd) || crate::fd_table::is_local(fd) != Ok(true) {
        return state.watch(fd);
    }
    adopt_once(state);
    state.epolls.set_of(fd)?;
    state.watches.insert(fd, Watch { notification: None, ready: Readiness::NONE, plain: Readiness::NONE });
    state.epolls.polled(fd);
    Ok(())
}

/// A new, empty interest set, and an fd for it (close-on-exec or not: unless it is, a
/// child gets a copy of the set, see [`epolls_for_child`]).
pub fn epoll_create(close_on_exec: bool) -> Result<Fd, Errno> {
    with_sets(|state| state.reserve(state.watches.len()))?;
    let epfd = crate::fd_table::open_local(close_on_exec)?;
    with_sets(|state| {
        let id = state.epolls.new_set(1);
        state.epolls.fds.insert(epfd, id);
    });
    Ok(epfd)
}

/// The environment entry that gives a child the sets of the epoll fds among `pairs`
/// (child fd, fd here): a copy of each, named by the child's fds, with the interests
/// whose fds the child gets too, renamed to the child's numbers. (Linux shares the set
/// itself; a copy differs only while both processes go on using it, and is exactly
/// right for `execve`.)
pub(crate) fn epolls_for_child(pairs: &[(u32, u32)]) -> Vec<u8> {
    let in_child = |fd: Fd| pairs.iter().find(|&&(_, parent)| parent == fd).map(|&(child, _)| child);
    with_sets(|state| {
        let epolls = &state.epolls;
        let mut passed: Vec<(usize, InheritedSet)> = Vec::new();
        for &(child, parent) in pairs {
            let Some(&id) = epolls.fds.get(&parent) else { continue };
            match passed.iter_mut().find(|(passed_id, _)| *passed_id == id) {
                Some((_, set)) => set.names.push(child),
                None => passed.push((id, InheritedSet { names: alloc::vec![child], interests: Vec::new() })),
            }
        }
        for (id, inherited) in &mut passed {
            let Some(Some(set)) = epolls.sets.get(*id) else { continue };
            inherited.interests = set
                .interests
                .iter()
                .filter_map(|(fd, interest)| {
                    let events = if interest.disarmed { interest.events & !0xffff } else { interest.events };
                    Some(inherited_epolls::Interest { fd: in_child(fd)?, events, data: interest.data })
                })
                .collect();
        }
        let sets: Vec<InheritedSet> = passed.into_iter().map(|(_, set)| set).collect();
        inherited_epolls::encode(&sets)
    })
}

/// Makes again, in a process just started, the sets its parent passed (`text`, from
/// the environment): each named by the epoll fds the fd table made for it, its
/// interests watched. A name or interest whose fd was closed before this (the state is
/// made on first use) is left out; so is an interest that cannot be watched.
fn adopt(state: &mut State, text: &[u8]) {
    let Ok(inherited) = inherited_epolls::parse(text) else { return };
    let is_epoll_fd = |fd: Fd| super::unchanged_since_start(fd) && crate::fd_table::is_local(fd) == Ok(true);
    // Every set first: a set may hold one passed after it.
    let mut made = Vec::new();
    for set in &inherited {
        let names: Vec<Fd> = set.names.iter().copied().filter(|&fd| is_epoll_fd(fd)).collect();
        if names.is_empty() || names.iter().any(|fd| state.epolls.fds.contains_key(fd)) {
            continue;
        }
        let id = state.epolls.new_set(names.len() as u32);
        for name in names {
            state.epolls.fds.insert(name, id);
        }
        made.push((id, set));
    }
    for (id, set) in made {
        for interest in &set.interests {
            let fd = interest.fd;
            if !super::unchanged_since_start(fd) || !crate::fd_table::is_open(fd) {
                continue;
            }
            let watched = match state.epolls.fds.get(&fd) {
                Some(_) => true,
                None => state.watch(fd).is_ok(),
            };
            let known = state.epolls.get(id).map_or(true, |set| set.interests.contains_key(&fd));
            if !watched || known {
                continue;
            }
            let disarmed = interest.events & 0xffff == 0 && interest.events & EPOLLONESHOT != 0;
            let _ = state.epolls.register(id, fd, interest.events, interest.data, disarmed);
        }
    }
}

/// `new` names `old`'s set too (`dup`).
pub(crate) fn epoll_duplicate(old: Fd, new: Fd) -> Result<(), Errno> {
    with_sets(|state| {
        let id = state.epolls.set_of(old)?;
        state.epolls.get(id)?.names += 1;
        state.epolls.fds.insert(new, id);
        Ok(())
    })
}

/// `EBADF` unless `epfd` is open, `EINVAL` unless it is an epoll instance.
pub fn epoll_check(epfd: Fd) -> Result<(), Errno> {
    with_sets(|state| state.epolls.set_named(epfd).map(drop))
}

/// Adds, changes or removes `fd` in the set of `epfd` (`EEXIST`, `ENOENT`, and for a
/// set put in a set `EINVAL`/`ELOOP`, as Linux).
pub fn epoll_ctl(epfd: Fd, op: EpollOp, fd: Fd, events: u32, data: u64) -> Result<(), Errno> {
    if !crate::fd_table::is_open(fd) {
        return Err(Errno::EBADF);
    }
    with_sets(|state| {
        let id = state.epolls.set_named(epfd)?;
        let inner = state.epolls.fds.get(&fd).copied();
        match (op, inner) {
            (EpollOp::Add, Some(inner)) => state.epolls.check_nesting(id, inner)?,
            (EpollOp::Add | EpollOp::Modify, None) => state.watch(fd)?,
            _ => {}
        }
        match (op, state.epolls.get(id)?.interests.contains_key(&fd)) {
            (EpollOp::Add, true) => Err(Errno::EEXIST),
            (EpollOp::Modify | EpollOp::Delete, false) => Err(Errno::ENOENT),
            (EpollOp::Delete, true) => state.epolls.unregister(id, fd).map(drop),
            _ => state.epolls.register(id, fd, events, data, false),
        }
    })
}

/// Waits until some fds in the set of `epfd` are ready; fills `out`; returns how many.
pub fn epoll_wait(epfd: Fd, out: &mut [EpollEvent], timeout_us: Timeout) -> Result<usize, Errno> {
    if out.is_empty() {
        return Err(Errno::EINVAL);
    }
    let deadline = deadline(timeout_us);
    unless_handled(|| {
        with_sets(|state| {
            let id = state.epolls.set_named(epfd)?;
            state.harvest(false)?;
            loop {
                let count = collect(state, id, &mut *out)?;
                if count > 0 || !block(state, deadline)? {
                    return Ok(count);
                }
            }
        })
    })
}

/// Reports the ready candidates of set `id` into `out`.
fn collect(state: &mut super::State, id: usize, out: &mut [EpollEvent]) -> Result<usize, Errno> {
    let (watches, epolls) = (&state.watches, &mut state.epolls);
    if epolls.nested == 0 {
        // (No set holds a set: each candidate's readiness is its own watch's.)
        let set = epolls.get(id)?;
        return Ok(report(set, out, |fd| watches.get(&fd).map_or(Readiness::NONE, |w| w.ready)));
    }
    // A set's fd is ready by the sets below it: looked at first, in the order `report`
    // takes the candidates.
    let candidates = &epolls.sets.get(id).and_then(Option::as_ref).ok_or(Errno::EBADF)?.candidates;
    let ready: Vec<Readiness> = candidates.iter().map(|&fd| epolls.readiness(fd, watches, 0)).collect();
    let mut ready = ready.into_iter();
    Ok(report(epolls.get(id)?, out, |_| ready.next().unwrap_or(Readiness::NONE)))
}

/// Reports `set`'s candidates that `ready` (asked once per candidate, in order) says
/// are ready into `out`; how many.
fn report(set: &mut Set, out: &mut [EpollEvent], mut ready: impl FnMut(Fd) -> Readiness) -> usize {
    let mut count = 0;
    // Each candidate is looked at once; level-triggered ones reported go to the back, to
    // be looked at again next time, after the others (no allocation per wait).
    let mut unseen = set.candidates.len();
    while count < out.len() && unseen > 0 {
        unseen -= 1;
        let Some(fd) = set.candidates.pop_front() else { break };
        let ready = ready(fd);
        let Some(interest) = set.interests.get_mut(&fd) else { continue };
        let bits = poll_bits(ready, interest.events as i16 & 0xff) as u32 & 0xffff;
        if bits == 0 || interest.disarmed {
            interest.queued = false;
            continue;
        }
        out[count] = EpollEvent { events: bits, data: interest.data };
        count += 1;
        if interest.events & EPOLLONESHOT != 0 {
            interest.disarmed = true;
            interest.queued = false;
        } else if interest.events & EPOLLET != 0 {
            interest.queued = false;
        } else {
            set.candidates.push_back(fd);
        }
    }
    count
}
