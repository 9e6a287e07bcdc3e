//! Signals from other processes, delivered asynchronously (issue 21).
//!
//! The process tells the root server which signals it catches and ignores
//! ([`set_handling`]). For a caught one the root server interrupts the thread: it goes on
//! at [`uxrt_signal_entry`] (see `protocols::process::SignalFrame` for what the root
//! server sets), which saves what the handlers could disturb (the FPU state, the IPC
//! buffer, the results of a system call it was in), takes the pending signals and the
//! interrupted context (`TakeSignals`), runs the dispatcher (posix-shim's: the
//! `sigaction` handlers and masks), puts everything back and resumes the interrupted
//! code with `iretq`.
//!
//! Handlers never run inside the library: while one of its locks is held the signals
//! are kept ([`sync`](crate::sync)) and dispatched when the last lock goes. A wait on the
//! notification queue (`poll`, a sleep, a read that would block) sees them kept and
//! fails with `EINTR`; a `wait` for a child gets `EINTR` from the root server. Calls that
//! `SA_RESTART` restarts ask [`Mark`] whether a handler without it ran.

use crate::sys;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use sel4::Word;
use uxrt_protocols::process::{Request, SignalFrame};
use uxrt_protocols::Errno;

/// Locks held (one thread: plain loads and stores; an interruption leaves it as it was).
static CRITICAL: AtomicUsize = AtomicUsize::new(0);
/// Signals taken from the root server while a lock was held, not dispatched yet.
static KEPT: AtomicU64 = AtomicU64::new(0);
/// Handlers run, and those among them without `SA_RESTART`.
static HANDLED: AtomicU64 = AtomicU64::new(0);
static NOT_RESTARTED: AtomicU64 = AtomicU64::new(0);
/// The signals this process catches (the set last given to the root server).
static CAUGHT: AtomicU64 = AtomicU64::new(0);
static DISPATCHER: spin::Once<fn(Word)> = spin::Once::new();

#[inline]
pub(crate) fn enter_critical() {
    CRITICAL.store(CRITICAL.load(Relaxed) + 1, Relaxed);
}

#[inline]
pub(crate) fn leave_critical() {
    let depth = CRITICAL.load(Relaxed) - 1;
    CRITICAL.store(depth, Relaxed);
    if depth == 0 && KEPT.load(Relaxed) != 0 {
        dispatch_kept();
    }
}

/// (Out of line: the locks' fast path stays small.)
#[cold]
#[inline(never)]
fn dispatch_kept() {
    let kept = KEPT.swap(0, Relaxed);
    dispatch(kept);
}

/// Whether signals wait to be dispatched until the library's locks are released: a
/// blocking wait must end (with `EINTR`) for them.
pub(crate) fn kept() -> bool {
    KEPT.load(Relaxed) != 0
}

fn dispatch(pending: Word) {
    if let Some(dispatcher) = DISPATCHER.get() {
        dispatcher(pending);
    }
}

/// Sets what runs caught signals (bit `n - 1` of its argument for signal `n`); once.
pub fn set_dispatcher(dispatcher: fn(Word)) {
    DISPATCHER.call_once(|| dispatcher);
}

/// Tells the root server which signals this process catches (they come to the
/// dispatcher) and ignores; the others take their default action.
pub fn set_handling(caught: Word, ignored: Word) -> Result<(), Errno> {
    let entry = if caught == 0 { 0 } else { uxrt_signal_entry as *const () as Word };
    let [] = sys::call(Request::SignalHandling { caught, ignored, entry }).results()?;
    CAUGHT.store(caught, Relaxed);
    Ok(())
}

/// Whether any signal is caught (blocking reads and writes then wait on the queue, where
/// a signal can end them).
pub fn catching() -> bool {
    CAUGHT.load(Relaxed) != 0
}

/// The dispatcher ran a handler (`restart`: one with `SA_RESTART`).
pub fn note_handled(restart: bool) {
    HANDLED.store(HANDLED.load(Relaxed) + 1, Relaxed);
    if !restart {
        NOT_RESTARTED.store(NOT_RESTARTED.load(Relaxed) + 1, Relaxed);
    }
}

/// The handlers run so far, to tell later whether a call was interrupted.
#[derive(Clone, Copy)]
pub struct Mark {
    handled: u64,
    not_restarted: u64,
}

pub fn mark() -> Mark {
    Mark { handled: HANDLED.load(Relaxed), not_restarted: NOT_RESTARTED.load(Relaxed) }
}

impl Mark {
    /// A handler has run since.
    pub fn handled(self) -> bool {
        HANDLED.load(Relaxed) != self.handled
    }

    /// A handler without `SA_RESTART` has run since: an interrupted call fails with
    /// `EINTR` rather than starting again.
    pub fn interrupts(self) -> bool {
        NOT_RESTARTED.load(Relaxed) != self.not_restarted
    }
}

/// Runs `call` again while it fails with `EINTR` and no handler without `SA_RESTART`
/// ran meanwhile (a read, write or `wait` that a signal interrupted).
pub fn restarting<T>(mut call: impl FnMut() -> Result<T, Errno>) -> Result<T, Errno> {
    let mark = mark();
    loop {
        match call() {
            Err(Errno::EINTR) if !mark.interrupts() => continue,
            result => return result,
        }
    }
}

/// SIGALRM at `deadline` (time-stamp counter; 0 cancels); the deadline it replaces.
pub fn alarm(deadline: u64) -> Result<u64, Errno> {
    let [old] = sys::call(Request::SignalAlarm { deadline }).results()?;
    Ok(old)
}

// ---- The entry ------------------------------------------------------------------------

