//! The root server's endpoint: process requests, process faults, and the signals of its
//! bound notification (the alarm timer's interrupt), one message at a time.

use super::fault::{judge, Verdict};
use super::layout::{self, PAGE};
use super::linux::{self, Emulated};
use super::spawn::Spawn;
use super::{badge, reply, Process, Processes, ROOT};
use crate::resources::Resources;
use crate::vspace::VSpace;
use crate::{console, println, programs, Env};
use alloc::string::String;
use alloc::vec::Vec;
use sel4::{consts, ipc_buffer, MessageInfo, UserContext, Word};
use uxrt_protocols::args::{StringList, ARG_MAX};
use uxrt_protocols::message::MAX_WORDS;
use uxrt_protocols::process::{FdMap, Request, UserBuffer, WaitTarget};
use uxrt_protocols::{Errno, Pid, Reply, Signal, WaitStatus};

/// Most bytes one `DebugWrite` prints (a longer write is partial, as for a pipe).
const DEBUG_WRITE_MAX: usize = 4096;

/// Waits for one message on the endpoint and handles it; then starts again any server
/// that ended meanwhile.
pub fn serve_one(env: &mut Env) {
    serve_request(env);
    if !env.processes.ended_servers.is_empty() {
        crate::servers::restart_ended(env);
    }
}

fn serve_request(env: &mut Env) {
    // Room for this request's bookkeeping, whatever processes have made it keep so far.
    crate::heap::grow(&mut env.resources, &mut env.vspace);
    // A capability that comes with a message lands in the spare slot.
    let spare = match env.processes.spare_slot {
        Some(slot) => slot,
        None => match env.resources.alloc_slot() {
            Ok(slot) => *env.processes.spare_slot.insert(slot),
            Err(_) => crate::caps::NULL,
        },
    };
    sel4::ipc_buffer::set_receive_slot(crate::caps::CNODE, spare, crate::caps::CNODE_DEPTH);
    let (info, badge) = sel4::recv(env.processes.endpoint);
    let received = (info.extra_caps() > 0 && info.caps_unwrapped() == 0).then_some(spare);
    if badge & badge::NOTIFICATION != 0 {
        if badge & badge::TIMER != 0 {
            ring_alarms(&mut env.processes, &mut env.resources, &mut env.vspace, true);
        }
        return;
    }
    let pid = (badge & badge::PID_MASK) as Pid;
    if let Some(slot) = received {
        if !keep_console(env, pid, info, slot) {
            let _ = sel4::invocations::cnode_delete(crate::caps::CNODE, slot, 64);
        }
    }
    if env.processes.table.get(&pid).is_none() {
        // No such process any more: a fault has nobody to resume, but a request may come
        // from another holder of a dead process's endpoint (the reaper, handed it as an
        // "open file"): it gets an error, never a silence that blocks it for ever.
        if badge & badge::FAULT == 0 {
            reply(Reply::error(Errno::ESRCH));
        }
        return;
    }
    if env.processes.first_request_tsc.is_none() {
        env.processes.first_request_tsc = Some(crate::rdtsc());
    }
    if badge & badge::FAULT != 0 {
        handle_fault(env, pid, info);
    } else {
        let length = (info.length() as usize).min(MAX_WORDS);
        let mut words = [0; MAX_WORDS];
        for (i, word) in words.iter_mut().enumerate().take(length) {
            *word = ipc_buffer::mr(i);
        }
        // No request is longer than MAX_WORDS: an overlong one is refused, not read cut
        // short (as the servers do).
        let decoded = if info.length() as usize > MAX_WORDS {
            Err(Errno::EINVAL)
        } else {
            Request::decode(info.label(), &words[..length])
        };
        let answer = match decoded {
            // The monitor needs all of the root server (it runs tests that spawn).
            Ok(Request::Monitor { command }) => crate::monitor::request(env, pid, command),
            Ok(request) => handle(env, pid, request),
            Err(errno) => Some(Reply::error(errno)),
        };
        if let Some(answer) = answer {
            reply(answer);
        }
    }
}

