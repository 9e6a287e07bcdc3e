//! What the small tools share: writing whole buffers, reading files or standard input,
//! reporting errors the Unix way (`NAME: what: why`, status 1).
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use uxrt::fs::{self, Fd};
use uxrt::{Errno, Signal};

/// Declares a tool's main function (a `#![no_std] #![no_main]` binary of this crate).
pub use uxrt::main;

/// Writes all of `bytes` to `fd` (a pipe or the console may take them in parts).
pub fn write_all(fd: Fd, mut bytes: &[u8]) -> Result<(), Errno> {
    while !bytes.is_empty() {
        match fs::write(fd, bytes)? {
            0 => return Err(Errno::EIO),
            n => bytes = &bytes[n..],
        }
    }
    Ok(())
}

/// Output to standard output, gathered and written in large pieces.
pub struct Output {
    buffer: Vec<u8>,
    failed: bool,
}

const OUTPUT_CHUNK: usize = 16 * 1024;

impl Default for Output {
    fn default() -> Self {
        Output { buffer: Vec::with_capacity(OUTPUT_CHUNK), failed: false }
    }
}

impl Output {
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= OUTPUT_CHUNK {
            self.flush();
        }
    }

    pub fn text(&mut self, args: core::fmt::Arguments) {
        use core::fmt::Write;
        let _ = Writer(self).write_fmt(args);
    }

    pub fn flush(&mut self) {
        if !self.failed && write_all(fs::STDOUT, &self.buffer).is_err() {
            // A reader that went (EPIPE): nothing more is written.
            self.failed = true;
        }
        self.buffer.clear();
    }

    /// Whether a write failed.
    pub fn failed(&self) -> bool {
        self.failed
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.flush();
    }
}

struct Writer<'a>(&'a mut Output);

impl core::fmt::Write for Writer<'_> {
    fn write_str(&mut self, text: &str) -> core::fmt::Result {
        self.0.bytes(text.as_bytes());
        Ok(())
    }
}

/// Calls `each` with the successive pieces of a file (`-` is standard input).
pub fn read_chunks(path: &str, mut each: impl FnMut(&[u8])) -> Result<(), Errno> {
    let (fd, opened) = if path == "-" { (fs::STDIN, false) } else { (fs::open(path, 0, 0)?, true) };
    let mut buffer = alloc::vec![0; 64 * 1024];
    let result = loop {
        match fs::read(fd, &mut buffer) {
            Ok(0) => break Ok(()),
            Ok(n) => each(&buffer[..n]),
            Err(errno) => break Err(errno),
        }
    };
    if opened {
        let _ = fs::close(fd);
    }
    result
}

/// Says what went wrong with `what`, as `TOOL: what: reason`.
pub fn complain(what: &str, errno: Errno) {
    uxrt::eprintln!("{}: {what}: {errno}", uxrt::env::program_name());
}

/// Options first (`-abc` and `-a -b`), up to `--` or the first operand: the option
/// letters given and the operands.
pub fn options<'a>(args: impl Iterator<Item = &'a str>, known: &str) -> Result<(Vec<char>, Vec<&'a str>), char> {
    let mut flags = Vec::new();
    let mut operands = Vec::new();
    let mut in_options = true;
    for arg in args {
        if in_options && arg == "--" {
            in_options = false;
        } else if in_options && arg.len() > 1 && arg.starts_with('-') {
            for flag in arg[1..].chars() {
                if !known.contains(flag) {
                    return Err(flag);
                }
                flags.push(flag);
            }
        } else {
            in_options = false;
            operands.push(arg);
        }
    }
    Ok((flags, operands))
}

/// The program's options and operands; `None` after printing `usage` for an unknown
/// option, or for no operand when one is `required`.
pub fn arguments(known: &str, usage: &str, required: bool) -> Option<(Vec<char>, Vec<&'static str>)> {
    match options(uxrt::env::args().skip(1), known) {
        Ok((flags, operands)) if !required || !operands.is_empty() => Some((flags, operands)),
        Ok(_) => {
            uxrt::eprintln!("usage: {usage}");
            None
        }
        Err(flag) => {
            uxrt::eprintln!("{}: unknown option -{flag}\nusage: {usage}", uxrt::env::program_name());
            None
        }
    }
}

/// A signal by name (`TERM`, `SIGTERM`) or number.
pub fn signal_named(text: &str) -> Option<Signal> {
    if let Ok(number) = text.parse::<u64>() {
        return Signal::new(number);
    }
    let name = text.strip_prefix("SIG").unwrap_or(text);
    (1..=Signal::MAX).map(Signal).find(|s| s.name().and_then(|n| n.strip_prefix("SIG")) == Some(name))
}
