//! N fds, k of them ready: poll and epoll find exactly those, whatever N.

use crate::poll_once;
use alloc::vec::Vec;
use uxrt::events::{self, epoll_create, epoll_ctl, epoll_wait, EpollEvent, EpollOp, PollFd, POLLIN};
use uxrt::fs::{self, Fd};
use uxrt::{ensure, must, println};

/// Which of `n` pipes get data: `k` spread over the range, the last one always.
fn chosen(n: usize, k: usize) -> Vec<usize> {
    let k = k.min(n);
    let mut picks: Vec<usize> = (0..k).map(|i| n - 1 - i * (n / k.max(1))).collect();
    picks.sort();
    picks.dedup();
    picks
}

pub fn run(n: usize, k: usize) -> i32 {
    let mut reads: Vec<Fd> = Vec::with_capacity(n);
    let mut writes: Vec<Fd> = Vec::with_capacity(n);
    for _ in 0..n {
        let (read, write) = must!(fs::pipe());
        reads.push(read);
        writes.push(write);
    }
    ensure!(must!(poll_once(&reads, POLLIN, Some(0))).iter().all(|&r| r == 0), "ready before any write");
    let picks = chosen(n, k);
    for &i in &picks {
        must!(fs::write(writes[i], b"!"));
    }
    let mut set: Vec<PollFd> = reads.iter().map(|&fd| PollFd::new(fd, POLLIN)).collect();
    let count = must!(events::poll(&mut set, None));
    let found: Vec<usize> = (0..n).filter(|&i| set[i].revents != 0).collect();
    ensure!(
        count == picks.len() && found == picks,
        "poll found {count}: {:?}, not {:?}",
        &found[..found.len().min(8)],
        &picks[..picks.len().min(8)]
    );
    ensure!(set.iter().all(|p| p.revents == 0 || p.revents == POLLIN), "odd revents");
    // The same through an interest set.
    let epoll = must!(epoll_create(false));
    for (i, &fd) in reads.iter().enumerate() {
        must!(epoll_ctl(epoll, EpollOp::Add, fd, uxrt::events::EPOLLIN, i as u64));
    }
    let mut out = alloc::vec![EpollEvent::default(); picks.len() + 1];
    let got = must!(epoll_wait(epoll, &mut out, None));
    let mut indices: Vec<usize> = out[..got].iter().map(|e| e.data as usize).collect();
    indices.sort();
    ensure!(indices == picks, "epoll found {got}");
    // Drained: nothing is ready, by either.
    let mut one = [0; 1];
    for &i in &picks {
        must!(fs::read(reads[i], &mut one));
    }
    ensure!(must!(events::poll(&mut set, Some(0))) == 0, "ready after draining");
    ensure!(must!(epoll_wait(epoll, &mut out, Some(0))) == 0, "epoll ready after draining");
    must!(fs::close(epoll));
    for fd in reads.into_iter().chain(writes) {
        must!(fs::close(fd));
    }
    println!("polltest: scale: {n} fds, {} ready, found by poll and epoll", picks.len());
    0
}