/// Handles a signal of the root server's bound notification that a receive of another
/// endpoint took (a benchmark's or a test's): `badge` is what that receive returned.
#[cfg(notification_queues)]
pub fn notified(env: &mut Env, badge: Word) {
    if badge & badge::NOTIFICATION != 0 && badge & badge::TIMER != 0 {
        ring_alarms(&mut env.processes, &mut env.resources, &mut env.vspace, true);
    }
}

/// Signals the alarms that are due (queue alarms, and SIGALRM for `alarm`) and sets the
/// timer for the next one; `fired` when the timer's interrupt is why.
fn ring_alarms(processes: &mut Processes, resources: &mut Resources, vspace: &mut VSpace, fired: bool) {
    let now = crate::rdtsc();
    let next_signal = processes.ring_signal_alarms(resources, vspace, now);
    #[cfg(notification_queues)]
    let next_queue = processes.ring_alarms(now);
    #[cfg(not(notification_queues))]
    let next_queue = None;
    let next = [next_signal, next_queue].into_iter().flatten().min();
    if let Some(timer) = &processes.timer {
        if fired {
            timer.acknowledge();
        }
        if let Some(deadline) = next {
            timer.arm(deadline, now);
        }
    }
}

/// Sets `pid`'s SIGALRM deadline (0: none) and arms the timer for it; returns the old one.
pub fn set_signal_alarm(env: &mut Env, pid: Pid, deadline: u64) -> Result<u64, Errno> {
    let old = env.processes.set_signal_alarm(pid, deadline);
    ring_alarms(&mut env.processes, &mut env.resources, &mut env.vspace, false);
    old
}

/// Serves until the root server's child `pid` ends; returns how it ended (ECHILD if it
/// is not a child of the root server, or was reaped already).
pub fn wait_for(env: &mut Env, pid: Pid) -> Result<WaitStatus, Errno> {
    loop {
        if let Some((_, status)) = env.processes.reap(ROOT, WaitTarget::Child(pid)) {
            return Ok(status);
        }
        if env.processes.get(pid).is_none_or(|p| p.parent != ROOT) {
            return Err(Errno::ECHILD);
        }
        serve_one(env);
    }
}

/// Serves until the reaper has closed every file that ended processes left open and
/// waits again (when a test ends: the files are the test's to close, not a leak).
pub fn serve_until_orphans_taken(env: &mut Env) {
    let reaper_runs = |env: &Env| env.processes.orphans.reaper.is_some_and(|r| env.processes.get(r).is_some());
    while !env.processes.orphans.idle() && reaper_runs(env) {
        serve_one(env);
    }
}

/// Keeps the capability in `slot` as the console if a server sent it with `SetConsole`
/// (the request itself is then answered as usual).
fn keep_console(env: &mut Env, pid: Pid, info: MessageInfo, slot: sel4::CPtr) -> bool {
    let is_server = env.processes.get(pid).is_some_and(|p| p.server);
    let request = Request::decode(info.label(), &[]);
    if !is_server || request != Ok(Request::SetConsole) || env.processes.console.is_some() {
        return false;
    }
    env.processes.console = Some(slot);
    env.processes.spare_slot = None;
    true
}

