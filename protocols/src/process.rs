//! The process interface: what a process asks of the root server through the endpoint
//! capability in its [`startup::PROCESS_SERVER`](crate::startup::PROCESS_SERVER) slot.
//! The badge of that capability tells the server who is asking.
//!
//! Byte strings (paths, argument lists, output) are passed as [`UserBuffer`]s: an address
//! and a length in the caller's own address space, which the server reads itself (it holds
//! every frame); an address outside the caller's memory gives `EFAULT`.

use crate::message::{exact, no_words, Message};
use crate::{Errno, Pid, Signal, Word};

/// A byte range in the caller's address space.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UserBuffer {
    pub address: Word,
    pub length: Word,
}

impl UserBuffer {
    pub const fn new(address: Word, length: Word) -> UserBuffer {
        UserBuffer { address, length }
    }

    pub fn of(bytes: &[u8]) -> UserBuffer {
        UserBuffer { address: bytes.as_ptr() as Word, length: bytes.len() as Word }
    }

    /// Words as the bytes they are in memory (little-endian).
    pub fn of_words(words: &[Word]) -> UserBuffer {
        UserBuffer { address: words.as_ptr() as Word, length: core::mem::size_of_val(words) as Word }
    }
}

/// Which children a wait is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitTarget {
    Any,
    Child(Pid),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// Start the program at `path` with packed `argv` and `envp` lists (see `args`),
    /// giving it the caller's open files that `fds` lists (see [`FdMap`]). Reply: `[pid]`.
    Spawn { path: UserBuffer, argv: UserBuffer, envp: UserBuffer, fds: UserBuffer },
    /// Replace the caller's program with the one at `path` (`execve`): the same process
    /// (pid, parent, children, session) starts it afresh with `argv` and `envp` and the
    /// open files `fds` lists, as `Spawn` would; the caller's memory and files go. No
    /// reply on success (the caller is gone); an error leaves the caller as it was.
    Exec { path: UserBuffer, argv: UserBuffer, envp: UserBuffer, fds: UserBuffer },
    /// End the caller with this status. No reply.
    Exit { status: u8 },
    /// End the caller as killed by SIGABRT (a panic, an allocation failure). No reply.
    Abort,
    /// Wait for a child to end (with `stopped`, also to stop or go on again: job
    /// control's `WUNTRACED | WCONTINUED`). Reply: `[pid, raw status]`, or `[0, 0]` with
    /// `no_hang` when nothing has happened yet; `ECHILD` when there is no such child.
    Wait { target: WaitTarget, no_hang: bool, stopped: bool },
    /// Reply: `[pid]`.
    GetPid,
    /// Reply: `[parent pid]` (0 when the parent is the root server or has ended).
    GetParentPid,
    /// End `pid` with `signal` (0 only checks that it exists). Reply: `[]`.
    Kill { pid: Pid, signal: u8 },
    /// Move the end of the heap by `increment` bytes (rounded up to pages); reply: `[old end]`.
    /// `ENOMEM` past the caller's memory quota.
    Sbrk { increment: i64 },
    /// Map `length` bytes (rounded up to pages) of zeroed memory; reply: `[address]`.
    MapAnonymous { length: Word },
    /// Unmap pages that `MapAnonymous` mapped. Reply: `[]`.
    Unmap { address: Word, length: Word },
    /// Print to the system console (until the console server exists). Reply: `[bytes]`.
    DebugWrite { text: UserBuffer },
    /// Servers only: map `length` bytes (whole pages) of new memory both in the caller and
    /// in process `peer` (a client). Reply: `[address in the caller, address in the peer]`.
    /// The peer is charged (its quota and its session's memory: `ENOMEM` beyond them);
    /// `Unmap` in the caller takes it from both.
    /// `token` is the one the peer got from `AcceptShare` (servers need none).
    Share { peer: Pid, length: Word, token: Word },
    /// Servers only (the devices server, at start): the console, open, as the message's
    /// one capability. What the root server starts gets it as fds 0, 1 and 2. Reply: `[]`.
    SetConsole,
    /// A notification queue for the caller's waits (replacing the one it had, which is
    /// deleted with its attachments): reply `[ring address, capacity]` and the queue's
    /// capability. The ring (`2 × capacity` entries of `[token, badge]`) is mapped
    /// read-only in the caller. `sources` is how many the caller will attach: up to
    /// [`SMALL_QUEUE`] it gets a small queue, up to [`LARGE_QUEUE`] a large one. The
    /// root server attaches the caller's alarm (`events::token::ALARM`) and its
    /// children's threads (`events::token::child(pid)`), now and at each spawn.
    /// `ENOSYS` on a kernel without notification queues.
    NewQueue { sources: Word },
    /// Signal the caller's alarm when the time-stamp counter reaches `deadline` (0 takes
    /// the alarm back). Needs a queue. Reply: `[]`.
    Alarm { deadline: Word },
    /// `count` (at most [`MAX_NOTIFICATIONS`]) new notifications, made straight into the
    /// caller's empty slots `slot..slot + count` (to attach to its queue and hand to file
    /// servers). Reply: `[]`; `EEXIST` if a slot is taken. Charged to the caller.
    NewNotifications { slot: Word, count: Word },
    /// Room in the caller's CSpace for slots `first..first + count`: its CNode is replaced
    /// by a larger one if they lie beyond it (see [`crate::startup::CSPACE_BITS`]), and the
    /// capabilities in the slots `occupied` names move over (a bit map, bit `slot % 64` of
    /// word `slot / 64` for each slot from `startup::FIRST_FREE_SLOT` up that holds one;
    /// at most [`MAX_OCCUPIED_BYTES`]; what it leaves out is lost, the caller's own loss).
    /// Reply: `[bits]`, the CSpace's size now (2^bits slots); `ENOMEM` past its quota,
    /// `EINVAL` past the largest CSpace. Charged to the caller.
    ExtendCSpace { first: Word, count: Word, occupied: UserBuffer },
    /// Run a command of the root server's monitor (`info`, `test NAME`, `bench`, ...; see
    /// `root-server/src/monitor.rs`), the text at `command`. It prints on the system
    /// console itself; the caller waits until the command ends. Reply: `[status]`, or
    /// `EBUSY` while another monitor command runs.
    Monitor { command: UserBuffer },
    /// The first process whose pid is at least `from`. Reply: [`ProcessInfo::encode`];
    /// `ESRCH` when there is none.
    ProcessInfo { from: Pid },
    /// The reaper only (the process the root server starts for it): the next open file
    /// of a process that ended without closing it (see
    /// [`startup::FD_MAP_IN_USER_DATA`](crate::startup::FD_MAP_IN_USER_DATA)), to
    /// close. Reply: `[]` and the file's capability, once there is one; `EPERM` for
    /// anyone else.
    TakeOrphanedFile,
    /// The caller consents to one buffer a server shares with it, about to ask a file
    /// server for one (`FileRequest::MapBuffer`) or the VFS for its path buffer. Reply:
    /// `[token]`, a secret the caller passes to that server, which passes it on in
    /// `Share`; a `Share` naming a process without its current token is refused
    /// (`EPERM`), so nobody can have a server charge another process for buffers. Each
    /// token serves once; a new `AcceptShare` replaces it.
    AcceptShare,
    /// Servers only: the session of process `pid` (the VFS charges what a process
    /// creates in a file server to its session). Reply: `[session]`; `ESRCH`, `EPERM`.
    SessionOf { pid: Pid },
    /// The caller's memory limit (what its frames, tables and kernel objects may add up
    /// to; `RLIMIT_AS`): set to `limit` bytes, or left as it is with 0. Reply: `[limit,
    /// most]`, the limit now and the most it may be set to; `EINVAL` above that most, or
    /// below what the caller holds already.
    MemoryLimit { limit: Word },
    /// Resize the whole mapping that `MapAnonymous` made at `address` (`old_length`
    /// bytes) to `new_length` (both rounded up to pages), moving it if it grows: its
    /// pages change place, not contents (`mremap` with `MREMAP_MAYMOVE`). Reply:
    /// `[address]`, where it is now; `EINVAL` if no such mapping, `ENOMEM` past the quota.
    Remap { address: Word, old_length: Word, new_length: Word },
    /// Put process `pid` (0: the caller; else the caller or a child of it) in process
    /// group `group` (0: a new group named by `pid`), which must be in the caller's
    /// session. Reply: `[]`; `ESRCH`, `EPERM`.
    SetProcessGroup { pid: Pid, group: Pid },
    /// The process group of `pid` (0: the caller). Reply: `[group]`; `ESRCH`.
    ProcessGroup { pid: Pid },
    /// `signal` (0: only check) to every process of group `group` the caller may signal.
    /// Reply: `[]` (none if the caller is among them and the signal ends it); `ESRCH`
    /// when the group is empty, `EPERM` when the caller may signal none of it.
    KillGroup { group: Pid, signal: u8 },
    /// `setsid`: the caller leads a new session (of job control) and a new process
    /// group, both named by its pid. Reply: `[pid]`; `EPERM` for a group's leader.
    NewSession,
    /// `getsid`: the session of `pid` (0: the caller). Reply: `[session]`; `ESRCH`.
    SessionId { pid: Pid },
    /// The console again, after the devices server was restarted (the handles of the
    /// one that died name nothing): reply `[]` and the console's capability, as the
    /// root server gives it at start to what it starts (the console shell). `EPERM` for
    /// any other process; `EAGAIN` until the new devices server has given the console.
    ConsoleAgain,
    /// How the caller takes signals from others (bit `n - 1` of a set for signal `n`):
    /// those in `caught` interrupt it at `entry` (see [`SignalFrame`]); those in
    /// `ignored` are dropped; the rest take their default action (end it, or nothing for
    /// SIGCHLD, SIGCONT, SIGURG and SIGWINCH). Reply: `[]`; `EINVAL` for a set naming
    /// SIGKILL or SIGSTOP, sets that overlap, or `caught` without an entry.
    SignalHandling { caught: Word, ignored: Word, entry: Word },
    /// At the signal entry: the caught signals sent since the last `TakeSignals`, and
    /// (once per interruption) where the thread was, written to the caller's memory at
    /// `context` (a [`SignalFrame::CONTEXT_BYTES`]-byte `seL4_UserContext`, resume
    /// address first). Reply: `[pending, interrupted]`; `EFAULT` if `context` is not
    /// the caller's own writable memory.
    TakeSignals { context: Word },
    /// Send the caller SIGALRM at `deadline` (time-stamp counter; 0 cancels), as
    /// `alarm`. Reply: `[previous]`, the deadline it replaces (0: none).
    SignalAlarm { deadline: Word },
}

