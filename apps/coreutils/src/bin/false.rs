//! `false`: fails.
#![no_std]
#![no_main]

coreutils::main!(main);

fn main() -> i32 {
    1
}
