//! `ln -s TARGET NAME`: makes a symbolic link `NAME` to `TARGET` (ramfs keeps no hard
//! links, so `-s` is required).
#![no_std]
#![no_main]

use uxrt::fs;

coreutils::main!(main);

fn main() -> i32 {
    const USAGE: &str = "ln -s TARGET NAME";
    let Some((flags, operands)) = coreutils::arguments("s", USAGE, true) else { return 2 };
    let [target, name] = operands[..] else {
        uxrt::eprintln!("usage: {USAGE}");
        return 2;
    };
    if !flags.contains(&'s') {
        uxrt::eprintln!("ln: hard links are not supported; use -s");
        return 1;
    }
    match fs::symlink(target, name) {
        Ok(()) => 0,
        Err(errno) => {
            coreutils::complain(name, errno);
            1
        }
    }
}
