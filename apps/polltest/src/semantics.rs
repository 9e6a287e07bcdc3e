//! poll on pipes and files: readable, writable, hang-up, error, invalid fds, non-blocking
//! transfers, timeouts, and children ending in the same wait.

use crate::{elapsed_us, now, poll_once};
use alloc::vec;
use uxrt::events::{self, PollFd, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT};
use uxrt::fs::{self, Flags};
use uxrt::{ensure, fails_with, must, println, Errno, WaitStatus};

const BOTH: i16 = POLLIN | POLLOUT;

pub fn run() -> i32 {
    let (read, write) = must!(fs::pipe());
    // An empty pipe: the write end is writable, the read end is not readable.
    ensure!(must!(poll_once(&[read, write], BOTH, Some(0))) == [0, POLLOUT], "empty pipe");
    // Level-triggered: data stays readable until it is read.
    must!(fs::write(write, b"ab"));
    for round in 0..2 {
        ensure!(must!(poll_once(&[read], POLLIN, Some(0))) == [POLLIN], "readable, round {round}");
    }
    let mut one = [0; 1];
    must!(fs::read(read, &mut one));
    ensure!(must!(poll_once(&[read], POLLIN, Some(0))) == [POLLIN], "one byte left");
    must!(fs::read(read, &mut one));
    ensure!(must!(poll_once(&[read], POLLIN, Some(0))) == [0], "drained pipe still readable");
    // Only what was asked for is reported.
    must!(fs::write(write, b"c"));
    ensure!(must!(poll_once(&[read], POLLOUT, Some(0))) == [0], "POLLIN reported unasked");
    // Non-blocking: EAGAIN on an empty pipe, and writes until full.
    must!(fs::set_nonblocking(read, true));
    must!(fs::read(read, &mut one));
    fails_with!(fs::read(read, &mut one), Errno::EAGAIN);
    must!(fs::set_nonblocking(write, true));
    let chunk = vec![7u8; 10_000];
    let mut total = 0;
    loop {
        match fs::write(write, &chunk) {
            Ok(n) => total += n,
            Err(Errno::EAGAIN) => break,
            Err(errno) => {
                uxrt::eprintln!("polltest: filling the pipe: {errno}");
                return 1;
            }
        }
    }
    ensure!(total == 64 * 1024, "a full pipe took {total} bytes");
    ensure!(must!(poll_once(&[read, write], BOTH, Some(0))) == [POLLIN, 0], "full pipe");
    // Writable again once a write of PIPE_BUF bytes (which goes in whole) would not wait.
    let mut big = vec![0u8; 1000];
    must!(fs::read(read, &mut big));
    ensure!(must!(poll_once(&[write], POLLOUT, Some(0))) == [0], "room for less than PIPE_BUF");
    let mut more = vec![0u8; 4096 - 1000];
    must!(fs::read(read, &mut more));
    ensure!(must!(poll_once(&[write], POLLOUT, Some(0))) == [POLLOUT], "room again");
    // Hang-up: with data left, readable and hung up; once drained, hung up only.
    must!(fs::close(write));
    ensure!(must!(poll_once(&[read], POLLIN, Some(0))) == [POLLIN | POLLHUP], "data and hang-up");
    let mut rest = vec![0u8; 64 * 1024];
    must!(fs::set_nonblocking(read, false));
    while must!(fs::read(read, &mut rest)) > 0 {}
    ensure!(must!(poll_once(&[read], POLLIN, Some(0))) == [POLLHUP], "hang-up alone");
    must!(fs::close(read));
    // The write end of a pipe without readers: error (and room).
    let (read, write) = must!(fs::pipe());
    must!(fs::close(read));
    ensure!(must!(poll_once(&[write], POLLOUT, Some(0))) == [POLLOUT | POLLERR], "no reader");
    must!(fs::close(write));
    // Files never block; closed fds are invalid; negative ones are skipped.
    let file = must!(fs::open("/etc/motd", Flags::READ_ONLY, 0));
    let mut set = [PollFd::new(file, BOTH), PollFd { fd: -1, events: POLLIN, revents: 7 }, PollFd::new(999, POLLIN)];
    ensure!(must!(events::poll(&mut set, Some(0))) == 2, "count");
    ensure!(
        set[0].revents == BOTH && set[1].revents == 0 && set[2].revents == POLLNVAL,
        "file/negative/closed: {set:?}"
    );
    must!(fs::close(file));
    // A dup of a watched fd is watched on its own; closing one leaves the other.
    let (read, write) = must!(fs::pipe());
    must!(poll_once(&[read], POLLIN, Some(0)));
    let copy = must!(fs::dup(read));
    must!(fs::close(read));
    must!(fs::write(write, b"d"));
    ensure!(must!(poll_once(&[copy], POLLIN, Some(0))) == [POLLIN], "dup after close");
    must!(fs::close(copy));
    must!(fs::close(write));
    println!("polltest: semantics: readable, writable, hang-up, error, invalid, level-triggered, non-blocking, dup");
    0
}

