//! How a process starts: the capabilities it finds in its CSpace, and the start-up record
//! the root server writes at the top of its stack.
//!
//! The record is laid out as on System V x86_64 (`argc`, `argv[]`, NULL, `envp[]`, NULL,
//! auxiliary vector, then the strings), so C start-up code reads it as usual. The process
//! starts with RSP = RDI = the record's address and RSI = its length in bytes: the record
//! ends exactly there, so it can be checked as a byte slice.

use crate::args::StringList;
use crate::{Errno, Word};

/// A process's CSpace is one CNode, guarded so that a capability address is a whole
/// word. It starts with 2^[`INITIAL_CSPACE_BITS`] slots (the slots below, a pool and the
/// first 128 fds: 8 KiB, and cheap to delete, as seL4 walks every slot of a CNode it
/// deletes) and grows, up to 2^`CSPACE_BITS`, when the process asks for room beyond it
/// (`process::Request::ExtendCSpace`): the root server moves every capability into a
/// larger CNode and makes that the thread's CSpace. Slot numbers never change. (One
/// level keeps every capability lookup, the IPC fast path's included, as short as it
/// can be; a second level costs about 30 instructions a lookup.)
pub const CSPACE_BITS: u8 = 16;
/// The CNode a process starts with has 2^`INITIAL_CSPACE_BITS` slots.
pub const INITIAL_CSPACE_BITS: u8 = 8;
/// Its own CNode (to receive capabilities into, and to manage its slots).
pub const CNODE: Word = 1;
/// The endpoint to the root server's process interface, badged with its pid.
pub const PROCESS_SERVER: Word = 2;
/// Where the kernel sends the process's faults (the root server, with a fault badge).
pub const FAULT_HANDLER: Word = 3;
/// The endpoint to the VFS, badged with the process's pid.
pub const VFS: Word = 4;
/// A server's own endpoint (unbadged: it receives on it and mints badged copies of it).
pub const SERVER_ENDPOINT: Word = 5;
/// The VFS's endpoints to the file servers it mounts, in the order its arguments name
/// the mount points; for the devices server, the I/O port capability (the console).
pub const FIRST_MOUNT: Word = 6;
/// Slots from here up to [`FIRST_FD`], and from [`FIRST_SPARE_SLOT`] to the end of the
/// CSpace, are the process's own to use (its pool: received capabilities, readiness
/// notifications, a server's badged copies).
pub const FIRST_FREE_SLOT: Word = 16;
/// Open file `fd`'s endpoint sits at slot `FIRST_FD + fd`.
pub const FIRST_FD: Word = 128;
/// Most open files a process may have: enough for 16384 pipes, both ends, and more.
pub const MAX_FDS: Word = (1 << 15) + 256;
/// The pool's second part: the slots after the fds.
pub const FIRST_SPARE_SLOT: Word = FIRST_FD + MAX_FDS;

/// A process keeps, in its IPC buffer's `userData` word (seL4 leaves it to user level),
/// the address of a bit map of its open fds: [`FD_MAP_WORDS`] little-endian words, bit
/// `fd % 64` of word `fd / 64` set while `fd` is open (0: the map does not exist yet, and
/// the fds it started with are all it has). When a process ends, the root server takes
/// the capabilities of the fds the map names and hands them to the reaper, which closes
/// them: the files of a process that crashed are closed too (a pipe's reader then sees
/// the end). A wrong map only closes, or leaves open, the process's own files.
pub const FD_MAP_IN_USER_DATA: () = ();
/// Words of the open-fd map.
pub const FD_MAP_WORDS: usize = (MAX_FDS as usize).div_ceil(64);

/// Auxiliary vector keys: the System V ones uxrt uses, and its own from 0x7500 up.
pub mod aux {
    pub const NULL: u64 = 0;
    pub const PAGE_SIZE: u64 = 6;
    pub const ENTRY: u64 = 9;
    /// The process's IPC buffer (also reached through GS).
    pub const IPC_BUFFER: u64 = 0x7500;
    pub const PID: u64 = 0x7501;
    /// The root server's TSC when it started the process (for start-up time figures).
    pub const START_TSC: u64 = 0x7502;
    /// Where the image's file archive (cpio) is mapped, read-only, and its length (ramfs).
    pub const ARCHIVE: u64 = 0x7503;
    pub const ARCHIVE_LENGTH: u64 = 0x7504;
    /// The open files the process starts with: a bit mask of fds 0 to 63.
    pub const FDS: u64 = 0x7505;
    /// TSC ticks per microsecond.
    pub const TSC_MHZ: u64 = 0x7506;
    /// Unix time in nanoseconds minus the monotonic clock (`CLOCK_REALTIME` is this plus
    /// `CLOCK_MONOTONIC`; from the real-time clock read at boot).
    pub const REALTIME_OFFSET_NS: u64 = 0x7507;
    /// A server's generation: how many times the root server restarted it
    /// (`file::GENERATION_SHIFT`). Absent for the first.
    pub const GENERATION: u64 = 0x7508;
}

