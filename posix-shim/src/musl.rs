//! What musl (Debian's musl-dev 1.2.3, the C library of uxrt's C programs) needs from
//! its system layer beyond the POSIX functions: the process start (a Linux-style
//! argument, environment and auxiliary vector handed to `__libc_start_main`), the end
//! of the process, and stdio's four hooks into the system. (musl sets its thread
//! pointer with a Linux `arch_prctl`, which the root server provides.)
//!
//! The hooks see musl's `FILE` (`src/internal/stdio_impl.h`, an internal layout that
//! has not changed in the 1.2 series): only the fields named in [`File`] are touched,
//! and `cargo xtask` builds against exactly musl 1.2.3.

use crate::files::{read, write};
use core::ffi::{c_char, c_int, c_uint, c_void};
use uxrt::protocols::file::OpenFlags;

/// musl's `struct _IO_FILE` (`FILE`), 232 bytes.
#[repr(C)]
pub struct File {
    flags: c_uint,
    rpos: *mut u8,
    rend: *mut u8,
    close: Option<unsafe extern "C" fn(*mut File) -> c_int>,
    wend: *mut u8,
    wpos: *mut u8,
    mustbezero_1: *mut u8,
    wbase: *mut u8,
    read: Option<unsafe extern "C" fn(*mut File, *mut u8, usize) -> usize>,
    write: Option<unsafe extern "C" fn(*mut File, *const u8, usize) -> usize>,
    seek: Option<unsafe extern "C" fn(*mut File, i64, c_int) -> i64>,
    buf: *mut u8,
    buf_size: usize,
    prev: *mut File,
    next: *mut File,
    fd: c_int,
    pipe_pid: c_int,
    lockcount: core::ffi::c_long,
    mode: c_int,
    /// -1: this stream is never locked (one thread).
    lock: c_int,
    /// The line-buffering character (`'\n'`), or -1 for none.
    lbf: c_int,
    cookie: *mut c_void,
    off: i64,
    getln_buf: *mut c_char,
    mustbezero_2: *mut c_void,
    shend: *mut u8,
    shlim: i64,
    shcnt: i64,
    prev_locked: *mut File,
    next_locked: *mut File,
    locale: *mut c_void,
}

const _: () = assert!(core::mem::size_of::<File>() == 232);

/// `FILE` flags (musl's `F_*`).
const F_NORD: c_uint = 4;
const F_NOWR: c_uint = 8;
const F_EOF: c_uint = 16;
const F_ERR: c_uint = 32;
/// Set by `setvbuf`: the program chose the buffering; do not look at the terminal.
const F_SVB: c_uint = 64;
const F_APP: c_uint = 128;
/// Bytes `ungetc` may push back before a stream's buffer, and the buffer's size.
const UNGET: usize = 8;
const BUFSIZ: usize = 1024;

/// Writes out what is buffered (`wbase..wpos`), then `len` bytes at `buf`; returns how
/// many of `buf`'s bytes were written (all of them, unless an error stops it).
///
/// # Safety
/// `f` is a musl `FILE` whose buffer pointers are valid; `buf` holds `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn __stdio_write(f: *mut File, buf: *const u8, len: usize) -> usize {
    // SAFETY: as the caller (musl's stdio) promises.
    let f = unsafe { &mut *f };
    let buffered = f.wpos as usize - f.wbase as usize;
    let parts = [(f.wbase as *const u8, buffered), (buf, len)];
    for (index, (mut start, mut left)) in parts.into_iter().enumerate() {
        while left > 0 {
            // SAFETY: `start` holds `left` bytes (the buffer's used part, or the caller's).
            let written = unsafe { write(f.fd, start.cast(), left) };
            if written <= 0 {
                f.wpos = core::ptr::null_mut();
                f.wbase = core::ptr::null_mut();
                f.wend = core::ptr::null_mut();
                f.flags |= F_ERR;
                // Only the caller's bytes count; none of them when the buffer failed.
                return if index == 0 { 0 } else { len - left };
            }
            // SAFETY: `written` ≤ `left`, so this stays within the same bytes.
            start = unsafe { start.add(written as usize) };
            left -= written as usize;
        }
    }
    f.wbase = f.buf;
    f.wpos = f.buf;
    // SAFETY: `buf..buf + buf_size` is the FILE's buffer.
    f.wend = unsafe { f.buf.add(f.buf_size) };
    len
}

