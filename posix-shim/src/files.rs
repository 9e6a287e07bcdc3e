//! unistd.h and fcntl.h: files and directories.

use crate::{c_str, fd, ret, ret_int, ret_ptr, set_errno};
use core::ffi::{c_char, c_int, c_uint, c_void};
use uxrt::fs::{self, FileKind};
use uxrt::protocols::file::Whence;
use uxrt::Errno;

/// # Safety
/// `buf` holds `count` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn read(fd_: c_int, buf: *mut c_void, count: usize) -> isize {
    // SAFETY: as the caller promises (C's contract of read).
    let buffer = unsafe { slice_mut(buf, count) };
    ret(buffer.and_then(|b| Ok(fs::read(fd(fd_)?, b)? as i64))) as isize
}

/// # Safety
/// `buf` holds `count` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn write(fd_: c_int, buf: *const c_void, count: usize) -> isize {
    // SAFETY: as the caller promises (C's contract of write).
    let bytes = unsafe { slice(buf, count) };
    let written = bytes.and_then(|b| Ok(fs::write(fd(fd_)?, b)? as i64));
    if written == Err(Errno::EPIPE) {
        // Nobody reads: SIGPIPE, which ends the process unless ignored or handled.
        crate::signals::broken_pipe();
    }
    ret(written) as isize
}

/// # Safety
/// `buf` holds `count` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn pread(fd_: c_int, buf: *mut c_void, count: usize, offset: i64) -> isize {
    // SAFETY: as the caller promises (C's contract of pread).
    let buffer = unsafe { slice_mut(buf, count) };
    ret(buffer.and_then(|b| Ok(fs::pread(fd(fd_)?, b, offset)? as i64))) as isize
}

/// # Safety
/// `buf` holds `count` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn pwrite(fd_: c_int, buf: *const c_void, count: usize, offset: i64) -> isize {
    // SAFETY: as the caller promises (C's contract of pwrite).
    let bytes = unsafe { slice(buf, count) };
    ret(bytes.and_then(|b| Ok(fs::pwrite(fd(fd_)?, b, offset)? as i64))) as isize
}

/// # Safety
/// `buf` is NULL (then `count` is 0) or holds `count` bytes.
pub(crate) unsafe fn slice<'a>(buf: *const c_void, count: usize) -> Result<&'a [u8], Errno> {
    match (buf.is_null(), count) {
        (_, 0) => Ok(&[]),
        (true, _) => Err(Errno::EFAULT),
        // SAFETY: as the caller promises.
        (false, _) => Ok(unsafe { core::slice::from_raw_parts(buf as *const u8, count) }),
    }
}

/// # Safety
/// As [`slice`], writable.
pub(crate) unsafe fn slice_mut<'a>(buf: *mut c_void, count: usize) -> Result<&'a mut [u8], Errno> {
    match (buf.is_null(), count) {
        (_, 0) => Ok(&mut []),
        (true, _) => Err(Errno::EFAULT),
        // SAFETY: as the caller promises.
        (false, _) => Ok(unsafe { core::slice::from_raw_parts_mut(buf as *mut u8, count) }),
    }
}

/// `open(path, flags, mode)` (declared variadic in C; on x86_64 the mode arrives in the
/// same register either way).
///
/// # Safety
/// `path` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn open(path: *const c_char, flags: c_int, mode: c_uint) -> c_int {
    // SAFETY: as the caller promises.
    ret_int(unsafe { c_str(path) }.and_then(|p| open_flags(p, flags, mode)))
}

/// `open` with C's flags and mode, in Rust.
pub(crate) fn open_flags(path: &str, flags: c_int, mode: c_uint) -> Result<fs::Fd, Errno> {
    fs::open(path, flags as u32 & !MEANINGLESS_OPEN_FLAGS, created_mode(mode))
}

/// What a file made with `mode` gets: its permission bits less the `umask`.
fn created_mode(mode: c_uint) -> u32 {
    mode & 0o7777 & !UMASK.load(core::sync::atomic::Ordering::Relaxed)
}

/// `open` flags that change nothing on uxrt, taken off before libuxrt checks the rest:
/// `O_LARGEFILE` (every file may be large; musl always passes it), `O_NOCTTY` (opening
/// a terminal never makes it a controlling terminal) and `O_NOATIME` (accepted, but a
/// read through it still moves the access time, as `relatime` would). Linux's values.
const MEANINGLESS_OPEN_FLAGS: u32 = 0o100000 | 0o400 | 0o1000000;

