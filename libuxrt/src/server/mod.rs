//! What servers share: receiving requests on their endpoint, replying (with a capability,
//! or later through a saved reply capability), badged copies of their endpoint, and
//! memory shared with a client. `files` builds a file server's main loop on these.

pub mod files;
mod watchers;

pub use watchers::Watchers;

use crate::{caps, sys};
use sel4::{ipc_buffer, CPtr, MessageInfo, Word};
use uxrt_protocols::message::MAX_WORDS;
use uxrt_protocols::process::Request;
use uxrt_protocols::startup::SERVER_ENDPOINT;
use uxrt_protocols::{Errno, Message, Pid, Reply};

/// A message received on the server's endpoint.
pub struct Incoming {
    pub badge: Word,
    pub label: Word,
    words: [Word; MAX_WORDS],
    length: usize,
    /// The capability that came with it, if any (deleted unless taken).
    cap: Option<CPtr>,
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if let Some(cap) = self.cap.take() {
            caps::free(cap);
        }
    }
}

/// The slot the next received capability lands in.
static RECEIVE_SLOT: spin::Mutex<Option<CPtr>> = spin::Mutex::new(None);

/// Sets the receive slot before a receive (a fresh one once the last was taken).
fn prepare_receive() {
    let mut slot = RECEIVE_SLOT.lock();
    if slot.is_none() {
        *slot = caps::alloc().ok();
    }
    // Without a free slot, capabilities sent along are dropped by the kernel.
    caps::receive_into(slot.unwrap_or(0));
}

impl Incoming {
    pub fn words(&self) -> &[Word] {
        &self.words[..self.length]
    }

    /// Takes the capability that came with the request (the caller then owns the slot).
    pub fn take_cap(&mut self) -> Option<CPtr> {
        self.cap.take()
    }

    fn read(info: MessageInfo, badge: Word) -> Incoming {
        let cap = (info.extra_caps() > 0 && info.caps_unwrapped() == 0).then(|| RECEIVE_SLOT.lock().take()).flatten();
        let overlong = info.length() as usize > MAX_WORDS;
        let length = (info.length() as usize).min(MAX_WORDS);
        let mut words = [0; MAX_WORDS];
        for (i, word) in words.iter_mut().enumerate().take(length) {
            *word = ipc_buffer::mr(i);
        }
        // No request is longer than MAX_WORDS: an overlong message gets a label no
        // decoder knows, so it is refused rather than read cut short.
        let label = if overlong { Word::MAX } else { info.label() };
        Incoming { badge, label, words, length, cap }
    }
}

/// What a server does with a request.
pub enum Answer {
    Reply(Reply),
    /// Reply with one capability (which the server then deletes: the client has a copy).
    WithCap(Reply, CPtr),
    /// No reply now: the caller was saved and is answered later (see [`Deferred`]).
    Later,
    /// Reply copying bytes into the caller's transfer window (kernel patch 0019): the
    /// reply's last two words name them in this server's memory, which must stay as
    /// they are until the reply is sent (it is, at once). Made by
    /// `uxrt_protocols::file::direct_reply`. The kernel checks the addresses: a wrong
    /// one copies less, never from or into memory the two processes do not map.
    Copying(Reply),
}

impl From<Reply> for Answer {
    fn from(reply: Reply) -> Answer {
        Answer::Reply(reply)
    }
}

/// A reply of the `N` words, or of the error.
pub fn answer<const N: usize>(result: Result<[Word; N], Errno>) -> Answer {
    Answer::Reply(match result {
        Ok(words) => Reply::ok(&words),
        Err(errno) => Reply::error(errno),
    })
}

/// Puts `message` in the message registers; returns its info.
fn load(message: &Message, caps: usize) -> MessageInfo {
    load_flagged(message, 0, caps)
}

/// As [`load`], with `flags` in the info's capsUnwrapped field (`TRANSFER_WINDOW`).
fn load_flagged(message: &Message, flags: Word, caps: usize) -> MessageInfo {
    for (i, &word) in message.words().iter().enumerate() {
        ipc_buffer::set_mr(i, word);
    }
    MessageInfo::new(message.label, flags, caps as Word, message.words().len() as Word)
}

/// Receives the first request.
pub fn receive() -> Incoming {
    prepare_receive();
    let (info, badge) = sel4::recv(SERVER_ENDPOINT);
    Incoming::read(info, badge)
}

/// Answers the last request and receives the next.
pub fn answer_and_receive(answer: Answer) -> Incoming {
    prepare_receive();
    let (info, badge) = match answer {
        Answer::Reply(reply) => sel4::reply_recv(SERVER_ENDPOINT, load(&reply.encode(), 0)),
        Answer::Copying(reply) => {
            let info = load_flagged(&reply.encode(), sel4::consts::TRANSFER_WINDOW as Word, 0);
            sel4::reply_recv(SERVER_ENDPOINT, info)
        }
        Answer::WithCap(reply, cap) => {
            ipc_buffer::set_cap(0, cap);
            sel4::reply(load(&reply.encode(), 1));
            caps::free(cap);
            sel4::recv(SERVER_ENDPOINT)
        }
        Answer::Later => sel4::recv(SERVER_ENDPOINT),
    };
    Incoming::read(info, badge)
}

