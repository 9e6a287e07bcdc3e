//! Signals from other processes (issue 21). A process says which signals it catches,
//! which it ignores and where its signal entry is (`SignalHandling`); every other signal
//! takes its default action here (ending it, or nothing for the default-ignored ones).
//!
//! A caught signal is made pending and the process's thread is *interrupted*: its
//! registers are read and rewritten so that it goes on at its signal entry (see
//! `protocols::process::SignalFrame`) — at once if it is computing, or when the system
//! call it is in returns. Calls that would not return soon are made to: a blocked
//! `wait` is answered `EINTR`, and the queue a `poll` or sleep waits on is signalled.
//! The entry takes the pending set and the interrupted context (`TakeSignals`), runs the
//! handlers and resumes it. Until it has taken the context, further signals only add
//! to the pending set.
//!
//! Job control: SIGSTOP, and SIGTSTP, SIGTTIN and SIGTTOU left at their default, stop a
//! process; SIGCONT makes it go on (and is then caught or ignored as usual). A stopped
//! thread moves to a scheduling domain that never runs (the kernel is built with two
//! domains and a schedule of domain 0 alone), which leaves every call it is in alone:
//! a reply that comes meanwhile waits in its registers until it goes on. Its parent's
//! `wait` may ask to hear of the stop and of the going on (`WaitStatus::Stopped`,
//! `Continued`), and a parent that catches SIGCHLD gets it for both.

use super::space::AddressSpace;
use super::{Pid, Process, Processes};
use crate::resources::Resources;
use crate::vspace::VSpace;
use sel4::{consts, UserContext, Word};
use uxrt_protocols::process::WaitTarget;
use uxrt_protocols::process::{signal_bit, SignalFrame, DEFAULT_IGNORED};
use uxrt_protocols::{Errno, Reply, Signal, WaitStatus};

/// A process's signal state.
#[derive(Default)]
pub struct Signals {
    caught: Word,
    ignored: Word,
    entry: Word,
    pending: Word,
    /// Where its thread was when last interrupted, until its entry takes it.
    interrupted: Option<UserContext>,
    /// When it gets SIGALRM (time-stamp counter), if `alarm` set it.
    pub alarm: Option<u64>,
    /// Stopped by a signal (job control).
    stopped: bool,
    /// It stopped or went on since its parent last heard: for a `wait` that asks.
    change: Option<WaitStatus>,
}

/// The scheduling domain of stopped threads (the kernel's schedule never runs it).
const STOPPED_DOMAIN: u8 = 1;
const RUNNING_DOMAIN: u8 = 0;
/// Signals that stop a process unless it catches or ignores them (SIGSTOP always does).
const DEFAULT_STOPS: Word = signal_bit(20) | signal_bit(21) | signal_bit(22);

/// What a signal does to its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    Terminate,
    Ignore,
    Catch,
    Stop,
}

impl Signals {
    pub fn disposition(&self, signal: Signal) -> Disposition {
        let bit = signal_bit(signal.0);
        if signal == Signal::SIGSTOP {
            Disposition::Stop
        } else if self.caught & bit != 0 {
            Disposition::Catch
        } else if (self.ignored | DEFAULT_IGNORED) & bit != 0 {
            Disposition::Ignore
        } else if DEFAULT_STOPS & bit != 0 {
            Disposition::Stop
        } else {
            Disposition::Terminate
        }
    }

    /// `SignalHandling` (checked by the decoder): pending signals it no longer catches go.
    pub fn set_handling(&mut self, caught: Word, ignored: Word, entry: Word) {
        self.caught = caught;
        self.ignored = ignored;
        self.entry = entry;
        self.pending &= caught;
    }
}

/// Encodings of the instructions around a seL4 system call in libsel4 (`raw`): the
/// stack pointer is kept in R12 across it, since the kernel returns with RSP zeroed.
const RESTORE_RSP_FROM_R12: [u8; 3] = [0x4c, 0x89, 0xe4]; // mov rsp, r12