#[no_mangle]
pub extern "C" fn close(fd_: c_int) -> c_int {
    ret_int(fd(fd_).and_then(fs::close).map(|()| 0))
}

#[no_mangle]
pub extern "C" fn lseek(fd_: c_int, offset: i64, whence: c_int) -> i64 {
    let whence = match whence {
        0 => Ok(Whence::Set),
        1 => Ok(Whence::Current),
        2 => Ok(Whence::End),
        _ => Err(Errno::EINVAL),
    };
    ret(whence.and_then(|w| Ok(fs::lseek(fd(fd_)?, offset, w)? as i64)))
}

/// musl's internal name for `lseek` (its stdio seeks with this one).
#[no_mangle]
pub extern "C" fn __lseek(fd_: c_int, offset: i64, whence: c_int) -> i64 {
    lseek(fd_, offset, whence)
}

#[no_mangle]
pub extern "C" fn dup(fd_: c_int) -> c_int {
    ret_int(fd(fd_).and_then(fs::dup))
}

#[no_mangle]
pub extern "C" fn dup2(old: c_int, new: c_int) -> c_int {
    ret_int(fd(old).and_then(|old| fs::dup2(old, fd(new)?)))
}

/// # Safety
/// `fds` holds two ints.
#[no_mangle]
pub unsafe extern "C" fn pipe(fds: *mut c_int) -> c_int {
    ret_int(fs::pipe().map(|(read, write)| {
        // SAFETY: as the caller promises.
        unsafe {
            *fds = read as c_int;
            *fds.add(1) = write as c_int
        };
        0
    }))
}

const O_NONBLOCK: c_int = fs::Flags::NONBLOCK as c_int;
const O_CLOEXEC: c_int = fs::Flags::CLOSE_ON_EXEC as c_int;

/// `pipe2(fds, flags)`: a pipe whose ends have `O_CLOEXEC` and `O_NONBLOCK` as `flags`
/// says (any other flag: `EINVAL`, nothing made).
///
/// # Safety
/// `fds` holds two ints.
#[no_mangle]
pub unsafe extern "C" fn pipe2(fds: *mut c_int, flags: c_int) -> c_int {
    let made = (flags & !(O_CLOEXEC | O_NONBLOCK) == 0).then_some(()).ok_or(Errno::EINVAL).and_then(|()| {
        let (read, write) = fs::pipe()?;
        let flagged = [read, write].iter().try_for_each(|&end| {
            fs::set_close_on_exec(end, flags & O_CLOEXEC != 0)?;
            fs::set_nonblocking(end, flags & O_NONBLOCK != 0)
        });
        if let Err(errno) = flagged {
            let _ = (fs::close(read), fs::close(write));
            return Err(errno);
        }
        Ok((read, write))
    });
    ret_int(made.map(|(read, write)| {
        // SAFETY: as the caller promises.
        unsafe {
            *fds = read as c_int;
            *fds.add(1) = write as c_int
        };
        0
    }))
}

/// `dup3(old, new, flags)`: `flags` is 0 or `O_CLOEXEC` (otherwise `EINVAL`).
#[no_mangle]
pub extern "C" fn dup3(old: c_int, new: c_int, flags: c_int) -> c_int {
    let close_on_exec = match flags {
        0 => Ok(false),
        O_CLOEXEC => Ok(true),
        _ => Err(Errno::EINVAL),
    };
    ret_int(close_on_exec.and_then(|cloexec| fs::dup3(fd(old)?, fd(new)?, cloexec)))
}

/// musl's internal name for `dup3` (its `freopen` calls this one).
#[no_mangle]
pub extern "C" fn __dup3(old: c_int, new: c_int, flags: c_int) -> c_int {
    dup3(old, new, flags)
}

/// `creat(path, mode)`: `open(path, O_WRONLY | O_CREAT | O_TRUNC, mode)`.
///
/// # Safety
/// `path` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn creat(path: *const c_char, mode: c_uint) -> c_int {
    let flags = fs::Flags::WRITE_ONLY | fs::Flags::CREATE | fs::Flags::TRUNCATE;
    // SAFETY: as the caller promises.
    unsafe { open(path, flags as c_int, mode) }
}

