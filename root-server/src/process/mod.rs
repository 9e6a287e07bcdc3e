//! Processes: the root server turns kernel objects into Unix processes. Each has its own
//! CSpace (one CNode) and VSpace, made from untyped memory it is charged for, and a TCB
//! whose faults come to the root server. When a process ends, for any reason, all of it
//! is returned; its parent learns how it ended through `wait`.

pub(crate) mod cspace;
mod fault;
pub mod layout;
mod linux;
mod orphans;
#[cfg(notification_queues)]
mod queue;
pub mod server;
pub mod sessions;
mod share;
mod signals;
mod space;
mod spawn;
mod text;

pub use spawn::{ServerCaps, Spawn};

use crate::resources::{Object, Resources};
use crate::vspace::VSpace;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use cspace::CSpace;
use sel4::{CPtr, MessageInfo, Word};
pub use space::errno as space_errno;
use space::AddressSpace;
use uxrt_protocols::process::{UserBuffer, WaitTarget, MAX_OCCUPIED_BYTES};
use uxrt_protocols::{Errno, Message, Pid, Reply, Signal, WaitStatus};

/// The root server's own pid: the parent of what it starts, and the reaper of orphans.
pub const ROOT: Pid = 0;
/// Pids run from 1 to this, then start again (skipping those in use).
const MAX_PID: Pid = (1 << 24) - 1;

/// Badges of the root server's endpoint: a process's pid (its requests), with `FAULT` for
/// its faults; `NOTIFICATION` marks a signal of the root server's bound notification.
pub mod badge {
    use sel4::Word;
    pub const PID_MASK: Word = (1 << 24) - 1;
    pub const FAULT: Word = 1 << 27;
    pub const NOTIFICATION: Word = 1 << 26;
    /// With `NOTIFICATION`: the alarm timer's interrupt.
    pub const TIMER: Word = 1 << 25;
}

/// A parent blocked in `wait`: its reply cap, saved until a child ends.
struct PendingWait {
    reply: CPtr,
    target: WaitTarget,
    /// Children that stop or go on answer it too (`WUNTRACED | WCONTINUED`).
    stopped: bool,
}

pub struct Process {
    pub pid: Pid,
    /// Its process group (a job: what `^C` and `kill(-group)` reach): at first its
    /// parent's, or its own for what the root server starts.
    pub group: Pid,
    pub parent: Pid,
    /// Its session: the pid of the process the root server started it under (the
    /// console's shell, a test, a server), inherited by every child. Who may signal
    /// whom follows it (`Processes::may_signal`).
    pub session: Pid,
    /// Its session as POSIX job control knows it (`getsid`): at first its parent's;
    /// `setsid` makes it one of its own. (Unlike `session`, which bounds what it may
    /// use and signal, it is the process's to change.)
    pub job_session: Pid,
    pub name: String,
    space: AddressSpace,
    cspace: Option<CSpace>,
    tcb: Option<Object>,
    heap_start: Word,
    /// The current end of the heap (page-aligned).
    heap_end: Word,
    /// Anonymous mappings: (start, pages).
    anonymous: Vec<(Word, Word)>,
    next_anonymous: Word,
    pending_wait: Option<PendingWait>,
    /// Its parent ended: the root server reaps it, and nobody waits for it.
    orphan: bool,
    /// A server the root server started (it may share memory with other processes).
    server: bool,
    /// Buffers it shares: the pages are its own, mapped also in `peer`.
    shares: Vec<Share>,
    /// Its notification queue, once it asked for one.
    #[cfg(notification_queues)]
    queue: Option<queue::Queue>,
    /// Untyped blocks retyped into notifications in its CSpace (`NewNotifications`).
    notifications: Vec<Object>,
    /// The token of its consent to one shared buffer (`AcceptShare`), until used.
    pub share_token: Option<Word>,
    /// The program whose shared frames it maps (`texts`).
    text: Option<text::TextKey>,
    /// The fds it started with, a bit each (a process that dies is taken to have these
    /// open until its own map of open fds says otherwise: `orphans`).
    inherited_fds: Word,
    /// What it does with signals from others, and those on their way to it.
    signals: signals::Signals,
}

/// A buffer a server shares with a client.
struct Share {
    start: Word,
    pages: Word,
    /// `None` once the peer has ended.
    peer: Option<Pid>,
    peer_start: Word,
}

impl Process {
    /// Binds `notification` to its thread, so that its `Recv` also wakes on signals (a
    /// device server's interrupts).
    pub fn bind_notification(&self, notification: CPtr) -> Result<(), Errno> {
        let tcb = self.tcb.as_ref().ok_or(Errno::ESRCH)?;
        sel4::invocations::tcb_bind_notification(tcb.cap, notification).map_err(|_| Errno::EINVAL)
    }

