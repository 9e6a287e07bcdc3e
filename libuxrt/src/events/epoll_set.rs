//! Interest sets, as Linux's epoll: a program registers fds once and each wait costs
//! O(ready), not O(registered). A set keeps the fds that may be ready (*candidates*):
//! those registered since, or touched by a queue entry since, the last wait, and (level
//! triggered) those it reported last time. A wait looks only at them.

use super::{block, deadline, poll_bits, unless_handled, with_state, Timeout};
use crate::fd_map::FdMap;
use crate::fs::Fd;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use uxrt_protocols::Errno;

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
}

impl Set {
    fn enqueue(&mut self, fd: Fd) {
        if let Some(interest) = self.interests.get_mut(&fd) {
            if !interest.queued && !interest.disarmed {
                interest.queued = true;
                self.candidates.push_back(fd);
            }
        }
    }
}

/// The process's interest sets, by id.
#[derive(Default)]
pub(super) struct EpollSets {
    sets: Vec<Option<Set>>,
}

impl EpollSets {
    /// A queue entry came for `fd`.
    pub fn touched(&mut self, fd: Fd) {
        for set in self.sets.iter_mut().flatten() {
            set.enqueue(fd);
        }
    }

    /// `fd` was closed: it leaves every set.
    pub fn forget(&mut self, fd: Fd) {
        for set in self.sets.iter_mut().flatten() {
            set.interests.remove(&fd);
        }
    }

    fn get(&mut self, id: usize) -> Result<&mut Set, Errno> {
        self.sets.get_mut(id).and_then(Option::as_mut).ok_or(Errno::EBADF)
    }
}

/// A new, empty interest set; its id.
pub fn epoll_create() -> Result<usize, Errno> {
    with_state(|state| {
        state.reserve(state.watches.len())?;
        let sets = &mut state.epolls.sets;
        let id = sets.iter().position(Option::is_none).unwrap_or(sets.len());
        if id == sets.len() {
            sets.push(None);
        }
        sets[id] = Some(Set::default());
        Ok(id)
    })
}

pub fn epoll_close(id: usize) -> Result<(), Errno> {
    with_state(|state| state.epolls.sets.get_mut(id).and_then(Option::take).map(drop).ok_or(Errno::EBADF))
}

/// Adds, changes or removes `fd` in set `id` (`EEXIST`, `ENOENT` as Linux).
pub fn epoll_ctl(id: usize, op: EpollOp, fd: Fd, events: u32, data: u64) -> Result<(), Errno> {
    if !crate::fs::is_open(fd) {
        return Err(Errno::EBADF);
    }
    with_state(|state| {
        state.epolls.get(id)?;
        if op != EpollOp::Delete {
            state.watch(fd)?;
        }
        let set = state.epolls.get(id)?;
        match (op, set.interests.contains_key(&fd)) {
            (EpollOp::Add, true) => return Err(Errno::EEXIST),
            (EpollOp::Modify | EpollOp::Delete, false) => return Err(Errno::ENOENT),
            (EpollOp::Delete, true) => {
                set.interests.remove(&fd);
                return Ok(());
            }
            _ => {}
        }
        let queued = set.interests.get(&fd).is_some_and(|i| i.queued);
        set.interests.insert(fd, Interest { events, data, queued, disarmed: false });
        // Whatever holds now is reported by the next wait, edge-triggered or not.
        set.enqueue(fd);
        Ok(())
    })
}

/// Waits until some fds of set `id` are ready; fills `out`; returns how many.
pub fn epoll_wait(id: usize, out: &mut [EpollEvent], timeout_us: Timeout) -> Result<usize, Errno> {
    if out.is_empty() {
        return Err(Errno::EINVAL);
    }
    let deadline = deadline(timeout_us);
    unless_handled(|| {
        with_state(|state| {
            state.epolls.get(id)?;
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
    let watches = &state.watches;
    let set = state.epolls.get(id)?;
    let mut count = 0;
    // Each candidate is looked at once; level-triggered ones reported go to the back, to
    // be looked at again next time, after the others (no allocation per wait).
    let mut unseen = set.candidates.len();
    while count < out.len() && unseen > 0 {
        unseen -= 1;
        let Some(fd) = set.candidates.pop_front() else { break };
        let Some(interest) = set.interests.get_mut(&fd) else { continue };
        let ready = watches.get(&fd).map_or(Default::default(), |w| w.ready);
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
    Ok(count)
}
