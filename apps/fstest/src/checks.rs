//! Files, directories, devices and errors, through the VFS and straight to the servers.

use crate::{checksum, ensure, fails_with, must, pattern, read_all, CHECKSUM_START, CREATE_RW};
use alloc::vec::Vec;
use uxrt::fs::{self, FileKind, Flags};
use uxrt::protocols::file::Whence;
use uxrt::{println, Errno};

/// Open, write (inline and shared), read back, seek, append, truncate, stat, dup.
pub fn files() -> i32 {
    let path = "/tmp/files-test";
    let fd = must!(fs::open(path, CREATE_RW, 0o644));
    ensure!(must!(fs::write(fd, b"hello")) == 5, "short inline write");
    let big: Vec<u8> = (0..10_000).map(pattern).collect();
    ensure!(must!(fs::write(fd, &big)) == big.len(), "short shared write");
    ensure!(must!(fs::lseek(fd, 0, Whence::Set)) == 0, "seek to 0");
    let mut head = [0; 5];
    ensure!(must!(fs::read(fd, &mut head)) == 5 && &head == b"hello", "read back {head:?}");
    let rest = must!(read_all(fd));
    ensure!(rest == big, "shared read back differs ({} bytes)", rest.len());
    ensure!(must!(fs::lseek(fd, -3, Whence::End)) == 10_002, "seek from the end");
    ensure!(must!(fs::lseek(fd, 1, Whence::Current)) == 10_003, "seek from here");
    fails_with!(fs::lseek(fd, -20_000, Whence::Current), Errno::EINVAL);
    let stat = must!(fs::fstat(fd));
    ensure!(stat.kind == FileKind::Regular && stat.size == 10_005 && stat.links == 1, "fstat {stat:?}");
    ensure!(must!(fs::stat(path)) == stat, "stat and fstat differ");
    // A dup shares the offset; truncate shortens.
    let copy = must!(fs::dup(fd));
    ensure!(copy != fd, "dup gave the same fd");
    must!(fs::lseek(copy, 1, Whence::Set));
    let mut one = [0; 1];
    must!(fs::read(fd, &mut one));
    ensure!(one[0] == b'e', "dup does not share the offset");
    must!(fs::ftruncate(fd, 2));
    ensure!(must!(fs::fstat(copy)).size == 2, "truncate");
    must!(fs::close(fd));
    must!(fs::close(copy));
    fails_with!(fs::close(fd), Errno::EBADF);
    // Append always writes at the end.
    let fd = must!(fs::open(path, Flags::WRITE_ONLY | Flags::APPEND, 0));
    must!(fs::write(fd, b"!"));
    must!(fs::close(fd));
    let fd = must!(fs::open(path, Flags::READ_ONLY, 0));
    ensure!(must!(read_all(fd)) == b"he!", "append");
    // dup2 onto an open fd closes it first.
    let other = must!(fs::open("/etc/motd", Flags::READ_ONLY, 0));
    ensure!(must!(fs::dup2(fd, other)) == other, "dup2's result");
    must!(fs::lseek(other, 0, Whence::Set));
    ensure!(must!(read_all(other)) == b"he!", "dup2 did not replace the fd");
    must!(fs::close(fd));
    must!(fs::close(other));
    must!(fs::unlink(path));
    fails_with!(fs::stat(path), Errno::ENOENT);
    println!("fstest: files: open, inline and shared read/write, lseek, append, truncate, stat, dup, dup2");
    0
}

/// mkdir, readdir, rename, rmdir, chdir and getcwd, with relative paths.
pub fn directories() -> i32 {
    must!(fs::mkdir("/tmp/d", 0o755));
    fails_with!(fs::mkdir("/tmp/d", 0o755), Errno::EEXIST);
    must!(fs::chdir("/tmp/d"));
    ensure!(must!(fs::getcwd()) == "/tmp/d", "getcwd");
    for name in ["b", "a", "c"] {
        let fd = must!(fs::open(name, CREATE_RW, 0o644));
        must!(fs::close(fd));
    }
    must!(fs::mkdir("sub", 0o755));
    ensure!(must!(fs::list_dir(".")) == ["a", "b", "c", "sub"], "readdir: {:?}", fs::list_dir("."));
    must!(fs::rename("a", "sub/z"));
    ensure!(must!(fs::list_dir("sub")) == ["z"], "rename into a directory");
    fails_with!(fs::rmdir("sub"), Errno::ENOTEMPTY);
    must!(fs::chdir("sub/.."));
    ensure!(must!(fs::getcwd()) == "/tmp/d", "chdir ..");
    fails_with!(fs::chdir("b"), Errno::ENOTDIR);
    must!(fs::unlink("sub/z"));
    must!(fs::rmdir("sub"));
    for name in ["b", "c"] {
        must!(fs::unlink(name));
    }
    must!(fs::chdir("/"));
    must!(fs::rmdir("/tmp/d"));
    // The image's files, and the mount at /dev seen from the root.
    let root = must!(fs::list_dir("/"));
    ensure!(["bin", "dev", "etc", "tmp"].iter().all(|n| root.iter().any(|r| r == n)), "/ holds {root:?}");
    ensure!(must!(fs::list_dir("/bin")).iter().any(|n| n == "fstest"), "/bin has no fstest");
    ensure!(must!(fs::list_dir("/dev")) == ["console", "null", "zero"], "/dev");
    ensure!(must!(fs::stat("/dev")).kind == FileKind::Directory, "/dev is no directory");
    println!("fstest: directories: mkdir, readdir, rename, rmdir, chdir, getcwd, relative paths, mounts");
    0
}

