use super::*;
use crate::message::{decodes_canonically, MAX_WORDS};
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

fn span() -> impl Strategy<Value = Span> {
    (any::<u64>(), any::<u64>()).prop_map(|(offset, length)| Span { offset, length })
}

fn flags() -> impl Strategy<Value = OpenFlags> {
    (0u32..3, any::<u32>())
        .prop_map(|(mode, bits)| OpenFlags(mode | (bits & OpenFlags::KNOWN & !OpenFlags::ACCESS_MODE)))
}

fn inline() -> impl Strategy<Value = Inline> {
    proptest::collection::vec(any::<u8>(), 0..=INLINE_MAX).prop_map(|bytes| Inline::new(&bytes))
}

fn path_request() -> impl Strategy<Value = PathRequest> {
    let mode = 0u32..=0o7777;
    prop_oneof![
        (span(), flags(), mode.clone(), any::<u64>()).prop_map(|(path, flags, mode, owner)| PathRequest::Open {
            path,
            flags,
            mode,
            owner
        }),
        (span(), mode, any::<u64>()).prop_map(|(path, mode, owner)| PathRequest::Mkdir { path, mode, owner }),
        span().prop_map(|path| PathRequest::Rmdir { path }),
        span().prop_map(|path| PathRequest::Unlink { path }),
        (span(), span()).prop_map(|(from, to)| PathRequest::Rename { from, to }),
        span().prop_map(|path| PathRequest::Stat { path }),
        span().prop_map(|path| PathRequest::StatLink { path }),
        span().prop_map(|path| PathRequest::ReadLink { path }),
        (span(), span(), any::<u64>()).prop_map(|(target, path, owner)| PathRequest::Symlink { target, path, owner }),
        span().prop_map(|path| PathRequest::Chdir { path }),
        (span(), 0u32..=0o7777).prop_map(|(path, mode)| PathRequest::Chmod { path, mode }),
        Just(PathRequest::GetCwd),
        any::<u64>().prop_map(|token| PathRequest::Attach { token }),
        (any::<u64>(), any::<u64>()).prop_map(|(address, length)| PathRequest::UseBuffer { address, length }),
        any::<u64>().prop_map(|owner| PathRequest::Pipe { owner }),
        (span(), 0..=0o7777u32, any::<u64>()).prop_map(|(path, mode, owner)| PathRequest::Mkfifo { path, mode, owner }),
        (span(), any::<u64>(), any::<u64>(), any::<bool>())
            .prop_map(|(path, accessed, modified, follow)| PathRequest::SetTimes { path, accessed, modified, follow }),
        (any::<u64>(), flags(), any::<u64>()).prop_map(|(key, flags, owner)| PathRequest::OpenFifo {
            key,
            flags,
            owner
        }),
        Just(PathRequest::Statistics),
        Just(PathRequest::Identify),
    ]
}

fn file_request() -> impl Strategy<Value = FileRequest> {
    prop_oneof![
        (0..=INLINE_MAX as u8, any::<bool>())
            .prop_map(|(length, nonblocking)| FileRequest::Read { length, nonblocking }),
        (inline(), any::<bool>()).prop_map(|(data, nonblocking)| FileRequest::Write { data, nonblocking }),
        (any::<u64>(), span(), any::<bool>()).prop_map(|(pid, span, nonblocking)| FileRequest::ReadShared {
            pid,
            span,
            nonblocking
        }),
        (any::<u64>(), span(), any::<bool>()).prop_map(|(pid, span, nonblocking)| FileRequest::WriteShared {
            pid,
            span,
            nonblocking
        }),
        (any::<u64>(), 0..=FILE_BUFFER as u64, any::<bool>()).prop_map(|(offset, length, nonblocking)| {
            FileRequest::ReadDirect { window: Span { offset, length }, nonblocking }
        }),
        (any::<i64>(), prop_oneof![Just(Whence::Set), Just(Whence::Current), Just(Whence::End)])
            .prop_map(|(offset, whence)| FileRequest::Seek { offset, whence }),
        Just(FileRequest::Stat),
        any::<u64>().prop_map(|length| FileRequest::Truncate { length }),
        (any::<u64>(), any::<u64>()).prop_map(|(pid, cookie)| FileRequest::ReadDir { pid, cookie }),
        Just(FileRequest::Close),
        (any::<u64>(), any::<u64>()).prop_map(|(pid, token)| FileRequest::MapBuffer { pid, token }),
        Just(FileRequest::Duplicate),
        Just(FileRequest::OpenPeer),
        Just(FileRequest::AwaitPeer),
        (any::<u64>(), any::<u64>()).prop_map(|(accessed, modified)| FileRequest::SetTimes { accessed, modified }),
        Just(FileRequest::Subscribe),
        any::<u64>().prop_map(|pid| FileRequest::SetForeground { pid }),
        any::<bool>().prop_map(|raw| FileRequest::SetTerminal { raw }),
        (0u32..=0o7777).prop_map(|mode| FileRequest::Chmod { mode }),
        (any::<u64>(), any::<u64>()).prop_map(|(pid, token)| FileRequest::MapRing { pid, token }),
        Just(FileRequest::ReleaseRing),
        Just(FileRequest::RingWake),
    ]
}

