//! posix-shim: the C ABI of uxrt, a thin layer over libuxrt. Every function here converts
//! its C arguments, calls the Rust function (which returns `Result<T, Errno>`), and turns
//! the result into C's convention through [`ret`]: the value, or -1 with `errno` set.
//! `errno` is set nowhere else. `printf` and the rest of stdio are C (`c/stdio.c`), on
//! `read`/`write` from here. The headers are in `include/`.
//!
//! Built as a static library: it carries the process start-up (`_start` from libuxrt),
//! which calls the C program's `main(argc, argv, envp)`.
#![no_std]

extern crate alloc;

mod files;
mod memory;
mod poll;
mod process;
mod strings;

use alloc::vec::Vec;
use core::ffi::{c_char, c_int};
use uxrt::Errno;

// The C program's entry point.
extern "C" {
    fn main(argc: c_int, argv: *const *const c_char, envp: *const *const c_char) -> c_int;
}

uxrt::main!(start_c);

/// Hands the start-up record's arguments and environment to C as NUL-ended strings.
fn start_c() -> i32 {
    let argv = c_strings(uxrt::env::args_bytes());
    let envp = c_strings(uxrt::env::vars());
    // SAFETY: set once, before C runs; C reads it as `environ`.
    unsafe { environ = envp.as_ptr() };
    // SAFETY: `main` is the C program's, called once with argc/argv/envp as C expects:
    // NULL-ended arrays of NUL-ended strings that live (leaked) for the whole process.
    let status = unsafe { main((argv.len() - 1) as c_int, argv.as_ptr(), envp.as_ptr()) };
    // SAFETY: stdio's flush only writes out its buffers.
    unsafe { uxrt_stdio_flush() };
    status
}

extern "C" {
    /// Writes out stdio's buffers (c/stdio.c).
    fn uxrt_stdio_flush();
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

/// The environment, as C's `environ`.
#[no_mangle]
pub static mut environ: *const *const c_char = core::ptr::null();

static mut ERRNO: c_int = 0;

/// Where `errno` lives (C's `errno` macro reads it through this, as with glibc).
#[no_mangle]
pub extern "C" fn __errno_location() -> *mut c_int {
    &raw mut ERRNO
}

/// Sets `errno`: the only place that does.
fn set_errno(errno: Errno) {
    // SAFETY: processes are single-threaded; nothing else holds a reference to ERRNO.
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
