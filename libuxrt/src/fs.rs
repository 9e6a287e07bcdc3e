//! Files: the fd table and the Unix file calls. An fd is an endpoint capability straight
//! to the server holding the open file (at slot `FIRST_FD + fd`): read, write and seek go
//! there, never through the VFS, which only names files (open and the directory
//! operations). Transfers of up to `INLINE_MAX` bytes travel in message registers; larger
//! ones through a buffer the server shares with this process once per open file.

use crate::fd_table::{allowed, check, is_local, lowest_free, with_table, Descriptor, Table};
use crate::open_map;
use crate::sync::Lock as Mutex;
use crate::sys::{fd_slot, file_call};
use crate::{caps, env, events, pipe_rings, sys};
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use sel4::{CPtr, Word};
use uxrt_protocols::events::{split_transferred, Readiness};
use uxrt_protocols::file::{
    self, FileRequest, Inline, OpenFlags, PathRequest, Span, Whence, FILE_BUFFER, INLINE_MAX, PATH_BUFFER,
};
use uxrt_protocols::process::Request as ProcessRequest;
use uxrt_protocols::startup::{PROCESS_SERVER, VFS};
use uxrt_protocols::{Errno, Message, Reply};

pub use uxrt_protocols::file::{FileKind, FileStat, OpenFlags as Flags, TIME_NOW, TIME_OMIT};

pub use crate::Fd;

pub const STDIN: Fd = 0;
pub const STDOUT: Fd = 1;
pub const STDERR: Fd = 2;
pub(crate) use crate::fd_table::table_in_use;
pub use crate::fd_table::{fd_limits, is_open, set_fd_limits, FD_LIMIT};
/// Longest path, with its NUL (as Linux's PATH_MAX).
const PATH_MAX: usize = PATH_BUFFER / 2;

/// Sends `message` to `cap` with room for one capability in `receive` (if given).
fn call(cap: CPtr, message: Message, receive: Option<CPtr>) -> (Reply, usize) {
    if let Some(slot) = receive {
        caps::receive_into(slot);
    }
    sys::call_endpoint(cap, message)
}

// ---- Paths: through the VFS --------------------------------------------------------

/// Puts `paths` in the buffer shared with the VFS (set up on first use) and sends
/// `request(spans)`.
fn path_call<const N: usize>(
    paths: [&str; N],
    receive: Option<CPtr>,
    request: impl Fn([Span; N]) -> PathRequest,
) -> Result<(Reply, usize), Errno> {
    vfs_call(receive, |buffer| Ok(request(put_paths(buffer, paths)?).encode()))
}

/// Writes `paths` into the path buffer, `PATH_MAX` bytes apart; where they are.
fn put_paths<const N: usize>(buffer: &mut [u8], paths: [&str; N]) -> Result<[Span; N], Errno> {
    let mut spans = [Span::default(); N];
    for (i, path) in paths.iter().enumerate() {
        if path.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let at = i * PATH_MAX;
        buffer[at..at + path.len()].copy_from_slice(path.as_bytes());
        spans[i] = Span::new(at as Word, path.len() as Word);
    }
    Ok(spans)
}

/// Sends the VFS the message `make` builds (after writing into the path buffer, which is
/// set up on first use). A VFS restarted since this process attached (the last one
/// crashed) does not know it and answers `ENOBUFS`: the process attaches again and sends
/// the message once more.
fn vfs_call(
    receive: Option<CPtr>,
    mut make: impl FnMut(&mut [u8]) -> Result<Message, Errno>,
) -> Result<(Reply, usize), Errno> {
    let mut send = || {
        let message = with_table(|table| make(path_buffer(table)?))?;
        Ok(call(VFS, message, receive))
    };
    let (reply, caps) = send()?;
    if reply.0 != Err(Errno::ENOBUFS) || ATTACHING.load(Ordering::Relaxed) {
        return Ok((reply, caps));
    }
    attach_again();
    send()
}

/// Set while the process attaches again (its `Chdir` goes through `vfs_call` too): a VFS
/// that answers `ENOBUFS` even then gets no second attempt, rather than a loop.
static ATTACHING: AtomicBool = AtomicBool::new(false);

/// Attaches to a restarted VFS: the old path buffer, which became this process's own
/// memory when the VFS that shared it died, is given back; a new one is shared; the
/// working directory is told again (one removed meanwhile leaves the process at `/`).
#[cold]
#[inline(never)]
fn attach_again() {
    if let Some(old) = with_table(|table| table.paths.take()) {
        // (A range the root server could not fill again is simply not there: no error.)
        let _ = crate::memory::unmap(core::ptr::NonNull::from(&mut *old).cast(), old.len());
    }
    if let Some(directory) = changed_working_directory() {
        ATTACHING.store(true, Ordering::Relaxed);
        // (The request is repeated whatever this says: a failure shows there.)
        let _ = start_in(&directory);
        ATTACHING.store(false, Ordering::Relaxed);
    }
}

