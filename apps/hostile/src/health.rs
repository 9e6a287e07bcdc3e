//! `hostile health`: the system still works for everyone: a file written and read back
//! through a path (the VFS, ramfs, a shared buffer), a pipeline through another program
//! (`cat`: spawn, pipes), the console, and the reaper (a crashed writer's pipe ends).

use crate::attacks::start;
use alloc::vec::Vec;
use uxrt::fs::{self, Fd, Flags};
use uxrt::{ensure, must, println, process, Errno, Signal, WaitStatus};

/// A recognisable byte for position `i`.
fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(31) ^ (i >> 8)) as u8
}

/// Reads `fd` to its end.
pub fn read_all(fd: Fd) -> Result<Vec<u8>, Errno> {
    let mut all = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        match fs::read(fd, &mut buffer)? {
            0 => return Ok(all),
            n => all.extend_from_slice(&buffer[..n]),
        }
    }
}

/// Writes all of `bytes` to `fd`.
pub fn write_all(fd: Fd, mut bytes: &[u8]) -> Result<(), Errno> {
    while !bytes.is_empty() {
        let n = fs::write(fd, bytes)?;
        bytes = &bytes[n..];
    }
    Ok(())
}

pub fn check() -> i32 {
    ensure!(files_and_pipes_work() == 0, "files or pipes");
    ensure!(pipeline_works() == 0, "a pipeline through cat");
    ensure!(reaper_closes() == 0, "the reaper");
    // (The console: this line must reach it, which the suite's log shows.)
    println!("hostile: health: paths, pipes, spawn, the reaper and the console work");
    0
}

/// A 100 kB file through a path, and bytes through a pipe, in this process alone (no
/// spawn: it runs while a spawn bomb holds the session's processes).
pub fn files_and_pipes_work() -> i32 {
    const LENGTH: usize = 100_000;
    let data: Vec<u8> = (0..LENGTH).map(pattern).collect();
    let path = alloc::format!("/tmp/health-{}", process::getpid());
    let fd = must!(fs::open(&path, Flags::READ_WRITE | Flags::CREATE | Flags::TRUNCATE, 0o644));
    must!(write_all(fd, &data));
    must!(fs::close(fd));
    let fd = must!(fs::open(&path, Flags::READ_ONLY, 0));
    let back = must!(read_all(fd));
    must!(fs::close(fd));
    must!(fs::unlink(&path));
    ensure!(back == data, "the file read back differs ({} bytes of {LENGTH})", back.len());
    let (read, write) = must!(fs::pipe());
    must!(write_all(write, &data[..1000]));
    must!(fs::close(write));
    let piped = must!(read_all(read));
    must!(fs::close(read));
    ensure!(piped == data[..1000], "the pipe gave {} bytes, not the 1000 written", piped.len());
    0
}

/// 10 kB through `cat`, between two pipes.
fn pipeline_works() -> i32 {
    let data: Vec<u8> = (0..10_000).map(pattern).collect();
    let (in_read, in_write) = must!(fs::pipe());
    let (out_read, out_write) = must!(fs::pipe());
    let fds = [(0, in_read as u32), (1, out_write as u32), (2, 2)];
    let cat = must!(process::spawn_with_fds("/bin/cat", &["cat"], &[] as &[&str], &fds));
    must!(fs::close(in_read));
    must!(fs::close(out_write));
    must!(write_all(in_write, &data));
    must!(fs::close(in_write));
    let back = must!(read_all(out_read));
    must!(fs::close(out_read));
    let status = process::wait_pid(cat);
    ensure!(status == Ok(WaitStatus::Exited(0)), "cat ended {status:?}");
    ensure!(back == data, "cat gave back {} bytes, not the {} sent", back.len(), data.len());
    0
}

/// A child crashes holding a pipe's only write end: the reaper closes it, so the reader
/// sees end of file.
pub fn reaper_closes() -> i32 {
    let (read, write) = must!(fs::pipe());
    let child = must!(start("crash-holding", write));
    must!(fs::close(write));
    let mut byte = [0; 1];
    let got = fs::read(read, &mut byte);
    must!(fs::close(read));
    let status = process::wait_pid(child);
    ensure!(got == Ok(0), "the reader of a crashed writer got {got:?}, not end of file");
    ensure!(status == Ok(WaitStatus::Signaled(Signal::SIGILL)), "the crashing child ended {status:?}");
    0
}

/// Helper: crashes (an invalid instruction) holding fd 0.
pub fn crash_holding() -> i32 {
    // SAFETY: ud2 raises an invalid-opcode fault: ending this process so is the point.
    unsafe { core::arch::asm!("ud2", options(noreturn)) }
}
