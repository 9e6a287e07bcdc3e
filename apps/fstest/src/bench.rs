//! File benchmarks: the round trip of a 1-byte read (straight to the devices server),
//! the throughput of 64 KiB reads from ramfs (through the shared buffer), and the
//! latency of a 1-byte pipe ping-pong between two processes. Ticks are TSC ticks (under
//! QEMU `-icount`, instructions).

use crate::{ensure, must, pattern, CREATE_RW};
use alloc::vec::Vec;
use uxrt::fs::{self, Flags, STDIN, STDOUT};
use uxrt::protocols::file::Whence;
use uxrt::protocols::startup::aux;
use uxrt::{println, WaitStatus};

fn rdtsc() -> u64 {
    // SAFETY: reading the time-stamp counter has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Median and 99th percentile of `samples`.
fn summary(mut samples: Vec<u64>) -> (u64, u64) {
    samples.sort_unstable();
    let p99 = samples[(samples.len() * 99 / 100).min(samples.len() - 1)];
    (samples[samples.len() / 2], p99)
}

/// Nanoseconds of `ticks` at the TSC rate.
fn nanoseconds(ticks: u64) -> u64 {
    ticks * 1000 / uxrt::env::aux(aux::TSC_MHZ).unwrap_or(1).max(1)
}

pub fn run(count: usize) -> i32 {
    let count = count.max(10);
    // 1-byte reads of /dev/zero: one IPC round trip each.
    let zero = must!(fs::open("/dev/zero", Flags::READ_ONLY, 0));
    let mut byte = [0; 1];
    let samples = (0..count)
        .map(|_| {
            let start = rdtsc();
            let _ = fs::read(zero, &mut byte);
            rdtsc() - start
        })
        .collect();
    must!(fs::close(zero));
    let (median, p99) = summary(samples);
    println!("bench file read 1 byte: n={count} median={median} p99={p99} ticks ({} ns)", nanoseconds(median));

    // 64 KiB reads of a 1 MiB file in ramfs.
    let size = 1 << 20;
    let data: Vec<u8> = (0..size).map(pattern).collect();
    let file = must!(fs::open("/tmp/bench", CREATE_RW, 0o644));
    must!(fs::write(file, &data));
    let mut chunk = alloc::vec![0; 64 * 1024];
    let rounds = (count / 100).max(4);
    let start = rdtsc();
    for _ in 0..rounds {
        must!(fs::lseek(file, 0, Whence::Set));
        while must!(fs::read(file, &mut chunk)) > 0 {}
    }
    let ticks = (rdtsc() - start).max(1);
    let bytes = (rounds * size) as u64;
    let per_read = ticks / (bytes / chunk.len() as u64);
    let mib_per_s = (bytes as u128 * 1_000_000_000 / nanoseconds(ticks).max(1) as u128) >> 20;
    println!(
        "bench file read 64 KiB: {bytes} bytes, {per_read} ticks per read ({} ns), {mib_per_s} MiB/s",
        nanoseconds(per_read)
    );
    must!(fs::close(file));
    must!(fs::unlink("/tmp/bench"));

    // Pipe ping-pong: one byte there and back through two pipes and a child.
    let (to_child, child_in) = {
        let (read, write) = must!(fs::pipe());
        (write, read)
    };
    let (child_out, from_child) = {
        let (read, write) = must!(fs::pipe());
        (write, read)
    };
    let child = must!(crate::start(&["fstest", "echo-back"], &[(STDIN, child_in), (STDOUT, child_out), (2, 2)]));
    must!(fs::close(child_in));
    must!(fs::close(child_out));
    let mut samples = Vec::with_capacity(count);
    for i in 0..count {
        let start = rdtsc();
        must!(fs::write(to_child, &[i as u8]));
        ensure!(must!(fs::read(from_child, &mut byte)) == 1 && byte[0] == i as u8, "the echo differs");
        samples.push(rdtsc() - start);
    }
    must!(fs::close(to_child));
    ensure!(must!(uxrt::process::wait_pid(child)) == WaitStatus::Exited(0), "the echo child failed");
    must!(fs::close(from_child));
    let (median, p99) = summary(samples);
    println!(
        "bench pipe ping-pong: n={count} median={median} p99={p99} ticks ({} ns) per round trip",
        nanoseconds(median)
    );
    0
}