/// How the root server interrupts a process for a caught signal. It writes the thread's
/// registers (it may be computing, or in a system call that has not returned yet) so
/// that it goes on at the process's signal entry with:
/// - R13: a stack for the entry, 16-byte aligned, below the interrupted code's red zone;
/// - RSI: [`SignalFrame::NOT_IN_CALL`] if the thread was not waiting in a system call.
///   Otherwise the call has returned by the time the entry runs, and RDI, RSI, R10, R8,
///   R9 and R15 hold its results (the kernel wrote them over what the root server set).
///
/// Every other register is as it was; the entry gets the whole interrupted context with
/// `TakeSignals`, runs the handlers and resumes it (with the call's results, if any).
pub struct SignalFrame;

impl SignalFrame {
    pub const NOT_IN_CALL: Word = 0x5167_4e41_4c00_0000;
    /// Bytes of the context `TakeSignals` writes: 19 words (`seL4_UserContext`).
    pub const CONTEXT_BYTES: usize = 19 * 8;
    /// Bytes below an interrupted stack pointer the entry leaves alone (the System V
    /// red zone).
    pub const RED_ZONE: Word = 128;
}

/// A signal set's bit for `signal` (1..=64).
pub const fn signal_bit(signal: u8) -> Word {
    1 << (signal - 1)
}

