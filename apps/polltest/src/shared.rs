//! One pipe end watched by several: two processes (the read end inherited) and two fds of
//! one process (a dup). Each watcher subscribes its own notification, and a write must
//! wake every one of them; none may lose its wake-up to another's subscription.

use crate::poll_once;
use uxrt::events::{self, PollFd, POLLIN};
use uxrt::fs;
use uxrt::{ensure, must, WaitStatus};

/// How long a watcher waits before the test calls its wake-up lost.
const PATIENCE_US: u64 = 5_000_000;

/// The test: a child watches the read end first, then this process watches it through
/// two fds; one write must wake all three watches.
pub fn run() -> i32 {
    let (read, write) = must!(fs::pipe());
    let (ready_read, ready_write) = must!(fs::pipe());
    let child = must!(uxrt::process::spawn_with_fds(
        "/bin/polltest",
        &["polltest", "shared-watcher"],
        &[] as &[&str],
        &[(0, read), (1, ready_write), (2, fs::STDERR)]
    ));
    must!(fs::close(ready_write));
    // The child says it has subscribed (its first poll) before this process does.
    let mut byte = [0; 1];
    ensure!(must!(fs::read(ready_read, &mut byte)) == 1, "the watcher did not start");
    let dup = must!(fs::dup(read));
    ensure!(must!(poll_once(&[read, dup], POLLIN, Some(0))) == [0, 0], "an empty pipe is readable");

    must!(fs::write(write, b"xy"));
    let revents = must!(poll_once(&[read, dup], POLLIN, Some(PATIENCE_US)));
    ensure!(revents == [POLLIN, POLLIN], "this process's two watches saw {revents:?}");
    // The child, subscribed first, must have been woken too: it reads a byte and exits 0.
    let mut none: [PollFd; 0] = [];
    let (_, ended) = must!(events::poll_and_wait(&mut none, Some(PATIENCE_US), true));
    let Some((pid, status)) = ended else {
        uxrt::eprintln!("polltest: shared: the first watcher was never woken");
        let _ = uxrt::process::kill(child, Some(uxrt::Signal::SIGKILL));
        let _ = uxrt::process::wait_pid(child);
        return 1;
    };
    ensure!(pid == child && status == WaitStatus::Exited(0), "the first watcher ended with {status:?}");
    let mut rest = [0; 2];
    ensure!(must!(fs::read(read, &mut rest)) == 1 && rest[0] == b'y', "the pipe lost or kept bytes");
    for fd in [read, write, dup, ready_read] {
        must!(fs::close(fd));
    }
    uxrt::println!("polltest: shared: a write woke two processes and two fds of one");
    0
}

/// The child: subscribes to fd 0, says so on fd 1, waits for a byte and takes it.
pub fn watcher() -> i32 {
    ensure!(must!(poll_once(&[0], POLLIN, Some(0))) == [0], "the pipe is readable before any write");
    must!(fs::write(1, b"s"));
    let revents = must!(poll_once(&[0], POLLIN, Some(PATIENCE_US)));
    ensure!(revents == [POLLIN], "the first watcher saw {revents:?} (its wake-up was lost)");
    let mut byte = [0; 1];
    ensure!(must!(fs::read(0, &mut byte)) == 1 && byte[0] == b'x', "the first watcher read the wrong byte");
    0
}