/// Reads for stdio: up to `len` bytes into `buf`, and what the stream's buffer can
/// hold beyond them when the request is smaller than that buffer (as Linux's `readv`
/// into both would).
///
/// # Safety
/// `f` is a musl `FILE`; `buf` holds `len` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn __stdio_read(f: *mut File, buf: *mut u8, len: usize) -> usize {
    // SAFETY: as the caller (musl's stdio) promises.
    let f = unsafe { &mut *f };
    if len > f.buf_size || f.buf_size == 0 {
        // A large request goes straight to the caller's bytes.
        // SAFETY: `buf` holds `len` bytes.
        let count = unsafe { read(f.fd, buf.cast(), len) };
        return end_of_read(f, count).unwrap_or(0);
    }
    // SAFETY: the FILE's buffer holds `buf_size` bytes.
    let count = unsafe { read(f.fd, f.buf.cast(), f.buf_size) };
    let Some(count) = end_of_read(f, count) else { return 0 };
    let given = count.min(len);
    // SAFETY: both hold `given` bytes; the stream's buffer is not the caller's.
    unsafe {
        core::ptr::copy_nonoverlapping(f.buf, buf, given);
        f.rpos = f.buf.add(given);
        f.rend = f.buf.add(count);
    }
    given
}

/// A read's byte count, or `None` after marking the stream at its end or in error.
fn end_of_read(f: &mut File, count: isize) -> Option<usize> {
    match count {
        1.. => Some(count as usize),
        0 => {
            f.flags |= F_EOF;
            None
        }
        _ => {
            f.flags |= F_ERR;
            None
        }
    }
}

/// `stdout`'s first write: line-buffered on a terminal, fully buffered otherwise
/// (unless the program chose with `setvbuf`); from then on it writes as any stream.
///
/// # Safety
/// As [`__stdio_write`].
#[no_mangle]
pub unsafe extern "C" fn __stdout_write(f: *mut File, buf: *const u8, len: usize) -> usize {
    // SAFETY: as the caller (musl's stdio) promises.
    let file = unsafe { &mut *f };
    file.write = Some(__stdio_write);
    if file.flags & F_SVB == 0 && crate::files::isatty(file.fd) == 0 {
        file.lbf = -1;
    }
    // SAFETY: as the caller promises.
    unsafe { __stdio_write(f, buf, len) }
}

/// Closes a stream's file descriptor.
///
/// # Safety
/// `f` is a musl `FILE`.
#[no_mangle]
pub unsafe extern "C" fn __stdio_close(f: *mut File) -> c_int {
    // SAFETY: as the caller (musl's fclose) promises.
    crate::files::close(unsafe { (*f).fd })
}

extern "C" {
    fn malloc(size: usize) -> *mut c_void;
    /// The `O_*` flags for an `fopen` mode ("r+", "wb", …).
    fn __fmodeflags(mode: *const c_char) -> c_int;
    /// Adds a stream to the open-file list (which `exit` flushes).
    fn __ofl_add(f: *mut File) -> *mut File;
    fn __stdio_seek(f: *mut File, offset: i64, whence: c_int) -> i64;
}

