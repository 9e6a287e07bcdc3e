//! Argument and environment lists as they cross address spaces: the strings one after
//! another, each ended by a NUL (the layout `execve` copies onto a new stack).

use crate::Errno;
use alloc::vec::Vec;

/// Most bytes of argument and environment strings together, NULs included.
pub const ARG_MAX: usize = 128 * 1024;
/// Most strings in one list.
pub const MAX_STRINGS: usize = 8192;

/// A checked, packed list of NUL-ended strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StringList<'a> {
    bytes: &'a [u8],
    count: usize,
}

impl<'a> StringList<'a> {
    /// Checks a packed list: at most [`ARG_MAX`] bytes and [`MAX_STRINGS`] strings, and
    /// (unless empty) ending with a NUL.
    pub fn parse(bytes: &'a [u8]) -> Result<StringList<'a>, Errno> {
        if bytes.len() > ARG_MAX {
            return Err(Errno::E2BIG);
        }
        if bytes.last().is_some_and(|&last| last != 0) {
            return Err(Errno::EINVAL);
        }
        let count = bytes.iter().filter(|&&b| b == 0).count();
        if count > MAX_STRINGS {
            return Err(Errno::E2BIG);
        }
        Ok(StringList { bytes, count })
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The packed bytes (what `pack` wrote).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The strings, without their NULs.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + Clone {
        let bytes = self.bytes;
        let body = bytes.strip_suffix(&[0]).unwrap_or(bytes);
        body.split(|&b| b == 0).take(self.count)
    }
}

/// Bytes `pack` needs for `strings`.
pub fn packed_len<'s>(strings: impl IntoIterator<Item = &'s [u8]>) -> usize {
    strings.into_iter().map(|s| s.len() + 1).sum()
}

/// Packs `strings` into `out`; returns the bytes written. A string holding a NUL, or a
/// list that does not fit `out` or the limits, is refused.
pub fn pack<'s>(strings: impl IntoIterator<Item = &'s [u8]>, out: &mut [u8]) -> Result<usize, Errno> {
    let mut at = 0;
    for (i, string) in strings.into_iter().enumerate() {
        if string.contains(&0) {
            return Err(Errno::EINVAL);
        }
        let end = at + string.len() + 1;
        if i >= MAX_STRINGS || end > out.len() || end > ARG_MAX {
            return Err(Errno::E2BIG);
        }
        out[at..end - 1].copy_from_slice(string);
        out[end - 1] = 0;
        at = end;
    }
    Ok(at)
}

/// `strings` packed into a new buffer of exactly the right size.
pub fn packed<S: AsRef<[u8]>>(strings: &[S]) -> Result<Vec<u8>, Errno> {
    let mut out = alloc::vec![0; packed_len(strings.iter().map(AsRef::as_ref))];
    pack(strings.iter().map(AsRef::as_ref), &mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec::Vec;

    #[test]
    fn empty_strings_are_kept() {
        let list = StringList::parse(b"a\0\0b\0").unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list.iter().collect::<Vec<_>>(), [&b"a"[..], b"", b"b"]);
        assert!(StringList::parse(b"").unwrap().is_empty());
        assert_eq!(StringList::parse(b"\0").unwrap().iter().collect::<Vec<_>>(), [&b""[..]]);
    }

    #[test]
    fn malformed_lists_are_refused() {
        assert_eq!(StringList::parse(b"no-terminator"), Err(Errno::EINVAL));
        assert_eq!(StringList::parse(&[b'x'; ARG_MAX + 1]), Err(Errno::E2BIG));
        assert_eq!(StringList::parse(&[0; MAX_STRINGS + 1]), Err(Errno::E2BIG));
        let mut out = [0u8; 8];
        assert_eq!(pack([&b"a\0b"[..]], &mut out), Err(Errno::EINVAL));
        assert_eq!(pack([&b"12345678"[..]], &mut out), Err(Errno::E2BIG));
    }

    proptest! {
        #[test]
        fn lists_round_trip(strings in proptest::collection::vec(proptest::collection::vec(1u8..=255, 0..40), 0..50)) {
            let refs: Vec<&[u8]> = strings.iter().map(Vec::as_slice).collect();
            let out = packed(&refs).unwrap();
            prop_assert_eq!(out.len(), packed_len(refs.iter().copied()));
            let list = StringList::parse(&out).unwrap();
            prop_assert_eq!(list.len(), refs.len());
            prop_assert_eq!(list.iter().collect::<Vec<_>>(), refs);
        }

        #[test]
        fn parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(list) = StringList::parse(&bytes) {
                prop_assert_eq!(list.iter().count(), list.len());
            }
        }
    }
}