pub(crate) const F_GETFD: c_int = 1;
pub(crate) const F_SETFD: c_int = 2;
pub(crate) const F_GETFL: c_int = 3;
pub(crate) const F_SETFL: c_int = 4;
pub(crate) const F_GETPIPE_SZ: c_int = 1032;
pub(crate) const F_SETPIPE_SZ: c_int = 1031;
pub(crate) const F_DUPFD: c_int = 0;
pub(crate) const F_DUPFD_CLOEXEC: c_int = 1030;
pub(crate) const FD_CLOEXEC: c_int = 1;
/// `O_APPEND` (Linux's value).
pub(crate) const O_APPEND: c_int = 0o2000;

/// `fcntl(fd, cmd, arg)`: F_GETFL/F_SETFL (O_NONBLOCK), F_SETFD (FD_CLOEXEC),
/// F_DUPFD/F_DUPFD_CLOEXEC (the lowest free fd from `arg` up; `EINVAL` for an `arg`
/// below 0 or at the fd limit, as Linux), F_GETPIPE_SZ and F_SETPIPE_SZ (a pipe's
/// capacity, set as Linux rounds it; `EBADF` for anything but a pipe, as Linux).
#[no_mangle]
pub extern "C" fn fcntl(fd_: c_int, cmd: c_int, arg: c_int) -> c_int {
    ret_int(fd(fd_).and_then(|f| match cmd {
        F_GETFL => Ok(fs::status_flags(f)? as c_int),
        F_SETFL => fs::set_nonblocking(f, arg as u32 & fs::Flags::NONBLOCK != 0).map(|()| 0),
        F_GETFD => Ok(if fs::is_close_on_exec(f)? { FD_CLOEXEC } else { 0 }),
        F_SETFD => fs::set_close_on_exec(f, arg & FD_CLOEXEC != 0).map(|()| 0),
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let (soft, _) = fs::fd_limits();
            let min = fs::Fd::try_from(arg).ok().filter(|&min| min < soft).ok_or(Errno::EINVAL)?;
            let new = fs::dup_from(f, min)?;
            if cmd == F_DUPFD_CLOEXEC {
                fs::set_close_on_exec(new, true)?;
            }
            Ok(new as c_int)
        }
        // (`arg` is an unsigned int to Linux: a negative one is a huge size.)
        F_GETPIPE_SZ => Ok(fs::pipe_capacity(f, 0)? as c_int),
        F_SETPIPE_SZ => Ok(fs::pipe_capacity(f, (arg as u32 as u64).max(1))? as c_int),
        _ => Err(Errno::EINVAL),
    }))
}

/// `fsync(fd)`: nothing to write back (ramfs keeps files in memory), so 0 for a file or
/// directory; `EINVAL` for a pipe or device, as Linux.
#[no_mangle]
pub extern "C" fn fsync(fd_: c_int) -> c_int {
    ret_int(fd(fd_).and_then(|f| match fs::fstat(f)?.kind {
        FileKind::Regular | FileKind::Directory => Ok(0),
        _ => Err(Errno::EINVAL),
    }))
}

/// `fdatasync(fd)`: as [`fsync`].
#[no_mangle]
pub extern "C" fn fdatasync(fd_: c_int) -> c_int {
    fsync(fd_)
}

macro_rules! path_call {
    ($(#[$doc:meta])* $name:ident($($extra:ident: $ty:ty),*) => $body:expr) => {
        $(#[$doc])*
        /// # Safety
        /// `path` is a NUL-ended string.
        #[no_mangle]
        pub unsafe extern "C" fn $name(path: *const c_char $(, $extra: $ty)*) -> c_int {
            // SAFETY: as the caller promises.
            let path = unsafe { c_str(path) };
            ret_int(path.and_then(|p| $body(p)).map(|()| 0))
        }
    };
}

path_call!(unlink() => fs::unlink);
path_call!(rmdir() => fs::rmdir);
path_call!(chdir() => fs::chdir);
path_call!(mkdir(mode: c_uint) => |p| fs::mkdir(p, created_mode(mode)));
path_call!(mkfifo(mode: c_uint) => |p| fs::mkfifo(p, created_mode(mode)));
path_call!(
    /// `mknod(path, mode, dev)`: a named pipe (`S_IFIFO`) or a regular file (`S_IFREG`
    /// or no type); devices and directories are not for unprivileged processes
    /// (`EPERM`, as Linux), other types `EINVAL`.
    mknod(mode: c_uint, _dev: u64) => |p| make_node(p, mode)
);

/// `mknodat(dirfd, path, mode, dev)`: as `mknod`, relative to `dirfd`.
///
/// # Safety
/// `path` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn mknodat(dirfd: c_int, path: *const c_char, mode: c_uint, _dev: u64) -> c_int {
    // SAFETY: as the caller promises.
    ret_int(unsafe { at_path(dirfd, path) }.and_then(|p| make_node(p, mode)).map(|()| 0))
}

/// `mkfifoat(dirfd, path, mode)`.
///
/// # Safety
/// `path` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn mkfifoat(dirfd: c_int, path: *const c_char, mode: c_uint) -> c_int {
    // SAFETY: as the caller promises.
    ret_int(unsafe { at_path(dirfd, path) }.and_then(|p| fs::mkfifo(p, created_mode(mode))).map(|()| 0))
}

