//! `ls [-l] [PATH...]`: the names in each directory (the current one when none is
//! given), sorted; a file's own name. `-l` adds each entry's kind and size, and a
//! symbolic link's target.
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
            entry(&mut out, path, path, &fs::lstat(path).unwrap_or(stat), long);
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
                    match fs::lstat(&full) {
                        Ok(stat) => entry(&mut out, &name, &full, &stat, long),
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

/// One line: `name`, of the file at `path`.
fn entry(out: &mut Output, name: &str, path: &str, stat: &FileStat, long: bool) {
    if !long {
        out.text(format_args!("{name}\n"));
        return;
    }
    let kind = match stat.kind {
        FileKind::Regular => '-',
        FileKind::Directory => 'd',
        FileKind::CharacterDevice => 'c',
        FileKind::Pipe => 'p',
        FileKind::Symlink => 'l',
    };
    let name: String = match stat.kind {
        FileKind::Directory => format!("{name}/"),
        FileKind::Symlink => {
            let mut target = [0; 4096];
            let length = fs::readlink(path, &mut target).unwrap_or(0);
            format!("{name} -> {}", String::from_utf8_lossy(&target[..length]))
        }
        _ => name.into(),
    };
    out.text(format_args!("{kind} {:>8} {name}\n", stat.size));
}
