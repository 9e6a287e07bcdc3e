//! Processes: spawn, exit, wait, kill, ids.

use crate::sys;
use alloc::vec::Vec;
use uxrt_protocols::args::packed;
use uxrt_protocols::process::{FdMap, ProcessInfo, Request, UserBuffer};
use uxrt_protocols::{Errno, Pid, Signal};

pub use crate::children::{try_wait, wait, wait_for_change, wait_pid};

/// Ends the process with `status` (its low 8 bits, as on Unix), closing its files.
pub fn exit(status: i32) -> ! {
    crate::fs::close_all();
    sys::call_no_return(Request::Exit { status: status as u8 })
}

/// Ends the process as killed by SIGABRT.
pub fn abort() -> ! {
    sys::call_no_return(Request::Abort)
}

/// Starts the program at `path` with `args` (`args[0]` is its name) and `env`
/// (`NAME=value` strings); returns the child's pid. The child gets this process's open
/// files (fds 0 to 63 not opened close-on-exec), at the same numbers.
pub fn spawn<A: AsRef<[u8]>, E: AsRef<[u8]>>(path: &str, args: &[A], env: &[E]) -> Result<Pid, Errno> {
    spawn_with_fds(path, args, env, &crate::fs::inheritable())
}

/// As [`spawn`], giving the child exactly the open files `fds` names: (fd in the child,
/// fd here), e.g. `[(0, pipe_read), (1, 1), (2, 2)]`. The child starts in this
/// process's working directory.
pub fn spawn_with_fds<A: AsRef<[u8]>, E: AsRef<[u8]>>(
    path: &str,
    args: &[A],
    env: &[E],
    fds: &[(u32, u32)],
) -> Result<Pid, Errno> {
    start(path, args, env, fds, false).inspect(|_| crate::children::started())
}

/// Replaces this process's program with the one at `path` (`execve`): the same process
/// (pid, parent, children) starts it with `args`, `env`, its working directory and the
/// open files that are not close-on-exec. Returns only on an error, with this process
/// as it was.
pub fn exec<A: AsRef<[u8]>, E: AsRef<[u8]>>(path: &str, args: &[A], env: &[E]) -> Errno {
    match start(path, args, env, &crate::fs::inheritable(), true) {
        Ok(_) => Errno::EIO, // (never: the root server does not answer a successful Exec)
        Err(errno) => errno,
    }
}

/// `Spawn` (or with `replace`, `Exec`) of the program at `path`.
fn start<A: AsRef<[u8]>, E: AsRef<[u8]>>(
    path: &str,
    args: &[A],
    env: &[E],
    fds: &[(u32, u32)],
    replace: bool,
) -> Result<Pid, Errno> {
    // libuxrt's own variables for the child: where it starts, and its epoll instances.
    let working_directory = crate::fs::changed_working_directory();
    let hidden = [
        working_directory.map(|cwd| [crate::env::WORKING_DIRECTORY, cwd.as_bytes()].concat()),
        crate::fs::epolls_for_child(fds),
    ];
    let envp = match hidden.iter().all(Option::is_none) {
        true => packed(env)?,
        false => {
            let given = env.iter().map(AsRef::as_ref).filter(|e| !crate::env::is_hidden(e));
            let entries: Vec<&[u8]> = given.chain(hidden.iter().flatten().map(Vec::as_slice)).collect();
            packed(&entries)?
        }
    };
    let argv = packed(args)?;
    // The child gets handles of its own (its closes are its own), not this process's.
    let handles = crate::fs::duplicate_for_child(fds)?;
    let fd_map = FdMap::pack(&handles);
    let [path, argv, envp, fds] = [path.as_bytes(), &argv, &envp, &fd_map].map(|bytes: &[u8]| UserBuffer::of(bytes));
    let request = match replace {
        false => Request::Spawn { path, argv, envp, fds },
        true => Request::Exec { path, argv, envp, fds },
    };
    match sys::call(request).results() {
        Ok([pid]) => {
            crate::fs::forget_for_child(&handles);
            Ok(pid as Pid)
        }
        Err(errno) => {
            crate::fs::close_for_child(&handles);
            Err(errno)
        }
    }
}

pub fn getpid() -> Pid {
    sys::call(Request::GetPid).results().map_or(0, |[pid]| pid as Pid)
}

pub fn getppid() -> Pid {
    sys::call(Request::GetParentPid).results().map_or(0, |[pid]| pid as Pid)
}

/// Ends process `pid` with `signal`; `None` only checks that it exists.
pub fn kill(pid: Pid, signal: Option<Signal>) -> Result<(), Errno> {
    let [] = sys::call(Request::Kill { pid, signal: signal.map_or(0, |s| s.0) }).results()?;
    Ok(())
}

/// Sends `signal` (`None`: only checks) to every process of process group `group` that
/// this process may signal.
pub fn kill_group(group: Pid, signal: Option<Signal>) -> Result<(), Errno> {
    let [] = sys::call(Request::KillGroup { group, signal: signal.map_or(0, |s| s.0) }).results()?;
    Ok(())
}

/// Puts process `pid` (0: this one; or a child of it) in process group `group` (0: a new
/// group named by `pid`), a group of this process's session.
pub fn set_process_group(pid: Pid, group: Pid) -> Result<(), Errno> {
    let [] = sys::call(Request::SetProcessGroup { pid, group }).results()?;
    Ok(())
}

/// `setsid`: this process leads a new session and process group; its pid.
pub fn new_session() -> Result<Pid, Errno> {
    let [session] = sys::call(Request::NewSession).results()?;
    Ok(session as Pid)
}

/// The session of `pid` (0: this process).
pub fn session_id(pid: Pid) -> Result<Pid, Errno> {
    let [session] = sys::call(Request::SessionId { pid }).results()?;
    Ok(session as Pid)
}

/// The process group of `pid` (0: this process).
pub fn process_group(pid: Pid) -> Result<Pid, Errno> {
    let [group] = sys::call(Request::ProcessGroup { pid }).results()?;
    Ok(group as Pid)
}

/// The processes that exist now, in pid order (each row is read when the iteration
/// reaches it, so a process may end or start meanwhile).
pub fn processes() -> impl Iterator<Item = ProcessInfo> {
    let mut from: Pid = 0;
    core::iter::from_fn(move || {
        let words = sys::call(Request::ProcessInfo { from }).results().ok()?;
        let row = ProcessInfo::decode(words).ok()?;
        from = row.pid.checked_add(1)?;
        Some(row)
    })
}

/// Runs a command of the root server's monitor (`info`, `test`, `bench`, ...), which
/// prints on the system console; returns its status.
pub fn monitor(command: &str) -> Result<u8, Errno> {
    let [status] = sys::call(Request::Monitor { command: UserBuffer::of(command.as_bytes()) }).results()?;
    Ok(status as u8)
}
