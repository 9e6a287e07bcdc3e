//! `fstest server-died`: what a process sees when the servers it uses crash under it
//! (the root server's test `servers_restart_after_a_crash` ends ramfs, pipes and the
//! reaper while this process is blocked in a pipe read). A call the dead server had
//! received fails with `EIO` instead of waiting for ever; the fds of the dead servers
//! give `EBADF` and never reach a file of the servers started in their place; the new
//! ones serve paths and pipes.

use crate::{ensure, fails_with, must, CREATE_RW};
use uxrt::fs::{self, Flags};
use uxrt::protocols::process::signal_bit;
use uxrt::{println, Errno, Signal};

/// A file this process makes in ramfs before the crash (gone after it).
const BEFORE: &str = "/tmp/server-died";

pub fn server_died() -> i32 {
    // The root server's test tells it when this process is blocked by an alarm it sets
    // for it: SIGALRM must change nothing here.
    must!(uxrt::signals::set_handling(0, signal_bit(Signal::SIGALRM.0)));
    let file = must!(fs::open(BEFORE, CREATE_RW, 0o644));
    ensure!(must!(fs::write(file, b"before")) == 6, "a short write before the crash");
    let (read, write) = must!(fs::pipe());

    // Nothing is ever written: only the pipes server's death ends this read.
    let mut buffer = [0; 16];
    fails_with!(fs::read(read, &mut buffer), Errno::EIO);

    // The dead servers' handles name nothing in the new ones.
    fails_with!(fs::write(write, b"x"), Errno::EBADF);
    fails_with!(fs::read(file, &mut buffer), Errno::EBADF);
    // ramfs started again from the image's files: this one's are gone, /bin is there.
    fails_with!(fs::open(BEFORE, Flags::READ_ONLY, 0), Errno::ENOENT);
    let shell = must!(fs::open("/bin/sh", Flags::READ_ONLY, 0));
    ensure!(must!(fs::read(shell, &mut buffer[..4])) == 4 && &buffer[..4] == b"\x7fELF", "/bin/sh is no ELF");
    must!(fs::close(shell));
    let again = must!(fs::open(BEFORE, CREATE_RW, 0o644));
    ensure!(must!(fs::write(again, b"after")) == 5, "a short write to the new ramfs");
    must!(fs::close(again));
    must!(fs::unlink(BEFORE));
    let (new_read, new_write) = must!(fs::pipe());
    ensure!(must!(fs::write(new_write, b"ping")) == 4, "a short write to a new pipe");
    ensure!(must!(fs::read(new_read, &mut buffer)) == 4 && &buffer[..4] == b"ping", "a new pipe's bytes");
    for fd in [new_read, new_write] {
        must!(fs::close(fd));
    }
    // (Closing a dead server's fd gives the fd back whatever the server says.)
    for fd in [file, read, write] {
        let _ = fs::close(fd);
    }
    println!("fstest: server-died: a blocked read got EIO, old fds EBADF, the restarted servers serve");
    0
}
