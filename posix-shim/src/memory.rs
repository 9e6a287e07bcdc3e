//! Memory mappings: what musl's malloc (and C programs) map and unmap. malloc itself is
//! musl's.

use crate::set_errno;
use core::ffi::c_void;
use uxrt::Errno;

/// `mmap` flags (Linux's values).
mod map {
    pub const SHARED: i32 = 0x01;
    pub const PRIVATE: i32 = 0x02;
    pub const FIXED: i32 = 0x10;
    pub const ANONYMOUS: i32 = 0x20;
}
const PAGE: i64 = 4096;

/// `mmap`: anonymous memory (zeroed, readable and writable whatever `prot` says), where
/// the root server puts it. `EINVAL` for an empty length, an unaligned offset or neither
/// `MAP_SHARED` nor `MAP_PRIVATE` (or both); `EBADF` for a file mapping of a closed fd,
/// `ENODEV` for one of an open file (uxrt maps no files yet); `ENOTSUP` for `MAP_FIXED`.
#[no_mangle]
pub extern "C" fn mmap(_addr: *mut c_void, length: usize, _prot: i32, flags: i32, fd: i32, offset: i64) -> *mut c_void {
    let sharing = flags & (map::SHARED | map::PRIVATE);
    let mapped = if length == 0 || offset % PAGE != 0 || (sharing != map::SHARED && sharing != map::PRIVATE) {
        Err(Errno::EINVAL)
    } else if flags & map::ANONYMOUS == 0 {
        match u32::try_from(fd).ok().filter(|&fd| uxrt::fs::is_open(fd)) {
            Some(_) => Err(Errno::ENODEV),
            None => Err(Errno::EBADF),
        }
    } else if flags & map::FIXED != 0 {
        Err(Errno::ENOTSUP)
    } else {
        uxrt::memory::map_anonymous(length)
    };
    mapped.map_or_else(
        |errno| {
            set_errno(errno);
            usize::MAX as *mut c_void // MAP_FAILED
        },
        |address| address.as_ptr() as *mut c_void,
    )
}

/// musl's internal name for `mmap` (its malloc calls this one).
#[no_mangle]
pub extern "C" fn __mmap(addr: *mut c_void, length: usize, prot: i32, flags: i32, fd: i32, offset: i64) -> *mut c_void {
    mmap(addr, length, prot, flags, fd, offset)
}

/// `munmap`: unmaps the anonymous memory in the range (parts of mappings too; a range
/// with none is no error). `EINVAL` for an unaligned address or an empty length.
#[no_mangle]
pub extern "C" fn munmap(addr: *mut c_void, length: usize) -> i32 {
    let unmapped = match core::ptr::NonNull::new(addr as *mut u8) {
        Some(address) if length > 0 => uxrt::memory::unmap(address, length),
        _ => Err(Errno::EINVAL),
    };
    crate::ret_int(unmapped.map(|()| 0))
}

/// musl's internal name for `munmap`.
#[no_mangle]
pub extern "C" fn __munmap(addr: *mut c_void, length: usize) -> i32 {
    munmap(addr, length)
}

/// `mprotect` protections (Linux's values).
const PROT_READ: i32 = 1;
const PROT_WRITE: i32 = 2;

/// `mprotect(address, length, prot)`: uxrt's mappings are readable and writable, so a
/// request for exactly that (musl's malloc makes its reserved pages usable this way)
/// succeeds; any other protection is `ENOSYS` (not provided yet).
#[no_mangle]
pub extern "C" fn mprotect(addr: *mut c_void, _length: usize, prot: i32) -> i32 {
    let result = if addr as i64 % PAGE != 0 {
        Err(Errno::EINVAL)
    } else if prot == PROT_READ | PROT_WRITE {
        Ok(0)
    } else {
        Err(Errno::ENOSYS)
    };
    crate::ret_int(result)
}

/// musl's internal name for `madvise`: advice, taken as given (0) and not acted on.
#[no_mangle]
pub extern "C" fn __madvise(_addr: *mut c_void, _length: usize, _advice: i32) -> i32 {
    0
}

/// As [`__madvise`].
#[no_mangle]
pub extern "C" fn madvise(addr: *mut c_void, length: usize, advice: i32) -> i32 {
    __madvise(addr, length, advice)
}

/// `mremap(old, old_length, new_length, flags)`: resizes a whole anonymous mapping; one
/// that grows moves (its pages change place, its contents stay) when `MREMAP_MAYMOVE`
/// allows, and is `ENOMEM` otherwise. `EINVAL` for another range or `MREMAP_FIXED`.
#[no_mangle]
pub extern "C" fn mremap(old: *mut c_void, old_length: usize, new_length: usize, flags: i32) -> *mut c_void {
    __mremap(old, old_length, new_length, flags)
}

/// `mremap` flags (Linux's values).
const MREMAP_MAYMOVE: i32 = 1;

/// musl's internal name for `mremap` (its realloc calls this one).
#[no_mangle]
pub extern "C" fn __mremap(old: *mut c_void, old_length: usize, new_length: usize, flags: i32) -> *mut c_void {
    let pages = |bytes: usize| bytes.div_ceil(PAGE as usize);
    let remapped = match core::ptr::NonNull::new(old as *mut u8) {
        _ if flags & !MREMAP_MAYMOVE != 0 || old as i64 % PAGE != 0 => Err(Errno::EINVAL),
        Some(_) if pages(new_length) > pages(old_length) && flags & MREMAP_MAYMOVE == 0 => Err(Errno::ENOMEM),
        Some(address) => uxrt::memory::remap(address, old_length, new_length),
        None => Err(Errno::EINVAL),
    };
    remapped.map_or_else(
        |errno| {
            set_errno(errno);
            usize::MAX as *mut c_void // MAP_FAILED
        },
        |address| address.as_ptr() as *mut c_void,
    )
}