/// The token with which a server may share one buffer with this process (and charge
/// it for the buffer): passed to the server that is asked for one.
fn consent_to_share() -> Result<Word, Errno> {
    let [token] = sys::call(uxrt_protocols::process::Request::AcceptShare).results()?;
    Ok(token)
}

fn path_buffer(table: &mut Table) -> Result<&mut [u8], Errno> {
    if table.paths.is_none() {
        let token = consent_to_share()?;
        let [address, length] = call(VFS, PathRequest::Attach { token }.encode(), None).0.results()?;
        if (length as usize) < PATH_BUFFER {
            return Err(Errno::EIO);
        }
        // SAFETY: the VFS had the root server map `length` bytes for this process at
        // `address` (shared with the VFS, which reads them only while handling a request
        // this process sent); nothing else in this process uses that range.
        table.paths = Some(unsafe { core::slice::from_raw_parts_mut(address as *mut u8, PATH_BUFFER) });
    }
    table.paths.as_deref_mut().ok_or(Errno::EIO)
}

/// Opens `path` with `flags` (Linux `O_*` values) and `mode` (for a new file). A
/// blocking open of a named pipe returns once its other end is open too, as on Linux.
pub fn open(path: &str, flags: u32, mode: u32) -> Result<Fd, Errno> {
    let flags = OpenFlags::new(flags as Word)?;
    let fd = with_table(|t| lowest_free(t, 0))?;
    let (reply, caps) =
        path_call([path], Some(fd_slot(fd)), |[path]| PathRequest::Open { path, flags, mode, owner: 0 })?;
    let [kind] = reply.results()?;
    let nonblocking = flags.has(OpenFlags::NONBLOCK);
    let fd = install(fd, caps, Descriptor::new(flags.has(OpenFlags::CLOSE_ON_EXEC), nonblocking))?;
    // (Only a named pipe opens as a pipe: the waiting is done here, in the client, so
    // that neither the VFS nor the pipe server ever waits for one.)
    if kind == FileKind::Pipe as Word && !nonblocking {
        if let Err(errno) = file_call(fd, FileRequest::AwaitPeer).results::<0>() {
            let _ = close(fd);
            return Err(errno);
        }
    }
    Ok(fd)
}

/// Sets the access and modification times (nanoseconds of Unix time, or `TIME_OMIT`,
/// `TIME_NOW`) of what `path` names (a symbolic link in its last component followed
/// with `follow`); the change time becomes now.
pub fn set_times(path: &str, accessed: u64, modified: u64, follow: bool) -> Result<(), Errno> {
    path_op(path, |path| PathRequest::SetTimes { path, accessed, modified, follow })
}

/// As [`set_times`], of the file open at `fd`.
pub fn set_file_times(fd: Fd, accessed: u64, modified: u64) -> Result<(), Errno> {
    check(fd)?;
    let [] = file_call(fd, FileRequest::SetTimes { accessed, modified }).results()?;
    Ok(())
}

/// Makes a named pipe (a FIFO) at `path` with permission bits `mode`.
pub fn mkfifo(path: &str, mode: u32) -> Result<(), Errno> {
    path_op(path, |path| PathRequest::Mkfifo { path, mode, owner: 0 })
}

/// Records `fd` once its capability arrived.
fn install(fd: Fd, caps: usize, descriptor: Descriptor) -> Result<Fd, Errno> {
    if caps != 1 {
        return Err(Errno::EIO);
    }
    with_table(|t| t.insert(fd, descriptor));
    Ok(fd)
}

fn path_op(path: &str, request: impl Fn(Span) -> PathRequest) -> Result<(), Errno> {
    let [] = path_call([path], None, |[path]| request(path))?.0.results()?;
    Ok(())
}

pub fn mkdir(path: &str, mode: u32) -> Result<(), Errno> {
    path_op(path, |path| PathRequest::Mkdir { path, mode, owner: 0 })
}

pub fn rmdir(path: &str) -> Result<(), Errno> {
    path_op(path, |path| PathRequest::Rmdir { path })
}

pub fn unlink(path: &str) -> Result<(), Errno> {
    path_op(path, |path| PathRequest::Unlink { path })
}

/// Sets the permission bits of what `path` names.
pub fn chmod(path: &str, mode: u32) -> Result<(), Errno> {
    path_op(path, |path| PathRequest::Chmod { path, mode })
}

