//! Memory a server shares with a client: pages the server owns and lends, mapped in
//! both address spaces, charged to the client (its quota pays for them: a client that
//! asks for many buffers exhausts only itself, never the server), and only with its
//! consent (a secret token from `AcceptShare`). The VFS shares a path buffer with each
//! client; a file server shares a transfer buffer per open file and client.

use super::layout::{self, PAGE};
use super::{Pid, Processes, Share};
use crate::resources::Resources;
use crate::vspace::VSpace;
use sel4::Word;
use uxrt_protocols::Errno;

/// Most pages one shared buffer may have (1 MiB).
const MAX_PAGES: Word = 256;

impl Processes {
    /// Maps `length` bytes of new memory in server `owner` and in `peer`; returns the two
    /// addresses. On failure nothing stays mapped.
    pub fn share(
        &mut self,
        resources: &mut Resources,
        vspace: &mut VSpace,
        owner: Pid,
        peer: Pid,
        length: Word,
        token: Word,
    ) -> Result<(Word, Word), Errno> {
        if !self.get(owner).is_some_and(|p| p.server) {
            return Err(Errno::EPERM);
        }
        if owner == peer || self.get(peer).is_none() {
            return Err(Errno::ESRCH);
        }
        // Only a peer that asked for it, with the secret it got (or a server: the VFS
        // shares path buffers with the file servers at boot): a server cannot be made
        // to charge a process that did not (a client naming another's pid in
        // `MapBuffer`). The token serves once.
        let consented =
            self.table.get_mut(&peer).is_some_and(|p| p.server || p.share_token.take_if(|&mut t| t == token).is_some());
        if !consented {
            return Err(Errno::EPERM);
        }
        let pages = layout::pages_for(length).filter(|&p| p > 0 && p <= MAX_PAGES).ok_or(Errno::EINVAL)?;
        // (The peer pays: its quota, page by page below, and its session's memory.)
        self.session_room(resources, peer, pages * PAGE)?;
        let start = self.table.get(&owner).ok_or(Errno::ESRCH)?.next_anonymous;
        let peer_start = self.table.get(&peer).ok_or(Errno::ESRCH)?.next_anonymous;
        // A guard page after each mapping.
        let span = (pages + 1) * PAGE;
        if start + span > layout::ANONYMOUS_LIMIT || peer_start + span > layout::ANONYMOUS_LIMIT {
            return Err(Errno::ENOMEM);
        }
        let share = Share { start, pages, peer: Some(peer), peer_start };
        for i in 0..pages {
            if let Err(errno) = self.map_shared_page(resources, vspace, owner, &share, i) {
                let partial = Share { pages: i, ..share };
                self.unmap_peer(resources, &partial);
                self.unmap_own(resources, owner, &partial);
                return Err(errno);
            }
        }
        if let Some(process) = self.table.get_mut(&owner) {
            process.next_anonymous += span;
            process.shares.push(share);
        }
        if let Some(process) = self.table.get_mut(&peer) {
            process.next_anonymous += span;
        }
        Ok((start, peer_start))
    }

    /// Page `i`: a new frame in the owner, and a copy of its cap in the peer.
    fn map_shared_page(
        &mut self,
        resources: &mut Resources,
        vspace: &mut VSpace,
        owner: Pid,
        share: &Share,
        i: Word,
    ) -> Result<(), Errno> {
        let page = share.start + i * PAGE;
        let process = self.table.get_mut(&owner).ok_or(Errno::ESRCH)?;
        process.space.map_new(resources, vspace, page, true, None)?;
        process.space.lend(page)?;
        let frame = process.space.frame_at(page).ok_or(Errno::EIO)?;
        let peer = share.peer.and_then(|pid| self.table.get_mut(&pid)).ok_or(Errno::ESRCH)?;
        match peer.space.map_borrowed(resources, share.peer_start + i * PAGE, frame, true) {
            Ok(()) => Ok(()),
            Err(errno) => {
                let _ = self.table.get_mut(&owner).map(|p| p.space.unmap(resources, page));
                Err(errno)
            }
        }
    }

