//! Sessions: what the root server starts (the console shell, each test) leads a session,
//! and everything it starts is in it. A session bounds what its processes may hold
//! together, and sessions share the machine by `uxrt_memory::sessions`'s rules: each
//! live one is owed [`GUARANTEE`] for its processes and its shares in the servers
//! (`session_shares::IN_SERVERS`), whatever the others hold; past it a session grows
//! only into memory nobody is owed; a new session is admitted only if its guarantee is
//! free. Servers are in no session: they have their quotas, the sessions' shares, and
//! the reserve.

use super::layout::PAGE;
use super::Processes;
use crate::resources::Resources;
use uxrt_memory::sessions::{Budget, Policy, Refusal};
use uxrt_protocols::{session_shares, Errno, Pid};

/// Most processes one session may have at once (as `RLIMIT_NPROC`): a fork bomb in
/// the console's session stops there, with `EAGAIN`, and the servers, the root server
/// and other sessions never see it.
pub const SESSION_PROCESSES: usize = 64;
/// Memory the processes of one session may hold together.
pub const SESSION_MEMORY: u64 = 128 << 20;
/// Memory every live session may take, whatever the other sessions hold: room for a
/// shell and what it runs.
pub const GUARANTEE: u64 = 32 << 20;
/// What no session may take: the servers' and the root server's, when sessions have
/// taken the rest (the servers' own memory beyond the sessions' shares, the root
/// server's heap and books, and its CSpace slots).
pub const RESERVE: Budget = Budget { bytes: 64 << 20, slots: 32 * 1024 };
/// Root-server slots each page of a session's memory holds: its frame, and (in amortised
/// count) the splits of the untyped block it came from.
const SLOTS_PER_PAGE: u64 = 3;
/// Most sessions at once (with about 59 MiB each owed, memory admits fewer first).
pub const MAX_SESSIONS: usize = 16;

const POLICY: Policy = Policy {
    guarantee: GUARANTEE,
    shares: session_shares::IN_SERVERS,
    limit: SESSION_MEMORY,
    reserve: RESERVE,
    page: PAGE,
    slots_per_page: SLOTS_PER_PAGE,
};

/// What one session holds.
#[derive(Clone, Copy, Default)]
pub struct SessionUsage {
    pub processes: usize,
    pub memory: u64,
}

/// The live sessions and what each holds: one pass over the process table.
pub struct Sessions {
    entries: [(Pid, SessionUsage); MAX_SESSIONS],
    len: usize,
    /// Processes of more sessions than [`MAX_SESSIONS`] were found (none can be
    /// admitted: then nothing more is granted).
    overflowed: bool,
}

impl Sessions {
    pub fn len(&self) -> usize {
        self.len
    }

    /// What `session` holds (nothing for a session not live, or not yet started).
    pub fn of(&self, session: Option<Pid>) -> SessionUsage {
        let found = self.entries[..self.len].iter().find(|(id, _)| Some(*id) == session);
        found.map_or(SessionUsage::default(), |&(_, usage)| usage)
    }

    /// How many more sessions could be admitted now, one after another.
    pub fn admissible(&self, resources: &Resources) -> u64 {
        let held = self.entries[..self.len].iter().map(|(_, usage)| usage.memory);
        POLICY.admissible(free(resources), held)
    }

    /// `ENOMEM` unless `session` (`None`: a new one, being admitted) may take `bytes`
    /// more: within its limit, and leaving free what every other session is still
    /// owed (and the reserve, for what goes past its guarantee, and for a new one).
    pub fn room(&self, resources: &mut Resources, session: Option<Pid>, bytes: u64) -> Result<(), Errno> {
        if self.overflowed {
            return Err(Errno::ENOMEM);
        }
        let held = self.of(session).memory;
        let others = || self.entries[..self.len].iter().filter(move |(id, _)| Some(*id) != session);
        let ask = |resources: &Resources| {
            let others = others().map(|(_, usage)| usage.memory);
            match session {
                Some(_) => POLICY.may_take(free(resources), held, others, bytes),
                None => POLICY.may_admit(free(resources), others, bytes),
            }
        };
        match ask(resources) {
            // (Free memory kept in small blocks holds slots: merging it gives them back.
            // It gives no bytes: a refusal for bytes merges nothing.)
            Err(Refusal::SlotsCommitted) if resources.coalesce().is_ok_and(|merged| merged > 0) => ask(resources),
            answer => answer,
        }
        .map_err(|_| Errno::ENOMEM)
    }
}

/// What is free for sessions to take.
fn free(resources: &Resources) -> Budget {
    Budget { bytes: resources.untyped.free_bytes(), slots: resources.slots.free_count() as u64 }
}

impl Processes {
    /// The live sessions (of every process but the servers) and what each holds.
    pub fn sessions(&self) -> Sessions {
        let mut sessions =
            Sessions { entries: [(0, SessionUsage::default()); MAX_SESSIONS], len: 0, overflowed: false };
        for process in self.iter().filter(|p| !p.server) {
            let memory = process.memory();
            let live = &mut sessions.entries[..sessions.len];
            match live.iter_mut().find(|(id, _)| *id == process.session) {
                Some((_, usage)) => {
                    usage.processes += 1;
                    usage.memory += memory;
                }
                None if sessions.len < MAX_SESSIONS => {
                    sessions.entries[sessions.len] = (process.session, SessionUsage { processes: 1, memory });
                    sessions.len += 1;
                }
                None => sessions.overflowed = true,
            }
        }
        sessions
    }

    /// `ENOMEM` unless `bytes` more fit in what `pid`'s session may take (`Sessions::room`:
    /// as a user's limit, a session of many processes, each within its own quota, cannot
    /// take all memory from the servers and the other sessions; and every mapped page
    /// holds root-server slots, which may run out before memory does). Servers have their
    /// quota alone.
    pub fn session_room(&self, resources: &mut Resources, pid: Pid, bytes: u64) -> Result<(), Errno> {
        let process = self.get(pid).ok_or(Errno::ESRCH)?;
        if process.server {
            return Ok(());
        }
        self.sessions().room(resources, Some(process.session), bytes)
    }
}
