//! Signals: `sigaction` (`SA_SIGINFO`, `SA_RESETHAND`, `SA_NODEFER`, `SA_RESTART`),
//! `signal` (musl's, over `__sigaction`), `sigprocmask`, `sigpending`, `sigsuspend`,
//! `pause`, `raise`, `kill` of itself, `alarm`, and `SIGPIPE` from a write to a pipe
//! nobody reads.
//!
//! A signal a process sends itself is delivered synchronously, as POSIX has it: before
//! the call that raised it returns (or, when blocked, when unblocked). Signals from
//! others (and SIGALRM, SIGCHLD) come asynchronously through libuxrt's signal entry,
//! which calls [`dispatch`] wherever the process was: computing, or in a call, which
//! then fails with `EINTR` or (`SA_RESTART`) starts again. The root server is told which
//! signals have handlers and which are ignored (`uxrt::signals::set_handling`); the
//! others take their default action there. A handler runs with its mask (and the signal
//! itself, unless `SA_NODEFER`) blocked; `SA_RESETHAND` resets it first; `SA_SIGINFO`
//! handlers get a `siginfo_t` naming the signal.

use crate::{process, ret_int};
use core::ffi::{c_int, c_void};
use core::sync::atomic::{AtomicU64, Ordering};
use uxrt::sync::Lock as Mutex;
use uxrt::{Errno, Signal};

/// Signal numbers this layer knows: 1 to 64, as Linux.
const SIGNALS: usize = 65;
const SIGKILL: c_int = 9;
const SIGPIPE: c_int = 13;
const SIGSTOP: c_int = 19;

/// `sa_handler` values, and `sa_flags` bits (Linux's).
const SIG_DFL: usize = 0;
const SIG_IGN: usize = 1;
const SA_SIGINFO: c_int = 4;
const SA_RESTART: c_int = 0x1000_0000;
const SA_NODEFER: c_int = 0x4000_0000;
const SA_RESETHAND: c_int = 0x8000_0000u32 as c_int;

/// musl's `struct sigaction` (x86_64): a handler, a 1024-bit mask, flags, a restorer.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SigAction {
    handler: usize,
    mask: [u64; 16],
    flags: c_int,
    restorer: usize,
}

const DEFAULT: SigAction = SigAction { handler: SIG_DFL, mask: [0; 16], flags: 0, restorer: 0 };

static ACTIONS: Mutex<[SigAction; SIGNALS]> = Mutex::new([DEFAULT; SIGNALS]);
/// Blocked signals (bit `n - 1` for signal `n`), and those raised while blocked.
static BLOCKED: AtomicU64 = AtomicU64::new(0);
static PENDING: AtomicU64 = AtomicU64::new(0);

fn bit(signal: c_int) -> u64 {
    1 << (signal - 1)
}

fn valid(signal: c_int) -> bool {
    (1..SIGNALS as c_int).contains(&signal)
}

/// A signal's default action: what POSIX says is ignored; everything else ends the
/// process (stopping and continuing are for job control, not here yet: ignored).
fn default_ignored(signal: c_int) -> bool {
    // SIGCHLD, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGWINCH.
    matches!(signal, 17 | 18 | 20 | 21 | 22 | 23 | 28)
}

/// `siginfo_t` (128 bytes): what a `SA_SIGINFO` handler is told.
#[repr(C)]
struct SigInfo {
    signo: c_int,
    errno: c_int,
    code: c_int,
    rest: [c_int; 29],
}

/// `si_code` of a signal a process sent itself (`SI_USER`).
const SI_USER: c_int = 0;

/// Delivers `signal` now: runs its handler, ignores it, or ends the process with it.
/// A blocked signal waits, pending, until it is unblocked.
pub fn raise_signal(signal: c_int) {
    if BLOCKED.load(Ordering::Relaxed) & bit(signal) != 0 && signal != SIGKILL && signal != SIGSTOP {
        PENDING.fetch_or(bit(signal), Ordering::Relaxed);
        return;
    }
    let action = {
        let mut actions = ACTIONS.lock();
        let action = actions[signal as usize];
        if action.handler > SIG_IGN && action.flags & SA_RESETHAND != 0 {
            actions[signal as usize] = DEFAULT;
        }
        action
    };
    match action.handler {
        SIG_IGN => {}
        SIG_DFL if default_ignored(signal) => {}
        SIG_DFL => {
            // (Ends this process: the root server reports the signal to the parent.)
            let _ = uxrt::process::kill(uxrt::process::getpid(), Signal::new(signal as u64));
            uxrt::process::abort()
        }
        handler => {
            let during = action.mask[0] | if action.flags & SA_NODEFER != 0 { 0 } else { bit(signal) };
            let before = BLOCKED.fetch_or(during, Ordering::Relaxed);
            uxrt::signals::note_handled(action.flags & SA_RESTART != 0);
            if action.flags & SA_SIGINFO != 0 {
                let mut info = SigInfo { signo: signal, errno: 0, code: SI_USER, rest: [0; 29] };
                // SAFETY: the program installed this as a `sa_sigaction` (SA_SIGINFO).
                let handler: extern "C" fn(c_int, *mut SigInfo, *mut c_void) = unsafe { core::mem::transmute(handler) };
                handler(signal, &mut info, core::ptr::null_mut());
            } else {
                // SAFETY: the program installed this as a `sa_handler`.
                let handler: extern "C" fn(c_int) = unsafe { core::mem::transmute(handler) };
                handler(signal);
            }
            set_blocked(before);
        }
    }
}