const WORD: usize = core::mem::size_of::<Word>();
/// Most auxiliary vector entries a record may have.
pub const MAX_AUX: usize = 16;

/// Bytes the record for these lists needs (16-byte aligned).
pub fn record_len(argv: &StringList, envp: &StringList, aux_count: usize) -> usize {
    let words = 1 + argv.len() + 1 + envp.len() + 1 + 2 * (aux_count + 1);
    (words * WORD + argv.as_bytes().len() + envp.as_bytes().len()).next_multiple_of(16)
}

/// Writes the record at the end of `out`, which will sit at addresses ending at `top`
/// (16-byte aligned). Returns the record's address and its offset in `out`.
pub fn write_record(
    out: &mut [u8],
    top: Word,
    argv: &StringList,
    envp: &StringList,
    aux: &[(Word, Word)],
) -> Result<(Word, usize), Errno> {
    if aux.len() > MAX_AUX || top % 16 != 0 {
        return Err(Errno::EINVAL);
    }
    let len = record_len(argv, envp, aux.len());
    let offset = out.len().checked_sub(len).ok_or(Errno::E2BIG)?;
    let base = top - len as Word;
    let record = &mut out[offset..];
    record.fill(0);
    let strings_at = len - argv.as_bytes().len() - envp.as_bytes().len();
    let mut words = Writer { record, at: 0 };
    words.put(argv.len() as Word);
    let mut string = strings_at;
    for list in [argv, envp] {
        for s in list.iter() {
            words.put(base + string as Word);
            string += s.len() + 1;
        }
        words.put(0);
    }
    for &(key, value) in aux.iter().chain(&[(aux::NULL, 0)]) {
        words.put(key);
        words.put(value);
    }
    let strings = &mut words.record[strings_at..];
    let (argv_bytes, envp_bytes) = (argv.as_bytes(), envp.as_bytes());
    strings[..argv_bytes.len()].copy_from_slice(argv_bytes);
    strings[argv_bytes.len()..argv_bytes.len() + envp_bytes.len()].copy_from_slice(envp_bytes);
    Ok((base, offset))
}

struct Writer<'a> {
    record: &'a mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn put(&mut self, word: Word) {
        self.record[self.at..self.at + WORD].copy_from_slice(&word.to_le_bytes());
        self.at += WORD;
    }
}

/// A checked start-up record.
#[derive(Clone, Copy, Debug)]
pub struct Record<'a> {
    block: &'a [u8],
    base: Word,
    argc: usize,
    envc: usize,
}

impl<'a> Record<'a> {
    /// Checks the record in `block`, which sits at address `base`: every pointer must
    /// point at a NUL-ended string inside it.
    pub fn parse(block: &'a [u8], base: Word) -> Result<Record<'a>, Errno> {
        let word = |i: usize| -> Result<Word, Errno> {
            let bytes = block.get(i * WORD..(i + 1) * WORD).ok_or(Errno::EFAULT)?;
            Ok(Word::from_le_bytes(bytes.try_into().expect("a word")))
        };
        let argc = usize::try_from(word(0)?).map_err(|_| Errno::EINVAL)?;
        let string_at = |pointer: Word| -> Result<(), Errno> {
            let offset = pointer.checked_sub(base).ok_or(Errno::EFAULT)? as usize;
            block.get(offset..).filter(|rest| rest.contains(&0)).map(|_| ()).ok_or(Errno::EFAULT)
        };
        for i in 0..argc {
            string_at(word(1 + i)?)?;
        }
        if word(1 + argc)? != 0 {
            return Err(Errno::EINVAL);
        }
        let mut envc = 0;
        loop {
            match word(2 + argc + envc)? {
                0 => break,
                pointer => string_at(pointer)?,
            }
            envc += 1;
        }
        let record = Record { block, base, argc, envc };
        // The auxiliary vector must end inside the block.
        let mut i = record.aux_start();
        while word(i)? != aux::NULL {
            i += 2;
        }
        word(i + 1)?;
        Ok(record)
    }

    fn word(&self, i: usize) -> Word {
        Word::from_le_bytes(self.block[i * WORD..(i + 1) * WORD].try_into().expect("checked by parse"))
    }

    fn string(&self, pointer: Word) -> &'a [u8] {
        let rest = &self.block[(pointer - self.base) as usize..];
        &rest[..rest.iter().position(|&b| b == 0).expect("checked by parse")]
    }

    fn aux_start(&self) -> usize {
        1 + self.argc + 1 + self.envc + 1
    }

    pub fn argc(&self) -> usize {
        self.argc
    }

    pub fn args(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + Clone + 'a {
        let record = *self;
        (0..self.argc).map(move |i| record.string(record.word(1 + i)))
    }

