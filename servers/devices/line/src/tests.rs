use super::*;
use proptest::prelude::*;
use std::string::String;
use std::vec;

/// Types `keys`; returns the echo.
fn typed(discipline: &mut LineDiscipline, keys: &[u8]) -> Vec<u8> {
    let mut echo = Vec::new();
    for &key in keys {
        discipline.feed(key, &mut echo);
    }
    echo
}

fn read_all(discipline: &mut LineDiscipline, size: usize) -> Vec<Option<usize>> {
    let mut results = Vec::new();
    let mut buffer = vec![0; size];
    while let Some(n) = discipline.read(&mut buffer) {
        results.push(Some(n));
    }
    results
}

fn read_line(discipline: &mut LineDiscipline) -> Option<String> {
    let mut buffer = [0; LINE_MAX];
    discipline.read(&mut buffer).map(|n| String::from_utf8_lossy(&buffer[..n]).into_owned())
}

#[test]
fn a_line_is_readable_only_once_ended() {
    let mut d = LineDiscipline::default();
    assert_eq!(typed(&mut d, b"ls /"), b"ls /");
    assert!(!d.readable());
    assert_eq!(read_line(&mut d), None);
    let mut echo = Vec::new();
    assert_eq!(d.feed(b'\r', &mut echo), Action::Readable);
    assert_eq!(echo, b"\n");
    assert_eq!(read_line(&mut d).as_deref(), Some("ls /\n"));
    assert_eq!(read_line(&mut d), None);
}

#[test]
fn erase_kill_and_word_erase_edit_the_line() {
    let mut d = LineDiscipline::default();
    let echo = typed(&mut d, b"cat\x7fx\x08t  file\x17\x17ab\x15echo hi\n");
    assert_eq!(read_line(&mut d).as_deref(), Some("echo hi\n"));
    assert!(echo.starts_with(b"cat\x08 \x08x\x08 \x08t"));
    // Erasing an empty line echoes nothing.
    assert_eq!(typed(&mut d, b"\x7f\x7f\x15"), b"");
}

#[test]
fn erase_takes_a_whole_utf8_character() {
    let mut d = LineDiscipline::default();
    let echo = typed(&mut d, "aé\x7f\n".as_bytes());
    assert_eq!(read_line(&mut d).as_deref(), Some("a\n"));
    assert!(echo.ends_with(b"\x08 \x08\n"));
}

#[test]
fn end_of_file_on_an_empty_line_reads_zero_once() {
    let mut d = LineDiscipline::default();
    typed(&mut d, b"\x04");
    assert!(d.readable());
    assert_eq!(read_line(&mut d).as_deref(), Some(""));
    assert_eq!(read_line(&mut d), None, "the end of file is read once");
    // On a non-empty line it hands the line over without a newline.
    typed(&mut d, b"abc\x04");
    assert_eq!(read_line(&mut d).as_deref(), Some("abc"));
}

#[test]
fn interrupt_throws_the_line_away() {
    let mut d = LineDiscipline::default();
    let mut echo = Vec::new();
    typed(&mut d, b"sleep 100");
    assert_eq!(d.feed(0x03, &mut echo), Action::Interrupt);
    assert_eq!(echo, b"^C\n");
    assert!(!d.readable());
    assert!(d.editing().is_empty());
}

#[test]
fn quit_throws_the_line_away() {
    let mut d = LineDiscipline::default();
    let mut echo = Vec::new();
    typed(&mut d, b"sleep 100");
    assert_eq!(d.feed(0x1c, &mut echo), Action::Quit);
    assert_eq!(echo, b"^\\\n");
    assert!(!d.readable());
    assert!(d.editing().is_empty());
}

#[test]
fn suspend_throws_the_line_away() {
    let mut d = LineDiscipline::default();
    let mut echo = Vec::new();
    typed(&mut d, b"sleep 100");
    assert_eq!(d.feed(0x1a, &mut echo), Action::Suspend);
    assert_eq!(echo, b"^Z\n");
    assert!(!d.readable());
    assert!(d.editing().is_empty());
}

#[test]
fn escape_sequences_are_swallowed() {
    let mut d = LineDiscipline::default();
    let echo = typed(&mut d, b"a\x1b[A\x1b[1;5Cb\x1bOc\n");
    // ESC O is not a CSI: only the O goes; the c stays.
    assert_eq!(read_line(&mut d).as_deref(), Some("abc\n"));
    assert_eq!(echo, b"abc\n");
}

#[test]
fn reads_smaller_than_a_line_take_it_in_pieces() {
    let mut d = LineDiscipline::default();
    typed(&mut d, b"hello\nworld\n");
    let mut small = [0; 4];
    assert_eq!(d.read(&mut small), Some(4));
    assert_eq!(&small, b"hell");
    assert_eq!(d.read(&mut small), Some(2), "a read never crosses a line");
    assert_eq!(&small[..2], b"o\n");
    assert_eq!(read_line(&mut d).as_deref(), Some("world\n"));
}

#[test]
fn an_overlong_line_rings_the_bell() {
    let mut d = LineDiscipline::default();
    let echo = typed(&mut d, &vec![b'x'; LINE_MAX + 10]);
    assert_eq!(d.editing().len(), LINE_MAX - 1);
    assert_eq!(echo.iter().filter(|&&b| b == BELL).count(), 11);
}

proptest! {
    /// Whatever is typed, what readers get is exactly the lines the model of plain
    /// typing (no editing keys) says, and the echo of plain text is the text.
    #[test]
    fn plain_text_reads_back_as_typed(lines in proptest::collection::vec("[ -~]{0,80}", 0..20), size in 1usize..100) {
        let mut d = LineDiscipline::default();
        let mut text = String::new();
        for line in &lines {
            text.push_str(line);
            text.push('\n');
        }
        let echo = typed(&mut d, text.as_bytes());
        prop_assert_eq!(&echo, text.as_bytes());
        let mut got = Vec::new();
        let mut buffer = vec![0; size];
        while let Some(n) = d.read(&mut buffer) {
            prop_assert!(n > 0 && n <= size);
            got.extend_from_slice(&buffer[..n]);
        }
        prop_assert_eq!(got, text.into_bytes());
    }

    /// Arbitrary bytes never break it: reads end, and never return more than asked.
    #[test]
    fn arbitrary_input_is_safe(keys in proptest::collection::vec(any::<u8>(), 0..2000), size in 1usize..64) {
        let mut d = LineDiscipline::default();
        typed(&mut d, &keys);
        prop_assert!(d.editing().len() < LINE_MAX);
        let results = read_all(&mut d, size);
        prop_assert!(results.iter().all(|r| r.is_some_and(|n| n <= size)));
    }
}

#[test]
fn raw_mode_hands_over_every_byte_unechoed() {
    let mut d = LineDiscipline::default();
    let mut echo = Vec::new();
    typed(&mut d, b"par");
    d.set_raw(true);
    for &byte in b"t\x1b[A\x03\x7f" {
        assert_eq!(d.feed(byte, &mut echo), Action::Readable);
    }
    assert!(echo.is_empty(), "{echo:?}");
    let mut out = [0; 16];
    let n = d.read(&mut out).unwrap();
    assert_eq!(&out[..n], b"part\x1b[A\x03\x7f");
    d.set_raw(false);
    typed(&mut d, b"x\n");
    assert_eq!(d.read(&mut out), Some(2));
    assert_eq!(&out[..2], b"x\n");
}
