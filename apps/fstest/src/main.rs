//! `fstest MODE ...`: file tests that run inside the image (the root server's test suite
//! starts them and checks their exit status and output), and the file benchmarks. Each
//! mode says what went wrong and exits non-zero on the first failure.
#![no_std]
#![no_main]

extern crate alloc;

mod bench;
mod checks;
mod pipes;
mod servers_died;

use alloc::vec::Vec;
use uxrt::fs::{self, Fd, Flags};
use uxrt::{eprintln, Errno};

uxrt::main!(main);

pub use uxrt::{ensure, fails_with, must};

fn main() -> i32 {
    let args: Vec<&str> = uxrt::env::args().collect();
    let number = |i: usize| args.get(i).and_then(|a| a.parse::<usize>().ok());
    match (args.get(1).copied(), args.get(2).copied()) {
        (Some("files"), _) => checks::files(),
        (Some("directories"), _) => checks::directories(),
        (Some("errors"), _) => checks::errors(),
        (Some("devices"), _) => checks::devices(),
        (Some("write"), Some(path)) => checks::write_pattern(path, number(3).unwrap_or(0)),
        (Some("read"), Some(path)) => checks::read_pattern(path, number(3).unwrap_or(0)),
        (Some("copy"), _) => checks::copy_large(number(2).unwrap_or(1 << 20)),
        (Some("vfs-counter"), _) => checks::vfs_counter(),
        (Some("pipe"), _) => pipes::pipe_semantics(),
        (Some("pipe-processes"), _) => pipes::between_processes(number(2).unwrap_or(100_000)),
        (Some("sum"), _) => pipes::sum_stdin(),
        (Some("echo-back"), _) => pipes::echo_back(),
        (Some("killed-while-blocked"), _) => pipes::killed_while_blocked(),
        (Some("dead-ends"), _) => pipes::dead_ends_close(),
        (Some("server-died"), _) => servers_died::server_died(),
        (Some("vfs-died"), _) => servers_died::vfs_died(),
        (Some("leased-died"), _) => servers_died::leased_died(),
        (Some("poll-died"), _) => servers_died::poll_died(),
        (Some("remove"), Some(path)) => match fs::unlink(path) {
            Ok(()) => 0,
            Err(errno) => {
                eprintln!("fstest: remove {path}: {errno}");
                1
            }
        },
        (Some("bench"), _) => bench::run(number(2).unwrap_or(1000)),
        _ => {
            eprintln!("usage: fstest files | directories | errors | devices | write PATH N | read PATH N | copy [BYTES] | vfs-counter | pipe | pipe-processes [BYTES] | sum | echo-back | killed-while-blocked | dead-ends | server-died | vfs-died | leased-died | poll-died | remove PATH | bench [N]");
            2
        }
    }
}

/// FNV-1a, a checksum to compare data by.
pub fn checksum(bytes: &[u8], mut hash: u64) -> u64 {
    for &byte in bytes {
        hash = (hash ^ byte as u64).wrapping_mul(0x100_0000_01b3);
    }
    hash
}

pub const CHECKSUM_START: u64 = 0xcbf2_9ce4_8422_2325;

/// Byte `i` of the test pattern (not periodic in any power of two a bug could hide in).
pub fn pattern(i: usize) -> u8 {
    ((i * 7 + i / 251) % 253) as u8
}

/// Reads `fd` to its end.
pub fn read_all(fd: Fd) -> Result<Vec<u8>, Errno> {
    let mut all = Vec::new();
    let mut chunk = alloc::vec![0; 64 * 1024];
    loop {
        match fs::read(fd, &mut chunk)? {
            0 => return Ok(all),
            n => all.extend_from_slice(&chunk[..n]),
        }
    }
}

pub const CREATE_RW: u32 = Flags::READ_WRITE | Flags::CREATE | Flags::TRUNCATE;

/// Starts `/bin/ARGS[0]` with `args`, no environment, and exactly the fds `fds` names.
pub fn start(args: &[&str], fds: &[(u32, u32)]) -> Result<uxrt::Pid, uxrt::Errno> {
    let path = alloc::format!("/bin/{}", args[0]);
    uxrt::process::spawn_with_fds(&path, args, &[] as &[&str], fds)
}