proptest! {
    #[test]
    fn path_requests_round_trip(request in path_request()) {
        let message = request.encode();
        prop_assert_eq!(PathRequest::decode(message.label, message.words()), Ok(request));
    }

    #[test]
    fn file_requests_round_trip(request in file_request()) {
        let message = request.encode();
        prop_assert_eq!(FileRequest::decode(message.label, message.words()), Ok(request));
    }

    #[test]
    fn read_replies_round_trip(data in inline(), cleared in 0u8..16) {
        let reply = data.reply_clearing(Readiness(cleared)).encode();
        prop_assert_eq!(Inline::from_reply(Reply::decode(reply.label, reply.words())), Ok((data, Readiness(cleared))));
        prop_assert_eq!(Inline::reply_bytes(data.as_bytes(), Readiness(cleared)).encode(), reply);
        let mut out = [0u8; INLINE_MAX];
        let read = Inline::read_reply(reply.label, reply.words(), &mut out);
        prop_assert_eq!(read, Ok((data.as_bytes().len(), Readiness(cleared))));
        prop_assert_eq!(&out[..data.as_bytes().len()], data.as_bytes());
    }
}

proptest! {
    // The bounded fuzzer: every decoder a server or client runs on what another process
    // sent, fed arbitrary labels and words. Each must return an error or a value, never
    // panic, and what it accepts must encode back to exactly the input.
    #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

    #[test]
    fn fuzz_path_request_decoder(label in 0u64..19, words in proptest::collection::vec(any::<u64>(), 0..=MAX_WORDS)) {
        decodes_canonically(label, &words, PathRequest::decode, PathRequest::encode)?;
    }

    #[test]
    fn fuzz_file_request_decoder(label in 0u64..20, words in proptest::collection::vec(prop_oneof![0u64..80, any::<u64>()], 0..=MAX_WORDS)) {
        decodes_canonically(label, &words, FileRequest::decode, FileRequest::encode)?;
    }

    #[test]
    fn fuzz_reply_decoders(label in prop_oneof![Just(0u64), any::<u64>()], words in proptest::collection::vec(prop_oneof![0u64..80, any::<u64>()], 0..=MAX_WORDS + 2)) {
        let reply = Reply::decode(label, &words);
        if let Ok((data, cleared)) = Inline::from_reply(reply) {
            prop_assert_eq!(data.reply_clearing(cleared), reply);
        }
        if let Ok(stat) = FileStat::from_reply(reply) {
            prop_assert_eq!(stat.reply(), reply);
        }
        // Decoding in place agrees with decoding through a `Reply`, into any buffer.
        for room in [0, 1, 7, 8, 9, INLINE_MAX] {
            let mut out = [0xaau8; INLINE_MAX];
            let in_place = Inline::read_reply(label, &words, &mut out[..room]);
            match Inline::from_reply(reply) {
                Ok((data, cleared)) => {
                    let n = data.as_bytes().len().min(room);
                    prop_assert_eq!(in_place, Ok((n, cleared)));
                    prop_assert_eq!(&out[..n], &data.as_bytes()[..n]);
                    prop_assert!(out[n..].iter().all(|&b| b == 0xaa), "wrote past what it read");
                }
                Err(_) => prop_assert!(in_place.is_err()),
            }
        }
    }
}

