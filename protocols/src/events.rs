//! Readiness of open files and the tokens of a process's notification queue.
//!
//! A process that waits on many fds (`poll`, `select`, epoll) has one notification queue.
//! Each fd it watches has a notification attached to that queue with the fd as token; the
//! file's server signals it when the file becomes ready. The root server attaches two
//! more kinds of source: the process's alarm (timeouts) and its children's threads (their
//! end, for `waitpid` in the same wait).

use crate::{Errno, Pid, Word};

/// What an open file is ready for: readable, writable, hung up (no writer left), in error
/// (no reader left). One bit each, as the badge bits of a readiness signal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Readiness(pub u8);

impl Readiness {
    pub const NONE: Readiness = Readiness(0);
    pub const READABLE: Readiness = Readiness(1);
    pub const WRITABLE: Readiness = Readiness(2);
    pub const HANGUP: Readiness = Readiness(4);
    pub const ERROR: Readiness = Readiness(8);
    /// What a file that never blocks is (a regular file, `/dev/null`).
    pub const ALWAYS: Readiness = Readiness(1 | 2);
    const ALL: u8 = 1 | 2 | 4 | 8;

    /// Checks a word received from a server.
    pub fn from_word(word: Word) -> Result<Readiness, Errno> {
        u8::try_from(word).ok().filter(|bits| bits & !Self::ALL == 0).map(Readiness).ok_or(Errno::EIO)
    }

    pub const fn union(self, other: Readiness) -> Readiness {
        Readiness(self.0 | other.0)
    }

    pub const fn without(self, other: Readiness) -> Readiness {
        Readiness(self.0 & !other.0)
    }

    pub const fn contains(self, other: Readiness) -> bool {
        self.0 & other.0 == other.0
    }

    pub const fn intersects(self, other: Readiness) -> bool {
        self.0 & other.0 != 0
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// A transfer's result word: the bytes moved, and (from bit 32) the readiness the file
/// lost by it (a pipe read empty, a pipe written full). Servers whose files never block
/// clear nothing, so their results are plain counts.
pub fn transferred(count: usize, cleared: Readiness) -> Word {
    count as Word | (cleared.0 as Word) << 32
}

/// Reads a transfer's result word.
pub fn split_transferred(word: Word) -> Result<(usize, Readiness), Errno> {
    Ok(((word & 0xffff_ffff) as usize, Readiness::from_word(word >> 32)?))
}

/// Queue tokens. fds are tokens below [`token::ALARM`]; the root server attaches the
/// alarm and children with the tokens above.
pub mod token {
    use crate::{Pid, Word};

    /// The process's alarm (see `process::Request::Alarm`).
    pub const ALARM: Word = 1 << 62;
    /// A child's thread, `CHILD | pid`: its entry comes when the child has ended.
    pub const CHILD: Word = 1 << 63;

    /// A bit of the alarm entry's badge: a server ended (it crashed), or a process that
    /// shared memory with this one did, and the root server put zeroed pages of this
    /// process's own in place of that memory (a leased pipe's ring). A wait for what
    /// only that server or memory would show ends, and the waiter asks the servers of
    /// the fds it watches again. (The timer and signals ring the alarm with no bits.)
    pub const PEER_ENDED: Word = 1;

    pub const fn child(pid: Pid) -> Word {
        CHILD | pid as Word
    }
}

/// What a queue entry's token names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Fd(u32),
    Alarm,
    Child(Pid),
    /// No token this process or the root server hands out.
    Unknown(Word),
}

impl Source {
    pub fn of(token: Word) -> Source {
        match token {
            token::ALARM => Source::Alarm,
            _ if token & token::CHILD != 0 => match Pid::try_from(token & !token::CHILD) {
                Ok(pid) => Source::Child(pid),
                Err(_) => Source::Unknown(token),
            },
            _ => match u32::try_from(token) {
                Ok(fd) => Source::Fd(fd),
                Err(_) => Source::Unknown(token),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn transfer_words_round_trip(count in 0usize..=u32::MAX as usize, cleared in 0u8..16) {
            let word = transferred(count, Readiness(cleared));
            prop_assert_eq!(split_transferred(word), Ok((count, Readiness(cleared))));
        }

        #[test]
        fn tokens_name_one_source(fd in any::<u32>(), pid in any::<Pid>()) {
            prop_assert_eq!(Source::of(fd as Word), Source::Fd(fd));
            prop_assert_eq!(Source::of(token::child(pid)), Source::Child(pid));
        }
    }

    #[test]
    fn odd_tokens_and_bits_are_refused() {
        assert_eq!(Source::of(token::ALARM), Source::Alarm);
        assert_eq!(Source::of(1 << 40), Source::Unknown(1 << 40));
        assert_eq!(Source::of(token::CHILD | 1 << 40), Source::Unknown(token::CHILD | 1 << 40));
        assert_eq!(split_transferred(1 << 40), Err(Errno::EIO));
        assert_eq!(Readiness::from_word(16), Err(Errno::EIO));
        let both = Readiness::READABLE.union(Readiness::HANGUP);
        assert!(both.contains(Readiness::HANGUP) && !both.contains(Readiness::WRITABLE));
        assert_eq!(both.without(Readiness::READABLE), Readiness::HANGUP);
    }
}