/// Signals whose default action is to do nothing (the others end the process here).
pub const DEFAULT_IGNORED: Word = signal_bit(17) | signal_bit(18) | signal_bit(23) | signal_bit(28);
/// SIGKILL and SIGSTOP, which no process may catch or ignore.
pub const UNCATCHABLE: Word = signal_bit(9) | signal_bit(19);

/// One row of the process table (what `ps` shows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: Pid,
    pub parent: Pid,
    /// Bytes of memory it holds and is charged for, kernel objects included (its CNode,
    /// TCB, paging structures, frames, queue, notifications).
    pub memory: Word,
    /// Bytes of frames it maps that the root server keeps for all (its program's text,
    /// ramfs's archive): charged to nobody, as a page cache is.
    pub shared: Word,
    /// Its program's name, cut at [`ProcessInfo::NAME_MAX`] bytes, NUL-padded.
    pub name: [u8; ProcessInfo::NAME_MAX],
}

impl ProcessInfo {
    /// Bytes of the name that travel (five message registers).
    pub const NAME_MAX: usize = 40;

    pub fn new(pid: Pid, parent: Pid, memory: Word, shared: Word, name: &str) -> ProcessInfo {
        let mut bytes = [0; Self::NAME_MAX];
        let length = name.len().min(Self::NAME_MAX);
        bytes[..length].copy_from_slice(&name.as_bytes()[..length]);
        ProcessInfo { pid, parent, memory, shared, name: bytes }
    }