fn handle_fault(env: &mut Env, pid: Pid, info: MessageInfo) {
    let verdict = judge(info.label(), |i| ipc_buffer::mr(i as usize));
    let Env { processes, resources, vspace, .. } = env;
    let (signal, reason, at) = match verdict {
        Verdict::GrowStack { page, at } => {
            // (The page counts against its session's memory too, as a mapping does.)
            let room = processes.session_room(resources, pid, PAGE);
            let Some(process) = processes.table.get_mut(&pid) else { return };
            match room.and_then(|()| process.space.map_new(resources, vspace, page, true, None)) {
                // An empty reply restarts the faulting instruction.
                Ok(()) => return sel4::reply(MessageInfo::new(0, 0, 0, 0)),
                Err(errno) => (Signal::SIGSEGV, alloc::format!("stack cannot grow to {page:#x}: {errno:?}"), at),
            }
        }
        Verdict::Kill { signal, reason, at } => (signal, reason, at),
        Verdict::Unmapped { page, reason, at } => {
            if processes.get(pid).is_some_and(|process| process.space.frame_at(page).is_some()) {
                // (Mapped since: the faulting instruction runs again.)
                return sel4::reply(MessageInfo::new(0, 0, 0, 0));
            }
            (Signal::SIGSEGV, reason, at)
        }
        Verdict::Linux { number, at } => {
            let arg = |i: usize| ipc_buffer::mr([consts::UNKNOWN_SYSCALL_RDI, consts::UNKNOWN_SYSCALL_RSI][i] as usize);
            let process = processes.get(pid);
            let failure = match process.and_then(|process| linux::emulate(process, number, arg)) {
                Some(Emulated::Return(result)) => {
                    resume_after_syscall(result);
                    None
                }
                Some(Emulated::SetThreadPointer(base)) => {
                    let set = process.map_or(Err(Errno::ESRCH), |p| set_thread_pointer(p, base));
                    set.err()
                        .map(|errno| alloc::format!("{} (cannot set its thread pointer: {errno:?})", Signal::SIGSYS))
                }
                None => Some(alloc::format!("Linux system call {number} ({}) not provided", linux::name(number))),
            };
            if let Some(what) = failure {
                let status = WaitStatus::Signaled(Signal::SIGSYS);
                kill_reported(processes, resources, vspace, pid, &what, Some(at), status);
            }
            return;
        }
    };
    let what = alloc::format!("{signal} ({reason})");
    kill_reported(processes, resources, vspace, pid, &what, Some(at), WaitStatus::Signaled(signal));
}

/// Bytes of the `syscall` instruction, which a resumed thread goes on after.
const SYSCALL_LENGTH: Word = 2;

/// Answers a foreign system call's fault (still in the IPC buffer): the thread goes on
/// after its `syscall` instruction with `result` in RAX, every other register as it was.
fn resume_after_syscall(result: Word) {
    use consts::{UNKNOWN_SYSCALL_FAULT_IP as FAULT_IP, UNKNOWN_SYSCALL_RAX as RAX, UNKNOWN_SYSCALL_SYSCALL};
    ipc_buffer::set_mr(RAX as usize, result);
    ipc_buffer::set_mr(FAULT_IP as usize, ipc_buffer::mr(FAULT_IP as usize) + SYSCALL_LENGTH);
    // The registers are the message's words before the system call's number.
    sel4::reply(MessageInfo::new(0, 0, 0, UNKNOWN_SYSCALL_SYSCALL as Word));
}

/// Resumes a thread stopped at a foreign system call (its fault message in the IPC
/// buffer) after the instruction, with result 0 and its FS base at `base`. A fault reply
/// cannot set the FS base, so every register is written, and the thread restarted.
fn set_thread_pointer(process: &Process, base: Word) -> Result<(), Errno> {
    use consts::*;
    let tcb = process.tcb.as_ref().ok_or(Errno::ESRCH)?;
    let mr = |i: i64| ipc_buffer::mr(i as usize);
    let registers = UserContext {
        rip: mr(UNKNOWN_SYSCALL_FAULT_IP) + SYSCALL_LENGTH,
        rsp: mr(UNKNOWN_SYSCALL_SP),
        rflags: mr(UNKNOWN_SYSCALL_FLAGS),
        rax: 0,
        rbx: mr(UNKNOWN_SYSCALL_RBX),
        rcx: mr(UNKNOWN_SYSCALL_RCX),
        rdx: mr(UNKNOWN_SYSCALL_RDX),
        rsi: mr(UNKNOWN_SYSCALL_RSI),
        rdi: mr(UNKNOWN_SYSCALL_RDI),
        rbp: mr(UNKNOWN_SYSCALL_RBP),
        r8: mr(UNKNOWN_SYSCALL_R8),
        r9: mr(UNKNOWN_SYSCALL_R9),
        r10: mr(UNKNOWN_SYSCALL_R10),
        r11: mr(UNKNOWN_SYSCALL_R11),
        r12: mr(UNKNOWN_SYSCALL_R12),
        r13: mr(UNKNOWN_SYSCALL_R13),
        r14: mr(UNKNOWN_SYSCALL_R14),
        r15: mr(UNKNOWN_SYSCALL_R15),
        tls_base: base,
    };
    let count = (core::mem::size_of::<UserContext>() / 8) as Word;
    sel4::invocations::tcb_write_registers(tcb.cap, true, 0, count, &registers).map_err(|_| Errno::EINVAL)
}

