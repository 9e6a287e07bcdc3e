//! The interactive shell's line editor, as pure logic: it takes the bytes typed (the
//! console in raw mode) and says what to write back to the terminal (VT100 escapes).
//! Keys: printable characters insert at the cursor; Backspace; Left/Right (and `^B`,
//! `^F`), Home/End (and `^A`, `^E`); Up/Down walk the history; `^U` and `^K` kill before
//! and after the cursor, `^W` the word before it; Tab asks the shell for completions;
//! Enter ends the line, `^C` drops it, `^D` on an empty line ends the input.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

/// What a byte typed came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// Nothing to do but write what the editor said.
    None,
    /// Enter: the line.
    Line(String),
    /// `^C`: the line is dropped (a new prompt follows).
    Cancelled,
    /// `^D` on an empty line.
    EndOfInput,
    /// Tab: the shell completes the word before the cursor ([`Editor::word_before_cursor`],
    /// then [`Editor::complete`]).
    Complete,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Escape {
    None,
    Started,
    /// Inside `ESC [`, with the digits so far.
    Sequence(u32),
}

#[derive(Default)]
pub struct Editor {
    line: Vec<char>,
    cursor: usize,
    history: Vec<String>,
    /// Where Up/Down are in the history, and the line being typed before it started.
    browsing: Option<usize>,
    typed: Vec<char>,
    escape: Option<Escape>,
    /// A UTF-8 character's bytes so far.
    pending: Vec<u8>,
}

const MAX_HISTORY: usize = 500;

impl Editor {
    /// Takes one byte typed; appends to `out` what the terminal must show.
    pub fn feed(&mut self, byte: u8, out: &mut String) -> Event {
        match self.escape.unwrap_or(Escape::None) {
            Escape::Started => {
                self.escape = (byte == b'[' || byte == b'O').then_some(Escape::Sequence(0));
                return Event::None;
            }
            Escape::Sequence(number) => {
                if byte.is_ascii_digit() {
                    self.escape = Some(Escape::Sequence(number * 10 + (byte - b'0') as u32));
                    return Event::None;
                }
                self.escape = None;
                match (byte, number) {
                    (b'A', _) => self.history_step(true, out),
                    (b'B', _) => self.history_step(false, out),
                    (b'C', _) => self.move_to(self.cursor + 1, out),
                    (b'D', _) => self.move_to(self.cursor.saturating_sub(1), out),
                    (b'H', _) | (b'~', 1 | 7) => self.move_to(0, out),
                    (b'F', _) | (b'~', 4 | 8) => self.move_to(self.line.len(), out),
                    (b'~', 3) => self.delete_at_cursor(out),
                    _ => {}
                }
                return Event::None;
            }
            Escape::None => {}
        }
        match byte {
            0x1b => self.escape = Some(Escape::Started),
            b'\r' | b'\n' => {
                self.move_to(self.line.len(), out);
                out.push('\n');
                let line: String = core::mem::take(&mut self.line).into_iter().collect();
                self.cursor = 0;
                self.browsing = None;
                if !line.trim().is_empty() && self.history.last() != Some(&line) {
                    if self.history.len() == MAX_HISTORY {
                        self.history.remove(0);
                    }
                    self.history.push(line.clone());
                }
                return Event::Line(line);
            }
            0x03 => {
                out.push_str("^C\n");
                self.line.clear();
                self.cursor = 0;
                self.browsing = None;
                return Event::Cancelled;
            }
            0x04 if self.line.is_empty() => return Event::EndOfInput,
            0x04 => self.delete_at_cursor(out),
            0x7f | 0x08 => {
                if self.cursor > 0 {
                    self.move_to(self.cursor - 1, out);
                    self.delete_at_cursor(out);
                }
            }
            0x01 => self.move_to(0, out),
            0x05 => self.move_to(self.line.len(), out),
            0x02 => self.move_to(self.cursor.saturating_sub(1), out),
            0x06 => self.move_to(self.cursor + 1, out),
            0x15 => {
                let end = self.cursor;
                self.remove(0, end, out);
            }
            0x0b => {
                let (start, end) = (self.cursor, self.line.len());
                self.remove(start, end, out);
            }
            0x17 => {
                let mut start = self.cursor;
                while start > 0 && self.line[start - 1] == ' ' {
                    start -= 1;
                }
                while start > 0 && self.line[start - 1] != ' ' {
                    start -= 1;
                }
                let end = self.cursor;
                self.remove(start, end, out);
            }
            b'\t' => return Event::Complete,
            0x20..=0x7e => self.insert(&[byte as char], out),
            0x80.. => {
                self.pending.push(byte);
                if let Ok(text) = core::str::from_utf8(&self.pending) {
                    let chars: Vec<char> = text.chars().collect();
                    self.pending.clear();
                    self.insert(&chars, out);
                } else if self.pending.len() >= 4 {
                    self.pending.clear();
                }
            }
            _ => {}
        }
        Event::None
    }

