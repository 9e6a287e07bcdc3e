//! Processes, end to end: programs from the image archive started by the root server,
//! run, faulting, spawning each other. Every test also checks (in the harness) that all
//! the memory and slots the processes had came back.

use super::Outcome;
use crate::monitor::{spawn, spawn_and_wait};
use crate::process::server;
use crate::{check, check_eq, ok, Env};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use uxrt_protocols::{Errno, Signal, WaitStatus};

const PROCTEST: &str = "/bin/proctest";

fn proctest(env: &mut Env, args: &[&str]) -> Result<WaitStatus, Errno> {
    let mut all = alloc::vec![PROCTEST];
    all.extend_from_slice(args);
    spawn_and_wait(env, &all, &[])
}

/// Runs `proctest MODE...` and expects it to succeed.
fn proctest_passes(env: &mut Env, args: &[&str]) -> Outcome {
    check_eq!(ok!(proctest(env, args)), WaitStatus::Exited(0));
    Ok(())
}

pub fn exit_status_arrives(env: &mut Env) -> Outcome {
    for status in [0u8, 1, 42, 255] {
        let text = format!("{status}");
        check_eq!(ok!(proctest(env, &["exit", &text])), WaitStatus::Exited(status));
    }
    Ok(())
}

pub fn two_hundred_one_after_another(env: &mut Env) -> Outcome {
    proctest_passes(env, &["serial", "200"])
}

pub fn thirty_two_at_once(env: &mut Env) -> Outcome {
    proctest_passes(env, &["parallel", "32"])
}

/// The `i`-th generated argument (as `proctest args` expects it).
fn pattern(i: usize, length: usize) -> String {
    let mut text = format!("arg{i}:");
    while text.len() < length {
        text.push((b'a' + (text.len() % 26) as u8) as char);
    }
    text
}

pub fn arguments_arrive_intact(env: &mut Env) -> Outcome {
    // From the root server: many arguments, one of 30 000 bytes, and an environment.
    let count = 1000;
    let mut owned: Vec<String> = ["proctest", "args"].iter().map(|s| String::from(*s)).collect();
    owned.extend([format!("{count}"), String::from("30000"), String::from("50")]);
    for i in 0..count {
        owned.push(pattern(i, if i + 1 == count { 30_000 } else { 8 + i % 40 }));
    }
    let args: Vec<&str> = core::iter::once(PROCTEST).chain(owned.iter().skip(1).map(String::as_str)).collect();
    let vars: Vec<String> = (0..50).map(|i| format!("VAR{i}=value {i} with spaces")).collect();
    let vars: Vec<&str> = vars.iter().map(String::as_str).collect();
    check_eq!(ok!(spawn_and_wait(env, &args, &vars)), WaitStatus::Exited(0));
    // From one process to another, and an oversized list refused.
    proctest_passes(env, &["spawn-args", "300"])
}

pub fn bad_requests_get_errors(env: &mut Env) -> Outcome {
    check_eq!(spawn(env, &["/bin/no-such-program"], &[]), Err(Errno::ENOENT));
    check_eq!(spawn(env, &["bin/proctest"], &[]), Err(Errno::ENOENT));
    check_eq!(spawn(env, &["/etc/motd"], &[]), Err(Errno::ENOEXEC));
    check_eq!(spawn(env, &[], &[]), Err(Errno::EINVAL));
    proctest_passes(env, &["errors"])
}

/// Each way of crashing ends that process only, with the signal that says why.
pub fn faults_kill_only_the_process(env: &mut Env) -> Outcome {
    let ways = [
        ("null", Signal::SIGSEGV),
        ("write-text", Signal::SIGSEGV),
        ("illegal", Signal::SIGILL),
        ("jump", Signal::SIGSEGV),
        ("divide", Signal::SIGFPE),
        ("bad-cap", Signal::SIGSYS),
        ("bad-syscall", Signal::SIGSYS),
        ("linux-syscall", Signal::SIGSYS),
        ("stack", Signal::SIGSEGV),
        ("oom", Signal::SIGABRT),
    ];
    for (way, signal) in ways {
        let status = ok!(spawn_and_wait(env, &["/bin/crash", way], &[]));
        check!(status == WaitStatus::Signaled(signal), "crash {way} ended {status:?}, expected {signal}");
        // The system goes on: the next process runs normally.
        check_eq!(ok!(proctest(env, &["exit", "7"])), WaitStatus::Exited(7));
    }
    Ok(())
}

pub fn kill_wait_and_ids(env: &mut Env) -> Outcome {
    proctest_passes(env, &["kill"])?;
    proctest_passes(env, &["ids", "0"])?;
    // The root server kills a child of its own, as a parent would.
    let pid = ok!(spawn(env, &[PROCTEST, "spin"], &[]));
    env.processes.terminate(&mut env.resources, &mut env.vspace, pid, WaitStatus::Signaled(Signal::SIGKILL));
    check_eq!(ok!(server::wait_for(env, pid)), WaitStatus::Signaled(Signal::SIGKILL));
    Ok(())
}

pub fn memory_grows_and_is_limited(env: &mut Env) -> Outcome {
    proctest_passes(env, &["memory"])
}

/// Children whose parent ended are reaped by the root server.
pub fn orphans_are_reaped(env: &mut Env) -> Outcome {
    let ended = env.processes.ended;
    // (The servers, the shell and whoever asked for the test stay.)
    let before: alloc::vec::Vec<uxrt_protocols::Pid> = env.processes.iter().map(|p| p.pid).collect();
    proctest_passes(env, &["orphans", "5"])?;
    while env.processes.iter().any(|p| !before.contains(&p.pid)) {
        server::serve_one(env);
    }
    check_eq!(env.processes.ended, ended + 6);
    check_eq!(env.processes.zombie_count(), 0);
    Ok(())
}

/// A thousand spawns of `true`, one after another, leave free memory and slots exactly as
/// they were (after one first, which may bring the program's shared text in).
pub fn a_thousand_spawns_leave_everything_as_it_was(env: &mut Env) -> Outcome {
    check_eq!(ok!(spawn_and_wait(env, &["/bin/true"], &[])), WaitStatus::Exited(0));
    let before = super::holdings(env);
    for _ in 0..1000 {
        check_eq!(ok!(spawn_and_wait(env, &["/bin/true"], &[])), WaitStatus::Exited(0));
    }
    let after = super::holdings(env);
    crate::println!("spawns: 1000 of /bin/true: (free bytes, free slots) {before:?} before, {after:?} after");
    check_eq!(after, before);
    Ok(())
}

/// A process running `true` holds at most 256 KiB in all, kernel objects included (its
/// CNode, TCB, paging structures, stack, data and IPC buffer; the program's text is shared).
pub fn a_small_process_is_small(env: &mut Env) -> Outcome {
    let pid = ok!(spawn(env, &["/bin/true"], &[]));
    // (The root server runs above it: it has not run yet, and holds what it starts with.)
    let memory = env.processes.get(pid).map(|p| p.memory());
    check_eq!(ok!(server::wait_for(env, pid)), WaitStatus::Exited(0));
    let memory = ok!(memory.ok_or(Errno::ESRCH));
    crate::println!("spawns: /bin/true holds {} KiB in all", memory >> 10);
    check!(memory <= 256 << 10);
    Ok(())
}