/// Ends `pid` with `status` and says so on the console: `pid N (name) killed: WHAT at
/// ADDRESS` (WHAT: the signal and why, or the Linux system call it made).
pub(crate) fn kill_reported(
    processes: &mut Processes,
    resources: &mut Resources,
    vspace: &mut VSpace,
    pid: Pid,
    what: &str,
    at: Option<Word>,
    status: WaitStatus,
) {
    let name = processes.get(pid).map_or(String::new(), |p| p.name.clone());
    match at {
        Some(at) => println!("pid {pid} ({name}) killed: {what} at {at:#x}"),
        None => println!("pid {pid} ({name}) killed: {what}"),
    }
    processes.terminate(resources, vspace, pid, status);
}

/// A reply of `N` result words, or of the error.
fn answer<const N: usize>(result: Result<[Word; N], Errno>) -> Option<Reply> {
    Some(match result {
        Ok(words) => Reply::ok(&words),
        Err(errno) => Reply::error(errno),
    })
}

/// The answer to `request` from `pid`, or `None` when there is none (yet).
fn handle(env: &mut Env, pid: Pid, request: Request) -> Option<Reply> {
    let Env { processes, resources, vspace, .. } = env;
    match request {
        Request::Spawn { path, argv, envp, fds } => answer(
            spawn(processes, resources, vspace, pid, [path, argv, envp, fds], false).map(|child| [child as Word]),
        ),
        // (On success the caller is gone: no answer.)
        Request::Exec { path, argv, envp, fds } => {
            match spawn(processes, resources, vspace, pid, [path, argv, envp, fds], true) {
                Ok(_) => None,
                Err(errno) => answer::<0>(Err(errno)),
            }
        }
        Request::Exit { status } => {
            processes.terminate(resources, vspace, pid, WaitStatus::Exited(status));
            None
        }
        Request::Abort => {
            let what = alloc::format!("{} (abort)", Signal::SIGABRT);
            kill_reported(processes, resources, vspace, pid, &what, None, WaitStatus::Signaled(Signal::SIGABRT));
            None
        }
        Request::Wait { target, no_hang, stopped } => processes.wait(resources, pid, target, no_hang, stopped),
        Request::GetPid => answer(Ok([pid as Word])),
        // (An orphan's parent is the root server already.)
        Request::GetParentPid => answer(Ok([processes.get(pid).map_or(ROOT, |p| p.parent) as Word])),
        Request::Kill { pid: target, signal } => kill(processes, resources, vspace, pid, target, signal),
        Request::Sbrk { increment } => {
            if let Err(errno) = processes.session_room(resources, pid, increment.max(0) as u64) {
                return answer::<0>(Err(errno));
            }
            let process = processes.table.get_mut(&pid)?;
            answer(sbrk(process, resources, vspace, increment).map(|old| [old]))
        }
        Request::MapAnonymous { length } => {
            if let Err(errno) = processes.session_room(resources, pid, length) {
                return answer::<0>(Err(errno));
            }
            let process = processes.table.get_mut(&pid)?;
            answer(map_anonymous(process, resources, vspace, length).map(|address| [address]))
        }
        Request::Unmap { address, length } => {
            if let Some(result) = processes.unshare(resources, pid, address, length) {
                return answer(result.map(|()| []));
            }
            let process = processes.table.get_mut(&pid)?;
            answer(unmap(process, resources, address, length).map(|()| []))
        }
        Request::SetConsole => {
            let given = processes.console.is_some() && processes.get(pid).is_some_and(|p| p.server);
            answer::<0>(if given { Ok([]) } else { Err(Errno::EPERM) })
        }
        Request::Share { peer, length, token } => {
            answer(processes.share(resources, vspace, pid, peer, length, token).map(|(own, theirs)| [own, theirs]))
        }
        #[cfg(notification_queues)]
        Request::NewQueue { sources } => match processes.new_queue(resources, pid, sources) {
            Ok((queue, ring, capacity)) => {
                super::reply_with_cap(Reply::ok(&[ring, capacity as Word]), queue);
                None
            }
            Err(errno) => Some(Reply::error(errno)),
        },
        #[cfg(notification_queues)]
        Request::Alarm { deadline } => {
            let result = processes.set_alarm(pid, deadline, crate::rdtsc());
            ring_alarms(processes, resources, vspace, false);
            answer::<0>(result.map(|()| []))
        }
        #[cfg(notification_queues)]
        Request::NewNotifications { slot, count } => {
            answer(processes.new_notifications(resources, pid, slot, count).map(|()| []))
        }
        #[cfg(not(notification_queues))]
        Request::NewQueue { .. } | Request::Alarm { .. } | Request::NewNotifications { .. } => {
            answer::<0>(Err(Errno::ENOSYS))
        }
        Request::ExtendCSpace { first, count, occupied } => {
            answer(processes.extend_cspace(resources, vspace, pid, first, count, occupied).map(|bits| [bits]))
        }
        Request::ProcessInfo { from } => match processes.first_from(from) {
            Some(process) => answer(Ok(process.info().encode())),
            None => answer::<0>(Err(Errno::ESRCH)),
        },
        Request::Monitor { .. } => answer::<0>(Err(Errno::EINVAL)), // (handled before)
        Request::TakeOrphanedFile => processes.orphans.take(resources, pid),
        Request::SessionOf { pid: of } => {
            let asker_is_server = processes.get(pid).is_some_and(|p| p.server);
            answer(match processes.get(of) {
                _ if !asker_is_server => Err(Errno::EPERM),
                Some(process) => Ok([process.session as Word]),
                None => Err(Errno::ESRCH),
            })
        }
        Request::SetProcessGroup { pid: target, group } => answer(processes.set_group(pid, target, group).map(|()| [])),
        Request::ProcessGroup { pid: target } => {
            let target = if target == 0 { pid } else { target };
            answer(processes.get(target).map(|p| [p.group as Word]).ok_or(Errno::ESRCH))
        }
        Request::KillGroup { group, signal } => kill_group(processes, resources, vspace, pid, group, signal),
        Request::SignalHandling { caught, ignored, entry } => {
            let process = processes.table.get_mut(&pid)?;
            process.signals.set_handling(caught, ignored, entry);
            answer(Ok([]))
        }
        Request::NewSession => answer(processes.new_job_session(pid).map(|session| [session as Word])),
        Request::ConsoleAgain => {
            // (Who got the console at start: what the root server starts, not a server.)
            let entitled = processes.get(pid).is_some_and(|p| p.parent == super::ROOT && !p.server);
            match (entitled, processes.console) {
                (false, _) => Some(Reply::error(Errno::EPERM)),
                (true, None) => Some(Reply::error(Errno::EAGAIN)),
                (true, Some(console)) => {
                    super::reply_with_cap(Reply::ok(&[]), console);
                    None
                }
            }
        }
        Request::SessionId { pid: target } => {
            let target = if target == 0 { pid } else { target };
            answer(processes.get(target).map(|p| [p.job_session as Word]).ok_or(Errno::ESRCH))
        }
        Request::TakeSignals { context } => answer(processes.take_signals(resources, vspace, pid, context)),
        Request::SignalAlarm { deadline } => answer(set_signal_alarm(env, pid, deadline).map(|old| [old])),
        Request::Remap { address, old_length, new_length } => {
            let growth = new_length.saturating_sub(old_length);
            if let Err(errno) = processes.session_room(resources, pid, growth) {
                return answer::<0>(Err(errno));
            }
            let process = processes.table.get_mut(&pid)?;
            answer(remap(process, resources, vspace, address, old_length, new_length).map(|at| [at]))
        }
        Request::MemoryLimit { limit } => {
            let process = processes.table.get_mut(&pid)?;
            let most = if process.server { super::spawn::SERVER_QUOTA } else { super::spawn::MOST_QUOTA };
            let set = match limit {
                0 => Ok(()),
                limit if limit > most => Err(Errno::EINVAL),
                limit => process.space.set_quota(limit),
            };
            answer(set.map(|()| [process.space.quota(), most]))
        }
        Request::AcceptShare => {
            let token = processes.tokens.next();
            processes.table.get_mut(&pid)?.share_token = Some(token);
            answer(Ok([token]))
        }
        Request::DebugWrite { text } => {
            let process = processes.table.get(&pid)?;
            let length = (text.length as usize).min(DEBUG_WRITE_MAX);
            answer(process.space.read(resources, vspace, text.address, length).map(|bytes| {
                console::write_bytes(&bytes);
                [bytes.len() as Word]
            }))
        }
    }
}

