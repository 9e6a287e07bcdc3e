//! The epoll-like interest sets: level-triggered, edge-triggered, one-shot, and the
//! control errors.

use alloc::vec;
use uxrt::events::{epoll_create, epoll_ctl, epoll_wait, EpollEvent, EpollOp};
use uxrt::events::{EPOLLET, EPOLLHUP, EPOLLIN, EPOLLONESHOT, EPOLLOUT};
use uxrt::fs;
use uxrt::{ensure, fails_with, must, println, Errno};

/// Waits once with no timeout left; (fd data, events) of what came.
fn ready(set: fs::Fd) -> Result<vec::Vec<(u64, u32)>, Errno> {
    let mut out = [EpollEvent::default(); 8];
    let n = epoll_wait(set, &mut out, Some(0))?;
    Ok(out[..n].iter().map(|e| (e.data, e.events)).collect())
}

pub fn run() -> i32 {
    let set = must!(epoll_create(false));
    let (level_r, level_w) = must!(fs::pipe());
    let (edge_r, edge_w) = must!(fs::pipe());
    let (once_r, once_w) = must!(fs::pipe());
    must!(epoll_ctl(set, EpollOp::Add, level_r, EPOLLIN, 1));
    must!(epoll_ctl(set, EpollOp::Add, edge_r, EPOLLIN | EPOLLET, 2));
    must!(epoll_ctl(set, EpollOp::Add, once_r, EPOLLIN | EPOLLONESHOT, 3));
    fails_with!(epoll_ctl(set, EpollOp::Add, level_r, EPOLLIN, 1), Errno::EEXIST);
    fails_with!(epoll_ctl(set, EpollOp::Modify, level_w, EPOLLOUT, 9), Errno::ENOENT);
    fails_with!(epoll_ctl(set, EpollOp::Add, 999, EPOLLIN, 9), Errno::EBADF);
    fails_with!(epoll_ctl(77, EpollOp::Add, level_r, EPOLLIN, 9), Errno::EBADF);
    ensure!(must!(ready(set)).is_empty(), "nothing written yet");
    for fd in [level_w, edge_w, once_w] {
        must!(fs::write(fd, b"xy"));
    }
    let mut first = must!(ready(set));
    first.sort();
    ensure!(first == [(1, EPOLLIN), (2, EPOLLIN), (3, EPOLLIN)], "first wait: {first:?}");
    // Nothing read: level reports again, edge and one-shot do not.
    ensure!(must!(ready(set)) == [(1, EPOLLIN)], "second wait");
    // New data: the edge fires again; one-shot stays silent until re-armed.
    must!(fs::write(edge_w, b"z"));
    must!(fs::write(once_w, b"z"));
    let mut third = must!(ready(set));
    third.sort();
    ensure!(third == [(1, EPOLLIN), (2, EPOLLIN)], "third wait: {third:?}");
    must!(epoll_ctl(set, EpollOp::Modify, once_r, EPOLLIN | EPOLLONESHOT, 4));
    let mut fourth = must!(ready(set));
    fourth.sort();
    ensure!(fourth == [(1, EPOLLIN), (4, EPOLLIN)], "re-armed: {fourth:?}");
    // Drained, the level one goes quiet; deleted, it is gone.
    let mut buffer = [0; 16];
    must!(fs::read(level_r, &mut buffer));
    ensure!(must!(ready(set)).is_empty(), "drained");
    must!(fs::write(level_w, b"again"));
    must!(epoll_ctl(set, EpollOp::Delete, level_r, 0, 0));
    ensure!(must!(ready(set)).is_empty(), "deleted");
    // Hang-up comes unasked; a closed fd leaves the set.
    must!(fs::close(edge_w));
    must!(fs::read(edge_r, &mut buffer));
    ensure!(must!(ready(set)) == [(2, EPOLLHUP)], "hang-up");
    must!(fs::close(edge_r));
    ensure!(must!(ready(set)).is_empty(), "closed fd left the set");
    // A wait with a timeout and a blocked wait another write ends.
    let mut out = [EpollEvent::default(); 4];
    ensure!(must!(epoll_wait(set, &mut out, Some(2_000))) == 0, "timed out");
    must!(fs::close(set));
    fails_with!(epoll_wait(set, &mut out, Some(0)), Errno::EBADF);
    for fd in [level_r, level_w, once_r, once_w] {
        must!(fs::close(fd));
    }
    println!("polltest: epoll: level, edge, one-shot, modify, delete, hang-up, close, errors");
    0
}