    /// The name, up to its first NUL (bytes that are not UTF-8 end it too).
    pub fn name(&self) -> &str {
        let end = self.name.iter().position(|&b| b == 0).unwrap_or(Self::NAME_MAX);
        match core::str::from_utf8(&self.name[..end]) {
            Ok(name) => name,
            Err(error) => core::str::from_utf8(&self.name[..error.valid_up_to()]).unwrap_or(""),
        }
    }

    /// `[pid | parent << 32, memory, shared, name...]`.
    pub fn encode(&self) -> [Word; 8] {
        let ids = self.pid as Word | (self.parent as Word) << 32;
        let mut words = [ids, self.memory, self.shared, 0, 0, 0, 0, 0];
        for (word, chunk) in words[3..].iter_mut().zip(self.name.chunks(8)) {
            *word = Word::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        }
        words
    }

    /// Reads a reply's words; `EIO` for a pid out of range.
    pub fn decode(words: [Word; 8]) -> Result<ProcessInfo, Errno> {
        let pid = pid_from(words[0] & 0xffff_ffff).map_err(|_| Errno::EIO)?;
        let parent = pid_from(words[0] >> 32).map_err(|_| Errno::EIO)?;
        let mut name = [0; Self::NAME_MAX];
        for (chunk, word) in name.chunks_mut(8).zip(&words[3..]) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        Ok(ProcessInfo { pid, parent, memory: words[1], shared: words[2], name })
    }
}

/// Longest occupancy map `ExtendCSpace` takes: a bit for every slot of the largest CSpace.
pub const MAX_OCCUPIED_BYTES: Word = (1 << crate::startup::CSPACE_BITS) / 8;

/// Most notifications one `NewNotifications` makes.
pub const MAX_NOTIFICATIONS: Word = 128;

/// Sources a small queue takes (its ring fits one 4 KiB page).
pub const SMALL_QUEUE: Word = 80;
/// Sources a large queue takes (its ring fits one 2 MiB page).
pub const LARGE_QUEUE: Word = 21_000;

/// Which open files a child gets: pairs of (fd in the child, slot in the parent's CSpace
/// holding the capability it gets there), packed as little-endian `u32`s. (A parent
/// passes handles duplicated for the child, `FileRequest::Duplicate`, not its own.)
pub struct FdMap;

impl FdMap {
    /// At most this many pairs in one spawn.
    pub const MAX: usize = 1024;

    pub fn pack(pairs: &[(u32, u32)]) -> alloc::vec::Vec<u8> {
        pairs.iter().flat_map(|&(child, parent)| [child.to_le_bytes(), parent.to_le_bytes()]).flatten().collect()
    }

    /// The pairs; `EINVAL` for a ragged list or one naming a child fd twice.
    pub fn parse(bytes: &[u8]) -> Result<alloc::vec::Vec<(u32, u32)>, Errno> {
        if bytes.len() % 8 != 0 || bytes.len() / 8 > Self::MAX {
            return Err(Errno::EINVAL);
        }
        let word = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let pairs: alloc::vec::Vec<(u32, u32)> = bytes.chunks(8).map(|c| (word(&c[..4]), word(&c[4..]))).collect();
        let mut children: alloc::vec::Vec<u32> = pairs.iter().map(|p| p.0).collect();
        children.sort_unstable();
        if children.windows(2).any(|w| w[0] == w[1]) {
            return Err(Errno::EINVAL);
        }
        Ok(pairs)
    }
}

/// Operation numbers (message labels); 0 is never a request.
mod label {
    pub const SPAWN: u64 = 1;
    pub const EXIT: u64 = 2;
    pub const ABORT: u64 = 3;
    pub const WAIT: u64 = 4;
    pub const GET_PID: u64 = 5;
    pub const GET_PARENT_PID: u64 = 6;
    pub const KILL: u64 = 7;
    pub const SBRK: u64 = 8;
    pub const MAP_ANONYMOUS: u64 = 9;
    pub const UNMAP: u64 = 10;
    pub const DEBUG_WRITE: u64 = 11;
    pub const SHARE: u64 = 12;
    pub const SET_CONSOLE: u64 = 13;
    pub const NEW_QUEUE: u64 = 14;
    pub const ALARM: u64 = 15;
    pub const NEW_NOTIFICATIONS: u64 = 16;
    pub const MONITOR: u64 = 17;
    pub const PROCESS_INFO: u64 = 18;
    pub const TAKE_ORPHANED_FILE: u64 = 19;
    pub const ACCEPT_SHARE: u64 = 20;
    pub const SESSION_OF: u64 = 21;
    pub const EXTEND_CSPACE: u64 = 22;
    pub const MEMORY_LIMIT: u64 = 23;
    pub const REMAP: u64 = 24;
    pub const EXEC: u64 = 25;
    pub const SET_PROCESS_GROUP: u64 = 26;
    pub const PROCESS_GROUP: u64 = 27;
    pub const KILL_GROUP: u64 = 28;
    pub const SIGNAL_HANDLING: u64 = 29;
    pub const TAKE_SIGNALS: u64 = 30;
    pub const SIGNAL_ALARM: u64 = 31;
    pub const NEW_SESSION: u64 = 32;
    pub const SESSION_ID: u64 = 33;
    pub const CONSOLE_AGAIN: u64 = 34;
}

