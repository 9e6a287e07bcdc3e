//! `mkdir [-p] DIR...`: makes the directories (`-p`: their parents too, and no error
//! for one that exists).
#![no_std]
#![no_main]

use uxrt::{fs, Errno};

coreutils::main!(main);

fn main() -> i32 {
    let Some((flags, dirs)) = coreutils::arguments("p", "mkdir [-p] DIR...", true) else { return 2 };
    let parents = flags.contains(&'p');
    let mut status = 0;
    for dir in dirs {
        let made = if parents { make_all(dir) } else { fs::mkdir(dir, 0o755) };
        if let Err(errno) = made {
            coreutils::complain(dir, errno);
            status = 1;
        }
    }
    status
}

/// Each directory along `path` that is missing.
fn make_all(path: &str) -> Result<(), Errno> {
    for (at, _) in path.match_indices('/').chain(core::iter::once((path.len(), ""))) {
        let prefix = &path[..at];
        if prefix.is_empty() {
            continue;
        }
        match fs::mkdir(prefix, 0o755) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(errno) => return Err(errno),
        }
    }
    Ok(())
}