/// What the entry keeps on its stack before any Rust code runs.
#[repr(C, align(16))]
struct EntryFrame {
    /// RDI, RSI, R10, R8, R9, R15 as the entry found them: a system call's results, or
    /// RSI = `SignalFrame::NOT_IN_CALL`.
    results: [Word; 6],
    _align: [Word; 2],
    /// `fxsave64` area (x87 and SSE state: the handlers use SSE).
    fpu: [u8; 512],
}

const FRAME_BYTES: usize = core::mem::size_of::<EntryFrame>();
const _: () = assert!(FRAME_BYTES == 576 && core::mem::offset_of!(EntryFrame, fpu) == 64);

/// Indices of `seL4_UserContext`, as `TakeSignals` writes it.
mod context {
    pub const RSI: usize = 7;
    pub const RDI: usize = 8;
    pub const R8: usize = 10;
    pub const R9: usize = 11;
    pub const R10: usize = 12;
    pub const R15: usize = 17;
    pub const WORDS: usize = 19;
}
const _: () = assert!(context::WORDS * 8 == SignalFrame::CONTEXT_BYTES);

extern "C" {
    /// Where the root server sends an interrupted thread (R13: its stack).
    fn uxrt_signal_entry() -> !;
    /// Resumes `context` (19 words) with the FPU state at `fpu`.
    fn uxrt_signal_resume(context: *const Word, fpu: *const u8) -> !;
}

// The entry: on the stack the root server gives (16-byte aligned), with the direction
// flag clear as the ABI wants (the interrupted code may be in a backward copy), it keeps
// the call results and the FPU state, then runs `deliver`, which never returns.
// (A section of its own: a program that never catches a signal links none of it.)
core::arch::global_asm!(
    ".pushsection .text.uxrt_signal_entry,\"ax\",@progbits",
    ".globl uxrt_signal_entry",
    ".type uxrt_signal_entry, @function",
    "uxrt_signal_entry:",
    "mov rsp, r13",
    "cld",
    "sub rsp, {frame}",
    "mov [rsp], rdi",
    "mov [rsp + 8], rsi",
    "mov [rsp + 16], r10",
    "mov [rsp + 24], r8",
    "mov [rsp + 32], r9",
    "mov [rsp + 40], r15",
    "fxsave64 [rsp + 64]",
    "mov rdi, rsp",
    "call {deliver}",
    "ud2",
    ".globl uxrt_signal_resume",
    ".type uxrt_signal_resume, @function",
    // An iretq frame (SS, RSP, RFLAGS, CS, RIP) on this stack, then every register:
    // RIP, RSP and RFLAGS change together, so nothing of the entry is left behind. The
    // selectors: SS is seL4's user data selector however the kernel last returned; CS
    // is not after a `sysret` (which loads STAR + 16, no GDT entry an iretq accepts),
    // but seL4 sets STAR to its user code selector, which `sysret` puts 8 below SS.
    "uxrt_signal_resume:",
    "fxrstor64 [rsi]",
    "mov rax, rdi",
    "mov rcx, ss",
    "push rcx",
    "push qword ptr [rax + 8]",
    "push qword ptr [rax + 16]",
    "sub rcx, 8",
    "push rcx",
    "push qword ptr [rax]",
    "mov rbx, [rax + 32]",
    "mov rcx, [rax + 40]",
    "mov rdx, [rax + 48]",
    "mov rsi, [rax + 56]",
    "mov rdi, [rax + 64]",
    "mov rbp, [rax + 72]",
    "mov r8, [rax + 80]",
    "mov r9, [rax + 88]",
    "mov r10, [rax + 96]",
    "mov r11, [rax + 104]",
    "mov r12, [rax + 112]",
    "mov r13, [rax + 120]",
    "mov r14, [rax + 128]",
    "mov r15, [rax + 136]",
    "mov rax, [rax + 24]",
    "iretq",
    ".popsection",
    frame = const FRAME_BYTES,
    deliver = sym deliver,
);

/// Takes the signals and the interrupted context, dispatches (or keeps) the signals and
/// resumes the interrupted code.
extern "C" fn deliver(frame: &mut EntryFrame) -> ! {
    // (Before any call of its own: the interrupted code's message may be in it.)
    let ipc_buffer = sel4::ipc_buffer::save();
    let mut context = [0 as Word; context::WORDS];
    let taken = sys::call(Request::TakeSignals { context: context.as_mut_ptr() as Word }).results();
    let Ok([pending, 1]) = taken else {
        // Sent here with no context to go back to: nothing sane is left to do (the root
        // server reports the abort).
        sys::call_no_return(Request::Abort)
    };
    // SAFETY: the root server wrote the context into `context` during the call; read it
    // afresh rather than trust values the compiler may have kept from before.
    let mut context = unsafe { core::ptr::read_volatile(&context) };
    if frame.results[1] != SignalFrame::NOT_IN_CALL {
        // It was in a system call, which has returned since: its results go back too.
        let registers = [context::RDI, context::RSI, context::R10, context::R8, context::R9, context::R15];
        for (index, value) in registers.into_iter().zip(frame.results) {
            context[index] = value;
        }
    }
    if CRITICAL.load(Relaxed) > 0 {
        KEPT.store(KEPT.load(Relaxed) | pending, Relaxed);
    } else {
        dispatch(pending);
    }
    sel4::ipc_buffer::restore(&ipc_buffer);
    // SAFETY: `context` is the thread's own interrupted state (as the root server read
    // it, with the call's results) and `frame.fpu` the FPU state saved at the entry:
    // resuming them is going on where it was interrupted.
    unsafe { uxrt_signal_resume(context.as_ptr(), frame.fpu.as_ptr()) }
}
