//! Raw calls to the root server's process interface (the rest of the library wraps
//! these; tests use them to send requests no wrapper would).

use sel4::{ipc_buffer, MessageInfo, REGISTER_MRS};
use uxrt_protocols::process::Request;
use uxrt_protocols::startup::PROCESS_SERVER;
use uxrt_protocols::{Reply, Word};

/// Sends `request` and waits for the reply.
pub fn call(request: Request) -> Reply {
    let message = request.encode();
    let words = message.words();
    let mut registers = [0; REGISTER_MRS];
    for (i, &word) in words.iter().enumerate() {
        match registers.get_mut(i) {
            Some(register) => *register = word,
            None => ipc_buffer::set_mr(i, word),
        }
    }
    let info = MessageInfo::new(message.label, 0, 0, words.len() as Word);
    let (info, registers) = sel4::call_with_mrs(PROCESS_SERVER, info, registers);
    let length = (info.length() as usize).min(uxrt_protocols::message::MAX_WORDS);
    let mut reply = [0; uxrt_protocols::message::MAX_WORDS];
    for (i, word) in reply.iter_mut().enumerate().take(length) {
        *word = registers.get(i).copied().unwrap_or_else(|| ipc_buffer::mr(i));
    }
    Reply::decode(info.label(), &reply[..length])
}

/// Sends a request that has no reply (the caller ends).
pub fn call_no_return(request: Request) -> ! {
    let _ = call(request);
    // The root server never answers these. Should it ever, end by an invalid instruction
    // (the root server then reports this process as killed by SIGILL).
    // SAFETY: ud2 raises an invalid-opcode fault and never returns.
    unsafe { core::arch::asm!("ud2", options(noreturn)) }
}
