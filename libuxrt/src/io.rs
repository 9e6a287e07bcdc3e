//! Console output. Until the console server and file descriptors exist (the VFS issue),
//! a process prints through the root server's `DebugWrite`.

use crate::sys;
use core::fmt::{self, Write};
use uxrt_protocols::process::{Request, UserBuffer};
use uxrt_protocols::Errno;

/// Writes `bytes` to the console; returns how many were written.
pub fn write_console(bytes: &[u8]) -> Result<usize, Errno> {
    let [written] = sys::call(Request::DebugWrite { text: UserBuffer::of(bytes) }).results()?;
    Ok(written as usize)
}

/// Formats into a stack buffer and writes it in as few calls as it fills.
struct Console {
    buffer: [u8; 256],
    used: usize,
}

impl Console {
    fn flush(&mut self) {
        let _ = write_console(&self.buffer[..self.used]);
        self.used = 0;
    }
}

impl Write for Console {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for chunk in text.as_bytes().chunks(self.buffer.len()) {
            if self.used + chunk.len() > self.buffer.len() {
                self.flush();
            }
            self.buffer[self.used..self.used + chunk.len()].copy_from_slice(chunk);
            self.used += chunk.len();
        }
        Ok(())
    }
}

#[doc(hidden)]
pub fn print(args: fmt::Arguments) {
    let mut console = Console { buffer: [0; 256], used: 0 };
    let _ = console.write_fmt(args);
    console.flush();
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::io::print(format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::io::print(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Standard error is the console too, for now.
#[macro_export]
macro_rules! eprintln {
    ($($arg:tt)*) => { $crate::println!($($arg)*) };
}