#[test]
fn inline_bytes_are_packed_little_endian() {
    let message = FileRequest::Write { data: Inline::new(b"abcdefghi"), nonblocking: false }.encode();
    assert_eq!(message.words(), &[9, u64::from_le_bytes(*b"abcdefgh"), b'i' as u64]);
    assert_eq!(Inline::new(&[7; 100]).as_bytes().len(), INLINE_MAX);
}

#[test]
fn malformed_requests_are_refused() {
    // Too many words for the length, too few, non-zero padding, length past the maximum.
    assert_eq!(FileRequest::decode(label::WRITE, &[1, 0x61, 0]), Err(Errno::EINVAL));
    assert_eq!(FileRequest::decode(label::WRITE, &[9, 0]), Err(Errno::EINVAL));
    assert_eq!(FileRequest::decode(label::WRITE, &[1, 0x6162]), Err(Errno::EINVAL));
    assert_eq!(FileRequest::decode(label::WRITE, &[7, 1 << 56]), Err(Errno::EINVAL), "padding in the top byte");
    assert!(FileRequest::decode(label::WRITE, &[8, u64::MAX]).is_ok(), "a full last word has no padding");
    assert_eq!(FileRequest::decode(label::WRITE, &[]), Err(Errno::EINVAL));
    assert_eq!(FileRequest::decode(label::READ, &[INLINE_MAX as u64 + 1]), Err(Errno::EINVAL));
    assert_eq!(FileRequest::decode(label::SEEK, &[0, 3]), Err(Errno::EINVAL));
    assert_eq!(FileRequest::decode(label::CLOSE, &[1]), Err(Errno::EINVAL));
    assert_eq!(FileRequest::decode(42, &[]), Err(Errno::ENOSYS));
    // Only a transfer may be flagged not to wait.
    assert_eq!(FileRequest::decode(label::CLOSE | label::DONT_WAIT, &[]), Err(Errno::ENOSYS));
    assert_eq!(FileRequest::decode(label::SEEK | label::DONT_WAIT, &[0, 0]), Err(Errno::ENOSYS));
    assert_eq!(
        FileRequest::decode(label::READ | label::DONT_WAIT, &[1]),
        Ok(FileRequest::Read { length: 1, nonblocking: true })
    );
    assert_eq!(PathRequest::decode(label::OPEN, &[0, 1, 3, 0]), Err(Errno::EINVAL), "access mode 3");
    assert_eq!(PathRequest::decode(label::OPEN, &[0, 1, 1 << 31, 0]), Err(Errno::EINVAL), "unknown flag");
    assert_eq!(PathRequest::decode(label::OPEN, &[0, 1, 0, 0o10000]), Err(Errno::EINVAL), "mode");
    assert_eq!(PathRequest::decode(label::MKDIR, &[0, 1]), Err(Errno::EINVAL));
    assert_eq!(PathRequest::decode(0, &[]), Err(Errno::ENOSYS));
}

#[test]
fn open_flags_read_like_linux() {
    let rw_create = OpenFlags::new((OpenFlags::READ_WRITE | OpenFlags::CREATE) as u64).unwrap();
    assert!(rw_create.readable() && rw_create.writable() && rw_create.has(OpenFlags::CREATE));
    let write_only = OpenFlags::new(1).unwrap();
    assert!(!write_only.readable() && write_only.writable());
    assert_eq!(OpenFlags::CREATE, 0o100, "O_CREAT on Linux");
    assert_eq!(OpenFlags::NONBLOCK, 0o4000, "O_NONBLOCK on Linux");
}

#[test]
fn stat_replies_round_trip_and_bad_ones_fail() {
    let stat =
        FileStat { ino: 7, kind: FileKind::Pipe, size: 3, links: 1, mode: 0o600, modified: 5, changed: 6, accessed: 8 };
    assert_eq!(FileStat::from_reply(stat.reply()), Ok(stat));
    assert_eq!(FileStat::from_reply(Reply::ok(&[1, 9, 0, 0])), Err(Errno::EIO));
    assert_eq!(FileStat::from_reply(Reply::ok(&[1])), Err(Errno::EIO));
    assert_eq!(FileStat::from_reply(Reply::error(Errno::ENOENT)), Err(Errno::ENOENT));
}