/// `Wait`'s first word when any child will do (pids are at most 2^31 − 1, like pid_t).
const WAIT_ANY: Word = u64::MAX;

impl Request {
    pub fn encode(&self) -> Message {
        use label::*;
        match *self {
            Request::Spawn { path, argv, envp, fds } => Message::new(SPAWN, &program_words([path, argv, envp, fds])),
            Request::Exec { path, argv, envp, fds } => Message::new(EXEC, &program_words([path, argv, envp, fds])),
            Request::SetProcessGroup { pid, group } => Message::new(SET_PROCESS_GROUP, &[pid as Word, group as Word]),
            Request::ProcessGroup { pid } => Message::new(PROCESS_GROUP, &[pid as Word]),
            Request::KillGroup { group, signal } => Message::new(KILL_GROUP, &[group as Word, signal as Word]),
            Request::Exit { status } => Message::new(EXIT, &[status as Word]),
            Request::Abort => Message::new(ABORT, &[]),
            Request::Wait { target, no_hang, stopped } => {
                let pid = match target {
                    WaitTarget::Any => WAIT_ANY,
                    WaitTarget::Child(pid) => pid as Word,
                };
                Message::new(WAIT, &[pid, no_hang as Word | (stopped as Word) << 1])
            }
            Request::GetPid => Message::new(GET_PID, &[]),
            Request::GetParentPid => Message::new(GET_PARENT_PID, &[]),
            Request::Kill { pid, signal } => Message::new(KILL, &[pid as Word, signal as Word]),
            Request::Sbrk { increment } => Message::new(SBRK, &[increment as Word]),
            Request::MapAnonymous { length } => Message::new(MAP_ANONYMOUS, &[length]),
            Request::Unmap { address, length } => Message::new(UNMAP, &[address, length]),
            Request::DebugWrite { text } => Message::new(DEBUG_WRITE, &[text.address, text.length]),
            Request::Share { peer, length, token } => Message::new(SHARE, &[peer as Word, length, token]),
            Request::SetConsole => Message::new(SET_CONSOLE, &[]),
            Request::NewQueue { sources } => Message::new(NEW_QUEUE, &[sources]),
            Request::Alarm { deadline } => Message::new(ALARM, &[deadline]),
            Request::NewNotifications { slot, count } => Message::new(NEW_NOTIFICATIONS, &[slot, count]),
            Request::Monitor { command } => Message::new(MONITOR, &[command.address, command.length]),
            Request::ProcessInfo { from } => Message::new(PROCESS_INFO, &[from as Word]),
            Request::TakeOrphanedFile => Message::new(TAKE_ORPHANED_FILE, &[]),
            Request::AcceptShare => Message::new(ACCEPT_SHARE, &[]),
            Request::SessionOf { pid } => Message::new(SESSION_OF, &[pid as Word]),
            Request::ExtendCSpace { first, count, occupied } => {
                Message::new(EXTEND_CSPACE, &[first, count, occupied.address, occupied.length])
            }
            Request::MemoryLimit { limit } => Message::new(MEMORY_LIMIT, &[limit]),
            Request::Remap { address, old_length, new_length } => {
                Message::new(REMAP, &[address, old_length, new_length])
            }
            Request::SignalHandling { caught, ignored, entry } => {
                Message::new(SIGNAL_HANDLING, &[caught, ignored, entry])
            }
            Request::TakeSignals { context } => Message::new(TAKE_SIGNALS, &[context]),
            Request::SignalAlarm { deadline } => Message::new(SIGNAL_ALARM, &[deadline]),
            Request::NewSession => Message::new(NEW_SESSION, &[]),
            Request::ConsoleAgain => Message::new(CONSOLE_AGAIN, &[]),
            Request::SessionId { pid } => Message::new(SESSION_ID, &[pid as Word]),
        }
    }