    pub fn env(&self) -> impl ExactSizeIterator<Item = &'a [u8]> + Clone + 'a {
        let record = *self;
        (0..self.envc).map(move |i| record.string(record.word(2 + record.argc + i)))
    }

    /// The value of auxiliary vector entry `key`.
    pub fn aux(&self, key: Word) -> Option<Word> {
        let mut i = self.aux_start();
        loop {
            match self.word(i) {
                aux::NULL => return None,
                k if k == key => return Some(self.word(i + 1)),
                _ => i += 2,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args;
    use proptest::prelude::*;
    use std::vec::Vec;

    fn packed(strings: &[Vec<u8>]) -> Vec<u8> {
        args::packed(strings).unwrap()
    }

    const TOP: Word = 0x7fff_0000_0000;

    #[test]
    fn record_matches_the_system_v_layout() {
        let argv = packed(&[b"sh".to_vec(), b"-c".to_vec()]);
        let envp = packed(&[b"HOME=/".to_vec()]);
        let (argv, envp) = (StringList::parse(&argv).unwrap(), StringList::parse(&envp).unwrap());
        let mut stack = [0u8; 4096];
        let (base, offset) = write_record(&mut stack, TOP, &argv, &envp, &[(aux::PID, 7)]).unwrap();
        assert_eq!(base % 16, 0);
        let block = &stack[offset..];
        let word = |i: usize| u64::from_le_bytes(block[i * 8..i * 8 + 8].try_into().unwrap());
        assert_eq!(word(0), 2); // argc
        assert_eq!(word(3), 0); // end of argv
        assert_eq!(word(5), 0); // end of envp
        assert_eq!((word(6), word(7), word(8)), (aux::PID, 7, aux::NULL));
        let record = Record::parse(block, base).unwrap();
        assert_eq!(record.args().collect::<Vec<_>>(), [&b"sh"[..], b"-c"]);
        assert_eq!(record.env().collect::<Vec<_>>(), [&b"HOME=/"[..]]);
        assert_eq!((record.aux(aux::PID), record.aux(aux::ENTRY)), (Some(7), None));
    }

    #[test]
    fn bad_records_are_refused() {
        let empty = StringList::parse(b"").unwrap();
        let mut small = [0u8; 16];
        assert_eq!(write_record(&mut small, TOP, &empty, &empty, &[]).err(), Some(Errno::E2BIG));
        // argc claims a string pointer outside the block.
        let mut block = [0u8; 64];
        block[..8].copy_from_slice(&1u64.to_le_bytes());
        block[8..16].copy_from_slice(&(TOP + 4096).to_le_bytes());
        assert_eq!(Record::parse(&block, TOP).err(), Some(Errno::EFAULT));
        // A huge argc runs off the block.
        block[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(Record::parse(&block, TOP).is_err());
        // No auxiliary terminator inside the block.
        let words: Vec<u8> = [0u64, 0, 0, 5, 5].iter().flat_map(|w| w.to_le_bytes()).collect();
        assert_eq!(Record::parse(&words, TOP).err(), Some(Errno::EFAULT));
    }

    proptest! {
        #[test]
        fn records_round_trip(
            args in proptest::collection::vec(proptest::collection::vec(1u8..=255, 0..30), 0..20),
            env in proptest::collection::vec(proptest::collection::vec(1u8..=255, 0..30), 0..20),
            aux_values in proptest::collection::vec(any::<u64>(), 0..MAX_AUX),
        ) {
            let (a, e) = (packed(&args), packed(&env));
            let (argv, envp) = (StringList::parse(&a).unwrap(), StringList::parse(&e).unwrap());
            let aux: Vec<(Word, Word)> = aux_values.iter().enumerate().map(|(i, &v)| (0x100 + i as Word, v)).collect();
            let mut stack = std::vec![0u8; 8192];
            let (base, offset) = write_record(&mut stack, TOP, &argv, &envp, &aux).unwrap();
            prop_assert_eq!(base, TOP - (stack.len() - offset) as Word);
            let record = Record::parse(&stack[offset..], base).unwrap();
            prop_assert_eq!(record.args().collect::<Vec<_>>(), argv.iter().collect::<Vec<_>>());
            prop_assert_eq!(record.env().collect::<Vec<_>>(), envp.iter().collect::<Vec<_>>());
            for &(key, value) in &aux {
                prop_assert_eq!(record.aux(key), Some(value));
            }
        }

        #[test]
        fn parsing_arbitrary_blocks_never_panics(words in proptest::collection::vec(any::<u64>(), 0..40), small in 0u64..64) {
            // Bias some words to point inside the block, to reach the string checks.
            let bytes: Vec<u8> = words.iter().enumerate()
                .flat_map(|(i, &w)| (if i % 3 == 1 { TOP + small } else { w }).to_le_bytes())
                .collect();
            let _ = Record::parse(&bytes, TOP);
        }
    }
}
