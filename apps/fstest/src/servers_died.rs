//! `fstest server-died`: what a process sees when the servers it uses crash under it
//! (the root server's test `servers_restart_after_a_crash` ends ramfs, pipes and the
//! reaper while this process is blocked in a pipe read). A call the dead server had
//! received fails with `EIO` instead of waiting for ever; the fds of the dead servers
//! give `EBADF` and never reach a file of the servers started in their place; the new
//! ones serve paths and pipes.

use crate::{ensure, fails_with, must, CREATE_RW};
use uxrt::fs::{self, Flags};
use uxrt::protocols::process::signal_bit;
use uxrt::{eprintln, println, Errno, Signal};

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

/// The directory `vfs-died` works in, and its file (made before the crash, kept by
/// ramfs, which did not crash).
const VFS_DIRECTORY: &str = "/tmp/vfs-died";
const VFS_FILE: &str = "here";

/// Caught signals: the root server's test ends the wait below with `SIGUSR1` once it
/// has restarted the VFS. (A handler without `SA_RESTART`: the read fails with `EINTR`.)
fn note_signal(_: uxrt::protocols::Word) {
    uxrt::signals::note_handled(false);
}

/// `fstest vfs-died`: the VFS crashes while this process waits (the root server's test
/// `vfs_restart_after_a_crash`). Nothing of this process may be lost but the VFS's own
/// state, which it gives again: its working directory holds, relative paths work, its
/// open files never went through the VFS and still work, and new paths and pipes are
/// served.
pub fn vfs_died() -> i32 {
    uxrt::signals::set_dispatcher(note_signal);
    let (usr1, alarm) = (signal_bit(Signal::SIGUSR1.0), signal_bit(Signal::SIGALRM.0));
    must!(uxrt::signals::set_handling(usr1, alarm));
    must!(fs::mkdir(VFS_DIRECTORY, 0o755).or_else(|errno| if errno == Errno::EEXIST { Ok(()) } else { Err(errno) }));
    must!(fs::chdir(VFS_DIRECTORY));
    let file = must!(fs::open(VFS_FILE, CREATE_RW, 0o644));
    ensure!(must!(fs::write(file, b"before")) == 6, "a short write before the crash");

    // Nothing is ever written: the test's signal ends this read, after the restart.
    let (read, write) = must!(fs::pipe());
    let mut buffer = [0; 16];
    fails_with!(fs::read(read, &mut buffer), Errno::EINTR);

    let cwd = must!(fs::getcwd());
    ensure!(cwd == VFS_DIRECTORY, "the working directory after the VFS's restart is {cwd:?}");
    let again = must!(fs::open(VFS_FILE, Flags::READ_ONLY, 0));
    ensure!(must!(fs::read(again, &mut buffer)) == 6 && &buffer[..6] == b"before", "the file read by a relative path");
    must!(fs::close(again));
    // (Open files are the file servers': the VFS's crash did not touch them.)
    must!(fs::lseek(file, 0, uxrt::protocols::file::Whence::Set));
    ensure!(must!(fs::read(file, &mut buffer)) == 6 && &buffer[..6] == b"before", "the file open before the crash");
    ensure!(must!(fs::write(write, b"pipe")) == 4, "a short write to the pipe made before the crash");
    ensure!(must!(fs::read(read, &mut buffer)) == 4 && &buffer[..4] == b"pipe", "the old pipe's bytes");
    let (new_read, new_write) = must!(fs::pipe());
    ensure!(must!(fs::write(new_write, b"ping")) == 4, "a short write to a new pipe");
    ensure!(must!(fs::read(new_read, &mut buffer)) == 4 && &buffer[..4] == b"ping", "a new pipe's bytes");
    ensure!(must!(fs::stat("/bin/sh")).size > 0, "/bin/sh is empty");
    for fd in [new_read, new_write, read, write, file] {
        must!(fs::close(fd));
    }
    must!(fs::unlink(VFS_FILE));
    must!(fs::chdir("/"));
    must!(fs::rmdir(VFS_DIRECTORY));
    println!("fstest: vfs-died: the working directory held, old fds and new paths and pipes work");
    0
}

/// Bytes through `(read, write)` until its read end is leased (after a few reads through
/// the server), and two more through the ring, checking each.
fn lease(read: fs::Fd, write: fs::Fd) -> Result<(), alloc::string::String> {
    let mut byte = [0; 1];
    let mut through_ring = 0;
    for i in 0..32u8 {
        if fs::is_leased(read) {
            through_ring += 1;
            if through_ring > 2 {
                return Ok(());
            }
        }
        let wrote = fs::write(write, &[i]).map_err(|e| alloc::format!("write: {e}"))?;
        let got = fs::read(read, &mut byte).map_err(|e| alloc::format!("read: {e}"))?;
        if wrote != 1 || got != 1 || byte[0] != i {
            return Err(alloc::format!("byte {i} came back as {got} bytes, {}", byte[0]));
        }
    }
    Err(alloc::string::String::from("the read end was never leased"))
}