    /// Reads a request; `ENOSYS` for an unknown operation, `EINVAL` for wrong arguments.
    pub fn decode(label: Word, words: &[Word]) -> Result<Request, Errno> {
        use label::*;
        Ok(match label {
            SPAWN => {
                let [path, argv, envp, fds] = program_buffers(exact(words)?);
                Request::Spawn { path, argv, envp, fds }
            }
            EXEC => {
                let [path, argv, envp, fds] = program_buffers(exact(words)?);
                Request::Exec { path, argv, envp, fds }
            }
            SET_PROCESS_GROUP => {
                let [pid, group] = exact(words)?;
                Request::SetProcessGroup { pid: pid_from(pid)?, group: pid_from(group)? }
            }
            PROCESS_GROUP => {
                let [pid] = exact(words)?;
                Request::ProcessGroup { pid: pid_from(pid)? }
            }
            KILL_GROUP => {
                let [group, signal] = exact(words)?;
                let signal = match signal {
                    0 => 0,
                    s => Signal::new(s).ok_or(Errno::EINVAL)?.0,
                };
                Request::KillGroup { group: pid_from(group)?, signal }
            }
            EXIT => {
                let [status] = exact(words)?;
                Request::Exit { status: u8::try_from(status).map_err(|_| Errno::EINVAL)? }
            }
            ABORT => no_words(words, Request::Abort)?,
            WAIT => {
                let [pid, options] = exact(words)?;
                let target = match pid {
                    WAIT_ANY => WaitTarget::Any,
                    pid => WaitTarget::Child(pid_from(pid)?),
                };
                if options > 3 {
                    return Err(Errno::EINVAL);
                }
                Request::Wait { target, no_hang: options & 1 != 0, stopped: options & 2 != 0 }
            }
            GET_PID => no_words(words, Request::GetPid)?,
            GET_PARENT_PID => no_words(words, Request::GetParentPid)?,
            KILL => {
                let [pid, signal] = exact(words)?;
                let signal = match signal {
                    0 => 0,
                    s => Signal::new(s).ok_or(Errno::EINVAL)?.0,
                };
                Request::Kill { pid: pid_from(pid)?, signal }
            }
            SBRK => {
                let [increment] = exact(words)?;
                Request::Sbrk { increment: increment as i64 }
            }
            MAP_ANONYMOUS => {
                let [length] = exact(words)?;
                Request::MapAnonymous { length }
            }
            UNMAP => {
                let [address, length] = exact(words)?;
                Request::Unmap { address, length }
            }
            DEBUG_WRITE => {
                let [address, length] = exact(words)?;
                Request::DebugWrite { text: UserBuffer::new(address, length) }
            }
            SHARE => {
                let [peer, length, token] = exact(words)?;
                Request::Share { peer: pid_from(peer)?, length, token }
            }
            SET_CONSOLE => no_words(words, Request::SetConsole)?,
            NEW_QUEUE => {
                let [sources] = exact(words)?;
                if sources > LARGE_QUEUE {
                    return Err(Errno::EINVAL);
                }
                Request::NewQueue { sources }
            }
            ALARM => {
                let [deadline] = exact(words)?;
                Request::Alarm { deadline }
            }
            NEW_NOTIFICATIONS => {
                let [slot, count] = exact(words)?;
                if count == 0 || count > MAX_NOTIFICATIONS {
                    return Err(Errno::EINVAL);
                }
                Request::NewNotifications { slot, count }
            }
            EXTEND_CSPACE => {
                let [first, count, address, length] = exact(words)?;
                Request::ExtendCSpace { first, count, occupied: UserBuffer::new(address, length) }
            }
            MEMORY_LIMIT => {
                let [limit] = exact(words)?;
                Request::MemoryLimit { limit }
            }
            REMAP => {
                let [address, old_length, new_length] = exact(words)?;
                Request::Remap { address, old_length, new_length }
            }
            MONITOR => {
                let [address, length] = exact(words)?;
                Request::Monitor { command: UserBuffer::new(address, length) }
            }
            PROCESS_INFO => {
                let [from] = exact(words)?;
                Request::ProcessInfo { from: pid_from(from)? }
            }
            TAKE_ORPHANED_FILE => no_words(words, Request::TakeOrphanedFile)?,
            ACCEPT_SHARE => no_words(words, Request::AcceptShare)?,
            SESSION_OF => {
                let [pid] = exact(words)?;
                Request::SessionOf { pid: pid_from(pid)? }
            }
            SIGNAL_HANDLING => {
                let [caught, ignored, entry] = exact(words)?;
                if (caught | ignored) & UNCATCHABLE != 0 || caught & ignored != 0 || (caught != 0 && entry == 0) {
                    return Err(Errno::EINVAL);
                }
                Request::SignalHandling { caught, ignored, entry }
            }
            TAKE_SIGNALS => {
                let [context] = exact(words)?;
                Request::TakeSignals { context }
            }
            SIGNAL_ALARM => {
                let [deadline] = exact(words)?;
                Request::SignalAlarm { deadline }
            }
            NEW_SESSION => no_words(words, Request::NewSession)?,
            CONSOLE_AGAIN => no_words(words, Request::ConsoleAgain)?,
            SESSION_ID => {
                let [pid] = exact(words)?;
                Request::SessionId { pid: pid_from(pid)? }
            }
            _ => return Err(Errno::ENOSYS),
        })
    }
}

