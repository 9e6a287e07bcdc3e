//! A hostile process cannot stop the system (issue 16): each attack of `apps/hostile`
//! runs as an ordinary process and must find itself refused or limited; then the health
//! check must find paths, a pipeline, spawn, the console and the reaper working for
//! everyone. The suite's leak check then requires every byte and slot the attack made
//! anyone keep to be back.

use super::files::succeeds;
use super::Outcome;
use crate::monitor::spawn;
use crate::process::server::wait_for;
use crate::process::sessions::MAX_SESSIONS;
use crate::{check, check_eq, ok, Env};
use uxrt_protocols::{Errno, Pid, Signal, WaitStatus};

/// Runs `hostile ATTACK`, then `hostile health`.
fn survives(env: &mut Env, attack: &str) -> Outcome {
    succeeds(env, &["/bin/hostile", attack])?;
    succeeds(env, &["/bin/hostile", "health"])
}

pub fn kill_servers(env: &mut Env) -> Outcome {
    survives(env, "kill-servers")
}

pub fn wait_without_reply(env: &mut Env) -> Outcome {
    survives(env, "wait-without-reply")
}

pub fn reads_without_reply(env: &mut Env) -> Outcome {
    survives(env, "reads-without-reply")
}

pub fn reaper_given_root_endpoint(env: &mut Env) -> Outcome {
    survives(env, "reaper-given-root-endpoint")
}

pub fn debug_halt(env: &mut Env) -> Outcome {
    survives(env, "debug-halt")
}

pub fn spawn_bomb(env: &mut Env) -> Outcome {
    survives(env, "spawn-bomb")
}

pub fn memory_hogs(env: &mut Env) -> Outcome {
    survives(env, "memory-hogs")
}

pub fn many_shared_buffers(env: &mut Env) -> Outcome {
    survives(env, "many-shared-buffers")
}

pub fn subscribe_flood(env: &mut Env) -> Outcome {
    survives(env, "subscribe-flood")
}

pub fn close_inherited_twice(env: &mut Env) -> Outcome {
    survives(env, "close-inherited-twice")
}

pub fn overlong_requests(env: &mut Env) -> Outcome {
    survives(env, "overlong-requests")
}

pub fn charge_another(env: &mut Env) -> Outcome {
    survives(env, "charge-another")
}

/// Three attackers, 40 random attacks each, while files and a pipeline move checked data.
pub fn soak(env: &mut Env) -> Outcome {
    succeeds(env, &["/bin/hostile", "soak", "40"])?;
    succeeds(env, &["/bin/hostile", "health"])
}

pub fn many_names(env: &mut Env) -> Outcome {
    survives(env, "many-names")
}

pub fn many_full_pipes(env: &mut Env) -> Outcome {
    survives(env, "many-full-pipes")
}

pub fn set_foreground(env: &mut Env) -> Outcome {
    survives(env, "set-foreground")
}

pub fn slot_allocator(env: &mut Env) -> Outcome {
    survives(env, "slot-allocator")
}

pub fn transfer_windows(env: &mut Env) -> Outcome {
    survives(env, "transfer-windows")
}

/// A pipe's lessee scribbling on the ring it shares with the pipes server.
pub fn ring_scribble(env: &mut Env) -> Outcome {
    survives(env, "ring-scribble")
}

/// Sessions at their limits leave every other session its guarantee. A checker and as
/// many memory hogs as may start (at most 5, and one session's room left for the root
/// server's own growth: 3 on a fresh machine, 2 after the suite's earlier tests) are
/// started, each a session of its own, and the next session must be refused at its
/// start. The hogs take memory until refused; then the checker must still get 24 MiB.
/// (With the guarantees taken out, five hogs took 95, 95, 95, 95 and 47 MiB, and the
/// checker was refused its first.)
pub fn sessions_keep_their_guarantee(env: &mut Env) -> Outcome {
    let admissible = env.processes.sessions().admissible(&env.resources);
    let hogs = admissible.saturating_sub(2).min(5);
    check!(hogs >= 1, "room for {admissible} sessions only");
    let count = alloc::format!("{hogs}");
    let checker = ok!(spawn(env, &["/bin/hostile", "session-checker", &count], &[]));
    let mut started = alloc::vec::Vec::new();
    let mut unstarted = Ok(());
    for _ in 0..hogs {
        match spawn(env, &["/bin/hostile", "session-hog"], &[]) {
            Ok(pid) => started.push(pid),
            Err(errno) => unstarted = Err(errno),
        }
    }
    // Sessions more, until one is refused (those that start end before they run).
    let mut extra = alloc::vec::Vec::new();
    let refused = loop {
        match spawn(env, &["/bin/true"], &[]) {
            Ok(pid) if extra.len() < MAX_SESSIONS => extra.push(pid),
            Ok(pid) => break Ok(pid),
            Err(errno) => break Err(errno),
        }
    };
    for pid in extra.into_iter().chain(refused.ok()) {
        ok!(end_now(env, pid));
    }
    // (A checker short of a hog would wait for ever: it ends with them.)
    let checked = match unstarted {
        Ok(()) => wait_for(env, checker),
        Err(_) => end_now(env, checker),
    };
    for hog in started {
        env.processes.send_signal(&mut env.resources, &mut env.vspace, hog, Signal::SIGKILL);
        check_eq!(ok!(wait_for(env, hog)), WaitStatus::Signaled(Signal::SIGKILL));
    }
    check_eq!(unstarted, Ok(()));
    check_eq!(ok!(checked), WaitStatus::Exited(0));
    check_eq!(refused.map(drop), Err(Errno::ENOMEM));
    succeeds(env, &["/bin/hostile", "health"])
}

/// Ends `pid` (a child of the root server) at once, and reaps it.
fn end_now(env: &mut Env, pid: Pid) -> Result<WaitStatus, Errno> {
    env.processes.terminate(&mut env.resources, &mut env.vspace, pid, WaitStatus::Signaled(Signal::SIGKILL));
    wait_for(env, pid)
}