/// `fdopen(fd, mode)`: a stream over an open file descriptor, buffered (by lines when
/// it writes to a terminal).
///
/// # Safety
/// `mode` is a NUL-ended string.
#[no_mangle]
pub unsafe extern "C" fn fdopen(fd: c_int, mode: *const c_char) -> *mut File {
    // SAFETY: as the caller promises.
    let mode = unsafe { core::ffi::CStr::from_ptr(mode) }.to_bytes();
    let Some(&first) = mode.first().filter(|c| b"rwa".contains(c)) else {
        crate::set_errno(uxrt::Errno::EINVAL);
        return core::ptr::null_mut();
    };
    let has = |c: u8| mode.contains(&c);
    // SAFETY: malloc gives a block for the FILE, the unget area and the buffer, or NULL.
    let f = unsafe { malloc(core::mem::size_of::<File>() + UNGET + BUFSIZ) } as *mut File;
    if f.is_null() {
        return f;
    }
    if has(b'e') {
        crate::files::fcntl(fd, crate::files::F_SETFD, crate::files::FD_CLOEXEC);
    }
    let mut flags = if has(b'+') {
        0
    } else if first == b'r' {
        F_NOWR
    } else {
        F_NORD
    };
    if first == b'a' {
        let status = crate::files::fcntl(fd, crate::files::F_GETFL, 0);
        if status >= 0 && status & crate::files::O_APPEND == 0 {
            crate::files::fcntl(fd, crate::files::F_SETFL, status | crate::files::O_APPEND);
        }
        flags |= F_APP;
    }
    let line_buffered = flags & F_NOWR == 0 && crate::files::isatty(fd) != 0;
    // SAFETY: the block is large enough and suitably aligned (malloc's alignment) for a
    // FILE; its buffer follows the unget area, inside the block.
    unsafe {
        let buf = (f as *mut u8).add(core::mem::size_of::<File>() + UNGET);
        f.write(File {
            flags,
            rpos: core::ptr::null_mut(),
            rend: core::ptr::null_mut(),
            close: Some(__stdio_close),
            wend: core::ptr::null_mut(),
            wpos: core::ptr::null_mut(),
            mustbezero_1: core::ptr::null_mut(),
            wbase: core::ptr::null_mut(),
            read: Some(__stdio_read),
            write: Some(__stdio_write),
            seek: Some(__stdio_seek),
            buf,
            buf_size: BUFSIZ,
            prev: core::ptr::null_mut(),
            next: core::ptr::null_mut(),
            fd,
            pipe_pid: 0,
            lockcount: 0,
            mode: 0,
            lock: -1,
            lbf: if line_buffered { b'\n' as c_int } else { -1 },
            cookie: core::ptr::null_mut(),
            off: 0,
            getln_buf: core::ptr::null_mut(),
            mustbezero_2: core::ptr::null_mut(),
            shend: core::ptr::null_mut(),
            shlim: 0,
            shcnt: 0,
            prev_locked: core::ptr::null_mut(),
            next_locked: core::ptr::null_mut(),
            locale: core::ptr::null_mut(),
        });
        __ofl_add(f)
    }
}

/// musl's internal name for `fdopen` (its `tmpfile` calls this one).
///
/// # Safety
/// As [`fdopen`].
#[no_mangle]
pub unsafe extern "C" fn __fdopen(fd: c_int, mode: *const c_char) -> *mut File {
    // SAFETY: as the caller promises.
    unsafe { fdopen(fd, mode) }
}

/// `fopen(path, mode)`: opens the file (created with mode 0666 less the umask when
/// writing) and makes a stream of it.
///
/// # Safety
/// `path` and `mode` are NUL-ended strings.
#[no_mangle]
pub unsafe extern "C" fn fopen(path: *const c_char, mode: *const c_char) -> *mut File {
    // SAFETY: as the caller promises.
    if mode.is_null() || !b"rwa".contains(&(unsafe { *mode } as u8)) {
        crate::set_errno(uxrt::Errno::EINVAL);
        return core::ptr::null_mut();
    }
    // SAFETY: as the caller promises (a mode string).
    let flags = unsafe { __fmodeflags(mode) };
    // SAFETY: as the caller promises (a path string).
    let fd = unsafe { crate::files::open(path, flags, 0o666) };
    if fd < 0 {
        return core::ptr::null_mut();
    }
    // SAFETY: as the caller promises.
    let f = unsafe { fdopen(fd, mode) };
    if f.is_null() {
        crate::files::close(fd);
    }
    f
}

/// musl's `__map_file(path, &size)`: a whole file in memory (its time-zone code reads
/// `/etc/localtime` this way, and gives it back with `munmap`). uxrt maps no files yet:
/// the contents are read into fresh anonymous memory. NULL if the file cannot be read.
///
/// # Safety
/// `path` is a NUL-ended string; `size` points at a writable `size_t`.
#[no_mangle]
pub unsafe extern "C" fn __map_file(path: *const c_char, size: *mut usize) -> *const u8 {
    // SAFETY: as the caller promises.
    let read_whole = || -> Result<(core::ptr::NonNull<u8>, usize), uxrt::Errno> {
        let path = unsafe { crate::c_str(path) }?;
        let fd = uxrt::fs::open(path, OpenFlags::READ_ONLY | OpenFlags::CLOSE_ON_EXEC, 0)?;
        let contents = uxrt::fs::fstat(fd).and_then(|stat| {
            let length = stat.size as usize;
            let memory = uxrt::memory::map_anonymous(length)?;
            // SAFETY: the fresh mapping holds `length` bytes and nothing else uses it.
            let bytes = unsafe { core::slice::from_raw_parts_mut(memory.as_ptr(), length) };
            let mut filled = 0;
            while filled < length {
                match uxrt::fs::read(fd, &mut bytes[filled..])? {
                    0 => break,
                    n => filled += n,
                }
            }
            Ok((memory, filled))
        });
        let _ = uxrt::fs::close(fd);
        contents
    };
    match read_whole() {
        Ok((memory, length)) => {
            // SAFETY: as the caller promises.
            unsafe { *size = length };
            memory.as_ptr()
        }
        Err(errno) => {
            crate::set_errno(errno);
            core::ptr::null()
        }
    }
}

