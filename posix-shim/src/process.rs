//! Processes and time: exit, getpid, kill, waitpid, sleep, and starting programs
//! (`posix_spawn`-like, uxrt has no fork).

use crate::{c_str, ret_int, set_errno};
use alloc::vec::Vec;
use core::ffi::{c_char, c_int, c_uint};
use uxrt::{process, Errno, Signal};

/// `abort()`: raises SIGABRT (a handler runs, if there is one), then ends the process
/// with it whatever the handler did.
#[no_mangle]
pub extern "C" fn abort() -> ! {
    crate::signals::raise_signal(6);
    process::abort()
}

#[no_mangle]
pub extern "C" fn getpid() -> c_int {
    process::getpid() as c_int
}

#[no_mangle]
pub extern "C" fn getppid() -> c_int {
    process::getppid() as c_int
}

/// `kill(pid, signal)`: to this process, the signal is delivered before `kill` returns
/// (`signals.rs`); to another, the root server ends it with the signal.
#[no_mangle]
pub extern "C" fn kill(pid: c_int, signal: c_int) -> c_int {
    if crate::signals::is_self(pid) {
        return crate::signals::kill_self(signal);
    }
    if pid < -1 {
        // `kill(-group, signal)`: every process of the group.
        let signal = match signal {
            0 => Ok(None),
            s => Signal::new(s as u64).map(Some).ok_or(Errno::EINVAL),
        };
        return ret_int(signal.and_then(|s| process::kill_group(pid.unsigned_abs(), s)).map(|()| 0));
    }
    let signal = match signal {
        0 => Ok(None),
        s => Signal::new(s as u64).map(Some).ok_or(Errno::EINVAL),
    };
    let pid = u32::try_from(pid).map_err(|_| Errno::ESRCH);
    ret_int(signal.and_then(|s| process::kill(pid?, s)).map(|()| 0))
}

const WNOHANG: c_int = 1;
/// Also report children that stop, and that go on again (job control).
const WUNTRACED: c_int = 2;
const WCONTINUED: c_int = 8;

/// # Safety
/// `status` is NULL or points at an int.
#[no_mangle]
pub unsafe extern "C" fn waitpid(pid: c_int, status: *mut c_int, options: c_int) -> c_int {
    let target = if pid == -1 { Ok(None) } else { u32::try_from(pid).map(Some).map_err(|_| Errno::EINVAL) };
    if options & !(WNOHANG | WUNTRACED | WCONTINUED) != 0 {
        return ret_int::<i32>(Err(Errno::EINVAL));
    }
    let no_hang = options & WNOHANG != 0;
    let ended = target.and_then(|target| match (no_hang, target) {
        _ if options & (WUNTRACED | WCONTINUED) != 0 => process::wait_for_change(target, no_hang),
        (true, target) => process::try_wait(target),
        (false, None) => process::wait().map(Some),
        (false, Some(pid)) => process::wait_pid(pid).map(|s| Some((pid, s))),
    });
    ret_int(ended.map(|ended| match ended {
        Some((pid, ended)) => {
            if !status.is_null() {
                // SAFETY: as the caller promises.
                unsafe { *status = ended.to_raw() as c_int };
            }
            pid as c_int
        }
        None => 0,
    }))
}

/// # Safety
/// `status` is NULL or points at an int.
#[no_mangle]
pub unsafe extern "C" fn wait(status: *mut c_int) -> c_int {
    // SAFETY: as the caller promises.
    unsafe { waitpid(-1, status, 0) }
}

/// Starts the program at `path` with `argv` (NULL-ended); the child gets this process's
/// fds. Returns its pid (uxrt's stand-in for fork + exec).
///
/// # Safety
/// `path` is a NUL-ended string, `argv` a NULL-ended array of them.
#[no_mangle]
pub unsafe extern "C" fn uxrt_spawn(path: *const c_char, argv: *const *const c_char) -> c_int {
    let mut args: Vec<&str> = Vec::new();
    let mut at = argv;
    // SAFETY: as the caller promises: each entry until NULL is a string.
    let collected = unsafe {
        while !at.is_null() && !(*at).is_null() {
            match c_str(*at) {
                Ok(arg) => args.push(arg),
                Err(errno) => {
                    set_errno(errno);
                    return -1;
                }
            }
            at = at.add(1);
        }
        c_str(path)
    };
    ret_int(collected.and_then(|path| process::spawn(path, &args, &[] as &[&str]).map(|pid| pid as c_int)))
}