/// A caller whose answer waits (a read from an empty pipe): its reply capability.
pub struct Deferred(CPtr);

impl Deferred {
    /// Saves the caller of the request being handled. `EINVAL` for a request sent
    /// without a reply capability (`seL4_Send`): nobody waits for its answer, so nothing
    /// is kept for it (a request that would wait must be a call).
    pub fn save() -> Result<Deferred, Errno> {
        caps::save_caller().map(Deferred)
    }

    /// Whether the caller still waits. One that has ended took its reply capability with
    /// it (the kernel deletes it), and then there is nothing to move.
    pub fn still_waiting(&mut self) -> bool {
        let Ok(new) = caps::alloc() else { return true };
        match caps::move_to(self.0, new) {
            Ok(()) => {
                caps::free_empty(core::mem::replace(&mut self.0, new)); // (moved from)
                true
            }
            Err(_) => {
                caps::free_empty(new); // (never filled)
                false
            }
        }
    }

    /// Drops a caller that is gone.
    pub fn forget(self) {
        caps::free(self.0);
    }

    /// Answers the saved caller. A caller that has ended since is not there: the
    /// non-blocking send to its (then deleted) reply capability does nothing.
    pub fn answer(self, reply: Reply) {
        self.answer_flagged(reply, 0);
    }

    /// As [`answer`](Self::answer), with a reply made by
    /// `uxrt_protocols::file::direct_reply`: the kernel copies its bytes into the
    /// caller's transfer window during this call (they may change once it returns).
    pub fn answer_copying(self, reply: Reply) {
        self.answer_flagged(reply, sel4::consts::TRANSFER_WINDOW as Word);
    }

    fn answer_flagged(self, reply: Reply, flags: Word) {
        sel4::nb_send(self.0, load_flagged(&reply.encode(), flags, 0));
        // (A send through a reply capability uses it up: the slot is empty now, as it is
        // when the caller ended before.)
        caps::free_empty(self.0);
    }
}

/// Answers the request being handled now, with a reply made by
/// `uxrt_protocols::file::direct_reply`: the kernel copies its bytes into the caller's
/// transfer window during this call, so the server may change them afterwards (then
/// [`Answer::Later`] for the request). Slower than [`Answer::Copying`], which answers
/// on the fastpath as the server goes back to receiving.
pub fn answer_copying_now(reply: Reply) {
    sel4::reply(load_flagged(&reply.encode(), sel4::consts::TRANSFER_WINDOW as Word, 0));
}

/// Signals the notification in `slot` (a client's, for readiness). Never blocks, and a
/// notification its owner has revoked since is simply not there.
pub fn signal(slot: CPtr) {
    sel4::nb_send(slot, MessageInfo::new(0, 0, 0, 0));
}

/// Signals the notification in `slot` with `bits` as the badge (through a badged copy
/// made for the moment).
pub fn signal_bits(slot: CPtr, bits: Word) {
    let Ok(copy) = caps::alloc() else { return };
    let cnode = uxrt_protocols::startup::CNODE;
    if let Some(badge) = sel4::CapData::badge(bits) {
        let minted = sel4::invocations::cnode_mint(
            cnode,
            copy,
            caps::DEPTH,
            cnode,
            slot,
            caps::DEPTH,
            sel4::CapRights::WRITE,
            badge,
        );
        if minted.is_ok() {
            signal(copy);
        }
    }
    caps::free(copy);
}

/// A copy of the server's endpoint carrying `badge`, in a new slot.
pub fn badged_endpoint(badge: Word) -> Result<CPtr, Errno> {
    let data = sel4::CapData::badge(badge).ok_or(Errno::EINVAL)?;
    let slot = caps::alloc()?;
    let cnode = uxrt_protocols::startup::CNODE;
    match sel4::invocations::cnode_mint(
        cnode,
        slot,
        caps::DEPTH,
        cnode,
        SERVER_ENDPOINT,
        caps::DEPTH,
        sel4::CapRights::ALL,
        data,
    ) {
        Ok(()) => Ok(slot),
        Err(_) => {
            caps::free(slot);
            Err(Errno::EIO)
        }
    }
}

/// `length` bytes of new memory shared with process `peer`, which consented with
/// `token` (from its `AcceptShare`; servers need none): the server's view, and the
/// address where the peer sees it.
pub fn share(peer: Pid, length: usize, token: Word) -> Result<(&'static mut [u8], Word), Errno> {
    let [own, theirs] = sys::call(Request::Share { peer, length: length as Word, token }).results()?;
    // SAFETY: the root server mapped `length` bytes of fresh memory at `own` for this
    // process alone to use through this slice (the peer reads and writes its own mapping
    // of the same pages, which Rust does not see); it stays mapped until `unshare`.
    let view = unsafe { core::slice::from_raw_parts_mut(own as *mut u8, length) };
    Ok((view, theirs))
}

/// Ends a share (from both address spaces).
pub fn unshare(view: &'static mut [u8]) {
    let request = Request::Unmap { address: view.as_ptr() as Word, length: view.len() as Word };
    let _ = sys::call(request);
}
