//! `polltest MODE ...`: tests of `poll`, epoll and waiting for children on the process's
//! notification queue, run in the image (the root server's suite checks their exit status).
//! Each mode exits non-zero with a message on the first failure.
#![no_std]
#![no_main]

extern crate alloc;

mod epoll;
mod rings;
mod scale;
mod semantics;
mod shared;

use alloc::vec::Vec;
use uxrt::events::{self, PollFd};
use uxrt::fs::{self, Fd};
use uxrt::{eprintln, Errno};

uxrt::main!(main);

fn main() -> i32 {
    let args: Vec<&str> = uxrt::env::args().collect();
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<u64>().ok());
    match args.get(1).copied() {
        Some("semantics") => semantics::run(),
        Some("timeouts") => semantics::timeouts(),
        Some("children") => semantics::children(),
        Some("epoll") => epoll::run(),
        Some("shared") => shared::run(),
        Some("shared-watcher") => shared::watcher(),
        Some("rings") => rings::run(),
        Some("stream") => rings::stream(),
        Some("scale") => scale::run(number(2).unwrap_or(16) as usize, number(3).unwrap_or(1) as usize),
        // Helpers the tests start: sleep, then exit with a status, or write a byte first.
        Some("sleeper") => sleeper(number(2).unwrap_or(0), number(3).unwrap_or(0) as i32),
        Some("writer") => writer(number(2).unwrap_or(0)),
        _ => {
            eprintln!(
                "usage: polltest semantics | timeouts | children | epoll | shared | rings | scale N K | sleeper US STATUS | writer US"
            );
            2
        }
    }
}

fn sleeper(us: u64, status: i32) -> i32 {
    match events::sleep_us(us) {
        Ok(()) => status,
        Err(errno) => {
            eprintln!("polltest: sleeper: {errno}");
            100
        }
    }
}

/// Sleeps, then writes one byte to fd 1 (a pipe the parent polls).
fn writer(us: u64) -> i32 {
    uxrt::must!(events::sleep_us(us));
    uxrt::must!(fs::write(fs::STDOUT, b"w"));
    0
}

/// Polls `fds` for `events` with `timeout`; the revents, in order.
pub fn poll_once(fds: &[Fd], events: i16, timeout_us: events::Timeout) -> Result<Vec<i16>, Errno> {
    let mut set: Vec<PollFd> = fds.iter().map(|&fd| PollFd::new(fd, events)).collect();
    events::poll(&mut set, timeout_us)?;
    Ok(set.iter().map(|p| p.revents).collect())
}

/// Microseconds since `start` (a time-stamp counter value).
pub fn elapsed_us(start: u64) -> u64 {
    let mhz = uxrt::env::aux(uxrt::protocols::startup::aux::TSC_MHZ).unwrap_or(1000).max(1);
    (now() - start) / mhz
}

pub fn now() -> u64 {
    // SAFETY: reading the time-stamp counter has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}