/// Starts counting kernel entries: 0, or -1 where the kernel does not count them.
#[no_mangle]
pub extern "C" fn uxrt_kernel_entries_reset() -> c_int {
    if sel4::kernel_entries::reset() {
        0
    } else {
        -1
    }
}

/// Kernel entries since `uxrt_kernel_entries_reset`, or -1.
#[no_mangle]
pub extern "C" fn uxrt_kernel_entries() -> core::ffi::c_long {
    sel4::kernel_entries::count().map_or(-1, |count| count as core::ffi::c_long)
}

/// Kernel entries since `uxrt_kernel_entries_reset` by kind, written to `buffer` as
/// `name:count` pairs joined by commas (`fast:4,slowcall:0,...`); the length written
/// (the text is cut to fit and always terminated), or -1 where the kernel does not count.
///
/// # Safety
/// `buffer` must be writable for `size` bytes.
#[no_mangle]
pub unsafe extern "C" fn uxrt_kernel_entry_kinds(buffer: *mut c_char, size: usize) -> c_int {
    let Some(counts) = sel4::kernel_entries::by_kind() else {
        return -1;
    };
    if buffer.is_null() || size == 0 {
        return -1;
    }
    let mut text = alloc::string::String::new();
    for (name, count) in sel4::kernel_entries::KINDS.iter().zip(counts) {
        let separator = if text.is_empty() { "" } else { "," };
        let _ = core::fmt::Write::write_fmt(&mut text, format_args!("{separator}{name}:{count}"));
    }
    let length = text.len().min(size - 1);
    // SAFETY: the caller gives `size` writable bytes at `buffer`; `length` < `size`.
    unsafe {
        core::ptr::copy_nonoverlapping(text.as_ptr(), buffer.cast::<u8>(), length);
        *buffer.add(length) = 0;
    }
    length as c_int
}

#[no_mangle]
pub extern "C" fn usleep(us: c_uint) -> c_int {
    ret_int(uxrt::events::sleep_us(us as u64).map(|()| 0))
}

#[no_mangle]
pub extern "C" fn sleep(seconds: c_uint) -> c_uint {
    match uxrt::events::sleep_us(seconds as u64 * 1_000_000) {
        Ok(()) => 0,
        Err(_) => seconds,
    }
}

/// `struct rlimit`.
#[repr(C)]
pub struct Rlimit {
    current: u64,
    max: u64,
}

/// `getrlimit`/`setrlimit` resources (Linux's numbers).
const RLIMIT_DATA: c_int = 2;
const RLIMIT_NOFILE: c_int = 7;
const RLIMIT_AS: c_int = 9;

/// `getrlimit(resource, limit)`: `RLIMIT_NOFILE` (the fds a process may hold), and
/// `RLIMIT_AS` and `RLIMIT_DATA`, both the process's memory limit (what its memory,
/// kernel objects included, may add up to); `EINVAL` for the others.
///
/// # Safety
/// `limit` points to a writable `struct rlimit`.
#[no_mangle]
pub unsafe extern "C" fn getrlimit(resource: c_int, limit: *mut Rlimit) -> c_int {
    let limits = match resource {
        RLIMIT_NOFILE => Ok(uxrt::fs::fd_limits()).map(|(soft, hard)| (soft as u64, hard as u64)),
        RLIMIT_AS | RLIMIT_DATA => uxrt::memory::memory_limit(None).map(|(now, most)| (now as u64, most as u64)),
        _ => Err(Errno::EINVAL),
    };
    let limits = if limit.is_null() { limits.and(Err(Errno::EFAULT)) } else { limits };
    ret_int(limits.map(|(current, max)| {
        // SAFETY: as the caller promises (checked not NULL).
        unsafe { *limit = Rlimit { current, max } };
        0
    }))
}

/// `setrlimit(resource, limit)`: `RLIMIT_NOFILE` (limits above the fds a process may hold
/// are taken as that many), and `RLIMIT_AS`/`RLIMIT_DATA`, whose soft limit becomes the
/// process's memory limit (the hard one stays what the system allows: `EPERM` to ask for
/// more, `EINVAL` for less than the process holds).
///
/// # Safety
/// `limit` points to a `struct rlimit`.
#[no_mangle]
pub unsafe extern "C" fn setrlimit(resource: c_int, limit: *const Rlimit) -> c_int {
    // SAFETY: as the caller promises.
    let Some(limit) = (unsafe { limit.as_ref() }) else { return ret_int::<i32>(Err(Errno::EFAULT)) };
    if limit.current > limit.max {
        return ret_int::<i32>(Err(Errno::EINVAL));
    }
    let result = match resource {
        RLIMIT_NOFILE => {
            let cap = |value: u64| value.min(uxrt::fs::FD_LIMIT as u64) as uxrt::fs::Fd;
            uxrt::fs::set_fd_limits(cap(limit.current), cap(limit.max))
        }
        RLIMIT_AS | RLIMIT_DATA => uxrt::memory::memory_limit(None).and_then(|(_, most)| {
            if limit.max > most as u64 {
                return Err(Errno::EPERM);
            }
            uxrt::memory::memory_limit(Some(limit.current as usize)).map(|_| ())
        }),
        _ => Err(Errno::EINVAL),
    };
    ret_int(result.map(|()| 0))
}

