//! The mount table: which server holds which part of the namespace, and the path buffer
//! the VFS shares with each. Requests are forwarded with the path made absolute inside
//! the mounted file system (`/dev/null` reaches the devices server as `/null`).
//!
//! Symbolic links are resolved here, not in the file servers: a link may lead into
//! another mount. A server that meets one on a path answers [`LINK_MET`] with where and
//! to what; the request goes again, on the path through the link, up to [`LINKS_MAX`]
//! links (then `ELOOP`, as Linux's limit).

use alloc::vec::Vec;
use sel4::CPtr;
use uxrt::caps;
use uxrt::protocols::file::{FileKind, FileStat, LinkMet, OpenFlags, PathRequest, Span, LINK_MET, PATH_BUFFER};
use uxrt::protocols::startup::FIRST_MOUNT;
use uxrt::protocols::{Errno, Pid, Reply, Word};
use uxrt::server::{self, answer, Answer};
use uxrt_namespace::path::{self, Path};

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

/// Symbolic links one request may cross (Linux's `MAXSYMLINKS`).
pub const LINKS_MAX: usize = 40;

impl Mounts {
    /// Reads the mount points; shares a path buffer with each file server.
    pub fn from_args<'a>(args: impl Iterator<Item = &'a str>) -> Result<Mounts, Errno> {
        let mut mounts = Mounts { list: Vec::new(), pipes: None };
        for (i, point) in args.enumerate() {
            let server = FIRST_MOUNT + i as Word;
            if point == PIPES {
                mounts.pipes = Some(server);
                continue;
            }
            let point = uxrt_namespace::path::resolve(&Path::root(), point.as_bytes())?;
            mounts.list.push(Mount { point, server, buffer: share_path_buffer(server)? });
        }
        mounts.list.sort_by_key(|m| core::cmp::Reverse(m.point.as_str().len()));
        Ok(mounts)
    }

    /// The mount holding `path` (its index), and the path inside it.
    fn find<'p>(&self, path: &'p Path) -> Result<(usize, &'p str), Errno> {
        let index = self.list.iter().position(|m| path.is_within(&m.point)).ok_or(Errno::ENOENT)?;
        let point = &self.list[index].point;
        let rest = &path.as_str()[if point.is_root() { 0 } else { point.as_str().len() }..];
        Ok((index, if rest.is_empty() { "/" } else { rest }))
    }

    /// Forwards `request` on `path` to the server mounted there; what it creates is
    /// charged to `session` (the caller's, from its badge: never what the caller said).
    /// An `Open` passes the open file's capability on to the client (a named pipe's
    /// from the pipe server).
    pub fn forward(&mut self, path: &Path, request: PathRequest, session: Pid) -> Answer {
        let owner = session as Word;
        let opens = matches!(request, PathRequest::Open { .. });
        let (answer, mount) = self.call_following(
            [path.clone()],
            |_, [path]| match request {
                PathRequest::Open { flags, mode, .. } => Some(PathRequest::Open { path, flags, mode, owner }),
                PathRequest::Mkdir { mode, .. } => Some(PathRequest::Mkdir { path, mode, owner }),
                PathRequest::Mkfifo { mode, .. } => Some(PathRequest::Mkfifo { path, mode, owner }),
                PathRequest::SetTimes { accessed, modified, follow, .. } => {
                    Some(PathRequest::SetTimes { path, accessed, modified, follow })
                }
                PathRequest::Rmdir { .. } => Some(PathRequest::Rmdir { path }),
                PathRequest::Unlink { .. } => Some(PathRequest::Unlink { path }),
                PathRequest::Stat { .. } => Some(PathRequest::Stat { path }),
                PathRequest::StatLink { .. } => Some(PathRequest::StatLink { path }),
                PathRequest::Chmod { mode, .. } => Some(PathRequest::Chmod { path, mode }),
                _ => None,
            },
            opens,
        );
        match (answer, mount, request) {
            (Answer::Reply(reply), Some(index), PathRequest::Open { flags, .. }) => match named_pipe(reply) {
                // (Its mount and inode name it: inodes are never reused.)
                Ok(ino) => self.open_fifo((index as Word) << 48 | ino, flags, owner),
                Err(reply) => reply.into(),
            },
            (answer, ..) => answer,
        }
    }

    /// An end of the named pipe `key`, from the pipe server.
    fn open_fifo(&mut self, key: Word, flags: OpenFlags, owner: Word) -> Answer {
        match self.pipes {
            Some(pipes) => call(pipes, PathRequest::OpenFifo { key, flags, owner }, true),
            None => Reply::error(Errno::ENXIO).into(),
        }
    }

    /// Both paths in the one server's buffer (`EXDEV` when they are on two mounts).
    pub fn rename(&mut self, from: &Path, to: &Path) -> Answer {
        self.call_following([from.clone(), to.clone()], |_, [from, to]| Some(PathRequest::Rename { from, to }), false).0
    }

    /// A symbolic link at `path` to `target` (text that is never resolved here).
    pub fn symlink(&mut self, target: &[u8], path: &Path, session: Pid) -> Answer {
        let owner = session as Word;
        let request = |buffer: &mut [u8], [path]: [Span; 1]| {
            // (After the path, which is shorter than half the buffer; so is the target.)
            let target = put(buffer, PATH_BUFFER / 2, target);
            Some(PathRequest::Symlink { target, path, owner })
        };
        self.call_following([path.clone()], request, false).0
    }

    /// The target of the symbolic link at `path`, handed to `deliver`; its length.
    pub fn readlink(&mut self, path: &Path, deliver: impl FnOnce(&[u8]) -> Result<Word, Errno>) -> Answer {
        let (outcome, mount) =
            self.call_following([path.clone()], |_, [path]| Some(PathRequest::ReadLink { path }), false);
        let Answer::Reply(reply) = outcome else { return outcome };
        let result = reply.results().and_then(|[length]| {
            let buffer = &self.list[mount.ok_or(Errno::EIO)?].buffer;
            deliver(buffer.get(..length as usize).ok_or(Errno::EIO)?)
        });
        answer(result.map(|length| [length]))
    }

    /// `path` with the symbolic links on it resolved, or `ENOTDIR` unless it names a
    /// directory (the working directory is kept as the directory's own path).
    pub fn directory(&mut self, path: &Path) -> Result<Path, Errno> {
        let mut resolved = path.clone();
        let (answer, _) = self.follow(
            core::slice::from_mut(&mut resolved),
            &mut |_, spans| Some(PathRequest::Stat { path: spans[0] }),
            false,
        );
        let reply = match answer {
            Answer::Reply(reply) => reply,
            _ => Reply::error(Errno::EIO),
        };
        match FileStat::from_reply(reply)?.kind {
            FileKind::Directory => Ok(resolved),
            _ => Err(Errno::ENOTDIR),
        }
    }

    /// Calls the server holding `paths` (each put in its buffer, inside the mount) with
    /// the request `make` builds, again through each symbolic link it meets. Also the
    /// index of the mount that answered last.
    fn call_following<const N: usize>(
        &mut self,
        mut paths: [Path; N],
        make: impl Fn(&mut [u8], [Span; N]) -> Option<PathRequest>,
        with_cap: bool,
    ) -> (Answer, Option<usize>) {
        self.follow(&mut paths, &mut |buffer, spans| make(buffer, spans.try_into().ok()?), with_cap)
    }

    /// [`call_following`](Self::call_following), leaving the paths as last resolved.
    fn follow(
        &mut self,
        paths: &mut [Path],
        make: &mut dyn FnMut(&mut [u8], &[Span]) -> Option<PathRequest>,
        with_cap: bool,
    ) -> (Answer, Option<usize>) {
        for _ in 0..=LINKS_MAX {
            // (A request names one path or two: no allocation for them.)
            let (mut mount, mut inners) = (None, [""; 2]);
            if paths.is_empty() || paths.len() > inners.len() {
                return (Reply::error(Errno::EINVAL).into(), None);
            }
            for (path, inner) in paths.iter().zip(&mut inners) {
                let index;
                (index, *inner) = match self.find(path) {
                    Ok(found) => found,
                    Err(errno) => return (Reply::error(errno).into(), None),
                };
                // (Two paths of one request must be on one file system.)
                if mount.is_some_and(|m| m != index) {
                    return (Reply::error(Errno::EXDEV).into(), None);
                }
                mount = Some(index);
            }
            let Some(index) = mount else { return (Reply::error(Errno::EINVAL).into(), None) };
            let count = paths.len();
            let write = |buffer: &mut [u8]| {
                let mut spans = [Span::default(); 2];
                for (i, inner) in inners[..count].iter().enumerate() {
                    spans[i] = put(buffer, i * PATH_BUFFER / 2, inner.as_bytes());
                }
                make(buffer, &spans[..count])
            };
            let answer = self.list[index].call(write, with_cap);
            if !matches!(&answer, Answer::Reply(reply) if reply.0 == Err(LINK_MET)) {
                return (answer, Some(index));
            }
            let mount = &self.list[index];
            let through = LinkMet::read(mount.buffer).and_then(|met| {
                let path = paths.get(met.path).ok_or(Errno::EIO)?;
                let component = mount.point.components().count() + met.component;
                Ok((met.path, path::through_link(path, component, met.target)?))
            });
            match through {
                Ok((which, path)) => paths[which] = path,
                Err(errno) => return (Reply::error(errno).into(), Some(index)),
            }
        }
        (Reply::error(Errno::ELOOP).into(), None)
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
    fn call(&mut self, mut write: impl FnMut(&mut [u8]) -> Option<PathRequest>, with_cap: bool) -> Answer {
        let Some(request) = write(self.buffer) else { return Reply::error(Errno::EINVAL).into() };
        let answer = call(self.server, request, with_cap);
        if !matches!(&answer, Answer::Reply(reply) if reply.0 == Err(Errno::ENOBUFS)) {
            return answer;
        }
        match share_path_buffer(self.server) {
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

/// A path buffer shared with the file server on `server`, which is told of it. (The
/// server says who it is: one the root server restarted has a new pid, and so may the
/// ones a restarted VFS finds.)
fn share_path_buffer(server: CPtr) -> Result<&'static mut [u8], Errno> {
    let [pid] = uxrt::sys::call_endpoint(server, PathRequest::Identify.encode()).0.results()?;
    let pid = Pid::try_from(pid).map_err(|_| Errno::EIO)?;
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

/// The inode of the named pipe a file server's reply to `Open` names (no capability
/// came with it), or the reply as it was.
fn named_pipe(reply: Reply) -> Result<Word, Reply> {
    match reply.results() {
        Ok([kind, ino]) if kind == FileKind::Pipe as Word && ino >> 48 == 0 => Ok(ino),
        _ => Err(reply),
    }
}

/// Writes `path` at `offset` of `buffer` (paths were checked shorter than half of it).
fn put(buffer: &mut [u8], offset: usize, path: &[u8]) -> Span {
    buffer[offset..offset + path.len()].copy_from_slice(path);
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
        Ok(_) if received == 0 && named_pipe(reply).is_ok() => {
            caps::free(slot);
            reply.into()
        }
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