    /// The line as typed so far.
    pub fn line(&self) -> String {
        self.line.iter().collect()
    }

    /// The word the cursor ends (what Tab completes), and whether it is the command's
    /// name (the first word, or the first after `|`, `;`, `&`, `(`).
    pub fn word_before_cursor(&self) -> (String, bool) {
        let before = &self.line[..self.cursor];
        let start = before.iter().rposition(|&c| c == ' ' || matches!(c, '|' | ';' | '&' | '(')).map_or(0, |i| i + 1);
        let word: String = before[start..].iter().collect();
        let earlier = before[..start].iter().rev().find(|&&c| c != ' ');
        (word, earlier.is_none_or(|&c| matches!(c, '|' | ';' | '&' | '(')))
    }

    /// Completes the word before the cursor with `candidates` (whole words starting
    /// with it): one is inserted (a space after, unless it ends in `/`); several give
    /// their common part, and with nothing to add are listed under the line, which is
    /// then shown again after `prompt`.
    pub fn complete(&mut self, candidates: &[String], prompt: &str, out: &mut String) {
        let (word, _) = self.word_before_cursor();
        let Some(first) = candidates.first() else { return };
        let common = candidates.iter().fold(first.clone(), |common, c| {
            common.chars().zip(c.chars()).take_while(|(a, b)| a == b).map(|(a, _)| a).collect()
        });
        let mut addition: Vec<char> = common.chars().skip(word.chars().count()).collect();
        if candidates.len() == 1 && !common.ends_with('/') {
            addition.push(' ');
        }
        if !addition.is_empty() {
            self.insert(&addition, out);
            return;
        }
        if candidates.len() > 1 {
            out.push('\n');
            out.push_str(&candidates.join("  "));
            out.push('\n');
            out.push_str(prompt);
            out.extend(self.line.iter());
            self.cursor = self.line.len();
        }
    }

    fn insert(&mut self, chars: &[char], out: &mut String) {
        for (i, &c) in chars.iter().enumerate() {
            self.line.insert(self.cursor + i, c);
        }
        self.cursor += chars.len();
        out.extend(chars.iter());
        self.redraw_tail(0, out);
    }

    fn delete_at_cursor(&mut self, out: &mut String) {
        if self.cursor < self.line.len() {
            self.line.remove(self.cursor);
            self.redraw_tail(1, out);
        }
    }

    fn remove(&mut self, start: usize, end: usize, out: &mut String) {
        if start >= end {
            return;
        }
        self.move_to(start, out);
        self.line.drain(start..end);
        self.redraw_tail(end - start, out);
    }

    /// Writes the line after the cursor (and `erased` blanks over what it left), then
    /// goes back to the cursor.
    fn redraw_tail(&self, erased: usize, out: &mut String) {
        let tail = &self.line[self.cursor..];
        out.extend(tail.iter());
        for _ in 0..erased {
            out.push(' ');
        }
        let back = tail.len() + erased;
        if back > 0 {
            let _ = write!(out, "\x1b[{back}D");
        }
    }

    fn move_to(&mut self, to: usize, out: &mut String) {
        let to = to.min(self.line.len());
        if to < self.cursor {
            let _ = write!(out, "\x1b[{}D", self.cursor - to);
        } else if to > self.cursor {
            let _ = write!(out, "\x1b[{}C", to - self.cursor);
        }
        self.cursor = to;
    }

