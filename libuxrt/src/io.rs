//! Formatted output to standard output and standard error. A process without them (one
//! started before the file servers ran) prints through the root server's `DebugWrite`.

use crate::{fs, sys};
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
    fd: fs::Fd,
    buffer: [u8; 256],
    used: usize,
}

impl Console {
    fn flush(&mut self) {
        let bytes = &self.buffer[..self.used];
        // (A panic inside an fd call says why through the root server: the fd table is
        // held, and waiting for it would spin for ever.)
        if !fs::table_in_use() && fs::is_open(self.fd) {
            let _ = fs::write(self.fd, bytes);
        } else {
            let _ = write_console(bytes);
        }
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

/// Writes formatted text to `fd`.
pub fn print_to(fd: fs::Fd, args: fmt::Arguments) {
    let mut console = Console { fd, buffer: [0; 256], used: 0 };
    let _ = console.write_fmt(args);
    console.flush();
}

#[doc(hidden)]
pub fn print(args: fmt::Arguments) {
    print_to(fs::STDOUT, args)
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

#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::io::print_to($crate::fs::STDERR, format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! eprintln {
    ($($arg:tt)*) => { $crate::io::print_to($crate::fs::STDERR, format_args!("{}\n", format_args!($($arg)*))) };
}
