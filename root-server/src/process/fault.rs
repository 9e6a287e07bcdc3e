//! What a fault message from the kernel means for the process that faulted.

use super::layout;
use alloc::format;
use alloc::string::String;
use sel4::{consts, FaultKind, Word};
use uxrt_protocols::Signal;

/// What to do about a fault.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The stack grew onto this unmapped page (at instruction `at`): map it and let the
    /// thread go on.
    GrowStack { page: Word, at: Word },
    /// End the process with `signal`.
    Kill { signal: Signal, reason: String, at: Word },
    /// An access to `page`, which was not mapped: end the process with `SIGSEGV` unless
    /// the page is mapped by now. (Its thread ran on the other core while the root
    /// server put a page in the place of one it took away: a dead server's shared
    /// buffer, replaced by zeroed pages of the process's own.)
    Unmapped { page: Word, reason: String, at: Word },
    /// A Linux system call (a `syscall` instruction without seL4's tag, kernel patch
    /// 0016): its number, and the instruction's address.
    Linux { number: Word, at: Word },
}

/// x86 exception vectors a user thread can raise.
fn exception(number: Word) -> (Signal, &'static str) {
    match number {
        0 => (Signal::SIGFPE, "divide error"),
        1 | 3 => (Signal::SIGTRAP, "breakpoint"),
        4 => (Signal::SIGSEGV, "overflow"),
        5 => (Signal::SIGSEGV, "bound range exceeded"),
        6 => (Signal::SIGILL, "invalid opcode"),
        13 => (Signal::SIGSEGV, "general protection fault"),
        16 | 19 => (Signal::SIGFPE, "floating-point exception"),
        17 => (Signal::SIGBUS, "alignment check"),
        _ => (Signal::SIGBUS, "processor exception"),
    }
}

/// Reads a fault message: its label is the fault kind, `mr(i)` its words.
pub fn judge(label: Word, mr: impl Fn(i64) -> Word) -> Verdict {
    let kill = |signal, reason: String, at| Verdict::Kill { signal, reason, at };
    match FaultKind::from_label(label) {
        Some(FaultKind::VMFault) => {
            let (ip, address) = (mr(consts::VM_FAULT_IP), mr(consts::VM_FAULT_ADDR));
            let (fsr, fetch) = (mr(consts::VM_FAULT_FSR), mr(consts::VM_FAULT_PREFETCH_FAULT) != 0);
            // x86 page-fault error code: bit 0 present, bit 1 write, bit 4 instruction fetch.
            let present = fsr & 1 != 0;
            if !present && !fetch && layout::in_stack(address) {
                return Verdict::GrowStack { page: layout::page_down(address), at: ip };
            }
            // The error code's fetch bit is only reported with no-execute paging on, so a
            // fault at the instruction pointer itself is taken as a fetch too.
            let access = if fsr & 2 != 0 {
                "write"
            } else if fetch || fsr & 0x10 != 0 || address == ip {
                "execute"
            } else {
                "read"
            };
            if present {
                return kill(Signal::SIGSEGV, format!("{access} of protected address {address:#x}"), ip);
            }
            let reason = format!("{access} of unmapped address {address:#x}");
            Verdict::Unmapped { page: layout::page_down(address), reason, at: ip }
        }
        Some(FaultKind::UserException) => {
            let number = mr(consts::USER_EXCEPTION_NUMBER);
            let (signal, what) = exception(number);
            kill(signal, format!("{what} (exception {number})"), mr(consts::USER_EXCEPTION_FAULT_IP))
        }
        Some(FaultKind::UnknownSyscall) if mr(consts::UNKNOWN_SYSCALL_RAX) != consts::SYSCALL_TAG as Word => {
            Verdict::Linux { number: mr(consts::UNKNOWN_SYSCALL_RAX), at: mr(consts::UNKNOWN_SYSCALL_FAULT_IP) }
        }
        Some(FaultKind::UnknownSyscall) => kill(
            Signal::SIGSYS,
            format!("unknown system call {}", mr(consts::UNKNOWN_SYSCALL_RDX) as i64),
            mr(consts::UNKNOWN_SYSCALL_FAULT_IP),
        ),
        Some(FaultKind::CapFault) => kill(
            Signal::SIGSYS,
            format!("capability fault: nothing usable at slot {:#x}", mr(consts::CAP_FAULT_ADDR)),
            mr(consts::CAP_FAULT_IP),
        ),
        _ => kill(Signal::SIGKILL, format!("unknown fault kind {label}"), 0),
    }
}