pub fn chdir(path: &str) -> Result<(), Errno> {
    path_op(path, chdir_request)?;
    // Learnt once here rather than at every spawn (a shell spawns far more than it
    // changes directory).
    *WORKING_DIRECTORY.lock() = getcwd().ok().filter(|cwd| cwd != "/");
    Ok(())
}

/// (One function, not a closure at each use: one copy of `path_op` serves them all.)
fn chdir_request(path: Span) -> PathRequest {
    PathRequest::Chdir { path }
}

/// Starts in `directory`, the working directory a parent told (its own `getcwd`, so
/// already resolved: no need to ask the VFS for it back, and a small program that
/// never changes directory carries no `getcwd`).
pub(crate) fn start_in(directory: &str) -> Result<(), Errno> {
    path_op(directory, chdir_request)?;
    *WORKING_DIRECTORY.lock() = Some(String::from(directory));
    Ok(())
}

/// The working directory when this process changed it to other than `/`, where every
/// process starts (its children are told: see `process::spawn_with_fds`).
static WORKING_DIRECTORY: Mutex<Option<String>> = Mutex::new(None);

/// The working directory, when it is not the start-up one (`/`): what a child is told,
/// and what a restarted VFS is told again.
pub(crate) fn changed_working_directory() -> Option<String> {
    WORKING_DIRECTORY.lock().clone()
}

pub fn rename(from: &str, to: &str) -> Result<(), Errno> {
    let [] = path_call([from, to], None, |[from, to]| PathRequest::Rename { from, to })?.0.results()?;
    Ok(())
}

pub fn stat(path: &str) -> Result<FileStat, Errno> {
    FileStat::from_reply(path_call([path], None, |[path]| PathRequest::Stat { path })?.0)
}

/// A pipe's capacity in bytes, first set to `bytes` (rounded up, as Linux's
/// `F_SETPIPE_SZ`) unless that is 0; `EBADF` for anything but a pipe.
pub fn pipe_capacity(fd: Fd, bytes: u64) -> Result<usize, Errno> {
    // (Every file server answers `EBADF` for a file that is not a pipe; an epoll
    // instance has no server.)
    if is_local(fd)? {
        return Err(Errno::EBADF);
    }
    let [capacity] = file_call(fd, FileRequest::PipeCapacity { bytes }).results()?;
    Ok(capacity as usize)
}

/// As [`stat`], of a symbolic link itself rather than what it names.
pub fn lstat(path: &str) -> Result<FileStat, Errno> {
    FileStat::from_reply(path_call([path], None, |[path]| PathRequest::StatLink { path })?.0)
}

/// Makes a symbolic link at `path` whose target is `target` (any text; it is looked
/// up only when a path crosses the link).
pub fn symlink(target: &str, path: &str) -> Result<(), Errno> {
    let request = |[target, path]: [Span; 2]| PathRequest::Symlink { target, path, owner: 0 };
    let [] = path_call([target, path], None, request)?.0.results()?;
    Ok(())
}

/// The target of the symbolic link at `path`, as many of its bytes as fit in `into`
/// (silently cut, as `readlink`); how many were copied.
pub fn readlink(path: &str, into: &mut [u8]) -> Result<usize, Errno> {
    let [length] = path_call([path], None, |[path]| PathRequest::ReadLink { path })?.0.results()?;
    with_table(|table| {
        let target = path_buffer(table)?.get(..length as usize).ok_or(Errno::EIO)?;
        let n = target.len().min(into.len());
        into[..n].copy_from_slice(&target[..n]);
        Ok(n)
    })
}

/// The working directory.
pub fn getcwd() -> Result<String, Errno> {
    let [length] = vfs_call(None, |_| Ok(PathRequest::GetCwd.encode()))?.0.results()?;
    with_table(|table| {
        let bytes = path_buffer(table)?.get(..length as usize).ok_or(Errno::EIO)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| Errno::EIO)
    })
}

/// Path requests the VFS has handled since boot (its message counter).
pub fn vfs_requests() -> Result<u64, Errno> {
    let [count] = call(VFS, PathRequest::Statistics.encode(), None).0.results()?;
    Ok(count)
}

/// A pipe: (read end, write end).
pub fn pipe() -> Result<(Fd, Fd), Errno> {
    let read = with_table(|t| lowest_free(t, 0))?;
    let (reply, caps) = call(VFS, PathRequest::Pipe { owner: 0 }.encode(), Some(fd_slot(read)));
    let [] = reply.results()?;
    install(read, caps, Descriptor::new(false, false))?;
    let write = with_table(|t| lowest_free(t, 0))?;
    let (reply, caps) = call(fd_slot(read), FileRequest::OpenPeer.encode(), Some(fd_slot(write)));
    match reply.results().and_then(|[]| install(write, caps, Descriptor::new(false, false))) {
        Ok(write) => Ok((read, write)),
        Err(errno) => {
            let _ = close(read);
            Err(errno)
        }
    }
}

