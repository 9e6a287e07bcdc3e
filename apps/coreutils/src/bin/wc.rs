//! `wc [-l] [-w] [-c] [FILE...]`: lines, words and bytes of each file (standard input
//! when none), and their total when there are several. With one count asked for one
//! input, just the number.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use coreutils::Output;

coreutils::main!(main);

#[derive(Default, Clone, Copy)]
struct Counts {
    lines: u64,
    words: u64,
    bytes: u64,
    /// The last byte seen was part of a word.
    in_word: bool,
}

impl Counts {
    fn feed(&mut self, bytes: &[u8]) {
        self.bytes += bytes.len() as u64;
        for &byte in bytes {
            if byte == b'\n' {
                self.lines += 1;
            }
            let blank = byte.is_ascii_whitespace();
            if !blank && !self.in_word {
                self.words += 1;
            }
            self.in_word = !blank;
        }
    }

    fn add(&mut self, other: &Counts) {
        self.lines += other.lines;
        self.words += other.words;
        self.bytes += other.bytes;
    }
}

fn main() -> i32 {
    let Some((mut flags, mut files)) = coreutils::arguments("lwc", "wc [-l] [-w] [-c] [FILE...]", false) else {
        return 2;
    };
    if flags.is_empty() {
        flags = Vec::from(['l', 'w', 'c']);
    }
    let named = !files.is_empty();
    if !named {
        files.push("-");
    }
    let mut out = Output::default();
    let mut total = Counts::default();
    let mut status = 0;
    let plain = flags.len() == 1 && files.len() == 1;
    for file in &files {
        let mut counts = Counts::default();
        if let Err(errno) = coreutils::read_chunks(file, |bytes| counts.feed(bytes)) {
            coreutils::complain(file, errno);
            status = 1;
            continue;
        }
        total.add(&counts);
        show(&mut out, &flags, &counts, named.then_some(*file), plain);
    }
    if files.len() > 1 {
        show(&mut out, &flags, &total, Some("total"), false);
    }
    status
}

fn show(out: &mut Output, flags: &[char], counts: &Counts, name: Option<&str>, plain: bool) {
    for (i, flag) in ['l', 'w', 'c'].iter().filter(|f| flags.contains(f)).enumerate() {
        let value = match flag {
            'l' => counts.lines,
            'w' => counts.words,
            _ => counts.bytes,
        };
        let gap = if i > 0 { " " } else { "" };
        if plain {
            out.text(format_args!("{gap}{value}"));
        } else {
            out.text(format_args!("{gap}{value:>7}"));
        }
    }
    match name {
        Some(name) => out.text(format_args!(" {name}\n")),
        None => out.bytes(b"\n"),
    }
}