extern "C" {
    /// musl's environment.
    static __environ: *const *const c_char;
    fn fclose(f: *mut File) -> c_int;
}

/// `pclose(stream)`: closes a `popen` stream and waits for its command: its wait
/// status, or -1 (`ECHILD` for a stream `popen` did not make). (musl's own waits with a
/// raw system call.)
///
/// # Safety
/// `f` is a stream `popen` returned, not closed yet.
#[no_mangle]
pub unsafe extern "C" fn pclose(f: *mut File) -> c_int {
    // SAFETY: as the caller promises.
    let pid = unsafe { (*f).pipe_pid };
    // SAFETY: as the caller promises; the stream is freed here.
    unsafe { fclose(f) };
    if pid <= 0 {
        crate::set_errno(uxrt::Errno::ECHILD);
        return -1;
    }
    let mut status = 0;
    // SAFETY: `status` is a writable int.
    match unsafe { crate::process::waitpid(pid, &mut status, 0) } {
        -1 => -1,
        _ => status,
    }
}

/// `popen(command, mode)`: runs `sh -c command` with its standard output (mode "r") or
/// input ("w") a new pipe, whose other end is the stream returned; musl's `pclose` waits
/// for the command. (musl's own `popen` closes a descriptor with a raw system call.)
///
/// # Safety
/// `command` and `mode` are NUL-ended strings.
#[no_mangle]
pub unsafe extern "C" fn popen(command: *const c_char, mode: *const c_char) -> *mut File {
    // SAFETY: as the caller promises.
    let opened =
        unsafe { crate::c_str(command).and_then(|c| Ok((c, crate::c_str(mode)?))) }.and_then(|(command, mode)| {
            let reading = match mode.trim_end_matches('e') {
                "r" => true,
                "w" => false,
                _ => return Err(uxrt::Errno::EINVAL),
            };
            let (read_end, write_end) = uxrt::fs::pipe()?;
            let (ours, theirs, their_fd) = if reading { (read_end, write_end, 1) } else { (write_end, read_end, 0) };
            // The command gets this process's files but the new pipe's ends, and its own
            // end as `their_fd` (a copy of ours would keep it from ever seeing the end).
            let mut fds = uxrt::fs::inheritable();
            fds.retain(|&(child, parent)| child != their_fd && parent != read_end && parent != write_end);
            fds.push((their_fd, theirs));
            // SAFETY: musl's environment: a NULL-ended array of strings.
            let env = unsafe { crate::spawn::strings(__environ) };
            let spawned =
                env.and_then(|env| uxrt::process::spawn_with_fds("/bin/sh", &["sh", "-c", command], &env, &fds));
            let _ = uxrt::fs::close(theirs);
            match spawned {
                Ok(pid) => Ok((ours, pid, if reading { c"r" } else { c"w" })),
                Err(errno) => {
                    let _ = uxrt::fs::close(ours);
                    Err(errno)
                }
            }
        });
    match opened {
        Ok((fd, pid, mode)) => {
            // SAFETY: a mode string; `fd` is open.
            let f = unsafe { fdopen(fd as c_int, mode.as_ptr()) };
            match unsafe { f.as_mut() } {
                Some(file) => file.pipe_pid = pid as c_int,
                None => {
                    let _ = uxrt::fs::close(fd);
                }
            }
            f
        }
        Err(errno) => {
            crate::set_errno(errno);
            core::ptr::null_mut()
        }
    }
}

/// Ends the process at once (musl's `exit` has flushed stdio and run `atexit`).
#[no_mangle]
pub extern "C" fn _Exit(status: c_int) -> ! {
    uxrt::process::exit(status)
}