/// Reads a string argument of at most `max` bytes from `pid`'s memory.
pub(crate) fn read_user(
    processes: &Processes,
    resources: &mut Resources,
    vspace: &mut VSpace,
    pid: Pid,
    buffer: UserBuffer,
    max: usize,
    too_long: Errno,
) -> Result<Vec<u8>, Errno> {
    let process = processes.get(pid).ok_or(Errno::ESRCH)?;
    let length = usize::try_from(buffer.length).ok().filter(|&l| l <= max).ok_or(too_long)?;
    process.space.read(resources, vspace, buffer.address, length)
}

fn spawn(
    processes: &mut Processes,
    resources: &mut Resources,
    vspace: &mut VSpace,
    parent: Pid,
    [path, argv, envp, fds]: [UserBuffer; 4],
    replacing: bool,
) -> Result<Pid, Errno> {
    let path = read_user(processes, resources, vspace, parent, path, programs::PATH_MAX, Errno::ENAMETOOLONG)?;
    let path = core::str::from_utf8(&path).map_err(|_| Errno::EINVAL)?;
    let argv = read_user(processes, resources, vspace, parent, argv, ARG_MAX, Errno::E2BIG)?;
    let envp = read_user(processes, resources, vspace, parent, envp, ARG_MAX, Errno::E2BIG)?;
    if argv.len() + envp.len() > ARG_MAX {
        return Err(Errno::E2BIG);
    }
    let fds = read_user(processes, resources, vspace, parent, fds, 8 * FdMap::MAX, Errno::EINVAL)?;
    let fds = FdMap::parse(&fds)?;
    let request = Spawn {
        parent,
        path,
        argv: StringList::parse(&argv)?,
        envp: StringList::parse(&envp)?,
        fds: &fds,
        server: None,
        replacing,
    };
    processes.spawn(resources, vspace, request)
}

