//! Open files of processes that ended without closing them (a crash, a kill). The root
//! server takes the capabilities left in their fd slots and hands them, one at a time,
//! to the reaper, a process of its own that closes each at its server: the root server
//! itself never calls a server (`servers.rs` says why). So a pipe whose writer crashed
//! still reaches end-of-file.

use super::{layout, reply_with_cap, save_caller, Process};
use crate::caps;
use crate::resources::Resources;
use crate::vspace::VSpace;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use sel4::{CPtr, MessageInfo, Word};
use uxrt_protocols::startup::{FD_MAP_WORDS, FIRST_FD, MAX_FDS};
use uxrt_protocols::{Errno, Pid, Reply};

#[derive(Default)]
pub struct Orphans {
    /// The files' capabilities, in the root server's slots, oldest first.
    files: VecDeque<CPtr>,
    /// The process that closes them, once it runs.
    pub reaper: Option<Pid>,
    /// The reaper's saved reply capability while it waits for a file.
    waiting: Option<CPtr>,
}

impl Orphans {
    /// Takes the open files `process` left (before its CNode goes).
    pub fn collect(&mut self, resources: &mut Resources, vspace: &mut VSpace, process: &Process) {
        let (Ok(cspace), Some(_)) = (process.cspace(), self.reaper.filter(|&r| r != process.pid)) else { return };
        let (cnode, bits) = (cspace.cap(), cspace.bits());
        let mut slot = None;
        for fd in open_fds(resources, vspace, process).into_iter().filter(|&fd| cspace.has(FIRST_FD + fd)) {
            let Some(to) = slot.or_else(|| resources.alloc_slot().ok()) else { return };
            let moved = sel4::invocations::cnode_move(caps::CNODE, to, 64, cnode, FIRST_FD + fd, bits).is_ok();
            if moved {
                self.files.push_back(to);
                slot = None;
            } else {
                slot = Some(to); // an empty fd slot: keep the spare for the next
            }
        }
        if let Some(spare) = slot {
            resources.free_slot(spare);
        }
    }

    /// Gives the reaper the next file if it waits for one.
    pub fn feed_reaper(&mut self, resources: &mut Resources) {
        // (The reaper first: a file taken while it is busy would be lost.)
        let Some(waiting) = self.waiting.take() else { return };
        let Some(file) = self.files.pop_front() else {
            self.waiting = Some(waiting);
            return;
        };
        let reply = Reply::ok(&[]).encode();
        sel4::ipc_buffer::set_cap(0, file);
        sel4::nb_send(waiting, MessageInfo::new(reply.label, 0, 1, 0));
        resources.free_slot(waiting);
        resources.free_slot(file);
    }

    /// `TakeOrphanedFile` from `caller`: a file now, or later (`None`: no answer yet).
    pub fn take(&mut self, resources: &mut Resources, caller: Pid) -> Option<Reply> {
        if self.reaper != Some(caller) || self.waiting.is_some() {
            return Some(Reply::error(Errno::EPERM));
        }
        if let Some(file) = self.files.pop_front() {
            reply_with_cap(Reply::ok(&[]), file);
            resources.free_slot(file);
            return None;
        }
        match save_caller(resources) {
            Ok(slot) => {
                self.waiting = Some(slot);
                None
            }
            Err(errno) => Some(Reply::error(errno)),
        }
    }

    /// The reaper ended (its files wait for the next one).
    pub fn reaper_ended(&mut self, resources: &mut Resources) {
        self.reaper = None;
        if let Some(waiting) = self.waiting.take() {
            resources.free_slot(waiting);
        }
    }

    /// Whether the reaper has nothing to do and waits for work.
    pub fn idle(&self) -> bool {
        self.files.is_empty() && self.waiting.is_some()
    }

    /// Slots it holds (the files and the reaper's reply capability).
    pub fn slots(&self) -> usize {
        self.files.len() + self.waiting.is_some() as usize
    }
}

/// The fds a process has open, as its map says (`startup::FD_MAP_IN_USER_DATA`), or, with
/// no map, those it started with.
fn open_fds(resources: &mut Resources, vspace: &mut VSpace, process: &Process) -> Vec<Word> {
    let word_at = |resources: &mut Resources, vspace: &mut VSpace, at: Word, length: usize| {
        process.space.read(resources, vspace, at, length).ok()
    };
    let user_data = layout::IPC_BUFFER + sel4::ipc_buffer::USER_DATA_OFFSET as Word;
    let map_at =
        word_at(resources, vspace, user_data, 8).and_then(|b| b.try_into().ok()).map_or(0, Word::from_le_bytes);
    let map = match map_at {
        0 => Vec::from([process.inherited_fds]),
        at => match word_at(resources, vspace, at, FD_MAP_WORDS * 8) {
            Some(bytes) => bytes.chunks_exact(8).map(|c| Word::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect(),
            None => Vec::from([process.inherited_fds]), // a bad address: what it started with
        },
    };
    let mut fds = Vec::new();
    for (i, &word) in map.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            fds.push(i as Word * 64 + bits.trailing_zeros() as Word);
            bits &= bits - 1;
        }
    }
    fds.retain(|&fd| fd < MAX_FDS);
    fds
}