/// What `mknod` makes of `mode`'s file type.
fn make_node(path: &str, mode: c_uint) -> Result<(), Errno> {
    const S_IFMT: u32 = 0o170000;
    const S_IFBLK: u32 = 0o060000;
    match mode & S_IFMT {
        S_IFIFO => fs::mkfifo(path, created_mode(mode)),
        0 | S_IFREG => {
            let flags = fs::Flags::WRITE_ONLY | fs::Flags::CREATE | fs::Flags::EXCLUSIVE;
            fs::close(fs::open(path, flags, created_mode(mode))?)
        }
        S_IFCHR | S_IFBLK | S_IFDIR => Err(Errno::EPERM),
        _ => Err(Errno::EINVAL),
    }
}
path_call!(
    /// `chmod(path, mode)`: the permission bits (kept, not yet enforced: uxrt has no
    /// users).
    chmod(mode: c_uint) => |p| fs::chmod(p, mode_bits(mode)?)
);
path_call!(
    /// `remove(path)`: a file as `unlink`, a directory as `rmdir`.
    remove() => |p| match fs::unlink(p) {
        Err(Errno::EISDIR) => fs::rmdir(p),
        other => other,
    }
);

/// # Safety
/// `from` and `to` are NUL-ended strings.
#[no_mangle]
pub unsafe extern "C" fn rename(from: *const c_char, to: *const c_char) -> c_int {
    // SAFETY: as the caller promises.
    let paths = unsafe { c_str(from).and_then(|f| Ok((f, c_str(to)?))) };
    ret_int(paths.and_then(|(f, t)| fs::rename(f, t)).map(|()| 0))
}

/// # Safety
/// `buf` holds `size` bytes.
#[no_mangle]
pub unsafe extern "C" fn getcwd(buf: *mut c_char, size: usize) -> *mut c_char {
    ret_ptr(fs::getcwd().and_then(|cwd| {
        if cwd.len() + 1 > size {
            return Err(Errno::ERANGE);
        }
        // SAFETY: as the caller promises, `buf` has room for `size` > cwd.len() bytes.
        unsafe {
            core::ptr::copy_nonoverlapping(cwd.as_ptr(), buf as *mut u8, cwd.len());
            *buf.add(cwd.len()) = 0;
        }
        Ok(buf)
    }))
}

/// `struct stat`, Linux's x86_64 layout (musl's `bits/stat.h`).
#[repr(C)]
#[derive(Default)]
pub struct Stat {
    pub st_dev: u64,
    pub st_ino: u64,
    pub st_nlink: u64,
    pub st_mode: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pad: u32,
    pub st_rdev: u64,
    pub st_size: i64,
    pub st_blksize: i64,
    pub st_blocks: i64,
    pub st_atim: crate::process::Timespec,
    pub st_mtim: crate::process::Timespec,
    pub st_ctim: crate::process::Timespec,
    unused: [i64; 3],
}

/// The block size `stat` reports: the page, which ramfs allocates in.
const BLOCK_SIZE: i64 = 4096;

const S_IFREG: u32 = 0o100000;
const S_IFDIR: u32 = 0o040000;
const S_IFCHR: u32 = 0o020000;
const S_IFIFO: u32 = 0o010000;
const S_IFLNK: u32 = 0o120000;

