//! string.h and stdlib.h helpers that C programs expect (mem* come from the runtime).

use core::ffi::{c_char, c_int, c_long};
use uxrt::Errno;

/// # Safety
/// `s` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn strlen(s: *const c_char) -> usize {
    let mut n = 0;
    // SAFETY: as the caller promises, a NUL comes before the end.
    unsafe {
        while *s.add(n) != 0 {
            n += 1;
        }
    }
    n
}

/// # Safety
/// `a` and `b` are strings with at least `n` bytes or a NUL before.
#[no_mangle]
pub unsafe extern "C" fn strncmp(a: *const c_char, b: *const c_char, n: usize) -> c_int {
    for i in 0..n {
        // SAFETY: as the caller promises; the loop stops at the first NUL.
        let (x, y) = unsafe { (*a.add(i) as u8, *b.add(i) as u8) };
        if x != y || x == 0 {
            return x as c_int - y as c_int;
        }
    }
    0
}

/// # Safety
/// `a` and `b` are NUL-ended strings.
#[no_mangle]
pub unsafe extern "C" fn strcmp(a: *const c_char, b: *const c_char) -> c_int {
    // SAFETY: as the caller promises.
    unsafe { strncmp(a, b, usize::MAX) }
}

/// # Safety
/// `s` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn strchr(s: *const c_char, c: c_int) -> *mut c_char {
    let mut at = s;
    // SAFETY: as the caller promises; the loop stops at the NUL (which it also matches).
    unsafe {
        loop {
            if *at as u8 == c as u8 {
                return at as *mut c_char;
            }
            if *at == 0 {
                return core::ptr::null_mut();
            }
            at = at.add(1);
        }
    }
}

/// # Safety
/// `haystack` and `needle` are NUL-ended strings.
#[no_mangle]
pub unsafe extern "C" fn strstr(haystack: *const c_char, needle: *const c_char) -> *mut c_char {
    // SAFETY: as the caller promises.
    unsafe {
        let n = strlen(needle);
        let mut at = haystack;
        loop {
            if strncmp(at, needle, n) == 0 {
                return at as *mut c_char;
            }
            if *at == 0 {
                return core::ptr::null_mut();
            }
            at = at.add(1);
        }
    }
}

/// # Safety
/// `dest` has room for `src` and its NUL.
#[no_mangle]
pub unsafe extern "C" fn strcpy(dest: *mut c_char, src: *const c_char) -> *mut c_char {
    // SAFETY: as the caller promises.
    unsafe { core::ptr::copy_nonoverlapping(src, dest, strlen(src) + 1) };
    dest
}

/// `strtol` for bases 0, 8, 10 and 16.
///
/// # Safety
/// `s` is a NUL-ended string; `end` is NULL or points at a pointer.
#[no_mangle]
pub unsafe extern "C" fn strtol(s: *const c_char, end: *mut *mut c_char, base: c_int) -> c_long {
    // SAFETY: as the caller promises; every read stops at the NUL.
    unsafe {
        let mut at = s;
        while matches!(*at as u8, b' ' | b'\t' | b'\n') {
            at = at.add(1);
        }
        let negative = *at as u8 == b'-';
        if matches!(*at as u8, b'-' | b'+') {
            at = at.add(1);
        }
        let mut base = base as i64;
        if (base == 0 || base == 16) && *at as u8 == b'0' && matches!(*at.add(1) as u8, b'x' | b'X') {
            at = at.add(2);
            base = 16;
        } else if base == 0 {
            base = if *at as u8 == b'0' { 8 } else { 10 };
        }
        let mut value: i64 = 0;
        while let Some(digit) = (*at as u8 as char).to_digit(36).filter(|&d| (d as i64) < base) {
            value = value.saturating_mul(base).saturating_add(digit as i64);
            at = at.add(1);
        }
        if !end.is_null() {
            *end = at as *mut c_char;
        }
        if negative {
            -value
        } else {
            value
        }
    }
}

/// # Safety
/// `s` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn atoi(s: *const c_char) -> c_int {
    // SAFETY: as the caller promises.
    unsafe { strtol(s, core::ptr::null_mut(), 10) as c_int }
}

/// # Safety
/// `name` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn getenv(name: *const c_char) -> *const c_char {
    // SAFETY: as the caller promises.
    let Ok(name) = (unsafe { crate::c_str(name) }) else { return core::ptr::null() };
    // The environment C sees is the one `main` got; look it up there.
    // SAFETY: `environ` is set by start-up to the NULL-ended array passed to main.
    let mut at = unsafe { crate::environ };
    // SAFETY: (as above) each entry until NULL is a NUL-ended `NAME=value`.
    unsafe {
        while !at.is_null() && !(*at).is_null() {
            let entry = *at;
            let n = name.len();
            if strncmp(entry, name.as_ptr() as *const c_char, n) == 0 && *entry.add(n) as u8 == b'=' {
                return entry.add(n + 1);
            }
            at = at.add(1);
        }
    }
    core::ptr::null()
}

/// What `errno` means, as glibc words it (from the one errno table, `uxrt_protocols`).
#[no_mangle]
pub extern "C" fn strerror(errno: c_int) -> *const c_char {
    static mut TEXT: [u8; 64] = [0; 64];
    let text = u16::try_from(errno).map_or("Unknown error", |e| Errno(e).description()).as_bytes();
    let n = text.len().min(63);
    // SAFETY: processes are single-threaded; the buffer is only written here and C reads
    // it until the next call, as strerror allows.
    unsafe {
        let buffer = &mut *(&raw mut TEXT);
        buffer[..n].copy_from_slice(&text[..n]);
        buffer[n] = 0;
        buffer.as_ptr() as *const c_char
    }
}
