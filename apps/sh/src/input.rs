//! Lines from an fd: buffered, so a script or a pipe costs one read per buffer, while
//! the console (which answers a line per read) costs one per line.

use alloc::string::String;
use alloc::vec::Vec;
use uxrt::fs::{self, Fd};

const CHUNK: usize = 1024;

pub struct LineReader {
    fd: Fd,
    pending: Vec<u8>,
    ended: bool,
}

impl LineReader {
    pub fn new(fd: Fd) -> LineReader {
        LineReader { fd, pending: Vec::new(), ended: false }
    }

    /// The next line without its newline; the last one may lack it. `None` at the end
    /// (or on a read error, which is reported).
    pub fn next_line(&mut self) -> Option<String> {
        loop {
            if let Some(at) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=at).collect();
                return Some(String::from_utf8_lossy(&line[..at]).into_owned());
            }
            if self.ended {
                if self.pending.is_empty() {
                    return None;
                }
                let line = core::mem::take(&mut self.pending);
                return Some(String::from_utf8_lossy(&line).into_owned());
            }
            let mut chunk = [0; CHUNK];
            match fs::read(self.fd, &mut chunk) {
                Ok(0) => self.ended = true,
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                Err(errno) => {
                    uxrt::eprintln!("sh: read: {errno}");
                    self.ended = true;
                }
            }
        }
    }
}
