//! `cat [FILE...]`: the files one after another (standard input when none, or for `-`).
#![no_std]
#![no_main]

coreutils::main!(main);

fn main() -> i32 {
    let mut files: alloc::vec::Vec<&str> = uxrt::env::args().skip(1).collect();
    if files.is_empty() {
        files.push("-");
    }
    let mut status = 0;
    for file in files {
        let copied = coreutils::read_chunks(file, |bytes| {
            if coreutils::write_all(uxrt::fs::STDOUT, bytes).is_err() {
                uxrt::process::exit(1);
            }
        });
        if let Err(errno) = copied {
            coreutils::complain(file, errno);
            status = 1;
        }
    }
    status
}

extern crate alloc;