// ---- Open files: straight to their server ------------------------------------------

pub fn close(fd: Fd) -> Result<(), Errno> {
    // (The server keeps a shared buffer mapped until the open file's last reference
    // goes; this process's view of it is unmapped with it.)
    let descriptor = with_table(|t| t.remove(fd)).ok_or(Errno::EBADF)?;
    events::forget(fd);
    if descriptor.local {
        return Ok(());
    }
    pipe_rings::forget(fd);
    let reply = file_call(fd, FileRequest::Close);
    caps::delete(fd_slot(fd));
    reply.results::<0>().map(|_| ())
}

/// Closes every fd (at exit, so that servers drop their references).
pub fn close_all() {
    let fds: Vec<Fd> = with_table(|t| t.fds.keys().collect());
    for fd in fds {
        let _ = close(fd);
    }
}

pub fn read(fd: Fd, buffer: &mut [u8]) -> Result<usize, Errno> {
    match is_nonblocking(fd)? {
        false => read_as::<false>(fd, buffer),
        true => read_as::<true>(fd, buffer),
    }
}

/// [`read`], made once for each kind of fd: a blocking read (the hot path) carries no
/// test of a flag it never has.
#[inline(always)]
fn read_as<const NONBLOCKING: bool>(fd: Fd, buffer: &mut [u8]) -> Result<usize, Errno> {
    if pipe_rings::is_leased(fd) {
        return pipe_rings::read(fd, buffer, NONBLOCKING);
    }
    let wanted = Readiness::READABLE.union(Readiness::HANGUP);
    if NONBLOCKING {
        ready_now(fd, wanted)?;
    } else if crate::signals::catching() {
        wait_interruptibly(fd, wanted)?;
    }
    let read = if buffer.len() <= INLINE_MAX {
        // (Decoded straight into `buffer`: the hot path of small reads.)
        let request = FileRequest::read_message(buffer.len() as u8, NONBLOCKING);
        sys::call_raw(fd_slot(fd), &request)
            .and_then(|(label, words, length)| Inline::read_reply(label, &words[..length], buffer))
    } else {
        match read_direct(fd, buffer, NONBLOCKING) {
            Err(Errno::ENOSYS) => read_through_shared(fd, buffer, NONBLOCKING),
            read => read,
        }
    };
    let (n, cleared) = match read {
        Ok(read) => read,
        Err(errno) => {
            if NONBLOCKING {
                would_wait(fd, errno, wanted);
            }
            return Err(errno);
        }
    };
    events::cleared(fd, cleared);
    if n > 0 {
        pipe_rings::read_through_server(fd);
    }
    Ok(n)
}

/// For a non-blocking transfer: `EAGAIN` when the cached readiness says `fd` is not
/// `wanted`. (Without a queue nothing is cached: the server answers.)
fn ready_now(fd: Fd, wanted: Readiness) -> Result<(), Errno> {
    match events::check_ready(fd, wanted) {
        Err(Errno::ENOSYS) => Ok(()),
        ready => ready,
    }
}

/// A transfer failed with `errno`: when that was the server's `EAGAIN`, the cached
/// readiness was stale (a pipe's hang-up that a new writer ended) and `wanted` is gone.
fn would_wait(fd: Fd, errno: Errno, wanted: Readiness) {
    if errno == Errno::EAGAIN {
        events::cleared(fd, wanted);
    }
}

/// A bulk read that the kernel copies from the server's memory straight into `buffer`,
/// a transfer window (kernel patch 0019) of up to `FILE_BUFFER` bytes at a time: one
/// copy. It reads on until a count comes short, as a regular file's `read` does on
/// Linux; only the first read may wait (a pipe's: the next ones carry `DONT_WAIT`, and
/// a pipe with nothing more ends the read with what it has). `ENOSYS` from a server
/// that does not read so (then this fd never asks again).
fn read_direct(fd: Fd, buffer: &mut [u8], nonblocking: bool) -> Result<(usize, Readiness), Errno> {
    if !with_table(|t| t.fds.get(&fd).map(|d| d.reads_direct)).ok_or(Errno::EBADF)? {
        return Err(Errno::ENOSYS);
    }
    let (mut done, mut cleared) = (0, Readiness::NONE);
    while done < buffer.len() {
        let wanted = (buffer.len() - done).min(FILE_BUFFER);
        match read_window(fd, &mut buffer[done..done + wanted], nonblocking || done > 0) {
            Ok((n, now)) => {
                done += n;
                cleared = now;
                if n < wanted {
                    break;
                }
            }
            Err(errno) if done == 0 => return Err(errno),
            Err(_) => break,
        }
    }
    Ok((done, cleared))
}

