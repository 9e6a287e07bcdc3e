//! System calls (x86_64 `syscall`). RDI carries the capability (the badge on return), RSI
//! the message info, and R10, R8, R9, R15 the first four message registers; the kernel
//! clobbers RCX and R11 and returns with RSP zeroed, so RSP is kept in R12 (Rust cannot
//! name RBX, which libsel4 uses). RAX carries `seL4_SyscallTag`: the kernel takes a
//! `syscall` without it for a foreign (Linux) one (kernel-patches/0016).

use crate::{consts, ipc_buffer, CPtr, MessageInfo, Syscall, Word};
use core::arch::asm;

/// Message registers passed in CPU registers.
pub const REGISTER_MRS: usize = 4;

#[inline(always)]
fn raw(syscall: Syscall, cap: Word, info: Word, mrs: &mut [Word; REGISTER_MRS]) -> (Word, Word) {
    let (badge, out_info);
    // SAFETY: a system call only reads and writes the registers named here (and the
    // IPC buffer, which no Rust reference covers); RSP is saved in R12 across it.
    unsafe {
        asm!(
            "mov r12, rsp",
            "syscall",
            "mov rsp, r12",
            inlateout("rax") consts::SYSCALL_TAG => _,
            inlateout("rdx") syscall as i64 => _,
            inlateout("rdi") cap => badge,
            inlateout("rsi") info => out_info,
            inlateout("r10") mrs[0],
            inlateout("r8") mrs[1],
            inlateout("r9") mrs[2],
            inlateout("r15") mrs[3],
            out("rcx") _,
            out("r11") _,
            out("r12") _,
        );
    }
    (badge, out_info)
}

fn load_mrs(length: Word) -> [Word; REGISTER_MRS] {
    let mut mrs = [0; REGISTER_MRS];
    for (i, mr) in mrs.iter_mut().enumerate().take(length as usize) {
        *mr = ipc_buffer::mr(i);
    }
    mrs
}

fn store_mrs(mrs: &[Word; REGISTER_MRS], length: Word) {
    for (i, &mr) in mrs.iter().enumerate().take(length as usize) {
        ipc_buffer::set_mr(i, mr);
    }
}

/// Call with the first message registers passed and returned in CPU registers only.
#[inline]
pub fn call_with_mrs(
    dest: CPtr,
    info: MessageInfo,
    mut mrs: [Word; REGISTER_MRS],
) -> (MessageInfo, [Word; REGISTER_MRS]) {
    let (_, info) = raw(Syscall::Call, dest, info.0, &mut mrs);
    (MessageInfo(info), mrs)
}

/// Send a message (in the IPC buffer's message registers) and wait for the reply.
pub fn call(dest: CPtr, info: MessageInfo) -> MessageInfo {
    let mut mrs = load_mrs(info.length());
    let (_, reply) = raw(Syscall::Call, dest, info.0, &mut mrs);
    let reply = MessageInfo(reply);
    store_mrs(&mrs, reply.length());
    reply
}

/// Block until a message or signal arrives on `src`; returns its info and badge.
pub fn recv(src: CPtr) -> (MessageInfo, Word) {
    let mut mrs = [0; REGISTER_MRS];
    let (badge, info) = raw(Syscall::Recv, src, 0, &mut mrs);
    let info = MessageInfo(info);
    store_mrs(&mrs, info.length());
    (info, badge)
}

/// Reply to the last caller, then wait on `src`.
pub fn reply_recv(src: CPtr, reply: MessageInfo) -> (MessageInfo, Word) {
    let mut mrs = load_mrs(reply.length());
    let (badge, info) = raw(Syscall::ReplyRecv, src, reply.0, &mut mrs);
    let info = MessageInfo(info);
    store_mrs(&mrs, info.length());
    (info, badge)
}

pub fn send(dest: CPtr, info: MessageInfo) {
    let mut mrs = load_mrs(info.length());
    raw(Syscall::Send, dest, info.0, &mut mrs);
}

/// Send if a receiver is waiting; otherwise drop the message.
pub fn nb_send(dest: CPtr, info: MessageInfo) {
    let mut mrs = load_mrs(info.length());
    raw(Syscall::NBSend, dest, info.0, &mut mrs);
}

pub fn reply(info: MessageInfo) {
    let mut mrs = load_mrs(info.length());
    raw(Syscall::Reply, 0, info.0, &mut mrs);
}

/// Signal a notification (the cap's badge is OR-ed into its word).
pub fn signal(notification: CPtr) {
    raw(Syscall::Send, notification, 0, &mut [0; REGISTER_MRS]);
}

/// Wait for a notification; returns the accumulated badge bits.
pub fn wait(notification: CPtr) -> Word {
    raw(Syscall::Recv, notification, 0, &mut [0; REGISTER_MRS]).0
}

/// Take a notification's badge bits without blocking (0 if none were signalled).
pub fn poll(notification: CPtr) -> Word {
    raw(Syscall::NBRecv, notification, 0, &mut [0; REGISTER_MRS]).0
}