/// Sets the blocked mask, then delivers what it unblocked.
fn set_blocked(mask: u64) {
    let mask = mask & !(bit(SIGKILL) | bit(SIGSTOP));
    BLOCKED.store(mask, Ordering::Relaxed);
    loop {
        let ready = PENDING.load(Ordering::Relaxed) & !BLOCKED.load(Ordering::Relaxed);
        if ready == 0 {
            return;
        }
        let signal = ready.trailing_zeros() as c_int + 1;
        PENDING.fetch_and(!bit(signal), Ordering::Relaxed);
        raise_signal(signal);
    }
}

/// `sigaction(signal, action, old)`: `EINVAL` for a bad signal, or to catch or ignore
/// SIGKILL or SIGSTOP.
///
/// # Safety
/// `action` and `old` are NULL or point at `struct sigaction`s.
#[no_mangle]
pub unsafe extern "C" fn sigaction(signal: c_int, action: *const SigAction, old: *mut SigAction) -> c_int {
    if !valid(signal) || (!action.is_null() && (signal == SIGKILL || signal == SIGSTOP)) {
        return ret_int::<i32>(Err(Errno::EINVAL));
    }
    let mut actions = ACTIONS.lock();
    // SAFETY: as the caller promises.
    unsafe {
        if let Some(old) = old.as_mut() {
            *old = actions[signal as usize];
        }
        if let Some(action) = action.as_ref() {
            actions[signal as usize] = *action;
        }
    }
    let handling = action.is_null().then_some(Ok(())).unwrap_or_else(|| tell_root_server(&actions));
    drop(actions);
    if let Err(errno) = handling {
        return ret_int::<i32>(Err(errno));
    }
    // (Ignoring a pending signal discards it.)
    // SAFETY: as the caller promises.
    if unsafe { action.as_ref() }.is_some_and(|a| a.handler == SIG_IGN) {
        PENDING.fetch_and(!bit(signal), Ordering::Relaxed);
    }
    0
}

/// Tells the root server which signals have handlers (they come to [`dispatch`]) and
/// which are ignored, once `actions` changed.
fn tell_root_server(actions: &[SigAction; SIGNALS]) -> Result<(), Errno> {
    let (mut caught, mut ignored) = (0, 0);
    for (signal, action) in actions.iter().enumerate().skip(1) {
        match action.handler {
            SIG_DFL => {}
            SIG_IGN => ignored |= bit(signal as c_int),
            _ => caught |= bit(signal as c_int),
        }
    }
    uxrt::signals::set_dispatcher(dispatch);
    uxrt::signals::set_handling(caught, ignored)
}

/// Delivers signals that came from elsewhere (libuxrt's signal entry calls it): each
/// as `raise` would, blocked ones kept pending.
fn dispatch(pending: u64) {
    let mut rest = pending;
    while rest != 0 {
        let signal = rest.trailing_zeros() as c_int + 1;
        rest &= !bit(signal);
        raise_signal(signal);
    }
}

/// musl's internal names for `sigaction` (its `signal` calls `__sigaction`).
///
/// # Safety
/// As [`sigaction`].
#[no_mangle]
pub unsafe extern "C" fn __sigaction(signal: c_int, action: *const SigAction, old: *mut SigAction) -> c_int {
    // SAFETY: as the caller promises.
    unsafe { sigaction(signal, action, old) }
}

/// # Safety
/// As [`sigaction`].
#[no_mangle]
pub unsafe extern "C" fn __libc_sigaction(signal: c_int, action: *const SigAction, old: *mut SigAction) -> c_int {
    // SAFETY: as the caller promises.
    unsafe { sigaction(signal, action, old) }
}

/// `sigprocmask` ways.
const SIG_BLOCK: c_int = 0;
const SIG_UNBLOCK: c_int = 1;
const SIG_SETMASK: c_int = 2;

