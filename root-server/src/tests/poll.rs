//! poll, epoll and waiting for children on a process's notification queue: `polltest`
//! modes, each a process that exits non-zero and says why on the first thing wrong.

use super::files::succeeds;
use super::Outcome;
use crate::Env;

pub fn pipe_and_file_readiness(env: &mut Env) -> Outcome {
    succeeds(env, &["/bin/polltest", "semantics"])
}

pub fn timeouts(env: &mut Env) -> Outcome {
    succeeds(env, &["/bin/polltest", "timeouts"])
}

pub fn children_in_the_same_wait(env: &mut Env) -> Outcome {
    succeeds(env, &["/bin/polltest", "children"])
}

pub fn epoll_level_edge_one_shot(env: &mut Env) -> Outcome {
    succeeds(env, &["/bin/polltest", "epoll"])
}

/// A pipe end watched by two processes and by two fds of one: a write wakes all.
pub fn shared_end_wakes_every_watcher(env: &mut Env) -> Outcome {
    succeeds(env, &["/bin/polltest", "shared"])
}

/// A pipe's read end leased to its one holder: readiness, edges, wake-ups, the fallback
/// when it is shared, a stream, end of file (`polltest rings`).
pub fn pipe_read_end_leased(env: &mut Env) -> Outcome {
    succeeds(env, &["/bin/polltest", "rings"])
}

/// N fds from 1 to 16384 (pipes: twice as many fds held), k = 1 and 16 ready.
pub fn n_fds_k_ready(env: &mut Env) -> Outcome {
    for n in ["1", "16", "64", "65", "256", "1024", "4096", "16384"] {
        for k in ["1", "16"] {
            succeeds(env, &["/bin/polltest", "scale", n, k])?;
        }
    }
    Ok(())
}