    /// The slot of its saved reply capability while it waits for a child.
    pub fn pending_wait_slot(&self) -> Option<CPtr> {
        self.pending_wait.as_ref().map(|w| w.reply)
    }

    /// Its row of the process table.
    pub fn info(&self) -> uxrt_protocols::process::ProcessInfo {
        let (memory, shared) = (self.memory(), self.space.shared());
        uxrt_protocols::process::ProcessInfo::new(self.pid, self.parent, memory, shared, &self.name)
    }

    /// Memory held, in bytes: everything the kernel keeps for it (frames, paging
    /// structures, CNodes, TCB, queue, notifications).
    pub fn memory(&self) -> u64 {
        self.space.used() + self.tcb.as_ref().map_or(0, Object::bytes) + self.external_memory()
    }

    /// Memory it holds outside its address space and thread: its CNodes, queue and
    /// notifications (what `space.has_room` must also fit).
    fn external_memory(&self) -> u64 {
        #[cfg(notification_queues)]
        let queue = self.queue.as_ref().map_or(0, queue::Queue::memory);
        #[cfg(not(notification_queues))]
        let queue = 0;
        let cspace = self.cspace.as_ref().map_or(0, CSpace::bytes);
        cspace + queue + self.notifications.iter().map(Object::bytes).sum::<u64>()
    }

    /// Tells it (its queue, if it has one) that a server or a process that shared memory
    /// with it ended.
    fn tell_peer_ended(&self) {
        #[cfg(notification_queues)]
        if let Some(queue) = &self.queue {
            queue.tell_peer_ended();
        }
    }

    /// Slots of the root server's CSpace it holds.
    fn slots(&self) -> usize {
        #[cfg(notification_queues)]
        // (The queue, its alarm, and the alarm's `PEER_ENDED` copy.)
        let queue = if self.queue.is_some() { 3 } else { 0 };
        #[cfg(not(notification_queues))]
        let queue = 0;
        let objects = self.cspace.is_some() as usize + self.tcb.is_some() as usize;
        self.space.slots() + objects + self.pending_wait.is_some() as usize + queue + self.notifications.len()
    }

    /// Its CSpace, once made.
    pub(crate) fn cspace(&self) -> Result<&CSpace, Errno> {
        self.cspace.as_ref().ok_or(Errno::ESRCH)
    }

    /// Returns everything: the thread first, so that it stops before its memory goes.
    #[cfg_attr(not(notification_queues), allow(unused_mut))]
    fn destroy(mut self, resources: &mut Resources) {
        if let Some(tcb) = self.tcb {
            resources.free_object(tcb);
        }
        #[cfg(notification_queues)]
        if let Some(queue) = self.queue.take() {
            queue.destroy(resources, &mut self.space);
        }
        resources.free_objects(core::mem::take(&mut self.notifications));
        if let Some(wait) = self.pending_wait {
            resources.free_slot(wait.reply);
        }
        if let Some(cspace) = self.cspace {
            cspace.destroy(resources);
        }
        self.space.destroy(resources);
    }
}

/// A child that ended and that its parent has not waited for yet.
struct Zombie {
    pid: Pid,
    parent: Pid,
    status: WaitStatus,
}

pub struct Processes {
    table: BTreeMap<Pid, Process>,
    zombies: Vec<Zombie>,
    next_pid: Pid,
    /// The endpoint processes call (badged per process).
    pub endpoint: CPtr,
    /// The VFS's endpoint, once it runs (every process then gets it, badged).
    pub vfs: Option<CPtr>,
    /// The console, open (from the devices server): fds 0 to 2 of what the root starts.
    pub console: Option<CPtr>,
    /// The slot a capability sent to the root server lands in.
    pub spare_slot: Option<CPtr>,
    /// TSC ticks per microsecond (processes are told, to report times).
    pub tsc_mhz: u64,
    /// TSC when the root server started, and when a process first called it.
    pub boot_tsc: u64,
    pub first_request_tsc: Option<u64>,
    /// Processes started and ended since boot.
    pub started: u64,
    pub ended: u64,
    /// Servers that ended since the root server last looked (`servers::restart_ended`
    /// starts them again).
    pub ended_servers: Vec<Pid>,
    /// The clock that rings processes' alarms (none if its interrupt could not be had).
    pub timer: Option<crate::timer::Timer>,
    /// Open files of processes that ended without closing them, for the reaper.
    pub orphans: orphans::Orphans,
    /// Makes the secret tokens of `AcceptShare`.
    pub tokens: share::Tokens,
    /// Programs' shared read-only frames.
    pub texts: text::Texts,
}

