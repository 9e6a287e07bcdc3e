//! The mount table: which server holds which part of the namespace, and the path buffer
//! the VFS shares with each. Requests are forwarded with the path made absolute inside
//! the mounted file system (`/dev/null` reaches the devices server as `/null`).

use alloc::string::String;
use alloc::vec::Vec;
use sel4::CPtr;
use uxrt::caps;
use uxrt::protocols::file::{FileKind, FileStat, PathRequest, Span, PATH_BUFFER};
use uxrt::protocols::startup::FIRST_MOUNT;
use uxrt::protocols::{Errno, Pid, Reply, Word};
use uxrt::server::{self, Answer};
use uxrt_namespace::path::Path;

struct Mount {
    point: Path,
    server: CPtr,
    /// The path buffer shared with the server.
    buffer: &'static mut [u8],
}

pub struct Mounts {
    /// Longest mount point first, so the first that holds a path is the right one.
    list: Vec<Mount>,
    pipes: Option<CPtr>,
}

/// The argument that names the pipe server.
const PIPES: &str = "pipe:";

impl Mounts {
    /// Reads `PATH=PID` arguments; shares a path buffer with each file server.
    pub fn from_args<'a>(args: impl Iterator<Item = &'a str>) -> Result<Mounts, Errno> {
        let mut mounts = Mounts { list: Vec::new(), pipes: None };
        for (i, arg) in args.enumerate() {
            let (point, pid) = arg.split_once('=').ok_or(Errno::EINVAL)?;
            let pid: Pid = pid.parse().map_err(|_| Errno::EINVAL)?;
            let server = FIRST_MOUNT + i as Word;
            if point == PIPES {
                mounts.pipes = Some(server);
                continue;
            }
            let point = uxrt_namespace::path::resolve(&Path::root(), point.as_bytes())?;
            mounts.list.push(Mount { point, server, buffer: share_path_buffer(server, pid)? });
        }
        mounts.list.sort_by_key(|m| core::cmp::Reverse(m.point.as_str().len()));
        Ok(mounts)
    }

    /// The mount holding `path`, and the path inside it.
    fn find(&mut self, path: &Path) -> Result<(&mut Mount, String), Errno> {
        let mount = self.list.iter_mut().find(|m| path.is_within(&m.point)).ok_or(Errno::ENOENT)?;
        let rest = &path.as_str()[if mount.point.is_root() { 0 } else { mount.point.as_str().len() }..];
        let inner = if rest.is_empty() { String::from("/") } else { String::from(rest) };
        Ok((mount, inner))
    }

    /// Sends `request` on about `path` to its file server; an `Open` passes the open
    /// file's capability on to the client.
    /// Forwards `request` on `path` to the server mounted there; what it creates is
    /// charged to `session` (the caller's, from its badge: never what the caller said).
    pub fn forward(&mut self, path: &Path, request: PathRequest, session: Pid) -> Answer {
        let owner = session as Word;
        let (mount, inner) = match self.find(path) {
            Ok(found) => found,
            Err(errno) => return Reply::error(errno).into(),
        };
        let opens = matches!(request, PathRequest::Open { .. });
        mount.call(
            |buffer| {
                let path = put(buffer, 0, &inner);
                Some(match request {
                    PathRequest::Open { flags, mode, .. } => PathRequest::Open { path, flags, mode, owner },
                    PathRequest::Mkdir { mode, .. } => PathRequest::Mkdir { path, mode, owner },
                    PathRequest::Rmdir { .. } => PathRequest::Rmdir { path },
                    PathRequest::Unlink { .. } => PathRequest::Unlink { path },
                    PathRequest::Stat { .. } => PathRequest::Stat { path },
                    PathRequest::Chmod { mode, .. } => PathRequest::Chmod { path, mode },
                    _ => return None,
                })
            },
            opens,
        )
    }

    /// Both paths in the one server's buffer (`EXDEV` when they are on two mounts).
    pub fn rename(&mut self, from: &Path, to: &Path) -> Answer {
        let (server, from_inner) = match self.find(from) {
            Ok((mount, inner)) => (mount.server, inner),
            Err(errno) => return Reply::error(errno).into(),
        };
        let (mount, to_inner) = match self.find(to) {
            Ok(found) if found.0.server == server => found,
            Ok(_) => return Reply::error(Errno::EXDEV).into(),
            Err(errno) => return Reply::error(errno).into(),
        };
        let request = |buffer: &mut [u8]| {
            let half = buffer.len() / 2;
            let from = put(buffer, 0, &from_inner);
            Some(PathRequest::Rename { from, to: put(buffer, half, &to_inner) })
        };
        mount.call(request, false)
    }

    /// `ENOTDIR` unless `path` is a directory.
    pub fn check_directory(&mut self, path: &Path) -> Result<(), Errno> {
        let (mount, inner) = self.find(path)?;
        let reply = match mount.call(|buffer| Some(PathRequest::Stat { path: put(buffer, 0, &inner) }), false) {
            Answer::Reply(reply) => reply,
            _ => Reply::error(Errno::EIO),
        };
        match FileStat::from_reply(reply)?.kind {
            FileKind::Directory => Ok(()),
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// A new pipe from the pipe server: its read end goes to the client.
    /// A new pipe, its buffer charged to `session`.
    pub fn pipe(&mut self, session: Pid) -> Answer {
        match self.pipes {
            Some(pipes) => call(pipes, PathRequest::Pipe { owner: session as Word }, true),
            None => Reply::error(Errno::ENOSYS).into(),
        }
    }
}

impl Mount {
    /// Calls the server with the request `write` puts in the path buffer. A server the
    /// root server restarted after it died answers `ENOBUFS` (it has no path buffer
    /// yet): it gets a new one, and the request again.
    /// (`EINVAL` when `write` makes no request: not one a file server takes.)
    fn call(&mut self, write: impl Fn(&mut [u8]) -> Option<PathRequest>, with_cap: bool) -> Answer {
        let Some(request) = write(self.buffer) else { return Reply::error(Errno::EINVAL).into() };
        let answer = call(self.server, request, with_cap);
        if !matches!(&answer, Answer::Reply(reply) if reply.0 == Err(Errno::ENOBUFS)) {
            return answer;
        }
        let pid = match uxrt::sys::call_endpoint(self.server, PathRequest::Identify.encode()).0.results() {
            Ok([pid]) => pid,
            Err(errno) => return Reply::error(errno).into(),
        };
        match Pid::try_from(pid).map_err(|_| Errno::EIO).and_then(|pid| share_path_buffer(self.server, pid)) {
            Ok(buffer) => {
                // (The dead server's mapping went with it; this process's view goes now.)
                server::unshare(core::mem::replace(&mut self.buffer, buffer));
                match write(self.buffer) {
                    Some(request) => call(self.server, request, with_cap),
                    None => Reply::error(Errno::EINVAL).into(),
                }
            }
            Err(errno) => Reply::error(errno).into(),
        }
    }
}

/// A path buffer shared with the file server `pid` on `server`, which is told of it.
fn share_path_buffer(server: CPtr, pid: Pid) -> Result<&'static mut [u8], Errno> {
    // (A file server needs no token: the root server lets servers share.)
    let (buffer, theirs) = server::share(pid, PATH_BUFFER, 0)?;
    let request = PathRequest::UseBuffer { address: theirs, length: PATH_BUFFER as Word };
    match uxrt::sys::call_endpoint(server, request.encode()).0.results() {
        Ok([]) => Ok(buffer),
        Err(errno) => {
            server::unshare(buffer);
            Err(errno)
        }
    }
}

/// Writes `path` at `offset` of `buffer` (paths were checked shorter than half of it).
fn put(buffer: &mut [u8], offset: usize, path: &str) -> Span {
    buffer[offset..offset + path.len()].copy_from_slice(path.as_bytes());
    Span::new(offset as Word, path.len() as Word)
}

/// Calls `server`; with `with_cap`, the capability in its reply goes on to the client.
fn call(server: CPtr, request: PathRequest, with_cap: bool) -> Answer {
    if !with_cap {
        return uxrt::sys::call_endpoint(server, request.encode()).0.into();
    }
    let slot = match caps::alloc() {
        Ok(slot) => slot,
        Err(errno) => return Reply::error(errno).into(),
    };
    caps::receive_into(slot);
    let (reply, received) = uxrt::sys::call_endpoint(server, request.encode());
    match reply.0 {
        Ok(_) if received == 1 => Answer::WithCap(reply, slot),
        Ok(_) => {
            caps::free(slot);
            Reply::error(Errno::EIO).into()
        }
        Err(_) => {
            caps::free(slot);
            reply.into()
        }
    }
}