/// Bad paths, bad fds and misuse get errors, and nothing is lost.
pub fn errors() -> i32 {
    fails_with!(fs::open("/no/such/file", Flags::READ_ONLY, 0), Errno::ENOENT);
    fails_with!(fs::open("", Flags::READ_ONLY, 0), Errno::ENOENT);
    let long = "x".repeat(300);
    fails_with!(fs::open(&long, Flags::READ_ONLY, 0), Errno::ENAMETOOLONG);
    let too_long = "/a".repeat(2100);
    fails_with!(fs::stat(&too_long), Errno::ENAMETOOLONG);
    fails_with!(fs::open("/tmp", Flags::WRITE_ONLY, 0), Errno::EISDIR);
    fails_with!(fs::open("/etc/motd", Flags::READ_ONLY | Flags::DIRECTORY, 0), Errno::ENOTDIR);
    fails_with!(fs::open("/etc/motd", Flags::READ_ONLY | Flags::CREATE | Flags::EXCLUSIVE, 0), Errno::EEXIST);
    fails_with!(fs::open("/etc/motd", 3, 0), Errno::EINVAL);
    fails_with!(fs::mkdir("/dev/new", 0o755), Errno::EROFS);
    fails_with!(fs::rename("/etc/motd", "/dev/motd"), Errno::EXDEV);
    fails_with!(fs::read(99, &mut [0; 4]), Errno::EBADF);
    fails_with!(fs::write(4000, b"x"), Errno::EBADF);
    fails_with!(fs::close(5000), Errno::EBADF);
    fails_with!(fs::dup2(1, 100_000), Errno::EBADF);
    // A read-only fd refuses writes, a write-only one reads; neither changes the file.
    let fd = must!(fs::open("/etc/motd", Flags::READ_ONLY, 0));
    let before = must!(fs::fstat(fd)).size;
    fails_with!(fs::write(fd, b"x"), Errno::EBADF);
    fails_with!(fs::write(fd, &[b'x'; 1000]), Errno::EBADF);
    fails_with!(fs::ftruncate(fd, 0), Errno::EINVAL);
    ensure!(must!(fs::fstat(fd)).size == before, "a refused write changed the file");
    must!(fs::close(fd));
    let fd = must!(fs::open("/tmp/w", CREATE_RW & !Flags::READ_WRITE | Flags::WRITE_ONLY, 0o600));
    fails_with!(fs::read(fd, &mut [0; 4]), Errno::EBADF);
    must!(fs::close(fd));
    must!(fs::unlink("/tmp/w"));
    // Malformed messages straight to the VFS and to a file server.
    let fd = must!(fs::open("/etc/motd", Flags::READ_ONLY, 0));
    let slot = uxrt::sys::fd_slot(fd);
    for (endpoint, label, words) in [
        (uxrt::protocols::startup::VFS, 1u64, &[0u64, 5, 3, 0][..]),
        (uxrt::protocols::startup::VFS, 77, &[][..]),
        (uxrt::protocols::startup::VFS, 6, &[1 << 40, 5][..]),
        (slot, 2, &[9, 0][..]),
        (slot, 1, &[1000][..]),
        (slot, 3, &[uxrt::process::getpid() as u64, 1 << 40, 10][..]),
        (slot, 99, &[1, 2, 3, 4, 5, 6, 7, 8][..]),
    ] {
        let reply = uxrt::sys::call_endpoint(endpoint, uxrt::protocols::Message::new(label, words)).0;
        ensure!(reply.0.is_err(), "malformed request {label} {words:?} to {endpoint} accepted: {reply:?}");
    }
    let mut motd = [0; 5];
    must!(fs::read(fd, &mut motd));
    ensure!(&motd == b"uxrt:", "the file server stopped serving after bad requests: {motd:?}");
    must!(fs::close(fd));
    println!("fstest: errors: ENOENT, ENAMETOOLONG, EISDIR, ENOTDIR, EEXIST, EINVAL, EROFS, EXDEV, EBADF; malformed messages refused");
    0
}