impl Processes {
    pub fn new(endpoint: CPtr, boot_tsc: u64, tsc_mhz: u64) -> Processes {
        Processes {
            table: BTreeMap::new(),
            zombies: Vec::new(),
            next_pid: 1,
            endpoint,
            vfs: None,
            console: None,
            spare_slot: None,
            tsc_mhz,
            boot_tsc,
            first_request_tsc: None,
            started: 0,
            ended: 0,
            ended_servers: Vec::new(),
            timer: None,
            orphans: orphans::Orphans::default(),
            tokens: share::Tokens::new(),
            texts: text::Texts::default(),
        }
    }

    pub fn get(&self, pid: Pid) -> Option<&Process> {
        self.table.get(&pid)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Process> {
        self.table.values()
    }

    /// The first process whose pid is at least `from`.
    pub fn first_from(&self, from: Pid) -> Option<&Process> {
        self.table.range(from..).next().map(|(_, p)| p)
    }

    /// Memory and slots the servers hold now (what they keep after a client ends, such
    /// as a cache or a grown heap, is theirs, not a leak of the client's).
    pub fn server_holdings(&self) -> (u64, usize) {
        let servers = self.table.values().filter(|p| p.server);
        // (The files on their way to the reaper are the reaper's.)
        // (Buffers they lend to clients are charged to the clients, but held by the
        // servers until they unshare them.)
        let held = |p: &Process| p.memory() + p.space.held() - p.space.used();
        servers.fold((0, self.orphans.slots()), |(bytes, slots), p| (bytes + held(p), slots + p.slots()))
    }

    /// Whether `caller` may signal `target` (the rule the README's security section
    /// states): itself; otherwise never a server, and only a process of its own session
    /// or one of its descendants. A server (the console's `^C`) may signal any process
    /// that is not a server. A process's session and ancestry come from the root server's
    /// table, keyed by the badge the request came with: nothing in the message counts.
    pub fn may_signal(&self, caller: Pid, target: &Process) -> bool {
        if caller == target.pid {
            return true;
        }
        let Some(signaller) = self.get(caller) else { return false };
        if target.server {
            return false;
        }
        signaller.server || signaller.session == target.session || self.is_ancestor(caller, target)
    }

    /// `setpgid`: puts `target` (0: the caller; else the caller or a child of it, not
    /// a session's leader) in `group` (0: a new one named by `target`), a group of the
    /// caller's session.
    pub fn set_group(&mut self, caller: Pid, target: Pid, group: Pid) -> Result<(), Errno> {
        let target = if target == 0 { caller } else { target };
        let group = if group == 0 { target } else { group };
        let session = self.get(caller).ok_or(Errno::ESRCH)?.session;
        let process = self.get(target).ok_or(Errno::ESRCH)?;
        if target != caller && process.parent != caller {
            return Err(Errno::ESRCH);
        }
        let job_session = self.get(caller).ok_or(Errno::ESRCH)?.job_session;
        if process.session != session || process.job_session != job_session || process.job_session == target {
            return Err(Errno::EPERM);
        }
        let joins_existing = group != target;
        if joins_existing && !self.iter().any(|p| p.group == group && p.job_session == job_session) {
            return Err(Errno::EPERM);
        }
        self.table.get_mut(&target).ok_or(Errno::ESRCH)?.group = group;
        Ok(())
    }

    /// `setsid` by `caller`: a new job-control session and process group, both named by
    /// it; `EPERM` for a process group's leader.
    pub fn new_job_session(&mut self, caller: Pid) -> Result<Pid, Errno> {
        let process = self.table.get_mut(&caller).ok_or(Errno::ESRCH)?;
        if process.group == caller {
            return Err(Errno::EPERM);
        }
        process.group = caller;
        process.job_session = caller;
        Ok(caller)
    }

    /// Whether `ancestor` is `process`'s parent, or its parent's, and so on.
    fn is_ancestor(&self, ancestor: Pid, process: &Process) -> bool {
        let mut parent = process.parent;
        // (Parents are always older than their children: no cycle, and at most the
        // table's length of steps.)
        for _ in 0..self.table.len() {
            if parent == ancestor {
                return true;
            }
            match self.get(parent) {
                Some(p) => parent = p.parent,
                None => return false,
            }
        }
        false
    }

    /// Makes room in `pid`'s CSpace for slots `first..first + count` (`ExtendCSpace`;
    /// `occupied` in its memory names the slots it holds capabilities in), charged to it
    /// and its session. Returns the CSpace's size (bits).
    pub fn extend_cspace(
        &mut self,
        resources: &mut Resources,
        vspace: &mut VSpace,
        pid: Pid,
        first: Word,
        count: Word,
        occupied: UserBuffer,
    ) -> Result<Word, Errno> {
        let process = self.get(pid).ok_or(Errno::ESRCH)?;
        let cspace = process.cspace.as_ref().ok_or(Errno::ESRCH)?;
        let Some(bits) = cspace.growth_for(first, count)? else { return Ok(cspace.bits() as Word) };
        if occupied.length > MAX_OCCUPIED_BYTES {
            return Err(Errno::EINVAL);
        }
        let bytes = process.space.read(resources, vspace, occupied.address, occupied.length as usize)?;
        let words: Vec<u64> =
            bytes.chunks_exact(8).map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default())).collect();
        let more = CSpace::bytes_for(bits) - cspace.bytes();
        self.session_room(resources, pid, more)?;
        let process = self.table.get_mut(&pid).ok_or(Errno::ESRCH)?;
        if !process.space.has_room(process.external_memory() + more) {
            return Err(Errno::ENOMEM);
        }
        let thread = process.tcb.map(|tcb| cspace::Thread { tcb: tcb.cap, vspace: process.space.root() });
        let cspace = process.cspace.as_mut().ok_or(Errno::ESRCH)?;
        cspace.grow(resources, bits, &words, thread)?;
        Ok(bits as Word)
    }

    /// Whether `pid` has a SIGALRM deadline still to come.
    pub fn alarm_pending(&self, pid: Pid) -> bool {
        self.get(pid).is_some_and(|p| p.signals.alarm.is_some())
    }

    pub fn zombie_count(&self) -> usize {
        self.zombies.len()
    }

    fn allocate_pid(&mut self) -> Result<Pid, Errno> {
        for _ in 0..MAX_PID {
            let pid = self.next_pid;
            self.next_pid = if pid >= MAX_PID { 1 } else { pid + 1 };
            if !self.table.contains_key(&pid) && !self.zombies.iter().any(|z| z.pid == pid) {
                return Ok(pid);
            }
        }
        Err(Errno::EAGAIN)
    }

    /// Ends `pid` with `status` and returns all it had; its parent is told.
    pub fn terminate(&mut self, resources: &mut Resources, vspace: &mut VSpace, pid: Pid, status: WaitStatus) {
        let Some(process) = self.table.remove(&pid) else { return };
        let (parent, orphan) = (process.parent, process.orphan);
        if process.server {
            self.ended_servers.push(pid);
            if self.orphans.reaper == Some(pid) {
                self.orphans.reaper_ended(resources);
            }
        }
        self.tear_down(resources, vspace, process);
        self.ended += 1;
        // Its children now belong to the root server, which reaps them; its zombies go.
        for child in self.table.values_mut().filter(|p| p.parent == pid) {
            child.parent = ROOT;
            child.orphan = true;
        }
        self.zombies.retain(|z| z.parent != pid);
        self.child_ended(resources, pid, parent, orphan, status);
        // (Only a parent that catches SIGCHLD hears of it: by default it is ignored.)
        let catches = |p: &Process| p.signals.disposition(Signal::SIGCHLD) == signals::Disposition::Catch;
        if self.table.get(&parent).is_some_and(catches) {
            self.send_signal(resources, vspace, parent, Signal::SIGCHLD);
        }
    }

    /// Returns all a process had (out of the table already): its memory, its kernel
    /// objects, its shares; its open files go to the reaper. (Whether it ended or was
    /// replaced by `Exec` is the caller's business.)
    fn tear_down(&mut self, resources: &mut Resources, vspace: &mut VSpace, process: Process) {
        let pid = process.pid;
        // What it shared leaves its peers (fresh memory of their own takes its place);
        // what was shared with it stays with the owner.
        for share in &process.shares {
            self.give_to_peer(resources, vspace, share);
        }
        // A server's clients may wait for its readiness signals, which will never come:
        // every process is told, and looks at what it watches again.
        if process.server {
            self.table.values().filter(|p| !p.server).for_each(Process::tell_peer_ended);
        }
        // (The owner keeps its pages until it unmaps them.)
        for share in self.table.values_mut().flat_map(|p| p.shares.iter_mut()).filter(|s| s.peer == Some(pid)) {
            share.peer = None;
        }
        self.orphans.collect(resources, vspace, &process);
        let text = process.text;
        process.destroy(resources);
        if let Some(key) = text {
            self.texts.release(resources, key);
        }
        self.orphans.feed_reaper(resources);
    }

    fn child_ended(&mut self, resources: &mut Resources, pid: Pid, parent: Pid, orphan: bool, status: WaitStatus) {
        if let Some(waiting) = self.table.get_mut(&parent) {
            if let Some(wait) = waiting.pending_wait.take_if(|w| matches(w.target, pid)) {
                answer_saved(resources, wait.reply, ended(pid, status));
                return;
            }
        } else if parent != ROOT || orphan {
            return; // nobody will ever wait for it
        }
        self.zombies.push(Zombie { pid, parent, status });
    }

    /// `wait` by `caller`: a reply now, or `None` when the caller waits (its reply cap is
    /// saved and answered when a child ends).
    fn wait(
        &mut self,
        resources: &mut Resources,
        caller: Pid,
        target: WaitTarget,
        no_hang: bool,
        stopped: bool,
    ) -> Option<Reply> {
        if let Some((pid, status)) = self.reap(caller, target) {
            return Some(ended(pid, status));
        }
        if let Some((pid, change)) = stopped.then(|| self.take_change(caller, target)).flatten() {
            return Some(ended(pid, change));
        }
        if !self.table.values().any(|p| p.parent == caller && matches(target, p.pid)) {
            return Some(Reply::error(Errno::ECHILD));
        }
        if no_hang {
            return Some(Reply::ok(&[0, 0]));
        }
        match save_caller(resources) {
            Ok(reply) => {
                let process = self.table.get_mut(&caller)?;
                // At most one wait per process (its one thread can block in only one):
                // a second replaces the first, whose caller cannot be waiting any more.
                if let Some(old) = process.pending_wait.replace(PendingWait { reply, target, stopped }) {
                    resources.free_slot(old.reply);
                }
                None
            }
            Err(errno) => Some(Reply::error(errno)),
        }
    }

    /// Takes an ended child of `parent` that `target` names.
    pub fn reap(&mut self, parent: Pid, target: WaitTarget) -> Option<(Pid, WaitStatus)> {
        let at = self.zombies.iter().position(|z| z.parent == parent && matches(target, z.pid))?;
        let zombie = self.zombies.swap_remove(at);
        Some((zombie.pid, zombie.status))
    }
}

