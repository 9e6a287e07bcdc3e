//! `echo [-n] WORDS...`: the words, separated by spaces, and a newline (not with -n).
#![no_std]
#![no_main]

coreutils::main!(main);

fn main() -> i32 {
    let mut args = uxrt::env::args().skip(1).peekable();
    let newline = args.next_if_eq(&"-n").is_none();
    let mut out = coreutils::Output::default();
    for (i, word) in args.enumerate() {
        if i > 0 {
            out.bytes(b" ");
        }
        out.bytes(word.as_bytes());
    }
    if newline {
        out.bytes(b"\n");
    }
    out.flush();
    out.failed() as i32
}