/// One direct read into `window` (at most `FILE_BUFFER` bytes).
fn read_window(fd: Fd, window: &mut [u8], nonblocking: bool) -> Result<(usize, Readiness), Errno> {
    let length = window.len();
    fault_in(window);
    let window_span = Span::new(window.as_mut_ptr() as Word, length as Word);
    let request = FileRequest::ReadDirect { window: window_span, nonblocking };
    let (label, words, count) = sys::call_with_window(fd_slot(fd), &request.encode())?;
    let words = &words[..count];
    if let Err(errno) = Reply::decode(label, words).results::<3>() {
        if errno == Errno::ENOSYS {
            with_table(|t| t.fds.get_mut(&fd).map(|d| d.reads_direct = false));
        }
        return Err(errno);
    }
    let (read, copied, cleared) = file::read_direct_reply(words)?;
    if copied < read {
        // Part of the buffer is not writable memory (the kernel copies no further):
        // the offset goes back to the first byte not delivered.
        let _ = lseek(fd, copied as i64 - read as i64, Whence::Current);
        if copied == 0 {
            return Err(Errno::EFAULT);
        }
    }
    Ok((copied, cleared))
}

/// Reads a byte of every page of `buffer`, so that a copy by the kernel finds them
/// mapped: the stack grows when a fault says so, and the kernel's copy raises none. (A
/// read, not a write: memory that cannot be written is the kernel's to refuse, and the
/// read then fails `EFAULT`, as on Linux.)
fn fault_in(buffer: &mut [u8]) {
    let page = crate::memory::PAGE_SIZE;
    let first_boundary = (page - buffer.as_ptr() as usize % page) % page;
    for at in core::iter::once(0).chain((first_boundary..buffer.len()).step_by(page)) {
        if let Some(byte) = buffer.get(at) {
            // SAFETY: `byte` is a live reference into `buffer`; read volatile so that
            // the access is made.
            unsafe { core::ptr::read_volatile(byte) };
        }
    }
}

/// A bulk read through the buffer shared with the file's server: the server copies
/// into it, then this copies out.
fn read_through_shared(fd: Fd, buffer: &mut [u8], nonblocking: bool) -> Result<(usize, Readiness), Errno> {
    with_shared(fd, |shared, pid| {
        let length = buffer.len().min(shared.len());
        let span = Span::new(0, length as Word);
        let [word] = file_call(fd, FileRequest::ReadShared { pid, span, nonblocking }).results()?;
        let (n, cleared) = split_transferred(word)?;
        let n = n.min(length);
        buffer[..n].copy_from_slice(&shared[..n]);
        Ok((n, cleared))
    })
}

/// Writes all of `bytes` unless an error comes first (then what was written, if any);
/// on a non-blocking fd, what fits now (`EAGAIN` if nothing does).
pub fn write(fd: Fd, bytes: &[u8]) -> Result<usize, Errno> {
    let nonblocking = is_nonblocking(fd)?;
    let wanted = Readiness::WRITABLE.union(Readiness::ERROR);
    // (A non-blocking write asks the server even when the cached readiness says no: a
    // pipe is writable while a write of PIPE_BUF bytes would go in, and a smaller one
    // may go in before that. The server answers EAGAIN rather than wait.)
    if !nonblocking && crate::signals::catching() {
        wait_interruptibly(fd, wanted)?;
    }
    if bytes.len() <= INLINE_MAX {
        let request = FileRequest::Write { data: Inline::new(bytes), nonblocking };
        let [word] = file_call(fd, request).results().inspect_err(|&errno| would_wait(fd, errno, wanted))?;
        let (n, cleared) = split_transferred(word)?;
        events::cleared(fd, cleared);
        return Ok(n);
    }
    with_shared(fd, |shared, pid| {
        let mut written = 0;
        while written < bytes.len() {
            let chunk = &bytes[written..][..(bytes.len() - written).min(shared.len())];
            shared[..chunk.len()].copy_from_slice(chunk);
            let span = Span::new(0, chunk.len() as Word);
            let request = FileRequest::WriteShared { pid, span, nonblocking };
            let result = file_call(fd, request).results().and_then(|[w]| split_transferred(w));
            match result {
                Ok((n, cleared)) => {
                    events::cleared(fd, cleared);
                    written += n.min(chunk.len());
                    if n == 0 || (nonblocking && !cleared.is_empty()) {
                        break;
                    }
                }
                Err(errno) => {
                    would_wait(fd, errno, wanted);
                    if written == 0 {
                        return Err(errno);
                    }
                    break;
                }
            }
        }
        Ok(written)
    })
}