fn fill(out: *mut Stat, stat: fs::FileStat) -> Result<c_int, Errno> {
    if out.is_null() {
        return Err(Errno::EFAULT);
    }
    let kind = match stat.kind {
        FileKind::Regular => S_IFREG,
        FileKind::Directory => S_IFDIR,
        FileKind::CharacterDevice => S_IFCHR,
        FileKind::Pipe => S_IFIFO,
        FileKind::Symlink => S_IFLNK,
    } | stat.mode;
    // SAFETY: `out` is non-NULL and, as C's stat contract says, points at a struct stat.
    let size = stat.size as i64;
    let filled = Stat {
        st_ino: stat.ino,
        st_mode: kind,
        st_nlink: stat.links as u64,
        st_size: size,
        st_blksize: BLOCK_SIZE,
        st_atim: crate::process::Timespec::from_ns(stat.accessed),
        st_mtim: crate::process::Timespec::from_ns(stat.modified),
        st_ctim: crate::process::Timespec::from_ns(stat.changed),
        // (In 512-byte units, as POSIX counts them.)
        st_blocks: (size as u64).div_ceil(BLOCK_SIZE as u64) as i64 * (BLOCK_SIZE / 512),
        ..Default::default()
    };
    unsafe { out.write(filled) };
    Ok(0)
}

/// # Safety
/// `path` is a NUL-ended string; `out` points at a `struct stat`.
#[no_mangle]
pub unsafe extern "C" fn stat(path: *const c_char, out: *mut Stat) -> c_int {
    // SAFETY: as the caller promises.
    ret_int(unsafe { c_str(path) }.and_then(fs::stat).and_then(|s| fill(out, s)))
}

/// `lstat`: as `stat`, of a symbolic link itself.
///
/// # Safety
/// As [`stat`].
#[no_mangle]
pub unsafe extern "C" fn lstat(path: *const c_char, out: *mut Stat) -> c_int {
    // SAFETY: as the caller promises.
    ret_int(unsafe { c_str(path) }.and_then(fs::lstat).and_then(|s| fill(out, s)))
}

/// # Safety
/// `out` points at a `struct stat`.
#[no_mangle]
pub unsafe extern "C" fn fstat(fd_: c_int, out: *mut Stat) -> c_int {
    ret_int(fd(fd_).and_then(fs::fstat).and_then(|s| fill(out, s)))
}

/// Whether `fd` is a terminal (the console device).
#[no_mangle]
pub extern "C" fn isatty(fd_: c_int) -> c_int {
    match fd(fd_).and_then(fs::fstat) {
        Ok(stat) if stat.kind == FileKind::CharacterDevice => 1,
        Ok(_) => {
            set_errno(Errno::ENOTTY);
            0
        }
        Err(errno) => {
            set_errno(errno);
            0
        }
    }
}

/// `ftruncate(fd, length)`: `EINVAL` for a negative length.
#[no_mangle]
pub extern "C" fn ftruncate(fd_: c_int, length: i64) -> c_int {
    let length = u64::try_from(length).map_err(|_| Errno::EINVAL);
    ret_int(length.and_then(|l| fs::ftruncate(fd(fd_)?, l)).map(|()| 0))
}

/// `truncate(path, length)`.
///
/// # Safety
/// `path` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn truncate(path: *const c_char, length: i64) -> c_int {
    // SAFETY: as the caller promises.
    let fd_ = unsafe { open(path, 1, 0) }; // O_WRONLY
    if fd_ < 0 {
        return -1;
    }
    let result = ftruncate(fd_, length);
    fs::close(fd_ as fs::Fd).ok();
    result
}

/// Access modes of `access` (Linux's values).
const F_OK: c_int = 0;
const RWX_OK: c_int = 7;

/// `access(path, mode)`: whether the file exists. uxrt has no permissions yet, so an
/// existing file may be read, written and run by anyone; `EINVAL` for an unknown mode.
///
/// # Safety
/// `path` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn access(path: *const c_char, mode: c_int) -> c_int {
    if mode != F_OK && mode & !RWX_OK != 0 {
        return ret_int::<i32>(Err(Errno::EINVAL));
    }
    // SAFETY: as the caller promises.
    ret_int(unsafe { c_str(path) }.and_then(fs::stat).map(|_| 0))
}

/// `chown`-style calls: uxrt has no users (every process runs as uid and gid 0), so the
/// only change there is to make is none: owner and group 0 or -1 (unchanged) succeed,
/// anything else is `EPERM`.
fn chown_to(owner: u32, group: u32) -> Result<c_int, Errno> {
    match (owner, group) {
        (0 | u32::MAX, 0 | u32::MAX) => Ok(0),
        _ => Err(Errno::EPERM),
    }
}

