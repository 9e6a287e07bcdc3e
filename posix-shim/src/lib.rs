//! posix-shim: the system layer of uxrt's C library, a thin layer over libuxrt. C
//! programs link musl (Debian's musl-dev: its headers and `libc.a`, so stdio, printf,
//! strtod, qsort, regex and the rest are musl's), and this library in place of every
//! musl member that would make a Linux system call: `cargo xtask` drops from musl's
//! archive each member that defines a symbol defined here. Every function here converts
//! its C arguments, calls the Rust function (which returns `Result<T, Errno>`), and
//! turns the result into C's convention through [`ret`]: the value, or -1 with musl's
//! `errno` set. `errno` is set nowhere else.
//!
//! It carries the process start-up (`_start` from libuxrt), which hands the arguments
//! and environment to musl's `__libc_start_main` (`musl.rs`).
#![no_std]

extern crate alloc;

mod dirs;
mod files;
mod memory;
mod musl;
mod poll;
mod process;
mod signals;
mod spawn;
mod terminal;

use alloc::vec::Vec;
use core::ffi::{c_char, c_int};
use uxrt::Errno;

// The C program's entry point.
extern "C" {
    fn main(argc: c_int, argv: *const *const c_char, envp: *const *const c_char) -> c_int;
    /// Where musl keeps this thread's `errno`.
    fn __errno_location() -> *mut c_int;
}

uxrt::main!(start_c);

/// Hands the start-up record's arguments and environment to musl as NUL-ended strings.
fn start_c() -> i32 {
    let argv = c_strings(uxrt::env::args_bytes());
    let envp = c_strings(uxrt::env::vars());
    musl::start(main, argv, envp)
}

fn c_strings<'a>(strings: impl Iterator<Item = &'a [u8]>) -> &'static [*const c_char] {
    let mut pointers: Vec<*const c_char> = strings
        .map(|s| {
            let mut owned = Vec::with_capacity(s.len() + 1);
            owned.extend_from_slice(s);
            owned.push(0);
            owned.leak().as_ptr() as *const c_char
        })
        .collect();
    pointers.push(core::ptr::null());
    pointers.leak()
}

/// Sets `errno`: the only place that does.
fn set_errno(errno: Errno) {
    // SAFETY: musl's errno, in this thread's control block, which musl set up before
    // calling main (nothing here runs before that).
    unsafe { *__errno_location() = errno.0 as c_int };
}

/// C's convention for a result: the value, or -1 and `errno`.
fn ret<T: Into<i64>>(result: Result<T, Errno>) -> i64 {
    match result {
        Ok(value) => value.into(),
        Err(errno) => {
            set_errno(errno);
            -1
        }
    }
}

/// As [`ret`], for functions returning `int`.
fn ret_int<T: Into<i64>>(result: Result<T, Errno>) -> c_int {
    ret(result) as c_int
}

/// As [`ret`], for functions returning a pointer (NULL on error).
fn ret_ptr<T>(result: Result<*mut T, Errno>) -> *mut T {
    result.unwrap_or_else(|errno| {
        set_errno(errno);
        core::ptr::null_mut()
    })
}

/// A C string argument as UTF-8 (`EFAULT` for NULL, `EINVAL` for bad UTF-8).
///
/// # Safety
/// `s` is NULL or a NUL-ended string that outlives the result.
unsafe fn c_str<'a>(s: *const c_char) -> Result<&'a str, Errno> {
    if s.is_null() {
        return Err(Errno::EFAULT);
    }
    // SAFETY: as the caller promises.
    let bytes = unsafe { core::ffi::CStr::from_ptr(s) }.to_bytes();
    core::str::from_utf8(bytes).map_err(|_| Errno::EINVAL)
}

/// A file descriptor argument (`EBADF` when negative).
fn fd(fd: c_int) -> Result<uxrt::fs::Fd, Errno> {
    uxrt::fs::Fd::try_from(fd).map_err(|_| Errno::EBADF)
}