/// `struct timespec`.
#[repr(C)]
#[derive(Default)]
pub struct Timespec {
    seconds: i64,
    nanoseconds: i64,
}

impl Timespec {
    /// Nanoseconds as seconds and nanoseconds.
    pub fn from_ns(ns: u64) -> Timespec {
        Timespec { seconds: (ns / 1_000_000_000) as i64, nanoseconds: (ns % 1_000_000_000) as i64 }
    }

    /// As a time word of `SetTimes`: `UTIME_NOW` and `UTIME_OMIT` (Linux's values in
    /// the nanoseconds) as theirs, else nanoseconds since 1970; `EINVAL` for
    /// nanoseconds out of range or a time before 1970.
    pub fn as_new_time(&self) -> Result<u64, Errno> {
        const UTIME_NOW: i64 = (1 << 30) - 1;
        const UTIME_OMIT: i64 = (1 << 30) - 2;
        match self.nanoseconds {
            UTIME_NOW => Ok(uxrt::fs::TIME_NOW),
            UTIME_OMIT => Ok(uxrt::fs::TIME_OMIT),
            0..=999_999_999 => u64::try_from(self.seconds)
                .ok()
                .and_then(|s| s.checked_mul(1_000_000_000)?.checked_add(self.nanoseconds as u64))
                .filter(|&ns| ns < uxrt::fs::TIME_NOW)
                .ok_or(Errno::EINVAL),
            _ => Err(Errno::EINVAL),
        }
    }
}

/// Clocks (Linux's numbers, as in `<time.h>`).
const CLOCK_REALTIME: c_int = 0;
const CLOCK_MONOTONIC: c_int = 1;
const CLOCK_PROCESS_CPUTIME_ID: c_int = 2;
const CLOCK_THREAD_CPUTIME_ID: c_int = 3;
const CLOCK_MONOTONIC_RAW: c_int = 4;
const CLOCK_REALTIME_COARSE: c_int = 5;
const CLOCK_MONOTONIC_COARSE: c_int = 6;
const CLOCK_BOOTTIME: c_int = 7;

/// `clock_gettime(clock, now)`: wall-clock time (the PC's clock read at boot, kept by the
/// time-stamp counter), monotonic time (since the machine started), and for the CPU-time
/// clocks the time since the process started (uxrt does not count CPU time per process
/// yet: an upper bound). `EINVAL` for other clocks.
///
/// # Safety
/// `now` points to a writable `struct timespec`.
#[no_mangle]
pub unsafe extern "C" fn clock_gettime(clock: c_int, now: *mut Timespec) -> c_int {
    let time = match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE => Ok(uxrt::time::realtime_ns()),
        CLOCK_MONOTONIC | CLOCK_MONOTONIC_RAW | CLOCK_MONOTONIC_COARSE | CLOCK_BOOTTIME => {
            Ok(uxrt::time::monotonic_ns())
        }
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => Ok(uxrt::time::since_start_ns()),
        _ => Err(Errno::EINVAL),
    };
    let time = if now.is_null() { time.and(Err(Errno::EFAULT)) } else { time };
    ret_int(time.map(|ns| {
        let (seconds, nanoseconds) = ((ns / 1_000_000_000) as i64, (ns % 1_000_000_000) as i64);
        // SAFETY: as the caller promises (checked not NULL).
        unsafe { *now = Timespec { seconds, nanoseconds } };
        0
    }))
}

/// musl's internal name for `clock_gettime` (its `time`, `clock` and `gettimeofday`
/// call this one).
///
/// # Safety
/// As [`clock_gettime`].
#[no_mangle]
pub unsafe extern "C" fn __clock_gettime(clock: c_int, now: *mut Timespec) -> c_int {
    // SAFETY: as the caller promises.
    unsafe { clock_gettime(clock, now) }
}

/// uxrt has no users yet: every process runs as user and group 0.
#[no_mangle]
pub extern "C" fn getuid() -> u32 {
    0
}

