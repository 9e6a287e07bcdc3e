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
            // (A file server needs no token: the root server lets servers share.)
            let (buffer, theirs) = server::share(pid, PATH_BUFFER, 0)?;
            let request = PathRequest::UseBuffer { address: theirs, length: PATH_BUFFER as Word };
            let [] = uxrt::sys::call_endpoint(server, request.encode()).0.results()?;
            mounts.list.push(Mount { point, server, buffer });
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
        let span = put(mount.buffer, 0, &inner);
        let request = match request {
            PathRequest::Open { flags, mode, .. } => PathRequest::Open { path: span, flags, mode, owner },
            PathRequest::Mkdir { mode, .. } => PathRequest::Mkdir { path: span, mode, owner },
            PathRequest::Rmdir { .. } => PathRequest::Rmdir { path: span },
            PathRequest::Unlink { .. } => PathRequest::Unlink { path: span },
            PathRequest::Stat { .. } => PathRequest::Stat { path: span },
            PathRequest::Chmod { mode, .. } => PathRequest::Chmod { path: span, mode },
            _ => return Reply::error(Errno::EINVAL).into(),
        };
        let opens = matches!(request, PathRequest::Open { .. });
        call(mount.server, request, opens)
    }

    pub fn rename(&mut self, from: &Path, to: &Path) -> Answer {
        match self.rename_request(from, to) {
            Ok((server, request)) => call(server, request, false),
            Err(errno) => Reply::error(errno).into(),
        }
    }

    /// Both paths in the one server's buffer (`EXDEV` when they are on two mounts).
    fn rename_request(&mut self, from: &Path, to: &Path) -> Result<(CPtr, PathRequest), Errno> {
        let (from_mount, from_inner) = self.find(from)?;
        let server = from_mount.server;
        let (mount, to_inner) = self.find(to)?;
        if mount.server != server {
            return Err(Errno::EXDEV);
        }
        let half = mount.buffer.len() / 2;
        let from = put(mount.buffer, 0, &from_inner);
        let to = put(mount.buffer, half, &to_inner);
        Ok((server, PathRequest::Rename { from, to }))
    }

    /// `ENOTDIR` unless `path` is a directory.
    pub fn check_directory(&mut self, path: &Path) -> Result<(), Errno> {
        let (mount, inner) = self.find(path)?;
        let span = put(mount.buffer, 0, &inner);
        let reply = uxrt::sys::call_endpoint(mount.server, PathRequest::Stat { path: span }.encode()).0;
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