/// Give up the rest of this time slice.
pub fn yield_now() {
    raw(Syscall::Yield, 0, 0, &mut [0; REGISTER_MRS]);
}

#[cfg(sel4_debug_build)]
mod debug {
    use super::*;

    /// Kernel console output (debug kernels only).
    pub fn debug_put_char(c: u8) {
        raw(Syscall::DebugPutChar, c as Word, 0, &mut [0; REGISTER_MRS]);
    }

    /// Stop the whole machine (debug kernels only).
    pub fn debug_halt() {
        raw(Syscall::DebugHalt, 0, 0, &mut [0; REGISTER_MRS]);
    }

    /// The kernel's cap type tag of `cap` (0 for an empty slot).
    pub fn debug_cap_identify(cap: CPtr) -> Word {
        raw(Syscall::DebugCapIdentify, cap, 0, &mut [0; REGISTER_MRS]).0
    }
}

#[cfg(sel4_debug_build)]
pub use debug::*;

/// `seL4_DebugHalt`, on a kernel that has it (a debug build): the machine stops if the
/// caller may stop it (with kernel patch 0009, the root task only; for anyone else it
/// is an unknown system call, a fault). `None` on a kernel without debug calls.
pub fn try_debug_halt() -> Option<()> {
    #[cfg(sel4_debug_build)]
    {
        debug::debug_halt();
        Some(())
    }
    #[cfg(not(sel4_debug_build))]
    None
}

/// Counting kernel entries (uxrt's kernel patch 0008, on kernels with the utilisation
/// counters: the benchmark configuration).
pub mod kernel_entries {
    /// Starts counting from 0 (`seL4_BenchmarkResetLog`); false without the counters.
    pub fn reset() -> bool {
        #[cfg(sel4_kernel_entries)]
        {
            super::raw(crate::Syscall::BenchmarkResetLog, 0, 0, &mut [0; super::REGISTER_MRS]);
            true
        }
        #[cfg(not(sel4_kernel_entries))]
        false
    }

    /// Kernel entries since [`reset`], this call's own not counted; `None` without the
    /// counters.
    pub fn count() -> Option<crate::Word> {
        #[cfg(sel4_kernel_entries)]
        {
            super::raw(crate::Syscall::BenchmarkGetThreadUtilisation, 0, 0, &mut [0; super::REGISTER_MRS]);
            Some(crate::ipc_buffer::mr(crate::consts::BENCHMARK_KERNEL_ENTRIES_WORD as usize).saturating_sub(1))
        }
        #[cfg(not(sel4_kernel_entries))]
        None
    }

    /// The kinds of kernel entry the kernel counts (kernel patch 0012), with short names
    /// for tables, in the kernel's order.
    #[cfg(sel4_kernel_entries)]
    pub const KINDS: [&str; crate::consts::BENCHMARK_ENTRY_KINDS as usize] = {
        use crate::consts::*;
        let mut names = [""; BENCHMARK_ENTRY_KINDS as usize];
        names[BENCHMARK_ENTRY_FASTPATH as usize] = "fast";
        names[BENCHMARK_ENTRY_SLOW_CALL as usize] = "slowcall";
        names[BENCHMARK_ENTRY_SLOW_REPLY as usize] = "slowreply";
        names[BENCHMARK_ENTRY_NOTIFICATION as usize] = "ntfn";
        names[BENCHMARK_ENTRY_QUEUE as usize] = "queue";
        names[BENCHMARK_ENTRY_INVOCATION as usize] = "invoke";
        names[BENCHMARK_ENTRY_OTHER_SYSCALL as usize] = "syscall";
        names[BENCHMARK_ENTRY_FPU_TRAP as usize] = "fpu";
        names[BENCHMARK_ENTRY_VM_FAULT as usize] = "vmfault";
        names[BENCHMARK_ENTRY_OTHER_FAULT as usize] = "fault";
        names[BENCHMARK_ENTRY_INTERRUPT as usize] = "irq";
        names
    };
    #[cfg(not(sel4_kernel_entries))]
    pub const KINDS: [&str; 0] = [];

    /// Kernel entries since [`reset`] by kind (in the order of [`KINDS`]), this call's
    /// own not counted; `None` without the counters.
    pub fn by_kind() -> Option<[crate::Word; KINDS.len()]> {
        #[cfg(sel4_kernel_entries)]
        {
            super::raw(crate::Syscall::BenchmarkGetThreadUtilisation, 0, 0, &mut [0; super::REGISTER_MRS]);
            let first = crate::consts::BENCHMARK_ENTRY_KINDS_WORD as usize;
            let mut counts = [0; KINDS.len()];
            for (kind, count) in counts.iter_mut().enumerate() {
                *count = crate::ipc_buffer::mr(first + kind);
            }
            // (An entry is counted as the kernel leaves it: this call is not in the counts,
            // the reset that started them is.)
            let this_call = crate::consts::BENCHMARK_ENTRY_OTHER_SYSCALL as usize;
            counts[this_call] = counts[this_call].saturating_sub(1);
            Some(counts)
        }
        #[cfg(not(sel4_kernel_entries))]
        None
    }
}
