//! The shape every request and reply takes on the wire: a label and up to
//! [`MAX_WORDS`] message registers (the first four travel in CPU registers).

use crate::{Errno, Word};

/// The most words any uxrt message carries.
pub const MAX_WORDS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    pub label: Word,
    words: [Word; MAX_WORDS],
    length: usize,
}

impl Message {
    /// A message of `label` and `words` (at most [`MAX_WORDS`]; more is a bug of the caller).
    pub fn new(label: Word, words: &[Word]) -> Message {
        assert!(words.len() <= MAX_WORDS, "a uxrt message has at most {MAX_WORDS} words");
        let mut message = Message { label, words: [0; MAX_WORDS], length: words.len() };
        message.words[..words.len()].copy_from_slice(words);
        message
    }

    /// A message of `label` and the first `length` of `words`, taken as they are (the
    /// read path builds its reply's words in place: no second array to zero and copy).
    pub(crate) fn from_array(label: Word, words: [Word; MAX_WORDS], length: usize) -> Message {
        Message { label, words, length: length.min(MAX_WORDS) }
    }

    pub fn words(&self) -> &[Word] {
        &self.words[..self.length]
    }
}

/// The largest errno a reply's label carries (Linux's `MAX_ERRNO`).
pub const ERRNO_MAX: Word = 4095;

/// A reply: label 0 and the results, or the errno as the label and no words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply(pub Result<Message, Errno>);

impl Reply {
    pub fn ok(words: &[Word]) -> Reply {
        Reply(Ok(Message::new(0, words)))
    }

    pub fn error(errno: Errno) -> Reply {
        Reply(Err(errno))
    }

    /// The message to send.
    pub fn encode(&self) -> Message {
        match self.0 {
            Ok(message) => message,
            Err(errno) => Message::new(errno.0 as Word, &[]),
        }
    }

    /// Reads a received reply; a label that is no errno at all is itself an error (EIO).
    pub fn decode(label: Word, words: &[Word]) -> Reply {
        match Reply::error_of(label) {
            None if words.len() <= MAX_WORDS => Reply::ok(words),
            None => Reply::error(Errno::EIO),
            Some(errno) => Reply::error(errno),
        }
    }

    /// The error a reply's label says, `None` for success (label 0). A label above
    /// [`ERRNO_MAX`] is no errno: the kernel's `seL4_DroppedCallLabel` (a call whose
    /// server died or dropped it, kernel patch 0018) among them, reported as `EIO`.
    pub fn error_of(label: Word) -> Option<Errno> {
        match label {
            0 => None,
            errno @ 1..=ERRNO_MAX => Some(Errno(errno as u16)),
            _ => Some(Errno::EIO),
        }
    }

    /// The `N` result words of a successful reply (missing ones are a protocol error).
    pub fn results<const N: usize>(self) -> Result<[Word; N], Errno> {
        let message = self.0?;
        message.words().try_into().map_err(|_| Errno::EIO)
    }
}

/// `request` if it carries no words (`EINVAL` otherwise).
pub fn no_words<R>(words: &[Word], request: R) -> Result<R, Errno> {
    let [] = exact(words)?;
    Ok(request)
}

/// Checks that a request carries exactly `N` words and returns them.
pub fn exact<const N: usize>(words: &[Word]) -> Result<[Word; N], Errno> {
    words.try_into().map_err(|_| Errno::EINVAL)
}

/// Test support for the fuzzers: a decoder fed `label` and `words` either refuses them or
/// accepts exactly what `encode` gives back, so every accepted message has one encoding.
#[cfg(test)]
pub(crate) fn decodes_canonically<R>(
    label: Word,
    words: &[Word],
    decode: impl Fn(Word, &[Word]) -> Result<R, Errno>,
    encode: impl Fn(&R) -> Message,
) -> Result<(), proptest::test_runner::TestCaseError> {
    if let Ok(value) = decode(label, words) {
        let again = encode(&value);
        proptest::prop_assert_eq!((again.label, again.words()), (label, words));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_round_trip() {
        let ok = Reply::ok(&[1, 2, 3]);
        let m = ok.encode();
        assert_eq!(Reply::decode(m.label, m.words()), ok);
        assert_eq!(Reply::decode(m.label, m.words()).results::<3>(), Ok([1, 2, 3]));
        let err = Reply::error(Errno::ENOENT);
        let m = err.encode();
        assert_eq!((m.label, m.words().len()), (2, 0));
        assert_eq!(Reply::decode(m.label, m.words()), err);
    }

    #[test]
    fn malformed_replies_are_errors() {
        assert_eq!(Reply::decode(1 << 20, &[]), Reply::error(Errno::EIO));
        // No errno: a call the kernel answered as dropped (its server died).
        assert_eq!(Reply::decode(ERRNO_MAX + 1, &[]), Reply::error(Errno::EIO));
        assert_eq!(Reply::decode(ERRNO_MAX, &[]), Reply::error(Errno(ERRNO_MAX as u16)));
        assert_eq!(Reply::ok(&[1]).results::<2>(), Err(Errno::EIO));
        assert_eq!(Reply::decode(0, &[0; MAX_WORDS + 1]), Reply::error(Errno::EIO));
    }
}