#[no_mangle]
pub extern "C" fn fchown(fd_: c_int, owner: u32, group: u32) -> c_int {
    ret_int(fd(fd_).and_then(fs::fstat).and_then(|_| chown_to(owner, group)))
}

/// # Safety
/// `path` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn chown(path: *const c_char, owner: u32, group: u32) -> c_int {
    // SAFETY: as the caller promises.
    ret_int(unsafe { c_str(path) }.and_then(fs::stat).and_then(|_| chown_to(owner, group)))
}

/// The permission bits of a `chmod` (other bits are left out, as Linux does).
fn mode_bits(mode: c_uint) -> Result<u32, Errno> {
    Ok(mode & 0o7777)
}

/// `fchmod(fd, mode)`: the permission bits of an open file (`EINVAL` for a device or a
/// pipe, which keep none).
#[no_mangle]
pub extern "C" fn fchmod(fd_: c_int, mode: c_uint) -> c_int {
    ret_int(fd(fd_).and_then(|fd| fs::fchmod(fd, mode_bits(mode)?)).map(|()| 0))
}

/// `struct iovec`.
#[repr(C)]
pub struct IoVec {
    base: *mut c_void,
    length: usize,
}

/// Runs `each` over the `count` buffers of `vector` until one comes back short or fails;
/// the bytes done, or the error when the first one failed.
///
/// # Safety
/// `vector` holds `count` iovecs, each naming valid bytes.
unsafe fn vectored(vector: *const IoVec, count: c_int, mut each: impl FnMut(&IoVec) -> isize) -> isize {
    if !(0..=1024).contains(&count) {
        return ret::<i64>(Err(Errno::EINVAL)) as isize;
    }
    // SAFETY: as the caller promises.
    let vector = unsafe { core::slice::from_raw_parts(vector, count as usize) };
    let mut done = 0;
    for io in vector {
        match each(io) {
            n if n < 0 => return if done > 0 { done } else { n },
            n => {
                done += n;
                if (n as usize) < io.length {
                    break;
                }
            }
        }
    }
    done
}

/// `readv(fd, vector, count)`: reads into each buffer in turn.
///
/// # Safety
/// `vector` holds `count` iovecs naming writable bytes.
#[no_mangle]
pub unsafe extern "C" fn readv(fd_: c_int, vector: *const IoVec, count: c_int) -> isize {
    // SAFETY: as the caller promises.
    unsafe { vectored(vector, count, |io| read(fd_, io.base, io.length)) }
}

/// `writev(fd, vector, count)`: writes each buffer in turn.
///
/// # Safety
/// `vector` holds `count` iovecs naming readable bytes.
#[no_mangle]
pub unsafe extern "C" fn writev(fd_: c_int, vector: *const IoVec, count: c_int) -> isize {
    // SAFETY: as the caller promises.
    unsafe { vectored(vector, count, |io| write(fd_, io.base, io.length)) }
}

/// The file-creation mask (`umask`): what `open`, `creat` and `mkdir` take from the
/// modes they are given.
static UMASK: core::sync::atomic::AtomicU32 = core::sync::atomic::AtomicU32::new(0o022);

#[no_mangle]
pub extern "C" fn umask(mask: c_uint) -> c_uint {
    UMASK.swap(mask & 0o777, core::sync::atomic::Ordering::Relaxed)
}

/// The `*at` calls' directory argument: the working directory.
const AT_FDCWD: c_int = -100;
/// `unlinkat`: remove a directory. `fstatat`: `path` empty, the file is `dirfd`.
const AT_REMOVEDIR: c_int = 0x200;
const AT_SYMLINK_NOFOLLOW: c_int = 0x100;
const AT_EACCESS: c_int = 0x200;
const AT_EMPTY_PATH: c_int = 0x1000;

