//! `ls [-l] [PATH...]`: the names in each directory (the current one when none is
//! given), sorted; a file's own name. `-l` adds each entry's kind and size.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use coreutils::Output;
use uxrt::fs;
use uxrt::protocols::file::{FileKind, FileStat};

coreutils::main!(main);

fn main() -> i32 {
    let Some((flags, mut paths)) = coreutils::arguments("l", "ls [-l] [PATH...]", false) else { return 2 };
    let long = flags.contains(&'l');
    if paths.is_empty() {
        paths.push(".");
    }
    let several = paths.len() > 1;
    let mut out = Output::default();
    let mut status = 0;
    for (i, path) in paths.iter().enumerate() {
        let stat = match fs::stat(path) {
            Ok(stat) => stat,
            Err(errno) => {
                coreutils::complain(path, errno);
                status = 1;
                continue;
            }
        };
        if stat.kind != FileKind::Directory {
            entry(&mut out, path, &stat, long);
            continue;
        }
        if several {
            out.text(format_args!("{}{path}:\n", if i > 0 { "\n" } else { "" }));
        }
        match fs::list_dir(path) {
            Ok(mut names) => {
                names.sort();
                for name in names {
                    let full = if path.ends_with('/') { format!("{path}{name}") } else { format!("{path}/{name}") };
                    match fs::stat(&full) {
                        Ok(stat) => entry(&mut out, &name, &stat, long),
                        Err(_) if !long => out.text(format_args!("{name}\n")),
                        Err(errno) => coreutils::complain(&full, errno),
                    }
                }
            }
            Err(errno) => {
                coreutils::complain(path, errno);
                status = 1;
            }
        }
    }
    status
}

fn entry(out: &mut Output, name: &str, stat: &FileStat, long: bool) {
    if !long {
        out.text(format_args!("{name}\n"));
        return;
    }
    let kind = match stat.kind {
        FileKind::Regular => '-',
        FileKind::Directory => 'd',
        FileKind::CharacterDevice => 'c',
        FileKind::Pipe => 'p',
    };
    let name: String = if stat.kind == FileKind::Directory { format!("{name}/") } else { name.into() };
    out.text(format_args!("{kind} {:>8} {name}\n", stat.size));
}
