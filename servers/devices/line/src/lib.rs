//! The console's line discipline, as a Unix terminal's canonical mode does it: bytes
//! typed are edited into lines (erase, kill line, erase word), echoed, and handed to
//! readers a line at a time; `^D` ends the input (end of file on an empty line), `^C`
//! throws the line away and interrupts. Pure logic: the devices server feeds it the
//! UART's bytes and writes out what it says to echo.
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// Longest line kept (POSIX `MAX_CANON` is at least 255); what is typed beyond it is
/// refused with a bell.
pub const LINE_MAX: usize = 4096;

const INTERRUPT: u8 = 0x03; // ^C
const QUIT: u8 = 0x1c; // ^\
const SUSPEND: u8 = 0x1a; // ^Z
const END_OF_FILE: u8 = 0x04; // ^D
const BELL: u8 = 0x07;
const BACKSPACE: u8 = 0x08;
const KILL_LINE: u8 = 0x15; // ^U
const ERASE_WORD: u8 = 0x17; // ^W
const ESCAPE: u8 = 0x1b;
const DELETE: u8 = 0x7f;

/// Input ready for readers, in order.
#[derive(Debug, PartialEq, Eq)]
enum Chunk {
    /// (The rest of) a finished line, with its newline (none after a `^D`).
    Bytes(VecDeque<u8>),
    /// `^D` on an empty line: one read returns 0.
    EndOfFile,
}

/// Where a terminal escape sequence (an arrow key: `ESC [ A`) is: it is swallowed whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Escape {
    None,
    /// After `ESC`.
    Started,
    /// Inside `ESC [ ...`, until its final byte.
    Sequence,
}

/// What feeding a byte asks the console to do besides echoing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    None,
    /// Input became readable (a line ended, or end of file).
    Readable,
    /// `^C`: the line was thrown away; interrupt the foreground program.
    Interrupt,
    /// `^\`: the line was thrown away; quit the foreground program (SIGQUIT).
    Quit,
    /// `^Z`: the line was thrown away; stop the foreground program (SIGTSTP).
    Suspend,
}

#[derive(Debug)]
pub struct LineDiscipline {
    line: Vec<u8>,
    ready: VecDeque<Chunk>,
    escape: Escape,
    /// Raw mode (a line editor's): every byte readable at once, nothing echoed or
    /// signalled.
    raw: bool,
}

impl Default for LineDiscipline {
    fn default() -> Self {
        LineDiscipline { line: Vec::new(), ready: VecDeque::new(), escape: Escape::None, raw: false }
    }
}

impl LineDiscipline {
    /// Takes one typed byte; appends what to echo to `echo` (a newline is `\n`, which
    /// the console turns into `\r\n`).
    pub fn feed(&mut self, byte: u8, echo: &mut Vec<u8>) -> Action {
        if self.raw {
            self.push_ready(byte);
            return Action::Readable;
        }
        match self.escape {
            Escape::Started => {
                self.escape = if byte == b'[' { Escape::Sequence } else { Escape::None };
                return Action::None;
            }
            Escape::Sequence => {
                if (0x40..=0x7e).contains(&byte) {
                    self.escape = Escape::None;
                }
                return Action::None;
            }
            Escape::None => {}
        }
        match byte {
            b'\r' | b'\n' => {
                echo.push(b'\n');
                self.line.push(b'\n');
                self.finish_line();
                Action::Readable
            }
            BACKSPACE | DELETE => {
                self.erase_char(echo);
                Action::None
            }
            KILL_LINE => {
                while !self.line.is_empty() {
                    self.erase_char(echo);
                }
                Action::None
            }
            ERASE_WORD => {
                while self.line.last() == Some(&b' ') {
                    self.erase_char(echo);
                }
                while self.line.last().is_some_and(|&b| b != b' ') {
                    self.erase_char(echo);
                }
                Action::None
            }
            END_OF_FILE => {
                if self.line.is_empty() {
                    self.ready.push_back(Chunk::EndOfFile);
                } else {
                    self.finish_line();
                }
                Action::Readable
            }
            INTERRUPT => {
                self.line.clear();
                echo.extend_from_slice(b"^C\n");
                Action::Interrupt
            }
            QUIT => {
                self.line.clear();
                echo.extend_from_slice(b"^\\\n");
                Action::Quit
            }
            SUSPEND => {
                self.line.clear();
                echo.extend_from_slice(b"^Z\n");
                Action::Suspend
            }
            ESCAPE => {
                self.escape = Escape::Started;
                Action::None
            }
            b'\t' | 0x20..=0x7e | 0x80.. => {
                if self.line.len() < LINE_MAX - 1 {
                    self.line.push(byte);
                    echo.push(byte);
                } else {
                    echo.push(BELL);
                }
                Action::None
            }
            _ => Action::None, // other control characters do nothing
        }
    }

    fn finish_line(&mut self) {
        let line = core::mem::take(&mut self.line);
        self.ready.push_back(Chunk::Bytes(line.into()));
    }

    /// Erases the last character typed (all the bytes of a UTF-8 one).
    fn erase_char(&mut self, echo: &mut Vec<u8>) {
        while let Some(byte) = self.line.pop() {
            // A continuation byte (10xxxxxx) is not where a character starts.
            if byte & 0xc0 != 0x80 {
                echo.extend_from_slice(b"\x08 \x08");
                return;
            }
        }
    }

    /// Raw mode on or off. Turning it on hands over the line being typed, as typed.
    pub fn set_raw(&mut self, raw: bool) {
        if raw && !self.raw {
            for byte in core::mem::take(&mut self.line) {
                self.push_ready(byte);
            }
        }
        self.raw = raw;
        self.escape = Escape::None;
    }

    fn push_ready(&mut self, byte: u8) {
        match self.ready.back_mut() {
            Some(Chunk::Bytes(bytes)) => bytes.push_back(byte),
            _ => self.ready.push_back(Chunk::Bytes(VecDeque::from([byte]))),
        }
    }

    /// Whether a read would return now.
    pub fn readable(&self) -> bool {
        !self.ready.is_empty()
    }

    /// A read of at most `into.len()` bytes, as canonical mode answers it: bytes of one
    /// line at most, or 0 once for an end of file. `None` when nothing is ready (the
    /// reader waits).
    pub fn read(&mut self, into: &mut [u8]) -> Option<usize> {
        match self.ready.front_mut()? {
            Chunk::EndOfFile => {
                self.ready.pop_front();
                Some(0)
            }
            Chunk::Bytes(bytes) => {
                let n = into.len().min(bytes.len());
                for (slot, byte) in into.iter_mut().zip(bytes.drain(..n)) {
                    *slot = byte;
                }
                if bytes.is_empty() {
                    self.ready.pop_front();
                }
                Some(n)
            }
        }
    }

    /// The line being typed (not yet readable).
    pub fn editing(&self) -> &[u8] {
        &self.line
    }
}

#[cfg(test)]
mod tests;
