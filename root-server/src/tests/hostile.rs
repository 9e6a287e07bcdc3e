//! A hostile process cannot stop the system (issue 16): each attack of `apps/hostile`
//! runs as an ordinary process and must find itself refused or limited; then the health
//! check must find paths, a pipeline, spawn, the console and the reaper working for
//! everyone. The suite's leak check then requires every byte and slot the attack made
//! anyone keep to be back.

use super::files::succeeds;
use super::Outcome;
use crate::monitor::spawn;
use crate::process::server::wait_for;
use crate::{check_eq, ok, Env};
use uxrt_protocols::{Signal, WaitStatus};

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

/// Sessions at their limits leave every other session its guarantee. A checker and four
/// memory hogs are started, each a session of its own; the hogs take memory until
/// refused; the checker must then still get 24 MiB. (Before sessions were owed
/// anything, the hogs took the root server's slots down to its reserve, and the checker
/// was refused its first MiB.)
pub fn sessions_keep_their_guarantee(env: &mut Env) -> Outcome {
    const HOGS: usize = 4;
    let count = alloc::format!("{HOGS}");
    let checker = ok!(spawn(env, &["/bin/hostile", "session-checker", &count], &[]));
    let mut hogs = alloc::vec::Vec::new();
    for _ in 0..HOGS {
        hogs.push(ok!(spawn(env, &["/bin/hostile", "session-hog"], &[])));
    }
    let checked = wait_for(env, checker);
    for hog in hogs {
        env.processes.send_signal(&mut env.resources, &mut env.vspace, hog, Signal::SIGKILL);
        check_eq!(ok!(wait_for(env, hog)), WaitStatus::Signaled(Signal::SIGKILL));
    }
    check_eq!(ok!(checked), WaitStatus::Exited(0));
    succeeds(env, &["/bin/hostile", "health"])
}
