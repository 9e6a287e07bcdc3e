//! A pipe's read end leased to its one holder (its bytes read from a ring shared with the
//! pipes server, with no call): the transitions (leased after a few reads; readable,
//! drained, hung up, woken by another process's write), `poll` and edge-triggered epoll
//! on it, and the fallback when the end is shared (a `dup` ends the lease, the unread
//! bytes come back through the server, and the lease comes again once it is alone).

use crate::poll_once;
use uxrt::events::{self, EpollEvent, EpollOp, EPOLLET, EPOLLIN, POLLHUP, POLLIN};
use uxrt::fs::{self, Fd};
use uxrt::{ensure, must, Errno, WaitStatus};

/// Reads through the server before the library asks for the lease, and some spare.
const WARM_UP: usize = 16;

fn read_byte(fd: Fd) -> Result<u8, Errno> {
    let mut byte = [0; 1];
    match fs::read(fd, &mut byte)? {
        1 => Ok(byte[0]),
        _ => Err(Errno::EIO),
    }
}

/// A byte through the pipe `WARM_UP` times: its read end is leased then.
fn warm_up(read: Fd, write: Fd) -> Result<(), Errno> {
    for i in 0..WARM_UP {
        fs::write(write, &[i as u8])?;
        if read_byte(read)? != i as u8 {
            return Err(Errno::EIO);
        }
    }
    Ok(())
}