/// Timeouts: none, finite (elapsed at least the timeout), and an infinite wait another
/// process ends by writing.
pub fn timeouts() -> i32 {
    let (read, write) = must!(fs::pipe());
    ensure!(must!(poll_once(&[read], POLLIN, Some(0))) == [0], "timeout 0");
    for us in [1_000u64, 20_000] {
        let start = now();
        ensure!(must!(poll_once(&[read], POLLIN, Some(us))) == [0], "timeout {us} us");
        let waited = elapsed_us(start);
        ensure!(waited >= us && waited < us + 2_000_000, "waited {waited} us for {us}");
    }
    let start_sleep = now();
    must!(events::sleep_us(5_000));
    ensure!(elapsed_us(start_sleep) >= 5_000, "sleep");
    // A writer that sleeps 10 ms then writes: the infinite wait ends then.
    let child = must!(uxrt::process::spawn_with_fds(
        "/bin/polltest",
        &["polltest", "writer", "10000"],
        &[] as &[&str],
        &[(1, write), (2, 2)]
    ));
    let before = now();
    ensure!(must!(poll_once(&[read], POLLIN, None)) == [POLLIN], "woken by the writer");
    ensure!(elapsed_us(before) >= 5_000, "woke before the writer slept");
    ensure!(must!(uxrt::process::wait_pid(child)) == WaitStatus::Exited(0), "writer failed");
    must!(fs::close(read));
    must!(fs::close(write));
    println!("polltest: timeouts: 0, 1 ms, 20 ms, sleep, infinite until another process writes");
    0
}

/// `waitpid` in the same wait as fds: a child's end wakes a poll of a pipe that stays
/// empty; a child that ended before the wait is found at once; fds still win when ready.
pub fn children() -> i32 {
    let (read, write) = must!(fs::pipe());
    let spawn = |us: &str, status: &str| {
        uxrt::process::spawn_with_fds("/bin/polltest", &["polltest", "sleeper", us, status], &[] as &[&str], &[(2, 2)])
    };
    let child = must!(spawn("10000", "7"));
    let mut set = [PollFd::new(read, POLLIN)];
    let (count, ended) = must!(events::poll_and_wait(&mut set, None, true));
    ensure!(count == 0 && ended == Some((child, WaitStatus::Exited(7))), "child's end: {count} {ended:?}");
    // Ended before the wait.
    let child = must!(spawn("0", "3"));
    while must!(uxrt::process::kill(child, None).map(|_| true).or_else(|e| if e == Errno::ESRCH {
        Ok(false)
    } else {
        Err(e)
    })) {
        must!(events::sleep_us(1_000));
    }
    let (_, ended) = must!(events::poll_and_wait(&mut set, Some(1_000_000), true));
    ensure!(ended == Some((child, WaitStatus::Exited(3))), "ended before the wait: {ended:?}");
    // A ready fd is reported even with a child running; the child is waited for later.
    let child = must!(spawn("20000", "0"));
    must!(fs::write(write, b"x"));
    let (count, ended) = must!(events::poll_and_wait(&mut set, None, true));
    ensure!(count == 1 && ended.is_none() && set[0].revents == POLLIN, "fd first: {count} {ended:?}");
    let mut one = [0; 1];
    must!(fs::read(read, &mut one));
    let (count, ended) = must!(events::poll_and_wait(&mut set, None, true));
    ensure!(count == 0 && ended == Some((child, WaitStatus::Exited(0))), "then the child: {ended:?}");
    must!(fs::close(read));
    must!(fs::close(write));
    println!("polltest: children: an end wakes the wait, one before the wait is found, fds first");
    0
}