#[no_mangle]
pub extern "C" fn geteuid() -> u32 {
    0
}

#[no_mangle]
pub extern "C" fn getgid() -> u32 {
    0
}

#[no_mangle]
pub extern "C" fn getegid() -> u32 {
    0
}

/// `struct utsname`: six fields of 65 bytes.
#[repr(C)]
pub struct Utsname {
    fields: [[u8; 65]; 6],
}

/// `uname(name)`: "uxrt", this machine's name, the release of this build, and x86_64.
///
/// # Safety
/// `name` points at a writable `struct utsname`.
#[no_mangle]
pub unsafe extern "C" fn uname(name: *mut Utsname) -> c_int {
    if name.is_null() {
        return ret_int::<i32>(Err(Errno::EFAULT));
    }
    let values = ["uxrt", "uxrt", env!("CARGO_PKG_VERSION"), "seL4 5.0.0 with uxrt's patches", "x86_64", "(none)"];
    let mut fields = [[0u8; 65]; 6];
    for (field, value) in fields.iter_mut().zip(values) {
        field[..value.len()].copy_from_slice(value.as_bytes());
    }
    // SAFETY: as the caller promises (checked not NULL).
    unsafe { name.write(Utsname { fields }) };
    0
}

/// `nanosleep(duration, remaining)`: sleeps; `EINVAL` for a bad duration.
///
/// # Safety
/// `duration` points at a `struct timespec`; `remaining` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn nanosleep(duration: *const Timespec, remaining: *mut Timespec) -> c_int {
    // SAFETY: as the caller promises.
    let Some(duration) = (unsafe { duration.as_ref() }) else { return ret_int::<i32>(Err(Errno::EFAULT)) };
    if duration.seconds < 0 || !(0..1_000_000_000).contains(&duration.nanoseconds) {
        return ret_int::<i32>(Err(Errno::EINVAL));
    }
    let us = duration.seconds as u64 * 1_000_000 + (duration.nanoseconds as u64).div_ceil(1000);
    let start = uxrt::time::monotonic_ns();
    // (A signal that runs no handler does not end the sleep: `poll` goes on for it.)
    let slept = uxrt::events::sleep_us(us);
    if !remaining.is_null() {
        // (What is left after a signal ended it early: `EINTR`.)
        let left_ns = (us * 1000).saturating_sub(uxrt::time::monotonic_ns() - start);
        let left = match slept {
            Err(Errno::EINTR) => {
                Timespec { seconds: (left_ns / 1_000_000_000) as i64, nanoseconds: (left_ns % 1_000_000_000) as i64 }
            }
            _ => Timespec::default(),
        };
        // SAFETY: as the caller promises (not NULL).
        unsafe { remaining.write(left) };
    }
    ret_int(slept.map(|()| 0))
}

/// `sched_yield()`: gives the processor to another ready thread, if any.
#[no_mangle]
pub extern "C" fn sched_yield() -> c_int {
    sel4::yield_now();
    0
}

/// `setpgid(pid, group)`: puts `pid` (0: this process, or a child of it) in process group
/// `group` (0: a new one named by `pid`) of this process's session.
#[no_mangle]
pub extern "C" fn setpgid(pid: c_int, group: c_int) -> c_int {
    let ids = u32::try_from(pid).and_then(|p| Ok((p, u32::try_from(group)?))).map_err(|_| Errno::EINVAL);
    ret_int(ids.and_then(|(pid, group)| process::set_process_group(pid, group)).map(|()| 0))
}

/// `getpgid(pid)`: the process group of `pid` (0: this process).
#[no_mangle]
pub extern "C" fn getpgid(pid: c_int) -> c_int {
    let pid = u32::try_from(pid).map_err(|_| Errno::ESRCH);
    ret_int(pid.and_then(process::process_group).map(|group| group as c_int))
}

/// `setsid()`: a new session and process group led by this process; its pid (`EPERM`
/// for a process group's leader).
#[no_mangle]
pub extern "C" fn setsid() -> c_int {
    ret_int(process::new_session().map(|session| session as c_int))
}

/// `getsid(pid)`: the session of `pid` (0: this process).
#[no_mangle]
pub extern "C" fn getsid(pid: c_int) -> c_int {
    let pid = u32::try_from(pid).map_err(|_| Errno::ESRCH);
    ret_int(pid.and_then(process::session_id).map(|session| session as c_int))
}

/// `getpgrp()`: this process's group.
#[no_mangle]
pub extern "C" fn getpgrp() -> c_int {
    getpgid(0)
}