fn kill(
    processes: &mut Processes,
    resources: &mut Resources,
    vspace: &mut VSpace,
    caller: Pid,
    target: Pid,
    signal: u8,
) -> Option<Reply> {
    if target == ROOT {
        return answer::<0>(Err(Errno::EPERM));
    }
    let Some(victim) = processes.get(target) else { return answer::<0>(Err(Errno::ESRCH)) };
    if !processes.may_signal(caller, victim) {
        return answer::<0>(Err(Errno::EPERM));
    }
    if signal == 0 {
        return answer(Ok([]));
    }
    processes.send_signal(resources, vspace, target, Signal(signal));
    // A process that killed itself gets no answer.
    processes.get(caller).map(|_| Reply::ok(&[]))
}

/// `signal` to every process of `group` that `caller` may signal (the caller last: it
/// gets no answer if the signal ends it).
fn kill_group(
    processes: &mut Processes,
    resources: &mut Resources,
    vspace: &mut VSpace,
    caller: Pid,
    group: Pid,
    signal: u8,
) -> Option<Reply> {
    let members: Vec<Pid> = processes.iter().filter(|p| p.group == group).map(|p| p.pid).collect();
    if members.is_empty() {
        return answer::<0>(Err(Errno::ESRCH));
    }
    let allowed: Vec<Pid> = members
        .into_iter()
        .filter(|&pid| processes.get(pid).is_some_and(|p| processes.may_signal(caller, p)))
        .collect();
    if allowed.is_empty() {
        return answer::<0>(Err(Errno::EPERM));
    }
    if signal == 0 {
        return answer(Ok([]));
    }
    // (The caller last: if the signal ends it, nobody is left to answer.)
    let (others, caller_too): (Vec<Pid>, Vec<Pid>) = allowed.into_iter().partition(|&pid| pid != caller);
    for pid in others.into_iter().chain(caller_too) {
        processes.send_signal(resources, vspace, pid, Signal(signal));
    }
    processes.get(caller).map(|_| Reply::ok(&[]))
}

