//! Epoll instances a process passes to the program it starts (`posix_spawn`, `execve`).
//!
//! An interest set lives in its process's memory (no server holds it), so what a child
//! gets is a copy of it, carried in a hidden environment variable ([`VARIABLE`]) that
//! libuxrt adds at spawn and takes at start. First a bit mask of the child's fds (below
//! 64) that name a set, which is all the fd table needs at start; then `;` and, for each
//! set, the child's fds that name it and its interests (keyed by the child's fd
//! numbers), as `names:fd.events.data,fd.events.data` with `+` between names and `/`
//! between sets; all in hex, e.g. `228;3+5:4.1.2a,7.80000001.0/9:`.
//!
//! The text comes from the parent, which the child trusts no less than its own
//! environment; still, a malformed one is refused as a whole ([`parse`] says `EINVAL`)
//! and never panics.

use crate::Errno;
use alloc::vec::Vec;
use core::fmt::Write;

/// The variable's name, with its `=`.
pub const VARIABLE: &[u8] = b"UXRT_EPOLL=";

/// One registered fd of a set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interest {
    pub fd: u32,
    pub events: u32,
    pub data: u64,
}

/// One set, as the child gets it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InheritedSet {
    /// The child's fds naming the set (never empty).
    pub names: Vec<u32>,
    pub interests: Vec<Interest>,
}

/// The whole environment entry (`VARIABLE` and the text) for `sets`.
pub fn encode(sets: &[InheritedSet]) -> Vec<u8> {
    let mut text = alloc::string::String::from_utf8_lossy(VARIABLE).into_owned();
    let below_64 = sets.iter().flat_map(|set| &set.names).filter(|&&name| name < 64);
    let _ = write!(text, "{:x};", below_64.fold(0u64, |mask, name| mask | 1 << name));
    for (i, set) in sets.iter().enumerate() {
        let _ = write!(text, "{}", if i > 0 { "/" } else { "" });
        for (j, name) in set.names.iter().enumerate() {
            let _ = write!(text, "{}{name:x}", if j > 0 { "+" } else { "" });
        }
        text.push(':');
        for (j, Interest { fd, events, data }) in set.interests.iter().enumerate() {
            let _ = write!(text, "{}{fd:x}.{events:x}.{data:x}", if j > 0 { "," } else { "" });
        }
    }
    text.into_bytes()
}

/// The sets of a variable's value (the text after `VARIABLE`).
pub fn parse(text: &[u8]) -> Result<Vec<InheritedSet>, Errno> {
    let (mask, text) = split_once(text, b';').ok_or(Errno::EINVAL)?;
    hex(mask)?;
    let mut sets = Vec::new();
    for set in text.split(|&b| b == b'/') {
        let (names, interests) = split_once(set, b':').ok_or(Errno::EINVAL)?;
        let names = names.split(|&b| b == b'+').map(hex_u32).collect::<Result<Vec<u32>, Errno>>()?;
        let interests = match interests {
            [] => Vec::new(),
            list => list.split(|&b| b == b',').map(interest).collect::<Result<Vec<Interest>, Errno>>()?,
        };
        sets.push(InheritedSet { names, interests });
    }
    Ok(sets)
}

/// The mask of the fds below 64 that name a set (what the fd table needs at start,
/// before any set is made); 0 for a malformed text.
pub fn names_below_64(text: &[u8]) -> u64 {
    let mask = text.split(|&b| b == b';').next().unwrap_or_default();
    hex(mask).unwrap_or(0)
}

fn interest(text: &[u8]) -> Result<Interest, Errno> {
    let mut fields = text.split(|&b| b == b'.');
    let mut next = || fields.next().ok_or(Errno::EINVAL);
    let interest = Interest { fd: hex_u32(next()?)?, events: hex_u32(next()?)?, data: hex(next()?)? };
    match fields.next() {
        None => Ok(interest),
        Some(_) => Err(Errno::EINVAL),
    }
}

fn split_once(text: &[u8], at: u8) -> Option<(&[u8], &[u8])> {
    let i = text.iter().position(|&b| b == at)?;
    Some((&text[..i], &text[i + 1..]))
}

fn hex_u32(text: &[u8]) -> Result<u32, Errno> {
    u32::try_from(hex(text)?).map_err(|_| Errno::EINVAL)
}

/// A lower-case hex number of 1 to 16 digits.
fn hex(text: &[u8]) -> Result<u64, Errno> {
    if text.is_empty() || text.len() > 16 {
        return Err(Errno::EINVAL);
    }
    text.iter().try_fold(0u64, |value, &b| {
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => return Err(Errno::EINVAL),
        };
        Ok(value << 4 | digit as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use proptest::prelude::*;

    fn value(entry: &[u8]) -> &[u8] {
        entry.strip_prefix(VARIABLE).unwrap()
    }

    #[test]
    fn the_text_is_as_documented() {
        let sets = [
            InheritedSet {
                names: vec![3, 5],
                interests: vec![
                    Interest { fd: 4, events: 1, data: 0x2a },
                    Interest { fd: 7, events: 0x8000_0001, data: 0 },
                ],
            },
            InheritedSet { names: vec![9], interests: vec![] },
        ];
        let entry = encode(&sets);
        assert_eq!(entry, b"UXRT_EPOLL=228;3+5:4.1.2a,7.80000001.0/9:");
        assert_eq!(parse(value(&entry)).unwrap(), sets);
        assert_eq!(names_below_64(value(&entry)), 1 << 3 | 1 << 5 | 1 << 9);
        let high = encode(&[InheritedSet { names: vec![64, 63], interests: vec![] }]);
        assert_eq!(names_below_64(value(&high)), 1 << 63);
    }

    #[test]
    fn malformed_texts_are_refused() {
        for bad in [
            &b""[..],
            b"0",
            b"8;3",
            b"8;:",
            b"8;3:4.1",
            b"8;3:4.1.2.3",
            b"8;3:4.1.2,",
            b"8;3+:",
            b"8;3:4.1.2//4:",
            b"8;3:4.1G.2",
            b"8;3:4.1.11111111111111111",
            b"8;100000000:",
            b"x;3:",
            b";3:",
        ] {
            assert_eq!(parse(bad), Err(Errno::EINVAL), "{:?}", core::str::from_utf8(bad));
        }
        assert_eq!(names_below_64(b"x;3:"), 0);
        assert_eq!(names_below_64(b""), 0);
    }

    proptest! {
        #[test]
        fn sets_round_trip(sets in proptest::collection::vec(
            (proptest::collection::vec(any::<u32>(), 1..4),
             proptest::collection::vec((any::<u32>(), any::<u32>(), any::<u64>()), 0..5)),
            1..4,
        )) {
            let sets: Vec<InheritedSet> = sets
                .into_iter()
                .map(|(names, interests)| InheritedSet {
                    names,
                    interests: interests.into_iter().map(|(fd, events, data)| Interest { fd, events, data }).collect(),
                })
                .collect();
            prop_assert_eq!(parse(value(&encode(&sets))).unwrap(), sets);
        }

        #[test]
        fn parsing_arbitrary_text_never_panics(text in proptest::collection::vec(
            proptest::sample::select(b"0123456789abcdefg:;+./,".to_vec()), 0..40)) {
            let _ = parse(&text);
            let _ = names_below_64(&text);
        }
    }
}