extern "C" {
    fn __libc_start_main(
        main: unsafe extern "C" fn(c_int, *const *const c_char, *const *const c_char) -> c_int,
        argc: c_int,
        argv: *const *const c_char,
        init: usize,
        fini: usize,
        ldso: usize,
    ) -> c_int;
}

/// Auxiliary vector keys musl reads (Linux's values, as in `<elf.h>`).
mod at {
    pub const NULL: usize = 0;
    pub const PHDR: usize = 3;
    pub const PHENT: usize = 4;
    pub const PHNUM: usize = 5;
    pub const PAGESZ: usize = 6;
    pub const UID: usize = 11;
    pub const EUID: usize = 12;
    pub const GID: usize = 13;
    pub const EGID: usize = 14;
    pub const SECURE: usize = 23;
    pub const RANDOM: usize = 25;
    pub const EXECFN: usize = 31;
}

/// Starts musl with `argv` and `envp` (NULL-ended arrays of NUL-ended strings):
/// `__libc_start_main` sets up the thread pointer, stdio and constructors, calls
/// `main`, and passes its result to `exit`.
pub fn start(
    main: unsafe extern "C" fn(c_int, *const *const c_char, *const *const c_char) -> c_int,
    argv: &[*const c_char],
    envp: &[*const c_char],
) -> ! {
    use alloc::vec::Vec;
    // The stack protector's canary and whatever else wants randomness at start-up:
    // uxrt has no entropy source yet, so the time stamp counter, mixed.
    let random: &'static [u64; 2] = alloc::boxed::Box::leak(alloc::boxed::Box::new(random_words()));
    // The program headers (the link script loads them with the text): musl finds the
    // TLS template of `__thread` variables there.
    let (phdr, phent, phnum) = program_headers();
    // (Real and effective ids equal and AT_SECURE 0: musl skips its set-uid checks.)
    let aux = [
        (at::PHDR, phdr),
        (at::PHENT, phent),
        (at::PHNUM, phnum),
        (at::PAGESZ, 4096),
        (at::UID, 0),
        (at::EUID, 0),
        (at::GID, 0),
        (at::EGID, 0),
        (at::SECURE, 0),
        (at::RANDOM, random.as_ptr() as usize),
        (at::EXECFN, argv[0] as usize),
        (at::NULL, 0),
    ];
    // Linux's layout, which musl finds the environment and auxiliary vector by: argv's
    // pointers, NULL, envp's, NULL, then key/value pairs.
    let mut vector: Vec<usize> = Vec::with_capacity(argv.len() + envp.len() + 2 * aux.len());
    vector.extend(argv.iter().chain(envp).map(|&p| p as usize));
    vector.extend(aux.iter().flat_map(|&(key, value)| [key, value]));
    let vector = vector.leak();
    let argc = (argv.len() - 1) as c_int;
    // SAFETY: the vector is laid out as Linux's initial stack (argv and envp are
    // NULL-ended, as the slices given are) and lives for the whole process.
    unsafe { __libc_start_main(main, argc, vector.as_ptr() as *const *const c_char, 0, 0, 0) };
    unreachable!("__libc_start_main returned")
}

extern "C" {
    /// The start of the program's image: its ELF header (`rt/link.ld`).
    static __image_start: u8;
}

/// Where the program headers are in memory, their size and their number.
fn program_headers() -> (usize, usize, usize) {
    let header = core::ptr::addr_of!(__image_start);
    // SAFETY: the link script puts the ELF header, then the program headers, at the
    // start of the text segment, mapped read-only for the whole process; the fields
    // read are those of the 64-bit ELF header (e_phoff at 32, e_phentsize at 54,
    // e_phnum at 56), naturally aligned.
    unsafe {
        let offset = header.add(32).cast::<u64>().read() as usize;
        let size = header.add(54).cast::<u16>().read() as usize;
        let count = header.add(56).cast::<u16>().read() as usize;
        (header as usize + offset, size, count)
    }
}

/// Two words from the time stamp counter, mixed (splitmix64).
fn random_words() -> [u64; 2] {
    // SAFETY: rdtsc only reads the time stamp counter.
    let mut state = unsafe { core::arch::x86_64::_rdtsc() } ^ (uxrt::process::getpid() as u64).rotate_left(32);
    core::array::from_fn(|_| {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    })
}
