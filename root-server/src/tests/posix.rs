//! C programs built with gcc against uxrt's C library (musl over posix-shim) print exactly
//! what the same source prints built against the host's libc on Linux (`/etc/expected/`,
//! made by `cargo xtask`).

use super::files::succeeds;
use super::Outcome;
use crate::monitor::spawn_and_wait;
use crate::{check, check_eq, ok, programs, Env};
use uxrt_protocols::WaitStatus;

fn same_as_on_the_host(env: &mut Env, test: &str) -> Outcome {
    let expected = alloc::format!("/etc/expected/ctest-{test}");
    let program = alloc::format!("/bin/ctest-{test}");
    succeeds(env, &["/bin/expect", &expected, &program])
}

pub fn files_and_stdio(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "files")
}

/// musl itself: formatting, parsing, sorting, jumps, time, regex, malloc, constructors.
pub fn c_library(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "libc")
}

/// musl's stdio over uxrt's files and pipes (`fopen`, `fdopen`: posix-shim's).
pub fn streams(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "streams")
}

/// The memory limit lowered and raised again, mremap, large reallocs.
pub fn memory_limits(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "memory_limits")
}

/// posix_spawn with file actions, posix_spawnp, their errors.
pub fn spawn(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "spawn")
}

/// Directory streams: opendir, readdir, rewinddir, scandir.
pub fn directories(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "directories")
}

/// The *at calls with AT_FDCWD and absolute paths; readlink.
pub fn at_calls(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "at_calls")
}

/// Symbolic links: made, read, followed (across mounts), not followed, looping.
pub fn symlinks(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "symlinks")
}

/// execve: the same pid, the open files kept or closed, the parent's wait.
pub fn exec(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "exec")
}

/// Signals a process sends itself, SIGPIPE, default actions seen by the parent.
pub fn signals(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "signals")
}

/// Process groups: POSIX_SPAWN_SETPGROUP, getpgid, kill(-group).
pub fn process_groups(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "process_groups")
}

/// system and popen/pclose: a shell command's status, its output read, its input written.
pub fn system_popen(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "system_popen")
}

/// Named pipes: mkfifo/mknod, opens that wait for the other end or fail ENXIO, EOF and
/// a new writer after it, EPIPE.
pub fn named_pipes(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "fifos")
}

/// poll on named pipes: several opens of one FIFO each hear of writes.
#[cfg(notification_queues)]
pub fn named_pipes_polled(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "fifo_poll")
}

/// epoll instances as fds: fcntl, dup, poll and select of one, one in another, ELOOP.
#[cfg(notification_queues)]
pub fn epoll_fds(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "epoll_fds")
}

/// epoll instances a child gets (posix_spawn, execve, moved by file actions), and the
/// EPOLL_CLOEXEC one it does not.
#[cfg(notification_queues)]
pub fn epoll_inherited(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "epoll_inherit")
}

/// Access, modification and change times: relatime, utimensat and its relatives.
pub fn file_times(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "times")
}

pub fn sync_and_pipe_size(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "sync_pipe_size")
}

pub fn anonymous_mappings(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "mapping")
}

pub fn limits_clock_and_positioned_io(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "limits_time")
}

pub fn descriptors_and_limits(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "descriptors")
}

#[cfg(notification_queues)]
pub fn pipes_and_poll(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "pipes")
}

/// Signals from other processes and alarm(): handlers interrupt a busy loop, a pipe
/// read (EINTR, SA_RESTART), poll and waitpid; masks; SIGCHLD through a self-pipe.
#[cfg(notification_queues)]
pub fn signal_delivery(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "signal_delivery")
}

/// SIGSTOP, SIGTSTP and SIGCONT seen through waitpid's WUNTRACED and WCONTINUED.
#[cfg(notification_queues)]
pub fn job_control(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "job_control")
}

#[cfg(notification_queues)]
pub fn epoll_errors(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "epoll_errors")
}

#[cfg(notification_queues)]
pub fn select_and_epoll(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "select_epoll")
}

/// The shell's corpus (`apps/sh/corpus`): each script prints, with uxrt's `sh`, what it
/// printed under Debian's dash (`/etc/expected/sh-NAME`), its exit status included.
pub fn shell_scripts(env: &mut Env) -> Outcome {
    let list = ok!(programs::find("/etc/sh-corpus/list"));
    let list = ok!(core::str::from_utf8(list).map_err(|_| "not UTF-8"));
    let mut failed = alloc::vec::Vec::new();
    for name in list.lines() {
        let expected = alloc::format!("/etc/expected/sh-{name}");
        let script = alloc::format!("/etc/sh-corpus/{name}.sh");
        let argv = ["/bin/expect", &expected, "/bin/sh", "/etc/sh-corpus/run.sh", &script];
        let status = ok!(spawn_and_wait(env, &argv, &[]));
        if status != WaitStatus::Exited(0) {
            failed.push(name);
        }
    }
    check!(failed.is_empty(), "{} of {} scripts differ from dash: {failed:?}", failed.len(), list.lines().count());
    Ok(())
}

/// Programs built from C that nobody here wrote (Lua, SQLite, zlib, from their crates.io
/// packages) print what their host builds print, for every `check` of their
/// `build.conf`: `cargo xtask` lists them in `/etc/checks/list`, one
/// `EXPECTED PROGRAM ARGS...` a line.
pub fn real_programs(env: &mut Env) -> Outcome {
    let list = ok!(programs::find("/etc/checks/list"));
    let list = ok!(core::str::from_utf8(list).map_err(|_| "not UTF-8"));
    let mut checked = 0;
    for line in list.lines() {
        let mut argv = alloc::vec!["/bin/expect"];
        argv.extend(line.split_whitespace());
        let status = ok!(spawn_and_wait(env, &argv, &[]));
        check!(status == WaitStatus::Exited(0), "`{line}` ended {status:?}");
        checked += 1;
    }
    check_eq!(checked, list.lines().count());
    check!(checked >= 3, "only {checked} checks listed");
    Ok(())
}
