//! Pipes: end of file, EPIPE, blocking, and two processes talking through them.

use crate::{checksum, ensure, fails_with, must, pattern, read_all, CHECKSUM_START};
use alloc::format;
use alloc::vec::Vec;
use uxrt::fs::{self, FileKind, STDIN, STDOUT};
use uxrt::{println, Errno, WaitStatus};

/// One process: bytes through, a large write filling the pipe, EOF and EPIPE.
pub fn pipe_semantics() -> i32 {
    let (read, write) = must!(fs::pipe());
    ensure!(must!(fs::fstat(read)).kind == FileKind::Pipe, "a pipe's kind");
    ensure!(must!(fs::write(write, b"ping")) == 4, "short write");
    let mut buffer = [0; 16];
    ensure!(must!(fs::read(read, &mut buffer)) == 4 && &buffer[..4] == b"ping", "read back");
    fails_with!(fs::write(read, b"x"), Errno::EBADF);
    fails_with!(fs::read(write, &mut buffer), Errno::EBADF);
    fails_with!(fs::lseek(read, 0, uxrt::protocols::file::Whence::Set), Errno::ESPIPE);
    // Exactly the capacity fits without a reader.
    let full: Vec<u8> = (0..64 * 1024).map(pattern).collect();
    ensure!(must!(fs::write(write, &full)) == full.len(), "a pipe holds 64 KiB");
    must!(fs::close(write));
    ensure!(must!(read_all(read)) == full, "the full pipe read back differs");
    ensure!(must!(fs::read(read, &mut buffer)) == 0, "end of file once the writer closed");
    must!(fs::close(read));
    let (read, write) = must!(fs::pipe());
    must!(fs::close(read));
    fails_with!(fs::write(write, b"x"), Errno::EPIPE);
    fails_with!(fs::write(write, &[0; 1000]), Errno::EPIPE);
    must!(fs::close(write));
    println!(
        "fstest: pipe: data, 64 KiB capacity, EOF after the last writer, EPIPE after the last reader, EBADF, ESPIPE"
    );
    0
}

/// A child reads the pipe as its stdin and prints the sum; this process writes `length`
/// bytes (more than the pipe holds, so both block in turn).
pub fn between_processes(length: usize) -> i32 {
    let (read, write) = must!(fs::pipe());
    let (result_read, result_write) = must!(fs::pipe());
    let child = must!(crate::start(&["fstest", "sum"], &[(STDIN, read), (STDOUT, result_write), (2, 2)]));
    must!(fs::close(read));
    must!(fs::close(result_write));
    let data: Vec<u8> = (0..length).map(pattern).collect();
    for chunk in data.chunks(10_000) {
        ensure!(must!(fs::write(write, chunk)) == chunk.len(), "short write to the child");
    }
    must!(fs::close(write));
    let answer = must!(read_all(result_read));
    must!(fs::close(result_read));
    let status = must!(uxrt::process::wait_pid(child));
    ensure!(status == WaitStatus::Exited(0), "the child ended {status:?}");
    let want = format!("{length} {:016x}\n", checksum(&data, CHECKSUM_START));
    ensure!(answer == want.as_bytes(), "the child read {:?}, want {want:?}", core::str::from_utf8(&answer));
    println!("fstest: pipe-processes: {length} bytes to a child's stdin, its stdout back: {}", want.trim_end());
    0
}

/// Reads stdin to its end; writes "LENGTH CHECKSUM" to stdout.
pub fn sum_stdin() -> i32 {
    let data = must!(read_all(STDIN));
    let line = format!("{} {:016x}\n", data.len(), checksum(&data, CHECKSUM_START));
    must!(fs::write(STDOUT, line.as_bytes()));
    0
}

/// Writes back each byte read from stdin until end of file (the ping-pong partner).
pub fn echo_back() -> i32 {
    let mut byte = [0; 1];
    loop {
        match must!(fs::read(STDIN, &mut byte)) {
            0 => return 0,
            _ => {
                must!(fs::write(STDOUT, &byte));
            }
        }
    }
}