/// `pthread_sigmask(how, set, old)` (one thread: the process's mask): 0 or an error
/// number. What it unblocks and is pending is delivered before it returns.
///
/// # Safety
/// `set` and `old` are NULL or point at `sigset_t`s.
#[no_mangle]
pub unsafe extern "C" fn pthread_sigmask(how: c_int, set: *const u64, old: *mut u64) -> c_int {
    let current = BLOCKED.load(Ordering::Relaxed);
    // SAFETY: as the caller promises (a sigset_t starts with signals 1 to 64).
    let new = match unsafe { set.as_ref() } {
        None => None,
        Some(&set) => match how {
            SIG_BLOCK => Some(current | set),
            SIG_UNBLOCK => Some(current & !set),
            SIG_SETMASK => Some(set),
            _ => return Errno::EINVAL.0 as c_int,
        },
    };
    // SAFETY: as the caller promises; a sigset_t holds 16 words.
    if let Some(old) = unsafe { old.as_mut() } {
        unsafe { core::ptr::write_bytes(old as *mut u64, 0, 16) };
        *old = current;
    }
    if let Some(mask) = new {
        set_blocked(mask);
    }
    0
}

/// `sigprocmask(how, set, old)`: as `pthread_sigmask`, -1 and `errno` on an error.
///
/// # Safety
/// As [`pthread_sigmask`].
#[no_mangle]
pub unsafe extern "C" fn sigprocmask(how: c_int, set: *const u64, old: *mut u64) -> c_int {
    // SAFETY: as the caller promises.
    match unsafe { pthread_sigmask(how, set, old) } {
        0 => 0,
        error => ret_int::<i32>(Err(Errno(error as u16))),
    }
}

/// `sigpending(set)`: the signals raised while blocked.
///
/// # Safety
/// `set` points at a `sigset_t`.
#[no_mangle]
pub unsafe extern "C" fn sigpending(set: *mut u64) -> c_int {
    if set.is_null() {
        return ret_int::<i32>(Err(Errno::EFAULT));
    }
    // SAFETY: as the caller promises; a sigset_t holds 16 words.
    unsafe {
        core::ptr::write_bytes(set, 0, 16);
        *set = PENDING.load(Ordering::Relaxed);
    }
    0
}

/// `raise(signal)`: delivers it to this process now.
#[no_mangle]
pub extern "C" fn raise(signal: c_int) -> c_int {
    if !valid(signal) {
        return ret_int::<i32>(Err(Errno::EINVAL));
    }
    raise_signal(signal);
    0
}

/// What `kill` does when the target is this process: delivered now, as `raise`.
pub fn kill_self(signal: c_int) -> c_int {
    match signal {
        0 => 0,
        _ => raise(signal),
    }
}

/// A write found nobody to read: `SIGPIPE` (which by default ends the process; ignored or
/// handled, the write fails with `EPIPE`).
pub fn broken_pipe() {
    raise_signal(SIGPIPE);
}

/// Whether `pid` (as `kill` takes it) is this process.
pub fn is_self(pid: c_int) -> bool {
    pid == process::getpid() || pid == 0
}

/// Waits until a handler has run (a signal that is blocked, or ignored, does not end
/// the wait); for ever if none ever does.
fn wait_for_handler() {
    let mark = uxrt::signals::mark();
    while !mark.handled() {
        let _ = uxrt::events::sleep_us(3_600_000_000);
    }
}

/// `pause()`: waits for a signal to run a handler; then fails with `EINTR`.
#[no_mangle]
pub extern "C" fn pause() -> c_int {
    wait_for_handler();
    ret_int::<i32>(Err(Errno::EINTR))
}

/// `sigsuspend(mask)`: waits with `mask` blocked until a handler has run (one pending
/// and unblocked by `mask` runs at once), then puts the old mask back and fails with
/// `EINTR`.
///
/// # Safety
/// `mask` points at a `sigset_t`.
#[no_mangle]
pub unsafe extern "C" fn sigsuspend(mask: *const u64) -> c_int {
    // SAFETY: as the caller promises.
    let Some(&mask) = (unsafe { mask.as_ref() }) else { return ret_int::<i32>(Err(Errno::EFAULT)) };
    let before = BLOCKED.load(Ordering::Relaxed);
    let mark = uxrt::signals::mark();
    set_blocked(mask);
    if !mark.handled() {
        wait_for_handler();
    }
    set_blocked(before);
    ret_int::<i32>(Err(Errno::EINTR))
}

/// `alarm(seconds)`: SIGALRM in `seconds` (0 cancels the alarm); the seconds that were
/// left of the alarm it replaces (0: none).
#[no_mangle]
pub extern "C" fn alarm(seconds: core::ffi::c_uint) -> core::ffi::c_uint {
    let ticks_per_second = uxrt::time::tsc_mhz().max(1) * 1_000_000;
    let now = uxrt::time::tsc();
    let deadline = match seconds {
        0 => 0,
        s => now.saturating_add(s as u64 * ticks_per_second),
    };
    match uxrt::signals::alarm(deadline) {
        Ok(0) | Err(_) => 0,
        // (Rounded up, as Linux does: an alarm still set reports at least a second.)
        Ok(old) => old.saturating_sub(now).div_ceil(ticks_per_second).max(1) as core::ffi::c_uint,
    }
}