/// A blocking transfer in a process that catches signals waits for `fd` on the queue
/// first, where a signal can end the wait: `EINTR`, or waiting on after handlers that
/// all had `SA_RESTART`. (Without a queue, the transfer blocks in its server as usual.)
#[cold]
#[inline(never)]
fn wait_interruptibly(fd: Fd, wanted: Readiness) -> Result<(), Errno> {
    match crate::signals::restarting(|| events::wait_ready(fd, wanted)) {
        Err(Errno::ENOSYS) => Ok(()),
        result => result,
    }
}

#[inline]
fn is_nonblocking(fd: Fd) -> Result<bool, Errno> {
    check(fd)?;
    Ok(open_map::is_nonblocking(fd))
}

/// Sets or clears `O_NONBLOCK` on `fd` (as `fcntl(F_SETFL)`; it is per fd here, not per
/// open file).
pub fn set_nonblocking(fd: Fd, nonblocking: bool) -> Result<(), Errno> {
    // (Under the table's lock, as `insert` and `remove` change the maps.)
    with_table(|t| t.fds.contains_key(&fd).then(|| open_map::set_nonblocking(fd, nonblocking))).ok_or(Errno::EBADF)
}

/// `fd`'s status flags, as `fcntl(F_GETFL)` (only `O_NONBLOCK` is tracked).
pub fn status_flags(fd: Fd) -> Result<u32, Errno> {
    is_local(fd)?;
    Ok(if open_map::is_nonblocking(fd) { OpenFlags::NONBLOCK } else { 0 })
}

/// Whether `fd` is closed in children (as `fcntl(F_GETFD)`).
pub fn is_close_on_exec(fd: Fd) -> Result<bool, Errno> {
    with_table(|t| t.fds.get(&fd).map(|d| d.close_on_exec)).ok_or(Errno::EBADF)
}

/// Sets or clears close-on-exec on `fd` (as `fcntl(F_SETFD)`).
pub fn set_close_on_exec(fd: Fd, close_on_exec: bool) -> Result<(), Errno> {
    with_table(|t| t.fds.get_mut(&fd).map(|d| d.close_on_exec = close_on_exec)).ok_or(Errno::EBADF)
}

/// Runs `f` on the buffer shared with `fd`'s server (set up on first use).
fn with_shared<R>(fd: Fd, f: impl FnOnce(&mut [u8], Word) -> Result<R, Errno>) -> Result<R, Errno> {
    let pid = env::pid_at_start().ok_or(Errno::EIO)?;
    let mut buffer = with_table(|t| t.fds.get_mut(&fd).map(|d| d.buffer.take())).ok_or(Errno::EBADF)?;
    if buffer.is_none() {
        let token = consent_to_share()?;
        let [address, length] = file_call(fd, FileRequest::MapBuffer { pid, token }).results()?;
        // SAFETY: the file's server had the root server map `length` bytes at `address`
        // for this process; the server touches them only while handling this process's
        // requests on the file, and nothing else here uses that range.
        buffer = Some(unsafe { core::slice::from_raw_parts_mut(address as *mut u8, length as usize) });
    }
    let view = buffer.as_deref_mut().ok_or(Errno::EIO)?;
    let result = f(view, pid);
    with_table(|t| t.fds.get_mut(&fd).map(|d| d.buffer = buffer));
    result
}

pub fn lseek(fd: Fd, offset: i64, whence: Whence) -> Result<u64, Errno> {
    // (Linux's epoll instances take any seek and stay at 0.)
    if is_local(fd)? {
        return Ok(0);
    }
    let [at] = file_call(fd, FileRequest::Seek { offset, whence }).results()?;
    Ok(at)
}

/// `pread`: reads at `offset` and leaves the file's offset where it was (`ESPIPE` for a
/// file that cannot seek). The offset is moved and put back: another process sharing
/// the open file at that moment would see it move.
pub fn pread(fd: Fd, buffer: &mut [u8], offset: i64) -> Result<usize, Errno> {
    at_offset(fd, offset, |fd| read(fd, buffer))
}

/// `pwrite`: writes at `offset`, as [`pread`] reads.
pub fn pwrite(fd: Fd, bytes: &[u8], offset: i64) -> Result<usize, Errno> {
    at_offset(fd, offset, |fd| write(fd, bytes))
}

fn at_offset(fd: Fd, offset: i64, transfer: impl FnOnce(Fd) -> Result<usize, Errno>) -> Result<usize, Errno> {
    if offset < 0 {
        return Err(Errno::EINVAL);
    }
    let here = lseek(fd, 0, Whence::Current)?;
    lseek(fd, offset, Whence::Set)?;
    let done = transfer(fd);
    lseek(fd, here as i64, Whence::Set)?;
    done
}