    /// Up (`older`) or Down in the history: the line shown becomes that entry (Down past
    /// the newest gives back what was being typed).
    fn history_step(&mut self, older: bool, out: &mut String) {
        let next = match (self.browsing, older) {
            (None, true) if !self.history.is_empty() => Some(self.history.len() - 1),
            (Some(at), true) => Some(at.saturating_sub(1)),
            (Some(at), false) if at + 1 < self.history.len() => Some(at + 1),
            (Some(_), false) => None,
            (None, _) => return,
        };
        if self.browsing.is_none() {
            self.typed = self.line.clone();
        }
        self.browsing = next;
        let shown: Vec<char> = match next {
            Some(at) => self.history[at].chars().collect(),
            None => core::mem::take(&mut self.typed),
        };
        self.move_to(0, out);
        out.extend(shown.iter());
        out.push_str("\x1b[K");
        self.line = shown;
        self.cursor = self.line.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(editor: &mut Editor, keys: &str) -> (Vec<Event>, String) {
        let mut out = String::new();
        let events = keys.bytes().map(|b| editor.feed(b, &mut out)).filter(|e| *e != Event::None).collect();
        (events, out)
    }

    #[test]
    fn typing_and_editing_in_the_middle() {
        let mut e = Editor::default();
        let (events, out) = typed(&mut e, "echo wrld\x1b[D\x1b[D\x1b[Do\r");
        assert_eq!(events, [Event::Line("echo world".into())]);
        assert!(out.starts_with("echo wrld\x1b[1D\x1b[1D\x1b[1Dorld\x1b[3D"), "{out:?}");
        let (events, _) = typed(&mut e, "abc\x7f\x7fz\x01X\x05!\r");
        assert_eq!(events, [Event::Line("Xaz!".into())]);
        let (events, _) = typed(&mut e, "one two three\x17\x17four\r");
        assert_eq!(events, [Event::Line("one four".into())]);
        let (events, _) = typed(&mut e, "abcdef\x1b[D\x1b[D\x0b\x01\x1b[C\x15\r");
        assert_eq!(events, [Event::Line("bcd".into())]);
    }

    #[test]
    fn history_up_and_down() {
        let mut e = Editor::default();
        typed(&mut e, "first\rsecond\r");
        let (events, out) = typed(&mut e, "par\x1b[A\x1b[A\x1b[B\x1b[B\r");
        assert_eq!(events, [Event::Line("par".into())]);
        assert!(out.contains("second\x1b[K") && out.contains("first\x1b[K"), "{out:?}");
        let (events, _) = typed(&mut e, "\x1b[A\r");
        assert_eq!(events, [Event::Line("par".into())]);
        let (events, _) = typed(&mut e, "\x1b[A\x1b[A\x1b[A\x1b[A\r");
        assert_eq!(events, [Event::Line("first".into())], "the oldest stays");
    }

    #[test]
    fn control_keys() {
        let mut e = Editor::default();
        assert_eq!(typed(&mut e, "half\x03").0, [Event::Cancelled]);
        assert_eq!(e.line(), "");
        assert_eq!(typed(&mut e, "\x04").0, [Event::EndOfInput]);
        assert_eq!(typed(&mut e, "ab\x01\x04\r").0, [Event::Line("b".into())]);
        assert_eq!(typed(&mut e, "x\x1b[3~y\r").0, [Event::Line("xy".into())], "delete at the end: nothing");
        assert_eq!(typed(&mut e, "\u{e9}t\u{e9}\r").0, [Event::Line("\u{e9}t\u{e9}".into())]);
    }

    #[test]
    fn completion() {
        let mut e = Editor::default();
        assert_eq!(typed(&mut e, "ec\t").0, [Event::Complete]);
        assert_eq!(e.word_before_cursor(), ("ec".into(), true));
        let mut out = String::new();
        e.complete(&["echo".into()], "$ ", &mut out);
        assert_eq!(e.line(), "echo ");
        typed(&mut e, "/b");
        assert_eq!(e.word_before_cursor(), ("/b".into(), false));
        e.complete(&["/bin/".into(), "/boot".into()], "$ ", &mut out);
        assert_eq!(e.line(), "echo /b", "common part only: nothing to add");
        out.clear();
        e.complete(&["/bin/".into(), "/boot".into()], "$ ", &mut out);
        assert!(out.contains("/bin/  /boot") && out.ends_with("$ echo /b"), "{out:?}");
        e.complete(&["/bin/".into()], "$ ", &mut out);
        assert_eq!(e.line(), "echo /bin/", "a directory takes no space");
        typed(&mut e, " | gr");
        assert_eq!(e.word_before_cursor(), ("gr".into(), true));
    }
}