    /// Takes a shared buffer out of its peer's address space.
    pub(super) fn unmap_peer(&mut self, resources: &mut Resources, share: &Share) {
        if let Some(peer) = share.peer.and_then(|pid| self.table.get_mut(&pid)) {
            for i in 0..share.pages {
                let _ = peer.space.unmap(resources, share.peer_start + i * PAGE);
            }
        }
    }

    /// The owner of `share` ended: its pages leave the peer, and fresh zeroed pages of
    /// the peer's own take their place, an anonymous mapping it may unmap. So a client
    /// that writes into a buffer of a server that has just died (a path, before its
    /// call) does not fault: the call then fails (`EIO`, `EBADF`, or `ENOBUFS` from a
    /// restarted VFS, which the client attaches to again). Without room for them the
    /// range stays unmapped.
    pub(super) fn give_to_peer(&mut self, resources: &mut Resources, vspace: &mut VSpace, share: &Share) {
        self.unmap_peer(resources, share);
        let Some(peer) = share.peer.and_then(|pid| self.table.get_mut(&pid)) else { return };
        if peer.anonymous.try_reserve(1).is_ok()
            && super::server::map_range(peer, resources, vspace, share.peer_start, share.pages).is_ok()
        {
            peer.anonymous.push((share.peer_start, share.pages));
        }
        // (A reader waiting on a leased pipe's ring looks at it again: it says now that
        // its server is gone.)
        peer.tell_peer_ended();
    }

    fn unmap_own(&mut self, resources: &mut Resources, owner: Pid, share: &Share) {
        if let Some(process) = self.table.get_mut(&owner) {
            for i in 0..share.pages {
                let _ = process.space.unmap(resources, share.start + i * PAGE);
            }
        }
    }

    /// `Unmap` of a buffer `owner` shares: gone from both address spaces. `None` when
    /// `address` is no shared buffer of `owner`'s.
    pub fn unshare(
        &mut self,
        resources: &mut Resources,
        owner: Pid,
        address: Word,
        length: Word,
    ) -> Option<Result<(), Errno>> {
        let process = self.table.get_mut(&owner)?;
        let at = process.shares.iter().position(|s| s.start == address)?;
        if layout::pages_for(length) != Some(process.shares[at].pages) {
            return Some(Err(Errno::EINVAL));
        }
        let share = process.shares.swap_remove(at);
        self.unmap_peer(resources, &share);
        self.unmap_own(resources, owner, &share);
        Some(Ok(()))
    }
}

/// Secret tokens for `AcceptShare`: SipHash-2-4 of a counter under a key drawn at boot
/// from the CPU's random number generator (the time-stamp counter where it has none).
/// A process sees only its own tokens, and cannot work out another's from them.
pub struct Tokens {
    key: (u64, u64),
    counter: u64,
}

impl Tokens {
    pub fn new() -> Tokens {
        Tokens { key: (random_word(), random_word()), counter: 0 }
    }

    pub fn next(&mut self) -> Word {
        use core::hash::Hasher;
        self.counter += 1;
        #[allow(deprecated)] // (SipHasher is SipHash-2-4: what a keyed secret needs here)
        let mut hasher = core::hash::SipHasher::new_with_keys(self.key.0, self.key.1);
        hasher.write_u64(self.counter);
        hasher.finish()
    }
}

/// A random word: RDRAND where the CPU has it (retried, as it may fail), else the
/// time-stamp counter.
fn random_word() -> u64 {
    let has_rdrand = core::arch::x86_64::__cpuid(1).ecx & (1 << 30) != 0;
    let mut word = 0;
    // SAFETY: `rdrand` runs only when the CPU has RDRAND (cpuid above).
    let drawn = has_rdrand && (0..10).any(|_| unsafe { rdrand(&mut word) });
    if drawn {
        word
    } else {
        crate::rdtsc()
    }
}

#[target_feature(enable = "rdrand")]
fn rdrand(word: &mut u64) -> bool {
    core::arch::x86_64::_rdrand64_step(word) == 1
}