#[test]
fn a_direct_read_reports_what_the_kernel_copied() {
    let bytes = [7u8; 100];
    let reply = direct_reply(&bytes, Readiness::READABLE);
    let words = reply.encode().words().to_vec();
    assert_eq!(words[1], bytes.as_ptr() as Word);
    // As the caller receives it: the kernel copied 60 (the rest of its window unmapped).
    assert_eq!(read_direct_reply(&[words[0], 0, 60]), Ok((100, 60, Readiness::READABLE)));
    // A count above what the server read is not believed.
    assert_eq!(read_direct_reply(&[words[0], 0, 1 << 40]), Ok((100, 100, Readiness::READABLE)));
    assert_eq!(read_direct_reply(&[words[0], 0]), Err(Errno::EIO));
    let too_long = FileRequest::decode(17, &[0x1000, FILE_BUFFER as Word + 1]);
    assert_eq!(too_long, Err(Errno::EINVAL));
}

#[test]
fn spans_stay_inside_their_buffer() {
    let buffer = [1u8, 2, 3, 4];
    assert_eq!(Span::new(1, 2).of(&buffer), Ok(&buffer[1..3]));
    assert_eq!(Span::new(4, 0).of(&buffer), Ok(&buffer[4..]));
    assert_eq!(Span::new(3, 2).of(&buffer), Err(Errno::EFAULT));
    assert_eq!(Span::new(u64::MAX, 2).of(&buffer), Err(Errno::EFAULT));
    assert_eq!(Span::new(2, u64::MAX).of(&buffer), Err(Errno::EFAULT));
}

#[test]
fn generations_never_share_a_badge() {
    let ranges: Vec<(Word, Word)> = (0..=MAX_GENERATION).map(badge_range).collect();
    for (i, &(first, last)) in ranges.iter().enumerate() {
        assert!(first > CONTROL_BADGE && first < last && last <= MAX_BADGE, "generation {i}: {first:#x}..{last:#x}");
        assert_eq!(last & NOTIFIED_BADGE, 0);
        if let Some(&(next, _)) = ranges.get(i + 1) {
            assert!(last < next, "generation {i} runs into the next");
        }
    }
    // (Past the last, a server keeps the last range: the root server stops restarting.)
    assert_eq!(badge_range(MAX_GENERATION + 1), badge_range(MAX_GENERATION));
}

proptest! {
    #[test]
    fn link_records_round_trip(path in 0usize..2, component in 0usize..300, target in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let mut buffer = [0xaau8; PATH_BUFFER];
        let met = LinkMet { path, component, target: &target };
        met.write(&mut buffer).unwrap();
        prop_assert_eq!(LinkMet::read(&buffer), Ok(met));
    }

    #[test]
    fn a_link_record_is_read_inside_its_buffer(bytes in proptest::collection::vec(prop_oneof![0u8..4, any::<u8>()], 0..64)) {
        // A server's record is checked like any input: it never reaches past the buffer.
        if let Ok(met) = LinkMet::read(&bytes) {
            prop_assert!(24 + met.target.len() <= bytes.len());
        }
    }
}

#[test]
fn a_link_record_longer_than_its_buffer_is_refused() {
    let mut buffer = [0u8; 64];
    assert_eq!(LinkMet { path: 0, component: 1, target: &[b'x'; 41] }.write(&mut buffer), Err(Errno::ENAMETOOLONG));
    LinkMet { path: 0, component: 1, target: &[b'x'; 40] }.write(&mut buffer).unwrap();
    buffer[16] = 41; // the length, now one past the end
    assert_eq!(LinkMet::read(&buffer), Err(Errno::EIO));
    buffer[16..24].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(LinkMet::read(&buffer), Err(Errno::EIO));
}

#[test]
fn pipe_capacities_round_as_linux() {
    assert_eq!(pipe_capacity(0), Ok(4096));
    assert_eq!(pipe_capacity(1), Ok(4096));
    assert_eq!(pipe_capacity(4097), Ok(8192));
    assert_eq!(pipe_capacity(65536), Ok(65536));
    assert_eq!(pipe_capacity(PIPE_MAX_CAPACITY as u64), Ok(PIPE_MAX_CAPACITY));
    assert_eq!(pipe_capacity(PIPE_MAX_CAPACITY as u64 + 1), Err(Errno::EPERM));
    assert_eq!(pipe_capacity(-1i32 as u32 as u64), Err(Errno::EINVAL));
}