pub fn run() -> i32 {
    let (read, write) = must!(fs::pipe());
    ensure!(!fs::is_leased(read), "a new pipe's read end is leased");
    must!(warm_up(read, write));
    ensure!(fs::is_leased(read), "the read end of a pipe read {WARM_UP} times is not leased");
    ensure!(!fs::is_leased(write), "a write end is leased");

    // Readiness: level-triggered poll follows the ring.
    ensure!(must!(poll_once(&[read], POLLIN, Some(0))) == [0], "an empty leased end polls readable");
    must!(fs::write(write, b"ab"));
    ensure!(must!(poll_once(&[read], POLLIN, Some(0))) == [POLLIN], "a written leased end is not readable");
    ensure!(must!(read_byte(read)) == b'a', "the first byte is wrong");
    ensure!(must!(poll_once(&[read], POLLIN, Some(0))) == [POLLIN], "a byte left, yet not readable");
    ensure!(must!(read_byte(read)) == b'b', "the second byte is wrong");
    ensure!(must!(poll_once(&[read], POLLIN, Some(0))) == [0], "a drained leased end polls readable");

    // Non-blocking: EAGAIN on the empty ring.
    must!(fs::set_nonblocking(read, true));
    let mut buffer = [0u8; 8];
    ensure!(fs::read(read, &mut buffer) == Err(Errno::EAGAIN), "a non-blocking read of an empty ring");
    must!(fs::set_nonblocking(read, false));

    // Edge-triggered epoll: one event per write, none without.
    let epoll = must!(events::epoll_create(false));
    must!(events::epoll_ctl(epoll, EpollOp::Add, read, EPOLLIN | EPOLLET, 7));
    let mut got = [EpollEvent::default(); 4];
    ensure!(must!(events::epoll_wait(epoll, &mut got, Some(0))) == 0, "an edge before any write");
    must!(fs::write(write, b"c"));
    ensure!(must!(events::epoll_wait(epoll, &mut got, Some(0))) == 1 && got[0].data == 7, "no edge for a write");
    ensure!(must!(events::epoll_wait(epoll, &mut got, Some(0))) == 0, "an edge twice for one write");
    must!(fs::write(write, b"d"));
    ensure!(must!(events::epoll_wait(epoll, &mut got, Some(0))) == 1, "no edge for a second write");
    ensure!(must!(fs::read(read, &mut buffer)) == 2 && &buffer[..2] == b"cd", "the edge-triggered bytes");
    must!(fs::close(epoll));

    // A blocked read woken by another process's write (the child sleeps, then writes).
    let child = must!(uxrt::process::spawn_with_fds(
        "/bin/polltest",
        &["polltest", "writer", "20000"],
        &[] as &[&str],
        &[(1, write), (2, fs::STDERR)]
    ));
    ensure!(must!(read_byte(read)) == b'w', "the blocked read got the wrong byte");
    ensure!(must!(uxrt::process::wait_pid(child)) == WaitStatus::Exited(0), "the writer failed");

    // A shared end falls back to the server: the bytes left in the ring come back.
    must!(fs::write(write, b"xyz"));
    let dup = must!(fs::dup(read));
    ensure!(!fs::is_leased(read) && !fs::is_leased(dup), "a shared end is still leased");
    ensure!(must!(read_byte(dup)) == b'x', "the duplicate read the wrong byte");
    ensure!(must!(fs::read(read, &mut buffer)) == 2 && &buffer[..2] == b"yz", "bytes lost in the fallback");
    must!(warm_up(read, write));
    ensure!(!fs::is_leased(read), "an end with two holders was leased");
    must!(fs::close(dup));
    must!(warm_up(read, write));
    ensure!(fs::is_leased(read), "the end alone again was not leased again");

    // A large stream through the ring: it wraps, and the writer waits for room.
    let child = must!(uxrt::process::spawn_with_fds(
        "/bin/polltest",
        &["polltest", "stream"],
        &[] as &[&str],
        &[(1, write), (2, fs::STDERR)]
    ));
    let mut received = 0usize;
    let mut sum = 0u64;
    let mut chunk = alloc::vec![0u8; 7000];
    while received < STREAM {
        let n = must!(fs::read(read, &mut chunk));
        ensure!(n > 0, "the stream ended after {received} bytes");
        sum = chunk[..n]
            .iter()
            .zip(received..)
            .fold(sum, |s, (&b, i)| s.wrapping_mul(31).wrapping_add(u64::from(b ^ (i as u8))));
        received += n;
    }
    ensure!(must!(uxrt::process::wait_pid(child)) == WaitStatus::Exited(0), "the streaming writer failed");
    ensure!(received == STREAM && sum == stream_sum(), "the stream came back wrong ({received} bytes)");

    // The end: the last bytes, then end of file, and a hang-up to poll.
    must!(fs::write(write, b"end"));
    must!(fs::close(write));
    ensure!(must!(fs::read(read, &mut buffer)) == 3 && &buffer[..3] == b"end", "the last bytes");
    ensure!(must!(fs::read(read, &mut buffer)) == 0, "no end of file after the last writer");
    let revents = must!(poll_once(&[read], POLLIN, Some(0)));
    ensure!(revents[0] & POLLHUP != 0, "no hang-up after the last writer ({revents:?})");
    must!(fs::close(read));
    uxrt::println!("polltest: rings: leased after {WARM_UP} reads; readiness, edges, wake-ups, fallback, stream, end");
    0
}

/// Bytes the streaming child writes.
const STREAM: usize = 300_000;

/// The byte at `i` of the stream.
fn stream_byte(i: usize) -> u8 {
    (i * 7 + i / 251) as u8
}

/// The checksum `run` computes of the stream (each byte mixed with its place).
fn stream_sum() -> u64 {
    (0..STREAM).fold(0u64, |s, i| s.wrapping_mul(31).wrapping_add(u64::from(stream_byte(i) ^ (i as u8))))
}

/// The child: writes the stream to fd 1 in writes of uneven sizes.
pub fn stream() -> i32 {
    let bytes: alloc::vec::Vec<u8> = (0..STREAM).map(stream_byte).collect();
    let mut at = 0;
    let mut size = 1;
    while at < STREAM {
        let end = (at + size).min(STREAM);
        at += must!(fs::write(fs::STDOUT, &bytes[at..end]));
        size = size * 3 % 20011 + 1;
    }
    0
}
