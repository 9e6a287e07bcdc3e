//! `crash HOW`: does one thing a process must not do, so that tests can check the root
//! server kills just this process and says why. With no argument it lists the ways.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use uxrt::{eprintln, println};

uxrt::main!(main);

const WAYS: &[(&str, fn())] = &[
    ("null", read_null),
    ("write-text", write_text),
    ("illegal", illegal_instruction),
    ("jump", jump_to_unmapped),
    ("divide", divide_by_zero),
    ("bad-cap", call_missing_capability),
    ("bad-syscall", unknown_system_call),
    ("linux-syscall", linux_system_call),
    ("stack", overflow_stack),
    ("oom", exhaust_memory),
];

fn main() -> i32 {
    let Some(how) = uxrt::env::args().nth(1) else {
        println!("usage: crash HOW, one of:");
        for (name, _) in WAYS {
            println!("  {name}");
        }
        return 2;
    };
    match WAYS.iter().find(|(name, _)| *name == how) {
        Some((_, crash)) => {
            crash();
            eprintln!("crash {how}: still alive");
            1
        }
        None => {
            eprintln!("crash: unknown way {how}");
            2
        }
    }
}

fn read_null() {
    // SAFETY: not safe at all: reading address 0 is the point.
    let value = unsafe { core::ptr::read_volatile(core::ptr::null::<u64>()) };
    println!("read {value}");
}

fn write_text() {
    let code = write_text as *const u8 as *mut u8;
    // SAFETY: not safe: the text segment is mapped read-only, so this faults.
    unsafe { core::ptr::write_volatile(code, 0xcc) };
}

fn illegal_instruction() {
    // SAFETY: ud2 raises an invalid-opcode exception: the point of this way.
    unsafe { core::arch::asm!("ud2") };
}

fn jump_to_unmapped() {
    // SAFETY: not safe: nothing is mapped there, so fetching the instruction faults.
    let target: extern "C" fn() = unsafe { core::mem::transmute(0xdead_0000usize) };
    target();
}

fn divide_by_zero() {
    let zero = core::hint::black_box(0u64);
    // SAFETY: div by zero raises #DE; Rust's own check is bypassed on purpose.
    unsafe { core::arch::asm!("div {0}", in(reg) zero, inout("rax") 1u64 => _, inout("rdx") 0u64 => _) };
}

fn call_missing_capability() {
    // This address resolves to no slot of the CSpace (its high bits miss the CNode's
    // guard): a Call through it is a capability fault. (An empty slot that does resolve
    // only gets an InvalidCapability error back.)
    sel4::call(0xdead_beef_0000, sel4::MessageInfo::new(0, 0, 0, 0));
}

fn unknown_system_call() {
    // SAFETY: a seL4 system call (tagged) with a number the kernel does not know: it
    // reports a fault, and the only registers involved are named here.
    unsafe {
        core::arch::asm!("mov r12, rsp", "syscall", "mov rsp, r12",
            in("rax") sel4::consts::SYSCALL_TAG, in("rdx") -100i64, out("rcx") _, out("r11") _, out("r12") _)
    };
}

fn linux_system_call() {
    // SAFETY: a raw Linux fchownat(AT_FDCWD, "/", -1, -1, 0) — its third argument, in
    // RDX, is what seL4 takes for its Call — ends the process; Linux's system call
    // convention names every register it touches.
    unsafe {
        core::arch::asm!("syscall", inlateout("rax") 260u64 => _, in("rdi") -100i64, in("rsi") c"/".as_ptr(),
            in("rdx") -1i64, in("r10") -1i64, in("r8") 0u64, out("rcx") _, out("r11") _)
    };
}

#[allow(unconditional_recursion)]
fn overflow_stack() {
    let frame = core::hint::black_box([0u8; 4096]);
    overflow_stack();
    core::hint::black_box(frame);
}

fn exhaust_memory() {
    // Asking for more than the quota at once is an error, not a crash...
    match uxrt::memory::sbrk(1 << 40) {
        Err(uxrt::Errno::ENOMEM) => println!("crash oom: sbrk(1 TiB) refused with ENOMEM"),
        other => {
            eprintln!("crash oom: sbrk(1 TiB) gave {other:?}");
            return;
        }
    }
    // ...while growing the heap until the quota runs out ends in an allocation failure.
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut block = Vec::with_capacity(1 << 20);
        block.resize(1 << 20, 1);
        blocks.push(block);
    }
}
