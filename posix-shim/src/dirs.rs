//! Directory streams: `opendir`, `fdopendir`, `readdir`, `readdir_r`, `rewinddir`,
//! `telldir`, `seekdir`, `dirfd`, `closedir`. A `DIR` is posix-shim's own (musl's members
//! that know its layout are all replaced); musl's `scandir`, `glob` and `nftw` use these.
//! There are no `.` and `..` entries (POSIX lets a directory have none).
//! Each entry's serial number and type come from a `stat` of it, one call per entry.

use crate::{c_str, fd, ret_int, ret_ptr};
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::ffi::{c_char, c_int, c_long};
use uxrt::fs::{self, FileKind};
use uxrt::protocols::file::OpenFlags;
use uxrt::Errno;

/// `struct dirent`, Linux's x86_64 layout (musl's).
#[repr(C)]
pub struct Dirent {
    d_ino: u64,
    d_off: i64,
    d_reclen: u16,
    d_type: u8,
    d_name: [u8; 256],
}

/// `d_type` values (Linux's).
fn entry_type(kind: FileKind) -> u8 {
    match kind {
        FileKind::Pipe => 1,
        FileKind::CharacterDevice => 2,
        FileKind::Directory => 4,
        FileKind::Regular => 8,
        FileKind::Symlink => 10,
    }
}

/// A directory stream.
pub struct Dir {
    fd: fs::Fd,
    /// The directory's path, for each entry's `stat`.
    path: String,
    /// Names read and not yet returned, and the server's cookie for the next ones.
    names: Vec<String>,
    next: usize,
    cookie: u64,
    /// Entries returned so far (what `telldir` says).
    position: i64,
    entry: Dirent,
}

impl Dir {
    fn new(fd: fs::Fd, path: String) -> Box<Dir> {
        let entry = Dirent { d_ino: 0, d_off: 0, d_reclen: 0, d_type: 0, d_name: [0; 256] };
        Box::new(Dir { fd, path, names: Vec::new(), next: 0, cookie: 0, position: 0, entry })
    }

    /// The next entry, `None` at the end.
    fn read(&mut self) -> Result<Option<&mut Dirent>, Errno> {
        if self.next == self.names.len() {
            let (names, cookie) = fs::read_dir(self.fd, self.cookie)?;
            if names.is_empty() {
                return Ok(None);
            }
            (self.names, self.next, self.cookie) = (names, 0, cookie);
        }
        let name = &self.names[self.next];
        self.next += 1;
        self.position += 1;
        let full = alloc::format!("{}/{name}", self.path.trim_end_matches('/'));
        // (A link is listed as one, as Linux's `d_type` does.)
        let stat = fs::lstat(&full)?;
        let length = name.len().min(255);
        self.entry.d_ino = stat.ino;
        self.entry.d_off = self.position;
        self.entry.d_reclen = core::mem::size_of::<Dirent>() as u16;
        self.entry.d_type = entry_type(stat.kind);
        self.entry.d_name[..length].copy_from_slice(&name.as_bytes()[..length]);
        self.entry.d_name[length] = 0;
        Ok(Some(&mut self.entry))
    }

    fn rewind(&mut self) {
        (self.names, self.next, self.cookie, self.position) = (Vec::new(), 0, 0, 0);
    }
}

/// # Safety
/// `path` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn opendir(path: *const c_char) -> *mut Dir {
    // SAFETY: as the caller promises.
    let opened = unsafe { c_str(path) }.and_then(|path| {
        let fd = fs::open(path, OpenFlags::DIRECTORY | OpenFlags::CLOSE_ON_EXEC, 0)?;
        Ok(Box::into_raw(Dir::new(fd, String::from(path))))
    });
    ret_ptr(opened)
}

