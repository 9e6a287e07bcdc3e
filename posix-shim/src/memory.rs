//! malloc and friends on the Rust heap: each block carries its size before it, so that
//! `free` and `realloc` know the layout.

use crate::set_errno;
use core::alloc::Layout;
use core::ffi::c_void;
use uxrt::Errno;

/// Bytes before each block: its size (and 16-byte alignment, as glibc's malloc gives).
const HEADER: usize = 16;

fn layout(size: usize) -> Option<Layout> {
    Layout::from_size_align(size.checked_add(HEADER)?, HEADER).ok()
}

#[no_mangle]
pub extern "C" fn malloc(size: usize) -> *mut c_void {
    let Some(layout) = layout(size) else {
        set_errno(Errno::ENOMEM);
        return core::ptr::null_mut();
    };
    // SAFETY: the layout has a non-zero size (HEADER).
    let base = unsafe { alloc::alloc::alloc(layout) };
    if base.is_null() {
        set_errno(Errno::ENOMEM);
        return core::ptr::null_mut();
    }
    // SAFETY: the block has HEADER bytes before what C gets, aligned for a usize.
    unsafe {
        (base as *mut usize).write(size);
        base.add(HEADER) as *mut c_void
    }
}

/// # Safety
/// `block` is NULL or came from `malloc`/`calloc`/`realloc` and was not freed.
#[no_mangle]
pub unsafe extern "C" fn free(block: *mut c_void) {
    if block.is_null() {
        return;
    }
    // SAFETY: as the caller promises, a header with the size sits before the block.
    unsafe {
        let base = (block as *mut u8).sub(HEADER);
        let size = (base as *const usize).read();
        if let Some(layout) = layout(size) {
            alloc::alloc::dealloc(base, layout);
        }
    }
}

#[no_mangle]
pub extern "C" fn calloc(count: usize, size: usize) -> *mut c_void {
    let Some(total) = count.checked_mul(size) else {
        set_errno(Errno::ENOMEM);
        return core::ptr::null_mut();
    };
    let block = malloc(total);
    if !block.is_null() {
        // SAFETY: the block has `total` bytes.
        unsafe { core::ptr::write_bytes(block as *mut u8, 0, total) };
    }
    block
}

/// # Safety
/// As [`free`].
#[no_mangle]
pub unsafe extern "C" fn realloc(block: *mut c_void, size: usize) -> *mut c_void {
    if block.is_null() {
        return malloc(size);
    }
    let new = malloc(size);
    if !new.is_null() {
        // SAFETY: the old block's size is in its header; both blocks hold the bytes copied.
        unsafe {
            let old_size = ((block as *mut u8).sub(HEADER) as *const usize).read();
            core::ptr::copy_nonoverlapping(block as *const u8, new as *mut u8, old_size.min(size));
            free(block);
        }
    }
    new
}

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