pub fn fstat(fd: Fd) -> Result<FileStat, Errno> {
    check(fd)?;
    FileStat::from_reply(file_call(fd, FileRequest::Stat))
}

/// Sets the permission bits of the file open at `fd` (`EINVAL` for a device or a pipe).
pub fn fchmod(fd: Fd, mode: u32) -> Result<(), Errno> {
    check(fd)?;
    let [] = file_call(fd, FileRequest::Chmod { mode }).results()?;
    Ok(())
}

pub fn ftruncate(fd: Fd, length: u64) -> Result<(), Errno> {
    check(fd)?;
    let [] = file_call(fd, FileRequest::Truncate { length }).results()?;
    Ok(())
}

/// Makes process group `pid` the foreground one of the terminal open at `fd`: the one
/// its interrupt key (`^C`) sends SIGINT (`None`: none). `ENOTTY`, or the file server's
/// `EINVAL`, when the file is no terminal.
pub fn set_foreground(fd: Fd, pid: Option<crate::Pid>) -> Result<(), Errno> {
    check(fd)?;
    let [] = file_call(fd, FileRequest::SetForeground { pid: pid.unwrap_or(0) as Word }).results()?;
    Ok(())
}

/// A terminal's input mode: canonical (lines, echo, signal keys) or `raw` (every byte as
/// typed, nothing echoed or signalled: a line editor's). `ENOTTY` on other files.
pub fn set_terminal_raw(fd: Fd, raw: bool) -> Result<(), Errno> {
    check(fd)?;
    let [] = file_call(fd, FileRequest::SetTerminal { raw }).results()?;
    Ok(())
}

/// A new fd for the same open file, the lowest free one.
pub fn dup(fd: Fd) -> Result<Fd, Errno> {
    dup_from(fd, 0)
}

/// A new fd for the same open file, the lowest free one from `min` up (`fcntl`'s
/// `F_DUPFD`): `EBADF` for a closed `fd`, `EMFILE` when none is free below the limit.
pub fn dup_from(fd: Fd, min: Fd) -> Result<Fd, Errno> {
    is_local(fd)?;
    let new = with_table(|t| lowest_free(t, min))?;
    dup_to(fd, new)
}

/// Makes `new` refer to `old`'s open file (closing what `new` was first).
pub fn dup2(old: Fd, new: Fd) -> Result<Fd, Errno> {
    is_local(old)?;
    if !allowed(new) {
        return Err(Errno::EBADF);
    }
    if old == new {
        return Ok(new);
    }
    caps::ensure(fd_slot(new), 1)?;
    if is_open(new) {
        close(new)?;
    }
    dup_to(old, new)
}

/// As [`dup2`], with `new` close-on-exec if asked; `old == new` is `EINVAL` (as Linux's
/// `dup3`).
pub fn dup3(old: Fd, new: Fd, close_on_exec: bool) -> Result<Fd, Errno> {
    is_local(old)?;
    if old == new {
        return Err(Errno::EINVAL);
    }
    dup2(old, new)?;
    set_close_on_exec(new, close_on_exec)?;
    Ok(new)
}

/// `new` gets a handle of its own on `old`'s open file (so that each fd's subscription
/// and close are its own), with `old`'s `O_NONBLOCK` (a status flag of the open file);
/// or names `old`'s epoll instance too.
fn dup_to(old: Fd, new: Fd) -> Result<Fd, Errno> {
    let local = is_local(old)?;
    let nonblocking = open_map::is_nonblocking(old);
    if local {
        events::epoll_duplicate(old, new)?;
    } else {
        duplicate_into(old, fd_slot(new))?;
    }
    with_table(|t| t.insert(new, Descriptor { local, ..Descriptor::new(false, nonblocking) }));
    Ok(new)
}

/// A new handle on `fd`'s open file, into the empty slot `into`.
fn duplicate_into(fd: Fd, into: CPtr) -> Result<(), Errno> {
    // (A leased pipe end has one holder: the lease ends first.)
    pipe_rings::release(fd)?;
    let (reply, caps) = call(fd_slot(fd), FileRequest::Duplicate.encode(), Some(into));
    reply.results::<0>()?;
    if caps == 1 {
        Ok(())
    } else {
        Err(Errno::EIO) // (a server always sends the handle with its answer)
    }
}

/// The names in directory `fd`, from `cookie` on: (names, next cookie); no names at
/// the end.
pub fn read_dir(fd: Fd, cookie: u64) -> Result<(Vec<String>, u64), Errno> {
    check(fd)?;
    with_shared(fd, |shared, pid| {
        let [count, next] = file_call(fd, FileRequest::ReadDir { pid, cookie }).results()?;
        let names = shared
            .split(|&b| b == 0)
            .take(count as usize)
            .map(|name| String::from_utf8_lossy(name).into_owned())
            .collect();
        Ok((names, next))
    })
}