/// Where the signal entry's stack starts for a thread interrupted at `context`: below
/// the red zone of the stack it was using. A thread that is in (or has just left) a
/// system call is at the `mov rsp, r12` after it, its stack pointer in R12.
fn entry_stack(context: &UserContext, code: &[u8]) -> Word {
    let sp = if code == RESTORE_RSP_FROM_R12 { context.r12 } else { context.rsp };
    (sp.wrapping_sub(SignalFrame::RED_ZONE)) & !15
}

impl Processes {
    /// `signal` to `pid` (the caller checked the right to send it): ends it, drops the
    /// signal, or interrupts it for its handler.
    pub fn send_signal(&mut self, resources: &mut Resources, vspace: &mut VSpace, pid: Pid, signal: Signal) {
        if signal == Signal::SIGCONT {
            self.set_stopped(resources, vspace, pid, None);
        }
        let Some(process) = self.table.get_mut(&pid) else { return };
        match process.signals.disposition(signal) {
            Disposition::Terminate => self.terminate(resources, vspace, pid, WaitStatus::Signaled(signal)),
            Disposition::Ignore => {}
            Disposition::Stop => self.set_stopped(resources, vspace, pid, Some(signal)),
            Disposition::Catch => {
                process.signals.pending |= signal_bit(signal.0);
                if process.signals.interrupted.is_none() {
                    if let Err(errno) = interrupt(process, resources, vspace) {
                        // (Its thread cannot be redirected: it is ended as the default
                        // action would, rather than left with a signal it never gets.)
                        crate::println!("pid {pid} ({}): cannot deliver {signal:?}: {errno:?}", process.name);
                        self.terminate(resources, vspace, pid, WaitStatus::Signaled(signal));
                        return;
                    }
                }
                wake(process, resources);
            }
        }
    }

    /// Stops `pid` (`by` a signal) or makes it go on (`None`); its parent hears of it.
    fn set_stopped(&mut self, resources: &mut Resources, vspace: &mut VSpace, pid: Pid, by: Option<Signal>) {
        let Some(process) = self.table.get_mut(&pid) else { return };
        if process.signals.stopped == by.is_some() {
            return;
        }
        let Some(tcb) = process.tcb.as_ref().map(|t| t.cap) else { return };
        let domain = if by.is_some() { STOPPED_DOMAIN } else { RUNNING_DOMAIN };
        if sel4::invocations::domain_set_set(crate::caps::DOMAIN, domain, tcb).is_err() {
            crate::println!("pid {pid} ({}): cannot stop or continue it", process.name);
            return;
        }
        let change = by.map_or(WaitStatus::Continued, WaitStatus::Stopped);
        process.signals.stopped = by.is_some();
        process.signals.change = Some(change);
        let parent = process.parent;
        // A parent waiting for such news gets it now (and then not again).
        if let Some(waiting) = self.table.get_mut(&parent) {
            if let Some(wait) = waiting.pending_wait.take_if(|w| w.stopped && super::matches(w.target, pid)) {
                super::answer_saved(resources, wait.reply, super::ended(pid, change));
                if let Some(child) = self.table.get_mut(&pid) {
                    child.signals.change = None;
                }
            }
        }
        let catches = |p: &Process| p.signals.disposition(Signal::SIGCHLD) == Disposition::Catch;
        if self.table.get(&parent).is_some_and(catches) {
            self.send_signal(resources, vspace, parent, Signal::SIGCHLD);
        }
    }

    /// A child of `parent` that `target` names and that stopped or went on since its
    /// parent last heard: which, and what happened.
    pub(super) fn take_change(&mut self, parent: Pid, target: WaitTarget) -> Option<(Pid, WaitStatus)> {
        let child = (self.table.values_mut())
            .find(|p| p.parent == parent && super::matches(target, p.pid) && p.signals.change.is_some())?;
        Some((child.pid, child.signals.change.take()?))
    }

    /// `TakeSignals` from `pid`: its pending set, and (once per interruption) the
    /// interrupted context, written at `context` in its memory.
    pub fn take_signals(
        &mut self,
        resources: &mut Resources,
        vspace: &mut VSpace,
        pid: Pid,
        context: Word,
    ) -> Result<[Word; 2], Errno> {
        let process = self.table.get_mut(&pid).ok_or(Errno::ESRCH)?;
        let interrupted = match process.signals.interrupted {
            Some(saved) => {
                let words: [Word; 19] = context_words(&saved);
                let mut bytes = [0u8; SignalFrame::CONTEXT_BYTES];
                for (chunk, word) in bytes.chunks_mut(8).zip(words) {
                    chunk.copy_from_slice(&word.to_le_bytes());
                }
                process.space.write(resources, vspace, context, &bytes)?;
                process.signals.interrupted = None;
                1
            }
            None => 0,
        };
        let pending = core::mem::take(&mut process.signals.pending);
        Ok([pending, interrupted])
    }

