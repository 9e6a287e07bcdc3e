//! `expect EXPECTED PROGRAM ARGS...`: runs PROGRAM with its output into a pipe and
//! compares every byte with the file EXPECTED (for the C tests: what the same program,
//! built against the host's libc, printed on Linux). Exit status 0 when they are the same
//! and the program succeeded; otherwise the first line that differs is shown.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use uxrt::fs::{self, Fd, Flags};
use uxrt::{ensure, must, println, process, Errno, WaitStatus};

uxrt::main!(main);

fn read_all(fd: Fd) -> Result<Vec<u8>, Errno> {
    let mut all = Vec::new();
    let mut chunk = alloc::vec![0; 4096];
    loop {
        match fs::read(fd, &mut chunk)? {
            0 => return Ok(all),
            n => all.extend_from_slice(&chunk[..n]),
        }
    }
}

fn main() -> i32 {
    let args: Vec<&str> = uxrt::env::args().collect();
    ensure!(args.len() >= 3, "usage: expect EXPECTED PROGRAM ARGS...");
    let file = must!(fs::open(args[1], Flags::READ_ONLY, 0));
    let expected = must!(read_all(file));
    must!(fs::close(file));
    let (read, write) = must!(fs::pipe());
    let child = must!(process::spawn_with_fds(args[2], &args[2..], &[] as &[&str], &[(0, 0), (1, write), (2, 2)]));
    must!(fs::close(write));
    let got = must!(read_all(read));
    let status = must!(process::wait_pid(child));
    ensure!(status == WaitStatus::Exited(0), "{} ended with {status:?}", args[2]);
    if got != expected {
        let lines = |text: &[u8]| text.split(|&b| b == b'\n').map(Vec::from).collect::<Vec<_>>();
        for (i, (a, b)) in lines(&got).iter().zip(lines(&expected).iter()).enumerate() {
            if a != b {
                uxrt::eprintln!("expect: line {}: got      {:?}", i + 1, core::str::from_utf8(a).unwrap_or("?"));
                uxrt::eprintln!("expect: line {}: expected {:?}", i + 1, core::str::from_utf8(b).unwrap_or("?"));
                break;
            }
        }
        ensure!(false, "{}: {} bytes printed, {} expected", args[2], got.len(), expected.len());
    }
    println!("expect: {}: the same {} bytes as on the host", args[2], got.len());
    0
}