/// The path an `*at` call names: `path` itself when it is absolute or `dirfd` is
/// `AT_FDCWD`. A path relative to another directory is `ENOTSUP` for now (uxrt keeps no
/// path for an open directory); `EBADF` or `ENOTDIR` when `dirfd` is no open directory.
///
/// # Safety
/// `path` is a NUL-ended string.
unsafe fn at_path<'a>(dirfd: c_int, path: *const c_char) -> Result<&'a str, Errno> {
    // SAFETY: as the caller promises.
    let path = unsafe { c_str(path) }?;
    if path.starts_with('/') || dirfd == AT_FDCWD {
        return Ok(path);
    }
    match fs::fstat(fd(dirfd)?)?.kind {
        FileKind::Directory => Err(Errno::ENOTSUP),
        _ => Err(Errno::ENOTDIR),
    }
}

/// Fails with `EINVAL` when `flags` has bits beyond `known`.
fn only(flags: c_int, known: c_int) -> Result<(), Errno> {
    if flags & !known != 0 {
        Err(Errno::EINVAL)
    } else {
        Ok(())
    }
}

/// # Safety
/// `path` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn openat(dirfd: c_int, path: *const c_char, flags: c_int, mode: c_uint) -> c_int {
    // SAFETY: as the caller promises.
    ret_int(unsafe { at_path(dirfd, path) }.and_then(|p| open_flags(p, flags, mode)))
}

/// `fstatat(dirfd, path, out, flags)`; with `AT_EMPTY_PATH` and an empty path, the file
/// open at `dirfd`; with `AT_SYMLINK_NOFOLLOW`, as `lstat`.
///
/// # Safety
/// `path` is a NUL-ended string; `out` points at a `struct stat`.
#[no_mangle]
pub unsafe extern "C" fn fstatat(dirfd: c_int, path: *const c_char, out: *mut Stat, flags: c_int) -> c_int {
    let stat = only(flags, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH).and_then(|()| {
        // SAFETY: as the caller promises.
        let empty = !path.is_null() && unsafe { *path } == 0;
        if empty && flags & AT_EMPTY_PATH != 0 {
            return fs::fstat(fd(dirfd)?);
        }
        // SAFETY: as the caller promises.
        stat_following(unsafe { at_path(dirfd, path) }?, flags)
    });
    ret_int(stat.and_then(|s| fill(out, s)))
}

/// # Safety
/// `path` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn unlinkat(dirfd: c_int, path: *const c_char, flags: c_int) -> c_int {
    let removed = only(flags, AT_REMOVEDIR).and_then(|()| {
        // SAFETY: as the caller promises.
        let path = unsafe { at_path(dirfd, path) }?;
        if flags & AT_REMOVEDIR != 0 {
            fs::rmdir(path)
        } else {
            fs::unlink(path)
        }
    });
    ret_int(removed.map(|()| 0))
}

/// `utimensat(dirfd, path, times, flags)`: sets the access and modification times
/// (`times` NULL: both now; `UTIME_NOW`, `UTIME_OMIT` as Linux). A NULL `path` names the
/// file open at `dirfd` (Linux's, and how musl's `futimens` calls it), so `futimens`,
/// `utimes`, `utime` and `futimes` all come here. Times before 1970 are `EINVAL`.
///
/// # Safety
/// `path` is NULL or a NUL-ended string; `times` is NULL or two `struct timespec`s.
#[no_mangle]
pub unsafe extern "C" fn utimensat(
    dirfd: c_int,
    path: *const c_char,
    times: *const [crate::process::Timespec; 2],
    flags: c_int,
) -> c_int {
    let set = only(flags, AT_SYMLINK_NOFOLLOW).and_then(|()| {
        // SAFETY: as the caller promises.
        let [accessed, modified] = match unsafe { times.as_ref() } {
            None => [fs::TIME_NOW; 2],
            Some([accessed, modified]) => [accessed.as_new_time()?, modified.as_new_time()?],
        };
        if path.is_null() {
            return fs::set_file_times(fd(dirfd)?, accessed, modified);
        }
        // SAFETY: as the caller promises.
        let path = unsafe { at_path(dirfd, path) }?;
        fs::set_times(path, accessed, modified, flags & AT_SYMLINK_NOFOLLOW == 0)
    });
    ret_int(set.map(|()| 0))
}

/// # Safety
/// `path` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn mkdirat(dirfd: c_int, path: *const c_char, mode: c_uint) -> c_int {
    // SAFETY: as the caller promises.
    ret_int(unsafe { at_path(dirfd, path) }.and_then(|p| fs::mkdir(p, created_mode(mode))).map(|()| 0))
}

