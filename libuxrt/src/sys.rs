//! Raw calls to the root server's process interface (the rest of the library wraps
//! these; tests use them to send requests no wrapper would).

use crate::Fd;
use uxrt_protocols::file::FileRequest;
use uxrt_protocols::message::MAX_WORDS;
use uxrt_protocols::process::Request;
use uxrt_protocols::startup::{FIRST_FD, PROCESS_SERVER};
use uxrt_protocols::{Errno, Message, Reply};

/// Sends `request` to the root server and waits for the reply.
pub fn call(request: Request) -> Reply {
    call_endpoint(PROCESS_SERVER, request.encode()).0
}

/// The slot of `fd`'s capability: the endpoint of the server holding the open file
/// (tests send requests straight to it).
#[inline(always)]
pub fn fd_slot(fd: Fd) -> sel4::CPtr {
    FIRST_FD + fd as sel4::Word
}

/// Sends `request` to the server holding `fd`'s open file and waits for the reply.
pub(crate) fn file_call(fd: Fd, request: FileRequest) -> Reply {
    call_endpoint(fd_slot(fd), request.encode()).0
}

/// Sends `message` to the endpoint `cap` and waits for the reply; also returns how many
/// capabilities came with it (into the receive slot set beforehand).
pub fn call_endpoint(cap: sel4::CPtr, message: Message) -> (Reply, usize) {
    call_sending(cap, message, None)
}

/// As [`call_endpoint`], sending the capability in slot `send` with the message.
pub fn call_sending(cap: sel4::CPtr, message: Message, send: Option<sel4::CPtr>) -> (Reply, usize) {
    if let Some(slot) = send {
        sel4::ipc_buffer::set_cap(0, slot);
    }
    let answer = sel4::call_message(cap, message.label, send.is_some() as usize, message.words());
    let caps = answer.info.extra_caps() as usize;
    match received(&answer) {
        Some((label, words, length)) => (Reply::decode(label, &words[..length]), caps),
        None => (Reply::error(Errno::EIO), caps), // no uxrt reply is that long
    }
}

/// Sends `message` to `cap` and returns the reply as received, its label and words, with
/// no `Reply` made (the read path decodes the bytes in place); `EIO` for a reply longer
/// than any uxrt reply.
pub fn call_raw(cap: sel4::CPtr, message: &Message) -> Result<(sel4::Word, [sel4::Word; MAX_WORDS], usize), Errno> {
    received(&sel4::call_message(cap, message.label, 0, message.words())).ok_or(Errno::EIO)
}

/// As [`call_raw`], for a call naming a transfer window in its last two words (kernel
/// patch 0019): the reply may copy bytes there.
pub fn call_with_window(
    cap: sel4::CPtr,
    message: &Message,
) -> Result<(sel4::Word, [sel4::Word; MAX_WORDS], usize), Errno> {
    let flags = sel4::consts::TRANSFER_WINDOW as sel4::Word;
    received(&sel4::call_message_flagged(cap, message.label, flags, 0, message.words())).ok_or(Errno::EIO)
}

/// A reply's label and words, if it is no longer than a uxrt reply can be.
fn received(answer: &sel4::Reply) -> Option<(sel4::Word, [sel4::Word; MAX_WORDS], usize)> {
    let length = answer.info.length() as usize;
    if length > MAX_WORDS {
        return None;
    }
    let mut words = [0; MAX_WORDS];
    for (i, word) in words.iter_mut().enumerate().take(length) {
        *word = answer.word(i);
    }
    Some((answer.info.label(), words, length))
}

/// Sends a request that has no reply (the caller ends).
pub fn call_no_return(request: Request) -> ! {
    let _ = call(request);
    // The root server never answers these. Should it ever, end by an invalid instruction
    // (the root server then reports this process as killed by SIGILL).
    // SAFETY: ud2 raises an invalid-opcode fault and never returns.
    unsafe { core::arch::asm!("ud2", options(noreturn)) }
}

// A call whose server died or dropped it returns labelled `seL4_DroppedCallLabel`
// (kernel patch 0018); `Reply::decode` reports any label above an errno as EIO.
const _: () = assert!(sel4::consts::DROPPED_CALL_LABEL as u64 > uxrt_protocols::message::ERRNO_MAX);