/// Moves the heap's end by whole pages; returns the old end.
fn sbrk(process: &mut Process, resources: &mut Resources, vspace: &mut VSpace, increment: i64) -> Result<Word, Errno> {
    let old = process.heap_end;
    let pages = layout::pages_for(increment.unsigned_abs()).ok_or(Errno::ENOMEM)?;
    let bytes = pages.checked_mul(PAGE).ok_or(Errno::ENOMEM)?;
    if increment < 0 {
        let new = old.checked_sub(bytes).filter(|&n| n >= process.heap_start).ok_or(Errno::EINVAL)?;
        for page in (new..old).step_by(PAGE as usize) {
            process.space.unmap(resources, page)?;
        }
        process.heap_end = new;
        return Ok(old);
    }
    let new = old.checked_add(bytes).ok_or(Errno::ENOMEM)?;
    if new > layout::ANONYMOUS_BASE || bytes > process.space.quota() {
        return Err(Errno::ENOMEM);
    }
    map_range(process, resources, vspace, old, pages)?;
    process.heap_end = new;
    Ok(old)
}

/// Pages mapped between checks of the root server's heap reserve (their books take far
/// less than the reserve).
const HEAP_CHECK_PAGES: Word = 1024;

/// Maps `pages` new zeroed pages from `start`; on failure, none stays mapped.
pub(super) fn map_range(
    process: &mut Process,
    resources: &mut Resources,
    vspace: &mut VSpace,
    start: Word,
    pages: Word,
) -> Result<(), Errno> {
    for i in 0..pages {
        // The books of a large mapping (a page each) outgrow the heap's reserve for one
        // request: it is topped up as they grow.
        if i % HEAP_CHECK_PAGES == HEAP_CHECK_PAGES - 1 {
            crate::heap::grow(resources, vspace);
        }
        if let Err(errno) = process.space.map_new(resources, vspace, start + i * PAGE, true, None) {
            for j in 0..i {
                let _ = process.space.unmap(resources, start + j * PAGE);
            }
            return Err(errno);
        }
    }
    Ok(())
}

