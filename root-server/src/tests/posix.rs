//! C programs built with gcc against uxrt's C library (musl over posix-shim) print exactly
//! what the same source prints built against the host's libc on Linux (`/etc/expected/`,
//! made by `cargo xtask`).

use super::files::succeeds;
use super::Outcome;
use crate::Env;

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

pub fn sync_and_pipe_size(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "sync_pipe_size")
}

pub fn anonymous_mappings(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "mapping")
}

pub fn limits_clock_and_positioned_io(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "limits_time")
}

/// (A non-blocking read of an empty pipe needs notification queues.)
#[cfg(notification_queues)]
pub fn descriptors_and_limits(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "descriptors")
}

#[cfg(notification_queues)]
pub fn pipes_and_poll(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "pipes")
}

#[cfg(notification_queues)]
pub fn epoll_errors(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "epoll_errors")
}

#[cfg(notification_queues)]
pub fn select_and_epoll(env: &mut Env) -> Outcome {
    same_as_on_the_host(env, "select_epoll")
}