/// `stat`, or `lstat` with `AT_SYMLINK_NOFOLLOW` in `flags`.
fn stat_following(path: &str, flags: c_int) -> Result<fs::FileStat, Errno> {
    if flags & AT_SYMLINK_NOFOLLOW != 0 {
        fs::lstat(path)
    } else {
        fs::stat(path)
    }
}

/// `fchmodat(dirfd, path, mode, flags)`: as `chmod`. With `AT_SYMLINK_NOFOLLOW`, a
/// symbolic link's own bits are never used: `ENOTSUP`, as Linux.
///
/// # Safety
/// `path` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn fchmodat(dirfd: c_int, path: *const c_char, mode: c_uint, flags: c_int) -> c_int {
    let changed = only(flags, AT_SYMLINK_NOFOLLOW).and_then(|()| {
        // SAFETY: as the caller promises.
        let path = unsafe { at_path(dirfd, path) }?;
        // (A link's own mode cannot change, as on Linux; only then is it looked at.)
        if flags & AT_SYMLINK_NOFOLLOW != 0 && fs::lstat(path)?.kind == FileKind::Symlink {
            return Err(Errno::ENOTSUP);
        }
        fs::chmod(path, mode_bits(mode)?)
    });
    ret_int(changed.map(|()| 0))
}

/// # Safety
/// `from` and `to` are NUL-ended strings.
#[no_mangle]
pub unsafe extern "C" fn renameat(from_dir: c_int, from: *const c_char, to_dir: c_int, to: *const c_char) -> c_int {
    // SAFETY: as the caller promises.
    let paths = unsafe { at_path(from_dir, from).and_then(|f| Ok((f, at_path(to_dir, to)?))) };
    ret_int(paths.and_then(|(f, t)| fs::rename(f, t)).map(|()| 0))
}

/// # Safety
/// `path` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn faccessat(dirfd: c_int, path: *const c_char, mode: c_int, flags: c_int) -> c_int {
    let checked = only(flags, AT_EACCESS | AT_SYMLINK_NOFOLLOW).and_then(|()| {
        if mode != F_OK && mode & !RWX_OK != 0 {
            return Err(Errno::EINVAL);
        }
        // SAFETY: as the caller promises.
        stat_following(unsafe { at_path(dirfd, path) }?, flags)
    });
    ret_int(checked.map(|_| 0))
}

/// `readlink(path, buffer, size)`: the link's target, cut to `size` bytes, no NUL
/// added; `EINVAL` for a `size` of 0 or anything but a link.
///
/// # Safety
/// `path` is a NUL-ended string; `buffer` has room for `size` bytes.
#[no_mangle]
pub unsafe extern "C" fn readlink(path: *const c_char, buffer: *mut c_char, size: usize) -> isize {
    // SAFETY: as the caller promises.
    unsafe { readlinkat(AT_FDCWD, path, buffer, size) }
}

/// # Safety
/// As [`readlink`].
#[no_mangle]
pub unsafe extern "C" fn readlinkat(dirfd: c_int, path: *const c_char, buffer: *mut c_char, size: usize) -> isize {
    // SAFETY: as the caller promises.
    let read = unsafe { at_path(dirfd, path) }.and_then(|path| {
        if size == 0 || size > isize::MAX as usize {
            return Err(Errno::EINVAL);
        }
        if buffer.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY: `buffer` is non-NULL and, as the caller promises, has `size` bytes.
        let into = unsafe { core::slice::from_raw_parts_mut(buffer.cast::<u8>(), size) };
        Ok(fs::readlink(path, into)? as i64)
    });
    ret(read) as isize
}

/// `symlink(target, path)`: a symbolic link at `path` to `target`, which need not exist.
///
/// # Safety
/// `target` and `path` are NUL-ended strings.
#[no_mangle]
pub unsafe extern "C" fn symlink(target: *const c_char, path: *const c_char) -> c_int {
    // SAFETY: as the caller promises.
    unsafe { symlinkat(target, AT_FDCWD, path) }
}

/// # Safety
/// As [`symlink`].
#[no_mangle]
pub unsafe extern "C" fn symlinkat(target: *const c_char, dirfd: c_int, path: *const c_char) -> c_int {
    // SAFETY: as the caller promises.
    let made = unsafe { c_str(target).and_then(|t| Ok((t, at_path(dirfd, path)?))) };
    ret_int(made.and_then(|(target, path)| fs::symlink(target, path)).map(|()| 0))
}
