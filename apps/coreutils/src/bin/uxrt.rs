//! `uxrt COMMAND`: runs a command of the root server's monitor (`uxrt help` lists them:
//! `info`, `test [NAME]`, `bench`, ...). The root server prints on the console itself.
#![no_std]
#![no_main]

extern crate alloc;

coreutils::main!(main);

fn main() -> i32 {
    let words: alloc::vec::Vec<&str> = uxrt::env::args().skip(1).collect();
    match uxrt::process::monitor(&words.join(" ")) {
        Ok(status) => status as i32,
        Err(errno) => {
            coreutils::complain("monitor", errno);
            1
        }
    }
}