    /// `SignalAlarm`: SIGALRM for `pid` at `deadline` (0: none); the one it replaces.
    pub fn set_signal_alarm(&mut self, pid: Pid, deadline: u64) -> Result<u64, Errno> {
        let process = self.table.get_mut(&pid).ok_or(Errno::ESRCH)?;
        let old = process.signals.alarm.take().unwrap_or(0);
        process.signals.alarm = (deadline != 0).then_some(deadline);
        Ok(old)
    }

    /// Sends SIGALRM to the processes whose `alarm` is due by `now`; returns the next
    /// such deadline.
    pub fn ring_signal_alarms(&mut self, resources: &mut Resources, vspace: &mut VSpace, now: u64) -> Option<u64> {
        let due: alloc::vec::Vec<Pid> = (self.table.values_mut())
            .filter(|p| p.signals.alarm.is_some_and(|d| d <= now))
            .map(|p| {
                p.signals.alarm = None;
                p.pid
            })
            .collect();
        for pid in due {
            self.send_signal(resources, vspace, pid, Signal::SIGALRM);
        }
        self.table.values().filter_map(|p| p.signals.alarm).min()
    }
}

/// A context as the 19 words of `seL4_UserContext`, in its order.
fn context_words(c: &UserContext) -> [Word; 19] {
    [
        c.rip, c.rsp, c.rflags, c.rax, c.rbx, c.rcx, c.rdx, c.rsi, c.rdi, c.rbp, c.r8, c.r9, c.r10, c.r11, c.r12,
        c.r13, c.r14, c.r15, c.tls_base,
    ]
}

/// Redirects `process`'s thread to its signal entry, keeping where it was.
fn interrupt(process: &mut Process, resources: &mut Resources, vspace: &mut VSpace) -> Result<(), Errno> {
    let tcb = process.tcb.as_ref().ok_or(Errno::ESRCH)?.cap;
    let count = (core::mem::size_of::<UserContext>() / 8) as Word;
    let mut context = UserContext::default();
    let resume_ip = consts::READ_REGISTERS_RESUME_IP as u8;
    sel4::invocations::tcb_read_registers(tcb, false, resume_ip, count, &mut context).map_err(|_| Errno::EINVAL)?;
    let code = read_code(&process.space, resources, vspace, context.rip);
    let stack = entry_stack(&context, &code);
    let redirected =
        UserContext { rip: process.signals.entry, rsp: stack, r13: stack, rsi: SignalFrame::NOT_IN_CALL, ..context };
    sel4::invocations::tcb_write_registers(tcb, false, 0, count, &redirected).map_err(|_| Errno::EINVAL)?;
    process.signals.interrupted = Some(context);
    Ok(())
}

/// The instruction bytes at `rip` (fewer if they cannot be read).
fn read_code(space: &AddressSpace, resources: &mut Resources, vspace: &mut VSpace, rip: Word) -> [u8; 3] {
    let mut code = [0; 3];
    if let Ok(bytes) = space.read(resources, vspace, rip, code.len()) {
        code.copy_from_slice(&bytes);
    }
    code
}

/// Makes a call the interrupted thread may be blocked in for long return: a `wait` for
/// a child gets `EINTR`; a wait on its queue (`poll`, a sleep) is woken through its
/// alarm's notification. (Reads and writes that would block are waits on the queue
/// in a process that catches signals: libuxrt.)
fn wake(process: &mut Process, resources: &mut Resources) {
    if let Some(wait) = process.pending_wait.take() {
        super::answer_saved(resources, wait.reply, Reply::error(Errno::EINTR));
    }
    #[cfg(notification_queues)]
    if let Some(queue) = &process.queue {
        queue.wake();
    }
}
