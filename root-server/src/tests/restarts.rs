//! A server that crashes is started again, and hangs nobody (issue 16): the test ends
//! ramfs, pipes and the reaper as a crash would, while `fstest server-died` is blocked
//! in a read of a pipe; that process must get `EIO`, then `EBADF` from its old fds, and
//! find the new servers serving. The VFS crashes too, in a test of its own: its clients
//! keep their working directories and open files. After each, the health check must
//! find paths, a pipeline, spawn, the console and the reaper's end-of-file working for
//! everyone.

use super::files::succeeds;
use super::{Failure, Outcome};
use crate::monitor::spawn;
use crate::process::server::{kill_reported, serve_one, set_signal_alarm, wait_for};
use crate::{check, check_eq, ok, Env};
use uxrt_protocols::{Signal, WaitStatus};

/// The servers the test ends.
const CRASHED: [&str; 3] = ["/bin/pipes", "/bin/ramfs", "/bin/reaper"];
/// Time the victim has to open its files and block (microseconds): its setup takes a
/// few milliseconds even under QEMU.
const SETUP_US: u64 = 300_000;

pub fn servers_restart_after_a_crash(env: &mut Env) -> Outcome {
    let victim = spawn_blocked(env, "server-died")?;
    crash_and_restart(env, &CRASHED)?;
    check_eq!(ok!(wait_for(env, victim)), WaitStatus::Exited(0));
    succeeds(env, &["/bin/hostile", "health"])
}

/// The VFS crashes while `fstest vfs-died` waits in a pipe read, in a working directory
/// of its own: the VFS is started again, the test's `SIGUSR1` ends the read, and the
/// process must find its working directory, its open files and new paths and pipes
/// working (it attaches to the new VFS when that answers `ENOBUFS`). Then the health
/// check, which attaches new processes to it. (Only on a kernel with queues: without,
/// a blocked read waits in the pipes server, where no signal ends it.)
#[cfg(notification_queues)]
pub fn vfs_restart_after_a_crash(env: &mut Env) -> Outcome {
    let victim = spawn_blocked(env, "vfs-died")?;
    crash_and_restart(env, &["/bin/vfs"])?;
    {
        let Env { processes, resources, vspace, .. } = env;
        processes.send_signal(resources, vspace, victim, Signal::SIGUSR1);
    }
    check_eq!(ok!(wait_for(env, victim)), WaitStatus::Exited(0));
    succeeds(env, &["/bin/hostile", "health"])
}

/// The pipes server crashes while `fstest leased-died` waits in a read of a pipe whose
/// read end is leased to it (its bytes in a ring it shares with the server), holding a
/// second leased end with no read under way. The root server gives it zeroed pages in
/// place of both rings and tells its queue: the blocked read must fail with `EIO`, and
/// so must the other end's next read (never a ring of zeros taken for bytes), then both
/// go through the new server (`EBADF`), whose new pipes lease again. (On the old code the
/// blocked read never returned.)
///
/// `fstest poll-died` waits in `poll` (no timeout) on two pipes meanwhile: the root
/// server tells every process that a server ended, the poll must return with both in
/// error and hung up (on the old code it waited for ever).
#[cfg(notification_queues)]
pub fn leased_pipes_after_a_pipes_crash(env: &mut Env) -> Outcome {
    let victims = [spawn_blocked(env, "leased-died")?, spawn_blocked(env, "poll-died")?];
    crash_and_restart(env, &["/bin/pipes"])?;
    for victim in victims {
        check_eq!(ok!(wait_for(env, victim)), WaitStatus::Exited(0));
    }
    succeeds(env, &["/bin/hostile", "health"])
}

/// Starts `fstest MODE` and serves until it has surely blocked: its alarm (which it
/// ignores) tells this test when; on one core, with the root server idle, it runs
/// until its read waits.
fn spawn_blocked(env: &mut Env, mode: &str) -> Result<uxrt_protocols::Pid, Failure> {
    let victim = ok!(spawn(env, &["/bin/fstest", mode], &[]));
    let deadline = crate::rdtsc() + SETUP_US * env.tsc_mhz;
    ok!(set_signal_alarm(env, victim, deadline));
    while env.processes.alarm_pending(victim) {
        serve_one(env);
    }
    check!(env.processes.get(victim).is_some(), "the victim ended before the crash");
    Ok(victim)
}

/// Ends the servers running `programs` as a crash would, and checks each was started
/// again under a new pid.
fn crash_and_restart(env: &mut Env, programs: &[&str]) -> Outcome {
    let mut before = alloc::vec::Vec::new();
    for program in programs {
        let pid = env.servers.pid_of(program).ok_or_else(|| Failure(alloc::format!("no {program} runs")))?;
        let Env { processes, resources, vspace, .. } = env;
        let what = "SIGSEGV (ended by the test, as a crash would)";
        kill_reported(processes, resources, vspace, pid, what, None, WaitStatus::Signaled(Signal::SIGSEGV));
        before.push(pid);
    }
    crate::servers::restart_ended(env);
    for (program, old) in programs.iter().zip(before) {
        let new = env.servers.pid_of(program);
        check!(new.is_some_and(|new| new != old), "{program} (pid {old}) was not restarted: {new:?}");
    }
    Ok(())
}

/// The devices server crashes: it is started again, with the console's interrupt, and
/// gives the root server a new console; processes open `/dev/console` and use it.
pub fn devices_restart_after_a_crash(env: &mut Env) -> Outcome {
    let program = "/bin/devices";
    let old = env.servers.pid_of(program).ok_or_else(|| Failure(alloc::format!("no {program} runs")))?;
    {
        let Env { processes, resources, vspace, .. } = env;
        let what = "SIGSEGV (ended by the test, as a crash would)";
        kill_reported(processes, resources, vspace, old, what, None, WaitStatus::Signaled(Signal::SIGSEGV));
    }
    crate::servers::restart_ended(env);
    let new = env.servers.pid_of(program);
    check!(new.is_some_and(|new| new != old), "{program} (pid {old}) was not restarted: {new:?}");
    // The new server gives the console as it starts (what this test starts gets it).
    while env.processes.console.is_none() {
        serve_one(env);
    }
    succeeds(env, &["/bin/hostile", "health"])
}