/// `fstest leased-died`: the pipes server crashes while this process waits in a read of
/// a leased read end (the root server's test `leased_pipes_after_a_pipes_crash`), and
/// holds another leased end it is not reading. The rings were the server's memory: the
/// root server puts zeroed pages of this process's own in their place. The blocked read
/// must end with `EIO` (as one the dead server had received), the other end's next read
/// too (the zeros are no pipe's bytes), then both ends are the dead server's fds
/// (`EBADF`); a new pipe leases again.
pub fn leased_died() -> i32 {
    must!(uxrt::signals::set_handling(0, signal_bit(Signal::SIGALRM.0)));
    let (waited, waited_write) = must!(fs::pipe());
    let (idle, idle_write) = must!(fs::pipe());
    for (read, write) in [(waited, waited_write), (idle, idle_write)] {
        if let Err(what) = lease(read, write) {
            eprintln!("fstest: leased-died: before the crash: {what}");
            return 1;
        }
    }
    // Nothing is ever written: only the pipes server's death ends this read.
    let mut buffer = [0; 64];
    fails_with!(fs::read(waited, &mut buffer), Errno::EIO);
    fails_with!(fs::read(idle, &mut buffer), Errno::EIO);
    ensure!(!fs::is_leased(waited) && !fs::is_leased(idle), "an end of the dead server is still leased");
    for fd in [waited, idle] {
        fails_with!(fs::read(fd, &mut buffer), Errno::EBADF);
    }
    fails_with!(fs::write(waited_write, b"x"), Errno::EBADF);
    let (read, write) = must!(fs::pipe());
    if let Err(what) = lease(read, write) {
        eprintln!("fstest: leased-died: a new pipe: {what}");
        return 1;
    }
    ensure!(must!(fs::write(write, b"after")) == 5, "a short write to a new leased pipe");
    ensure!(must!(fs::read(read, &mut buffer)) == 5 && &buffer[..5] == b"after", "a new leased pipe's bytes");
    for fd in [read, write, waited, waited_write, idle, idle_write] {
        let _ = fs::close(fd);
    }
    println!("fstest: leased-died: a blocked leased read and an idle leased end got EIO, then EBADF; new pipes lease");
    0
}

/// `fstest poll-died`: the pipes server crashes while this process waits in `poll`, with
/// no timeout, on a pipe's read end and the write end of another (the root server's
/// test `leased_pipes_after_a_pipes_crash`). The dead server's readiness signals never
/// come: the root server tells every process, which asks the servers of what it watches
/// again. The poll must return, both fds in error and hung up (the new server does not
/// know them), and their reads and writes then fail with `EBADF`.
pub fn poll_died() -> i32 {
    use uxrt::events::{poll, PollFd, POLLERR, POLLHUP, POLLIN, POLLOUT};
    must!(uxrt::signals::set_handling(0, signal_bit(Signal::SIGALRM.0)));
    let (read, write) = must!(fs::pipe());
    let (other_read, full) = must!(fs::pipe());
    // (Full: its write end is not writable, so only the crash ends the wait. In writes
    // small enough to travel in the message (`INLINE_MAX`): this process shares no
    // memory with the server, so only the root server's word that a server ended can
    // wake it.)
    must!(fs::set_nonblocking(full, true));
    let mut filled = 0;
    loop {
        match fs::write(full, &[0; 32]) {
            Ok(n) => filled += n,
            Err(Errno::EAGAIN) => break,
            Err(errno) => {
                eprintln!("fstest: poll-died: filling a pipe: {errno} after {filled} bytes (the crash came too soon)");
                return 1;
            }
        }
    }
    println!("fstest: poll-died: polling ({filled} bytes fill a pipe)");
    let mut fds = [PollFd::new(read, POLLIN), PollFd::new(full, POLLOUT)];
    let ready = must!(poll(&mut fds, None));
    ensure!(ready == 2, "poll returned {ready} fds after the crash: {:?}", fds.map(|f| f.revents));
    for fd in &fds {
        ensure!(fd.revents & (POLLERR | POLLHUP) == POLLERR | POLLHUP, "fd {} polled {:#x}", fd.fd, fd.revents);
    }
    let mut buffer = [0; 4];
    fails_with!(fs::read(read, &mut buffer), Errno::EBADF);
    fails_with!(fs::write(full, b"x"), Errno::EBADF);
    for fd in [read, write, other_read, full] {
        let _ = fs::close(fd);
    }
    println!("fstest: poll-died: a poll on a dead server's pipes returned, both in error and hung up");
    0
}