/// `fdopendir(fd)`: `ENOTSUP` for now (a stream needs its directory's path, for each
/// entry's `stat`: use `opendir`); `EBADF` or `ENOTDIR` for what is no open directory.
#[no_mangle]
pub extern "C" fn fdopendir(fd_: c_int) -> *mut Dir {
    let opened = fd(fd_).and_then(|fd| match fs::fstat(fd)?.kind {
        FileKind::Directory => Err(Errno::ENOTSUP),
        _ => Err(Errno::ENOTDIR),
    });
    ret_ptr(opened)
}

/// The next entry, or NULL at the end (`errno` unchanged) or on an error (`errno` set).
///
/// # Safety
/// `dir` came from `opendir` and is not closed.
#[no_mangle]
pub unsafe extern "C" fn readdir(dir: *mut Dir) -> *mut Dirent {
    // SAFETY: as the caller promises.
    let Some(dir) = (unsafe { dir.as_mut() }) else { return ret_ptr(Err(Errno::EBADF)) };
    match dir.read() {
        Ok(Some(entry)) => entry,
        Ok(None) => core::ptr::null_mut(),
        Err(errno) => ret_ptr(Err(errno)),
    }
}

/// `readdir_r(dir, entry, result)`: the next entry copied into `entry`; `*result` is
/// `entry`, or NULL at the end. 0 or an error number.
///
/// # Safety
/// As [`readdir`]; `entry` and `result` are writable.
#[no_mangle]
pub unsafe extern "C" fn readdir_r(dir: *mut Dir, entry: *mut Dirent, result: *mut *mut Dirent) -> c_int {
    // SAFETY: as the caller promises.
    let Some(dir) = (unsafe { dir.as_mut() }) else { return Errno::EBADF.0 as c_int };
    match dir.read() {
        Ok(found) => {
            // SAFETY: as the caller promises.
            unsafe {
                *result = match found {
                    Some(found) => {
                        core::ptr::copy_nonoverlapping(found as *const Dirent, entry, 1);
                        entry
                    }
                    None => core::ptr::null_mut(),
                }
            };
            0
        }
        Err(errno) => errno.0 as c_int,
    }
}

/// # Safety
/// As [`readdir`].
#[no_mangle]
pub unsafe extern "C" fn rewinddir(dir: *mut Dir) {
    // SAFETY: as the caller promises.
    if let Some(dir) = unsafe { dir.as_mut() } {
        dir.rewind();
    }
}

/// Where the stream is: the number of entries read.
///
/// # Safety
/// As [`readdir`].
#[no_mangle]
pub unsafe extern "C" fn telldir(dir: *mut Dir) -> c_long {
    // SAFETY: as the caller promises.
    unsafe { dir.as_ref() }.map_or(-1, |dir| dir.position)
}

/// Goes back to where `telldir` said (reading again from the start).
///
/// # Safety
/// As [`readdir`].
#[no_mangle]
pub unsafe extern "C" fn seekdir(dir: *mut Dir, position: c_long) {
    // SAFETY: as the caller promises.
    let Some(dir) = (unsafe { dir.as_mut() }) else { return };
    dir.rewind();
    while dir.position < position {
        if !matches!(dir.read(), Ok(Some(_))) {
            break;
        }
    }
}

/// # Safety
/// As [`readdir`].
#[no_mangle]
pub unsafe extern "C" fn dirfd(dir: *mut Dir) -> c_int {
    // SAFETY: as the caller promises.
    match unsafe { dir.as_ref() } {
        Some(dir) => dir.fd as c_int,
        None => ret_int::<i32>(Err(Errno::EBADF)),
    }
}

/// # Safety
/// `dir` came from `opendir` and is not closed; it is freed.
#[no_mangle]
pub unsafe extern "C" fn closedir(dir: *mut Dir) -> c_int {
    if dir.is_null() {
        return ret_int::<i32>(Err(Errno::EBADF));
    }
    // SAFETY: as the caller promises: made by `Box::into_raw` here, freed once.
    let dir = unsafe { Box::from_raw(dir) };
    ret_int(fs::close(dir.fd).map(|()| 0))
}