/// A child blocked reading a pipe is killed; the pipe server goes on serving.
pub fn killed_while_blocked() -> i32 {
    let (read, write) = must!(fs::pipe());
    let child = must!(crate::start(&["fstest", "sum"], &[(STDIN, read), (2, 2)]));
    // Let it reach its read and block there (its first read needs a shared buffer).
    for _ in 0..50 {
        sel4::yield_now();
    }
    must!(uxrt::process::kill(child, Some(uxrt::Signal::SIGKILL)));
    let status = must!(uxrt::process::wait_pid(child));
    ensure!(status == WaitStatus::Signaled(uxrt::Signal::SIGKILL), "the child ended {status:?}");
    // The pipe still works, and so do new ones.
    ensure!(must!(fs::write(write, b"after")) == 5, "write after the reader died");
    let mut buffer = [0; 5];
    ensure!(must!(fs::read(read, &mut buffer)) == 5 && &buffer == b"after", "read after the reader died");
    must!(fs::close(read));
    must!(fs::close(write));
    println!("fstest: killed-while-blocked: a reader killed in a blocking read; the pipe server serves on");
    pipe_semantics()
}

/// Writers that crash together in `dead_ends_close`.
const WRITERS: usize = 8;

/// The ends a process held when it died are closed for it (by the reaper): a pipe whose
/// only writer crashed reaches end-of-file, and one whose only reader was killed gives
/// `EPIPE`.
pub fn dead_ends_close() -> i32 {
    let (read, write) = must!(fs::pipe());
    let writer = must!(crate::start(&["crash", "null"], &[(STDOUT, write), (2, 2)]));
    must!(fs::close(write));
    let mut buffer = [0; 16];
    ensure!(must!(fs::read(read, &mut buffer)) == 0, "no end of file after the writer crashed");
    let status = must!(uxrt::process::wait_pid(writer));
    ensure!(status == WaitStatus::Signaled(uxrt::Signal::SIGSEGV), "the writer ended {status:?}");
    must!(fs::close(read));

    // Several writers crash at once: the reaper is still closing one's file when the
    // next dies, and none may be lost (the reader sees the end only after all).
    let (read, write) = must!(fs::pipe());
    let mut writers = Vec::new();
    for _ in 0..WRITERS {
        writers.push(must!(crate::start(&["crash", "null"], &[(STDOUT, write), (2, 2)])));
    }
    must!(fs::close(write));
    ensure!(must!(fs::read(read, &mut buffer)) == 0, "no end of file after {WRITERS} writers crashed");
    for writer in writers {
        let status = must!(uxrt::process::wait_pid(writer));
        ensure!(status == WaitStatus::Signaled(uxrt::Signal::SIGSEGV), "a writer ended {status:?}");
    }
    must!(fs::close(read));

    let (read, write) = must!(fs::pipe());
    let reader = must!(crate::start(&["fstest", "sum"], &[(STDIN, read), (2, 2)]));
    must!(fs::close(read));
    must!(uxrt::process::kill(reader, Some(uxrt::Signal::SIGKILL)));
    let _ = must!(uxrt::process::wait_pid(reader));
    // Its end closes soon after (the reaper's work): writes then fail, at the latest
    // once the pipe is full and the writer waits.
    let chunk = [0u8; 4096];
    let mut refused = false;
    for _ in 0..64 {
        match fs::write(write, &chunk) {
            Ok(_) => {}
            Err(uxrt::Errno::EPIPE) => {
                refused = true;
                break;
            }
            Err(errno) => {
                uxrt::eprintln!("fstest: dead-ends: write gave {errno}");
                return 1;
            }
        }
    }
    ensure!(refused, "writes to a pipe whose reader was killed never gave EPIPE");
    must!(fs::close(write));
    println!("fstest: dead-ends: a crashed writer's end and a killed reader's end were closed for them");
    0
}