/// The words of a program to start (`Spawn`, `Exec`): path, arguments, environment and
/// open files, each an address and a length.
fn program_words(buffers: [UserBuffer; 4]) -> [Word; 8] {
    let [path, argv, envp, fds] = buffers;
    [path.address, path.length, argv.address, argv.length, envp.address, envp.length, fds.address, fds.length]
}

fn program_buffers(words: [Word; 8]) -> [UserBuffer; 4] {
    let [pa, pl, aa, al, ea, el, fa, fl] = words;
    [UserBuffer::new(pa, pl), UserBuffer::new(aa, al), UserBuffer::new(ea, el), UserBuffer::new(fa, fl)]
}

fn pid_from(word: Word) -> Result<Pid, Errno> {
    match Pid::try_from(word) {
        Ok(pid) if pid <= i32::MAX as Pid => Ok(pid),
        _ => Err(Errno::EINVAL),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::MAX_WORDS;
    use proptest::prelude::*;
    use std::vec;

    fn buffer() -> impl Strategy<Value = UserBuffer> {
        (any::<u64>(), any::<u64>()).prop_map(|(address, length)| UserBuffer { address, length })
    }

    fn pid() -> impl Strategy<Value = Pid> {
        0..=i32::MAX as Pid
    }

    fn request() -> impl Strategy<Value = Request> {
        prop_oneof![
            (buffer(), buffer(), buffer(), buffer()).prop_map(|(path, argv, envp, fds)| Request::Spawn {
                path,
                argv,
                envp,
                fds
            }),
            (pid(), pid()).prop_map(|(pid, group)| Request::SetProcessGroup { pid, group }),
            pid().prop_map(|pid| Request::ProcessGroup { pid }),
            (pid(), 0u8..=64).prop_map(|(group, signal)| Request::KillGroup { group, signal }),
            (buffer(), buffer(), buffer(), buffer()).prop_map(|(path, argv, envp, fds)| Request::Exec {
                path,
                argv,
                envp,
                fds
            }),
            any::<u8>().prop_map(|status| Request::Exit { status }),
            Just(Request::Abort),
            (prop_oneof![Just(WaitTarget::Any), pid().prop_map(WaitTarget::Child)], any::<bool>(), any::<bool>())
                .prop_map(|(target, no_hang, stopped)| Request::Wait { target, no_hang, stopped }),
            Just(Request::GetPid),
            Just(Request::GetParentPid),
            (pid(), 0u8..=64).prop_map(|(pid, signal)| Request::Kill { pid, signal }),
            any::<i64>().prop_map(|increment| Request::Sbrk { increment }),
            any::<u64>().prop_map(|length| Request::MapAnonymous { length }),
            (any::<u64>(), any::<u64>()).prop_map(|(address, length)| Request::Unmap { address, length }),
            buffer().prop_map(|text| Request::DebugWrite { text }),
            (pid(), any::<u64>(), any::<u64>()).prop_map(|(peer, length, token)| Request::Share {
                peer,
                length,
                token
            }),
            Just(Request::SetConsole),
            (0..=LARGE_QUEUE).prop_map(|sources| Request::NewQueue { sources }),
            any::<u64>().prop_map(|deadline| Request::Alarm { deadline }),
            (any::<u64>(), 1..=MAX_NOTIFICATIONS).prop_map(|(slot, count)| Request::NewNotifications { slot, count }),
            buffer().prop_map(|command| Request::Monitor { command }),
            pid().prop_map(|from| Request::ProcessInfo { from }),
            Just(Request::TakeOrphanedFile),
            Just(Request::AcceptShare),
            pid().prop_map(|pid| Request::SessionOf { pid }),
            (any::<u64>(), any::<u64>(), buffer()).prop_map(|(first, count, occupied)| Request::ExtendCSpace {
                first,
                count,
                occupied
            }),
            any::<u64>().prop_map(|limit| Request::MemoryLimit { limit }),
            (any::<u64>(), any::<u64>(), any::<u64>())
                .prop_map(|(address, old_length, new_length)| { Request::Remap { address, old_length, new_length } }),
            (any::<u64>(), any::<u64>(), 1..u64::MAX).prop_map(|(caught, ignored, entry)| {
                let caught = caught & !UNCATCHABLE;
                Request::SignalHandling { caught, ignored: ignored & !UNCATCHABLE & !caught, entry }
            }),
            any::<u64>().prop_map(|context| Request::TakeSignals { context }),
            any::<u64>().prop_map(|deadline| Request::SignalAlarm { deadline }),
            Just(Request::NewSession),
            Just(Request::ConsoleAgain),
            pid().prop_map(|pid| Request::SessionId { pid }),
        ]
    }

    proptest! {
        #[test]
        fn requests_round_trip(request in request()) {
            let message = request.encode();
            prop_assert_eq!(Request::decode(message.label, message.words()), Ok(request));
        }

        /// The server's decoder on arbitrary input: an error or a request, never a panic,
        /// and whatever it accepts encodes back to the same message.
        #[test]
        fn arbitrary_messages_decode_or_fail_cleanly(label in 0u64..35, words in proptest::collection::vec(any::<u64>(), 0..=MAX_WORDS)) {
            crate::message::decodes_canonically(label, &words, Request::decode, Request::encode)?;
        }
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert_eq!(Request::decode(0, &[]), Err(Errno::ENOSYS));
        assert_eq!(Request::decode(99, &[]), Err(Errno::ENOSYS));
        assert_eq!(Request::decode(label::GET_PID, &[1]), Err(Errno::EINVAL));
        assert_eq!(Request::decode(label::EXIT, &[256]), Err(Errno::EINVAL));
        assert_eq!(Request::decode(label::WAIT, &[1, 4]), Err(Errno::EINVAL));
        assert_eq!(Request::decode(label::WAIT, &[1 << 40, 0]), Err(Errno::EINVAL));
        assert_eq!(Request::decode(label::KILL, &[1, 65]), Err(Errno::EINVAL));
        assert_eq!(Request::decode(label::SPAWN, &[0; 6]), Err(Errno::EINVAL));
        assert_eq!(Request::decode(label::SHARE, &[1 << 40, 4096]), Err(Errno::EINVAL));
        assert_eq!(Request::decode(label::NEW_QUEUE, &[LARGE_QUEUE + 1]), Err(Errno::EINVAL));
        let handling = |caught, ignored, entry| Request::decode(label::SIGNAL_HANDLING, &[caught, ignored, entry]);
        assert_eq!(handling(signal_bit(9), 0, 0x1000), Err(Errno::EINVAL)); // SIGKILL caught
        assert_eq!(handling(0, signal_bit(19), 0), Err(Errno::EINVAL)); // SIGSTOP ignored
        assert_eq!(handling(signal_bit(2), signal_bit(2), 0x1000), Err(Errno::EINVAL));
        assert_eq!(handling(signal_bit(2), 0, 0), Err(Errno::EINVAL)); // caught, nowhere to go
        assert!(handling(signal_bit(2), signal_bit(13), 0x1000).is_ok());
    }

    proptest! {
        #[test]
        fn process_rows_round_trip(
            pid in pid(),
            parent in pid(),
            memory in any::<u64>(),
            shared in any::<u64>(),
            name in "[a-z0-9/._-]{0,50}",
        ) {
            let row = ProcessInfo::new(pid, parent, memory, shared, &name);
            let back = ProcessInfo::decode(row.encode()).unwrap();
            prop_assert_eq!(back, row);
            prop_assert_eq!(back.name(), &name[..name.len().min(ProcessInfo::NAME_MAX)]);
        }
    }

    #[test]
    fn process_rows_with_bad_pids_are_refused() {
        let mut words = ProcessInfo::new(1, 0, 4096, 0, "sh").encode();
        words[0] |= 1 << 63; // a parent beyond every pid
        assert_eq!(ProcessInfo::decode(words), Err(Errno::EIO));
    }

    #[test]
    fn fd_maps_round_trip_and_bad_ones_fail() {
        let pairs = vec![(0, 5), (1, 1), (7, 0)];
        assert_eq!(FdMap::parse(&FdMap::pack(&pairs)), Ok(pairs));
        assert_eq!(FdMap::parse(&[0; 7]), Err(Errno::EINVAL), "ragged");
        assert_eq!(FdMap::parse(&FdMap::pack(&[(1, 2), (1, 3)])), Err(Errno::EINVAL), "child fd twice");
        assert_eq!(FdMap::parse(&vec![0; 8 * (FdMap::MAX + 1)]), Err(Errno::EINVAL), "too many");
    }
}