/// /dev/null, /dev/zero and the console.
pub fn devices() -> i32 {
    let null = must!(fs::open("/dev/null", Flags::READ_WRITE, 0));
    ensure!(must!(fs::write(null, &[1; 100_000])) == 100_000, "/dev/null takes everything");
    ensure!(must!(fs::read(null, &mut [0; 10])) == 0, "/dev/null reads as end of file");
    let zero = must!(fs::open("/dev/zero", Flags::READ_ONLY, 0));
    let mut buffer = alloc::vec![7u8; 70_000];
    ensure!(must!(fs::read(zero, &mut buffer)) == 65_536, "a large read of /dev/zero is one buffer");
    ensure!(buffer[..65_536].iter().all(|&b| b == 0), "/dev/zero gave non-zero bytes");
    ensure!(must!(fs::fstat(zero)).kind == FileKind::CharacterDevice, "/dev/zero's kind");
    let console = must!(fs::open("/dev/console", Flags::WRITE_ONLY, 0));
    must!(fs::write(console, b"fstest: written to /dev/console\n"));
    fails_with!(fs::lseek(console, 0, Whence::Set), Errno::ESPIPE);
    for fd in [null, zero, console] {
        must!(fs::close(fd));
    }
    println!("fstest: devices: /dev/null, /dev/zero, /dev/console");
    0
}

/// Writes `length` pattern bytes to `path` (for another process to read).
pub fn write_pattern(path: &str, length: usize) -> i32 {
    let data: Vec<u8> = (0..length).map(pattern).collect();
    let fd = must!(fs::open(path, CREATE_RW, 0o644));
    ensure!(must!(fs::write(fd, &data)) == length, "short write");
    must!(fs::close(fd));
    println!("fstest: wrote {length} bytes to {path}, checksum {:016x}", checksum(&data, CHECKSUM_START));
    0
}

/// Reads `path` and checks it holds `length` pattern bytes.
pub fn read_pattern(path: &str, length: usize) -> i32 {
    let fd = must!(fs::open(path, Flags::READ_ONLY, 0));
    let data = must!(read_all(fd));
    must!(fs::close(fd));
    ensure!(data.len() == length, "{path} holds {} bytes, not {length}", data.len());
    ensure!(data.iter().enumerate().all(|(i, &b)| b == pattern(i)), "{path} holds other bytes");
    println!("fstest: read {length} bytes from {path}, checksum {:016x}", checksum(&data, CHECKSUM_START));
    0
}

/// Writes `length` bytes to a file, copies it to another in 64 KiB reads and writes, and
/// compares checksums.
pub fn copy_large(length: usize) -> i32 {
    let data: Vec<u8> = (0..length).map(pattern).collect();
    let source = must!(fs::open("/tmp/big", CREATE_RW, 0o644));
    ensure!(must!(fs::write(source, &data)) == length, "short write");
    must!(fs::lseek(source, 0, Whence::Set));
    let target = must!(fs::open("/tmp/big.copy", CREATE_RW, 0o644));
    let mut chunk = alloc::vec![0; 64 * 1024];
    loop {
        let n = must!(fs::read(source, &mut chunk));
        if n == 0 {
            break;
        }
        ensure!(must!(fs::write(target, &chunk[..n])) == n, "short write of the copy");
    }
    must!(fs::lseek(target, 0, Whence::Set));
    let copied = must!(read_all(target));
    let (want, got) = (checksum(&data, CHECKSUM_START), checksum(&copied, CHECKSUM_START));
    ensure!(
        copied.len() == length && want == got,
        "copy: {} bytes, checksum {got:016x}, want {want:016x}",
        copied.len()
    );
    for fd in [source, target] {
        must!(fs::close(fd));
    }
    must!(fs::unlink("/tmp/big"));
    must!(fs::unlink("/tmp/big.copy"));
    println!("fstest: copied {length} bytes through ramfs, checksum {got:016x} matches");
    0
}

/// The VFS handles opens, and no reads, writes or seeks.
pub fn vfs_counter() -> i32 {
    must!(fs::stat("/")); // the path buffer is set up on the first path request
    let start = must!(fs::vfs_requests());
    let fd = must!(fs::open("/etc/motd", Flags::READ_ONLY, 0));
    let opened = must!(fs::vfs_requests());
    ensure!(opened == start + 2, "open and the counter's own request: {start} then {opened}");
    let mut buffer = alloc::vec![0; 100_000];
    for _ in 0..100 {
        must!(fs::lseek(fd, 0, Whence::Set));
        must!(fs::read(fd, &mut buffer[..10]));
        must!(fs::read(fd, &mut buffer));
        must!(fs::fstat(fd));
    }
    let null = must!(fs::open("/dev/null", Flags::WRITE_ONLY, 0));
    let after_open = must!(fs::vfs_requests());
    for _ in 0..100 {
        must!(fs::write(null, &buffer[..10]));
        must!(fs::write(null, &buffer));
    }
    let end = must!(fs::vfs_requests());
    ensure!(end == after_open + 1, "reads and writes reached the VFS: {after_open} then {end}");
    must!(fs::close(fd));
    must!(fs::close(null));
    println!("fstest: vfs-counter: 800 reads, writes, seeks and stats, 0 VFS requests ({start} -> {end}, counting opens and the counter's own)");
    0
}
