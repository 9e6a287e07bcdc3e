//! Files, end to end: `fstest` modes run as processes against the VFS and the file
//! servers (ramfs, devices, pipes), each a process of its own. A mode exits non-zero and
//! says why on the first thing that is wrong.

use super::Outcome;
use crate::monitor::spawn_and_wait;
use crate::{check_eq, ok, Env};
use uxrt_protocols::WaitStatus;

/// Runs `PROGRAM ARGS...` (`argv` whole) and expects it to succeed.
pub(super) fn succeeds(env: &mut Env, argv: &[&str]) -> Outcome {
    check_eq!(ok!(spawn_and_wait(env, argv, &[])), WaitStatus::Exited(0));
    Ok(())
}

/// Runs `fstest ARGS...` and expects it to succeed.
fn fstest(env: &mut Env, args: &[&str]) -> Outcome {
    let mut all = alloc::vec!["/bin/fstest"];
    all.extend_from_slice(args);
    succeeds(env, &all)
}

pub fn open_read_write_seek_stat_dup(env: &mut Env) -> Outcome {
    fstest(env, &["files"])
}

pub fn directories_and_mounts(env: &mut Env) -> Outcome {
    fstest(env, &["directories"])
}

pub fn bad_input_gets_errors(env: &mut Env) -> Outcome {
    fstest(env, &["errors"])
}

pub fn devices(env: &mut Env) -> Outcome {
    fstest(env, &["devices"])
}

pub fn pipe_semantics(env: &mut Env) -> Outcome {
    fstest(env, &["pipe"])
}

pub fn written_by_one_read_by_another(env: &mut Env) -> Outcome {
    fstest(env, &["write", "/tmp/shared", "100000"])?;
    fstest(env, &["read", "/tmp/shared", "100000"])?;
    fstest(env, &["remove", "/tmp/shared"])
}

pub fn one_mib_copied_with_checksum(env: &mut Env) -> Outcome {
    fstest(env, &["copy", "1048576"])
}

pub fn read_and_write_bypass_the_vfs(env: &mut Env) -> Outcome {
    fstest(env, &["vfs-counter"])
}

pub fn pipe_between_processes(env: &mut Env) -> Outcome {
    fstest(env, &["pipe-processes", "200000"])
}

pub fn client_killed_in_a_blocking_read(env: &mut Env) -> Outcome {
    fstest(env, &["killed-while-blocked"])
}

/// What a crashed or killed process held open is closed for it.
pub fn dead_processes_files_are_closed(env: &mut Env) -> Outcome {
    fstest(env, &["dead-ends"])
}