/// Every name in directory `path`.
pub fn list_dir(path: &str) -> Result<Vec<String>, Errno> {
    let fd = open(path, OpenFlags::DIRECTORY, 0)?;
    let mut names = Vec::new();
    let mut cookie = 0;
    let result = loop {
        match read_dir(fd, cookie) {
            Ok((batch, _)) if batch.is_empty() => break Ok(()),
            Ok((batch, next)) => {
                names.extend(batch);
                cookie = next;
            }
            Err(errno) => break Err(errno),
        }
    };
    close(fd)?;
    result.map(|()| names)
}

/// The open fds below 64 that a child gets by default (those not close-on-exec), as
/// (child fd, parent fd) pairs.
pub fn inheritable() -> Vec<(u32, u32)> {
    // (Only fds 0 to 63 can be passed: looked up one by one, not by walking the table,
    // whose length is the highest fd ever open.)
    with_table(|t| (0..64).filter(|fd| t.fds.get(fd).is_some_and(|d| !d.close_on_exec)).map(|fd| (fd, fd)).collect())
}

/// Handles of their own for a child, on each parent fd of `pairs` (child fd, parent
/// fd) that is an open file: the pairs (child fd, slot of the child's handle here) that
/// `Spawn` takes. On failure the handles made are closed again. (The epoll instances
/// among the pairs go by [`epolls_for_child`].)
pub(crate) fn duplicate_for_child(pairs: &[(u32, u32)]) -> Result<Vec<(u32, u32)>, Errno> {
    let mut handles = Vec::with_capacity(pairs.len());
    for &(child, fd) in pairs {
        let made = match is_local(fd) {
            Ok(true) => continue,
            Ok(false) => caps::alloc().and_then(|into| match duplicate_into(fd, into) {
                Ok(()) => Ok(into),
                Err(errno) => {
                    caps::free(into);
                    Err(errno)
                }
            }),
            Err(errno) => Err(errno),
        };
        match made {
            Ok(into) => handles.push((child, into as u32)),
            Err(errno) => {
                close_for_child(&handles);
                return Err(errno);
            }
        }
    }
    Ok(handles)
}

/// The environment entry that passes the epoll instances among `pairs` (child fd,
/// parent fd) to the child, if there are some: a copy of each set, its interests
/// renamed to the child's fds.
pub(crate) fn epolls_for_child(pairs: &[(u32, u32)]) -> Option<Vec<u8>> {
    match pairs.iter().any(|&(_, fd)| is_local(fd) == Ok(true)) {
        true => Some(events::epolls_for_child(pairs)),
        false => None,
    }
}

/// Closes the handles `duplicate_for_child` made (the child did not start).
pub(crate) fn close_for_child(handles: &[(u32, u32)]) {
    for &(_, handle) in handles {
        let _ = sys::call_endpoint(handle as CPtr, FileRequest::Close.encode());
    }
    forget_for_child(handles);
}

/// Deletes this process's copies of the handles `duplicate_for_child` made (the child
/// has its own now).
pub(crate) fn forget_for_child(handles: &[(u32, u32)]) {
    for &(_, handle) in handles {
        caps::free(handle as CPtr);
    }
}

/// Takes the console again as fds 0, 1 and 2 (closing what they were), for a process the
/// root server started with it (the console shell) after the devices server was
/// restarted: the handles of the one that died name nothing (`EBADF`). `EPERM` for
/// other processes, `EAGAIN` while the new devices server has not given the console.
pub fn console_again() -> Result<(), Errno> {
    let received = caps::alloc()?;
    let (reply, count) = call(PROCESS_SERVER, ProcessRequest::ConsoleAgain.encode(), Some(received));
    let got = reply.results::<0>().and_then(|[]| if count == 1 { Ok(()) } else { Err(Errno::EIO) });
    if let Err(errno) = got {
        caps::free(received);
        return Err(errno);
    }
    for fd in 0..3 {
        if is_open(fd) {
            let _ = close(fd);
        }
        // (Copies of one handle, as at start: the console's closes leave it open.)
        caps::delete(fd_slot(fd));
        if caps::copy_to(received, fd_slot(fd)).is_ok() {
            with_table(|t| t.insert(fd, Descriptor::new(false, false)));
        }
    }
    caps::free(received);
    Ok(())
}

/// Whether `fd` is a pipe's read end leased to this process: its bytes are read from
/// memory shared with the pipes server, with no call (see `pipe_rings`).
pub fn is_leased(fd: Fd) -> bool {
    pipe_rings::is_leased(fd)
}