/// The answer to a wait: which child ended, and how.
pub(super) fn ended(pid: Pid, status: WaitStatus) -> Reply {
    Reply::ok(&[pid as Word, status.to_raw() as Word])
}

pub(super) fn matches(target: WaitTarget, pid: Pid) -> bool {
    match target {
        WaitTarget::Any => true,
        WaitTarget::Child(wanted) => wanted == pid,
    }
}

/// Puts `message` in the message registers; returns its info.
fn load(message: &Message) -> MessageInfo {
    for (i, &word) in message.words().iter().enumerate() {
        sel4::ipc_buffer::set_mr(i, word);
    }
    MessageInfo::new(message.label, 0, 0, message.words().len() as Word)
}

/// Answers the caller of the request being handled.
fn reply(reply: Reply) {
    sel4::reply(load(&reply.encode()));
}

/// Answers the caller with `reply` and a copy of the capability `cap`.
fn reply_with_cap(reply: Reply, cap: CPtr) {
    let message = reply.encode();
    let info = load(&message);
    sel4::ipc_buffer::set_cap(0, cap);
    sel4::reply(MessageInfo::new(info.label(), 0, 1, info.length()));
}

/// Saves the caller of the request being handled (to answer it later), in a new slot.
/// `EINVAL` for a request sent without a reply capability (`seL4_Send`, not
/// `seL4_Call`): there is nobody to answer later, and nothing is kept for it (SaveCaller
/// says so: kernel patch 0014, which libuxrt's `save_caller` requires too).
pub fn save_caller(resources: &mut Resources) -> Result<CPtr, Errno> {
    let saved = resources.alloc_slot().map_err(space::errno)?;
    let result = sel4::invocations::cnode_save_caller(crate::caps::CNODE, saved, 64);
    if result.is_err() {
        resources.free_empty_slot(saved); // (nothing was saved)
    }
    match result {
        Ok(()) => Ok(saved),
        Err(sel4::Error::FailedLookup) => Err(Errno::EINVAL),
        Err(_) => Err(Errno::EIO),
    }
}

/// Answers a caller saved by [`save_caller`] and frees the slot. A caller that has ended
/// since took its reply capability with it: the non-blocking send then does nothing.
pub fn answer_saved(resources: &mut Resources, slot: CPtr, reply: Reply) {
    sel4::nb_send(slot, load(&reply.encode()));
    resources.free_empty_slot(slot); // (the send used the reply capability up)
}
