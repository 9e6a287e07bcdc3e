//! `rm [-r] [-f] PATH...`: removes files (`-r`: directories with what they hold; `-f`:
//! no error for what does not exist).
#![no_std]
#![no_main]

extern crate alloc;

use uxrt::protocols::file::FileKind;
use uxrt::{fs, Errno};

coreutils::main!(main);

fn main() -> i32 {
    let Some((flags, paths)) = coreutils::arguments("rf", "rm [-r] [-f] PATH...", true) else { return 2 };
    let (recursive, force) = (flags.contains(&'r'), flags.contains(&'f'));
    let mut status = 0;
    for path in paths {
        match remove(path, recursive) {
            Ok(()) => {}
            Err(Errno::ENOENT) if force => {}
            Err(errno) => {
                coreutils::complain(path, errno);
                status = 1;
            }
        }
    }
    status
}

fn remove(path: &str, recursive: bool) -> Result<(), Errno> {
    if fs::stat(path)?.kind != FileKind::Directory {
        return fs::unlink(path);
    }
    if !recursive {
        return Err(Errno::EISDIR);
    }
    for name in fs::list_dir(path)? {
        remove(&alloc::format!("{}/{name}", path.trim_end_matches('/')), true)?;
    }
    fs::rmdir(path)
}