/// Resizes the anonymous mapping at `address` (`Request::Remap`): a smaller one loses its
/// last pages; a larger one moves to fresh addresses, its pages moved (not copied), and
/// grows there. On failure it is as it was.
fn remap(
    process: &mut Process,
    resources: &mut Resources,
    vspace: &mut VSpace,
    address: Word,
    old_length: Word,
    new_length: Word,
) -> Result<Word, Errno> {
    let old_pages = layout::pages_for(old_length).filter(|&p| p > 0).ok_or(Errno::EINVAL)?;
    let new_pages = layout::pages_for(new_length).filter(|&p| p > 0).ok_or(Errno::EINVAL)?;
    let index = process.anonymous.iter().position(|&mapping| mapping == (address, old_pages)).ok_or(Errno::EINVAL)?;
    if new_pages <= old_pages {
        for page in (new_pages..old_pages).map(|i| address + i * PAGE) {
            process.space.unmap(resources, page)?;
        }
        process.anonymous[index].1 = new_pages;
        return Ok(address);
    }
    if new_pages > process.space.quota() / PAGE {
        return Err(Errno::ENOMEM);
    }
    let start = process.next_anonymous;
    let next = start + (new_pages + 1) * PAGE;
    if next > layout::ANONYMOUS_LIMIT {
        return Err(Errno::ENOMEM);
    }
    let move_back = |process: &mut Process, resources: &mut Resources, moved: Word| {
        for i in 0..moved {
            let _ = process.space.move_page(resources, start + i * PAGE, address + i * PAGE);
        }
    };
    for i in 0..old_pages {
        if i % HEAP_CHECK_PAGES == HEAP_CHECK_PAGES - 1 {
            crate::heap::grow(resources, vspace);
        }
        if let Err(errno) = process.space.move_page(resources, address + i * PAGE, start + i * PAGE) {
            move_back(process, resources, i);
            return Err(errno);
        }
    }
    if let Err(errno) = map_range(process, resources, vspace, start + old_pages * PAGE, new_pages - old_pages) {
        move_back(process, resources, old_pages);
        return Err(errno);
    }
    process.anonymous[index] = (start, new_pages);
    process.next_anonymous = next;
    Ok(start)
}

fn map_anonymous(
    process: &mut Process,
    resources: &mut Resources,
    vspace: &mut VSpace,
    length: Word,
) -> Result<Word, Errno> {
    let pages = layout::pages_for(length).filter(|&p| p > 0).ok_or(Errno::EINVAL)?;
    if pages > process.space.quota() / PAGE {
        return Err(Errno::ENOMEM);
    }
    let start = process.next_anonymous;
    // A guard page after each mapping.
    let next = start + (pages + 1) * PAGE;
    if next > layout::ANONYMOUS_LIMIT {
        return Err(Errno::ENOMEM);
    }
    map_range(process, resources, vspace, start, pages)?;
    process.anonymous.push((start, pages));
    process.next_anonymous = next;
    Ok(start)
}

/// Unmaps the pages of `address..address + length` that anonymous mappings hold (as
/// `munmap`: parts of mappings too, and a range holding none is no error); `EINVAL` for
/// an unaligned address or an empty or wrapping range.
fn unmap(process: &mut Process, resources: &mut Resources, address: Word, length: Word) -> Result<(), Errno> {
    let pages = layout::pages_for(length).filter(|&p| p > 0).ok_or(Errno::EINVAL)?;
    let end = pages.checked_mul(PAGE).and_then(|bytes| address.checked_add(bytes)).ok_or(Errno::EINVAL)?;
    if address % PAGE != 0 {
        return Err(Errno::EINVAL);
    }
    let mut kept = Vec::new();
    kept.try_reserve(process.anonymous.len() + 1).map_err(|_| Errno::ENOMEM)?;
    for &(start, count) in &process.anonymous {
        let stop = start + count * PAGE;
        let (from, to) = (start.max(address), stop.min(end));
        if from >= to {
            kept.push((start, count));
            continue;
        }
        for page in (from..to).step_by(PAGE as usize) {
            let _ = process.space.unmap(resources, page); // (every page of a mapping is mapped)
        }
        // What is left of it on either side stays a mapping of its own.
        kept.extend([(start, (from - start) / PAGE), (to, (stop - to) / PAGE)].into_iter().filter(|&(_, n)| n > 0));
    }
    process.anonymous = kept;
    Ok(())
}
