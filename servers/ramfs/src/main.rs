//! ramfs: the file system at `/`. Files and directories live in memory (the namespace
//! crate's `Tree`, with its POSIX rules); at start it is filled from the image's archive
//! (`/bin`, `/etc`), which the root server maps into it.
#![no_std]
#![no_main]

extern crate alloc;

use uxrt::protocols::events::Readiness;
use uxrt::protocols::file::{
    direct_reply, FileKind, FileRequest, FileStat, Inline, LinkMet, OpenFlags, PathRequest, Span, Whence, LINK_MET,
    TIME_NOW, TIME_OMIT,
};
use uxrt::protocols::session_shares;
use uxrt::protocols::startup::aux;
use uxrt::protocols::{Errno, Reply, Word};
use uxrt::server::files::{self, FileServer, OpenFiles};
use uxrt::server::{answer, Answer};
use uxrt_namespace::path::{self, Path};
use uxrt_namespace::tree::{self, Ino, Kind, NewTime, Owner, Tree, Usage, SYSTEM};

/// Bytes of file data ramfs holds at most.
const CAPACITY: u64 = 64 << 20;
/// Files and directories it holds at most: with names of up to 255 bytes, at most
/// about 13 MiB of its memory (beyond: `ENOSPC`, never a failed allocation).
const MAX_INODES: usize = 32_768;
/// What one session may hold (a quarter of each: one session cannot fill the file
/// system for the others; beyond it, `EDQUOT`). What the image brings is the system's.
const SESSION_QUOTA: Usage = Usage { inodes: session_shares::RAMFS_INODES, bytes: session_shares::RAMFS_BYTES };
const _: () = assert!(SESSION_QUOTA.bytes == CAPACITY / 4 && SESSION_QUOTA.inodes == MAX_INODES / 4);

uxrt::main!(main);

fn main() -> i32 {
    let mut ramfs = Ramfs { tree: Tree::new(CAPACITY, MAX_INODES, SESSION_QUOTA) };
    if let Err(errno) = ramfs.fill() {
        uxrt::eprintln!("ramfs: cannot load the image's files: {errno}");
    }
    files::run(&mut ramfs, OpenFiles::default())
}

struct Ramfs {
    tree: Tree,
}

/// An open file: what it is, how it was opened, and where it is at.
struct OpenFile {
    ino: Ino,
    flags: OpenFlags,
    offset: u64,
}

/// A path the VFS sent (already absolute inside this file system).
fn path_at(paths: &[u8], span: Span) -> Result<Path, Errno> {
    path::resolve(&Path::root(), span.of(paths)?)
}

fn kind_of(kind: Kind) -> FileKind {
    match kind {
        Kind::File => FileKind::Regular,
        Kind::Directory => FileKind::Directory,
        Kind::Symlink => FileKind::Symlink,
        Kind::Fifo => FileKind::Pipe,
    }
}

/// The paths `request` names, each with whether a symbolic link as its last component
/// is followed (as Linux: `stat`, `chmod` and `open` follow one, except `open` with
/// `O_NOFOLLOW` or with `O_CREAT|O_EXCL`; what makes, removes or renames a name, and
/// `lstat` and `readlink`, act on the link).
fn named_paths(request: &PathRequest) -> [Option<(Span, bool)>; 2] {
    match *request {
        PathRequest::Open { path, flags, .. } => {
            let exclusive = flags.has(OpenFlags::CREATE) && flags.has(OpenFlags::EXCLUSIVE);
            [Some((path, !flags.has(OpenFlags::NO_FOLLOW) && !exclusive)), None]
        }
        PathRequest::Stat { path } | PathRequest::Chmod { path, .. } => [Some((path, true)), None],
        PathRequest::SetTimes { path, follow, .. } => [Some((path, follow)), None],
        PathRequest::StatLink { path }
        | PathRequest::ReadLink { path }
        | PathRequest::Mkdir { path, .. }
        | PathRequest::Mkfifo { path, .. }
        | PathRequest::Rmdir { path }
        | PathRequest::Unlink { path }
        | PathRequest::Symlink { path, .. } => [Some((path, false)), None],
        PathRequest::Rename { from, to } => [Some((from, false)), Some((to, false))],
        _ => [None, None],
    }
}

impl Ramfs {
    /// The archive's files, and the directories a Unix system has.
    fn fill(&mut self) -> Result<(), Errno> {
        self.tree.set_now(uxrt::time::realtime_ns());
        for dir in ["/dev", "/tmp"] {
            self.tree.mkdir(&path_at(dir.as_bytes(), Span::new(0, dir.len() as Word))?, SYSTEM)?;
        }
        let (Some(address), Some(length)) = (uxrt::env::aux(aux::ARCHIVE), uxrt::env::aux(aux::ARCHIVE_LENGTH)) else {
            return Ok(());
        };
        // SAFETY: the root server mapped the archive read-only at `address` for the life
        // of this process, `length` bytes long.
        let archive = unsafe { core::slice::from_raw_parts(address as *const u8, length as usize) };
        for entry in cpio_reader::iter_files(archive) {
            let path = path::resolve(&Path::root(), entry.name().as_bytes())?;
            self.make_parents(&path)?;
            let create = OpenFlags(OpenFlags::WRITE_ONLY | OpenFlags::CREATE | OpenFlags::TRUNCATE);
            let ino = self.tree.open(&path, create, SYSTEM)?;
            let written = self.tree.write(ino, 0, entry.file());
            // (Programs keep their archive mode's execute bits.)
            let moded = self.tree.chmod(ino, entry.mode().bits() & 0o7777);
            self.tree.close(ino)?;
            written?;
            moded?;
        }
        Ok(())
    }

    fn make_parents(&mut self, path: &Path) -> Result<(), Errno> {
        if let Some((parent, _)) = path.split_last() {
            if self.tree.lookup(&parent) == Err(Errno::ENOENT) {
                self.make_parents(&parent)?;
                self.tree.mkdir(&parent, SYSTEM)?;
            }
        }
        Ok(())
    }

    fn stat(&self, ino: Ino) -> Result<FileStat, Errno> {
        let stat = self.tree.stat(ino)?;
        Ok(FileStat {
            ino: stat.ino,
            kind: kind_of(stat.kind),
            size: stat.size,
            links: stat.links,
            mode: stat.mode,
            modified: stat.modified,
            changed: stat.changed,
            accessed: stat.accessed,
        })
    }

    /// Opens (or makes, with permission bits `mode`) the file at `path`.
    fn open(
        &mut self,
        files: &mut OpenFiles<OpenFile>,
        path: &Path,
        flags: OpenFlags,
        mode: u32,
        owner: Owner,
    ) -> Answer {
        // (One lookup tells both whether it names a named pipe and whether it is new.)
        let found = self.tree.lookup(path).ok();
        if let Some(answer) = found.and_then(|ino| self.open_fifo(ino, flags)) {
            return answer;
        }
        let made = flags.has(OpenFlags::CREATE) && found.is_none();
        let opened = self.tree.open(path, flags, owner);
        let ino = match opened.and_then(|ino| if made { self.tree.chmod(ino, mode).map(|()| ino) } else { Ok(ino) }) {
            Ok(ino) => ino,
            Err(errno) => return Reply::error(errno).into(),
        };
        let kind = self.stat(ino).map(|s| s.kind);
        if flags.has(OpenFlags::DIRECTORY) && kind != Ok(FileKind::Directory) {
            let _ = self.tree.close(ino);
            return Reply::error(Errno::ENOTDIR).into();
        }
        match (kind, files.open(OpenFile { ino, flags, offset: 0 })) {
            (Ok(kind), Ok((_, cap))) => Answer::WithCap(Reply::ok(&[kind as Word]), cap),
            (Err(errno), _) | (_, Err(errno)) => {
                let _ = self.tree.close(ino);
                Reply::error(errno).into()
            }
        }
    }

    /// When `ino` is a named pipe: the answer that tells the VFS which (its pipe lives
    /// in the pipe server; nothing is opened here).
    fn open_fifo(&self, ino: Ino, flags: OpenFlags) -> Option<Answer> {
        if self.tree.stat(ino).ok()?.kind != Kind::Fifo {
            return None;
        }
        let refusal = if flags.has(OpenFlags::CREATE) && flags.has(OpenFlags::EXCLUSIVE) {
            Some(Errno::EEXIST)
        } else if flags.has(OpenFlags::DIRECTORY) {
            Some(Errno::ENOTDIR)
        } else {
            None
        };
        Some(match refusal {
            Some(errno) => Reply::error(errno).into(),
            None => answer(Ok([FileKind::Pipe as Word, ino])),
        })
    }

    /// Sets the times of `ino` from `SetTimes`' words.
    fn set_times(&mut self, ino: Ino, accessed: Word, modified: Word) -> Result<(), Errno> {
        let new = |word| match word {
            TIME_OMIT => NewTime::Omit,
            TIME_NOW => NewTime::Now,
            at => NewTime::At(at),
        };
        self.tree.set_times(ino, new(accessed), new(modified))
    }

    fn read(&mut self, file: &mut OpenFile, into: &mut [u8]) -> Result<usize, Errno> {
        let data = self.read_in_place(file, into.len())?;
        into[..data.len()].copy_from_slice(data);
        Ok(data.len())
    }

    /// Up to `length` bytes at the file's offset, where the file keeps them (the offset
    /// moves past them).
    fn read_in_place(&mut self, file: &mut OpenFile, length: usize) -> Result<&[u8], Errno> {
        if !file.flags.readable() {
            return Err(Errno::EBADF);
        }
        let data = self.tree.read(file.ino, file.offset, length)?;
        file.offset += data.len() as u64;
        Ok(data)
    }

    fn write(&mut self, file: &mut OpenFile, bytes: &[u8]) -> Result<usize, Errno> {
        if !file.flags.writable() {
            return Err(Errno::EBADF);
        }
        if file.flags.has(OpenFlags::APPEND) {
            file.offset = self.tree.stat(file.ino)?.size;
        }
        let written = self.tree.write(file.ino, file.offset, bytes)?;
        file.offset += written as u64;
        Ok(written)
    }

    /// Names from index `cookie` on, NUL-ended, as many as fit in `into`.
    fn read_dir(&mut self, ino: Ino, cookie: Word, into: &mut [u8]) -> Result<[Word; 2], Errno> {
        self.tree.accessed(ino);
        let entries = self.tree.read_dir(ino)?;
        let (mut at, mut count) = (0, 0);
        for (name, _, _) in entries.iter().skip(cookie as usize) {
            let Some(room) = into.get_mut(at..at + name.len() + 1) else { break };
            room[..name.len()].copy_from_slice(name.as_bytes());
            room[name.len()] = 0;
            at += name.len() + 1;
            count += 1;
        }
        Ok([count, cookie + count])
    }
}

/// The new offset of a seek, or `EINVAL` for one before the start.
pub fn seek(offset: u64, size: u64, by: i64, whence: Whence) -> Result<u64, Errno> {
    let base = match whence {
        Whence::Set => 0,
        Whence::Current => offset,
        Whence::End => size,
    };
    base.checked_add_signed(by).filter(|&at| at <= tree::FILE_MAX).ok_or(Errno::EINVAL)
}

impl FileServer for Ramfs {
    type File = OpenFile;

    fn control(&mut self, files: &mut OpenFiles<OpenFile>, request: PathRequest, paths: &mut [u8]) -> Answer {
        self.tree.set_now(uxrt::time::realtime_ns());
        // A symbolic link on the way is the VFS's to resolve: it may lead to another mount.
        for (index, named) in named_paths(&request).into_iter().enumerate() {
            let Some((span, follow_last)) = named else { continue };
            let Ok(path) = path_at(paths, span) else { continue };
            if let Some(met) = self.tree.first_link(&path, follow_last) {
                let record = LinkMet { path: index, component: met.component, target: met.target.as_bytes() };
                return Reply::error(record.write(paths).err().unwrap_or(LINK_MET)).into();
            }
        }
        let result = match request {
            PathRequest::Open { path, flags, mode, owner } => {
                return match path_at(paths, path) {
                    Ok(path) => self.open(files, &path, flags, mode, owner),
                    Err(errno) => Reply::error(errno).into(),
                }
            }
            PathRequest::Stat { path } | PathRequest::StatLink { path } => {
                return match path_at(paths, path).and_then(|p| self.tree.lookup(&p)).and_then(|ino| self.stat(ino)) {
                    Ok(stat) => stat.reply().into(),
                    Err(errno) => Reply::error(errno).into(),
                }
            }
            PathRequest::Mkdir { path, mode, owner } => {
                path_at(paths, path).and_then(|p| self.tree.mkdir(&p, owner)).and_then(|ino| self.tree.chmod(ino, mode))
            }
            PathRequest::SetTimes { path, accessed, modified, .. } => path_at(paths, path)
                .and_then(|p| self.tree.lookup(&p))
                .and_then(|ino| self.set_times(ino, accessed, modified)),
            PathRequest::Mkfifo { path, mode, owner } => path_at(paths, path)
                .and_then(|p| self.tree.mkfifo(&p, owner))
                .and_then(|ino| self.tree.chmod(ino, mode)),
            PathRequest::Chmod { path, mode } => {
                path_at(paths, path).and_then(|p| self.tree.lookup(&p)).and_then(|ino| self.tree.chmod(ino, mode))
            }
            PathRequest::Rmdir { path } => path_at(paths, path).and_then(|p| self.tree.rmdir(&p)),
            PathRequest::Unlink { path } => path_at(paths, path).and_then(|p| self.tree.unlink(&p)),
            PathRequest::Rename { from, to } => {
                path_at(paths, from).and_then(|from| self.tree.rename(&from, &path_at(paths, to)?))
            }
            PathRequest::Symlink { target, path, owner } => path_at(paths, path).and_then(|p| {
                let target = path::check(target.of(paths)?)?;
                self.tree.symlink(&p, target, owner).map(drop)
            }),
            PathRequest::ReadLink { path } => {
                let target = path_at(paths, path).and_then(|p| self.tree.readlink(&p));
                // (The target goes where the path was: the VFS copies it to the caller.)
                return answer(target.and_then(|target| {
                    paths.get_mut(..target.len()).ok_or(Errno::ENAMETOOLONG)?.copy_from_slice(target.as_bytes());
                    Ok([target.len() as Word])
                }));
            }
            _ => Err(Errno::ENOSYS),
        };
        answer(result.map(|()| []))
    }

    // (Reads and writes find their file, or answer EBADF.)
    const FINDS_TRANSFERS_FILE: bool = true;
    // (A bulk read copies once: the kernel, from the file's bytes into the reader's buffer.)
    const READS_DIRECT: bool = true;

    fn file(&mut self, files: &mut OpenFiles<OpenFile>, badge: Word, request: FileRequest) -> Answer {
        // What reads or changes a file is stamped with the time.
        if !matches!(request, FileRequest::Seek { .. } | FileRequest::Stat) {
            self.tree.set_now(uxrt::time::realtime_ns());
        }
        let result = match request {
            FileRequest::Read { length, .. } => {
                let Some(file) = files.get_mut(badge) else { return Reply::error(Errno::EBADF).into() };
                let mut bytes = [0; uxrt::protocols::file::INLINE_MAX];
                return match self.read(file, &mut bytes[..length as usize]) {
                    Ok(n) => Inline::reply_bytes(&bytes[..n], Readiness::NONE).into(),
                    Err(errno) => Reply::error(errno).into(),
                };
            }
            FileRequest::ReadDirect { window, .. } => {
                let Some(file) = files.get_mut(badge) else { return Reply::error(Errno::EBADF).into() };
                return match self.read_in_place(file, window.length as usize) {
                    // (The tree is not touched before the reply goes.)
                    Ok(data) => Answer::Copying(direct_reply(data, Readiness::NONE)),
                    Err(errno) => Reply::error(errno).into(),
                };
            }
            FileRequest::Write { data, .. } => match files.get_mut(badge) {
                Some(file) => self.write(file, data.as_bytes()),
                None => Err(Errno::EBADF),
            },
            FileRequest::ReadShared { pid, span, .. } => {
                files.with_buffer(badge, pid, span).and_then(|(file, buffer)| self.read(file, buffer))
            }
            FileRequest::WriteShared { pid, span, .. } => {
                files.with_buffer(badge, pid, span).and_then(|(file, buffer)| self.write(file, buffer))
            }
            FileRequest::Seek { offset, whence } => match files.get_mut(badge) {
                Some(file) => self.tree.stat(file.ino).and_then(|stat| {
                    file.offset = seek(file.offset, stat.size, offset, whence)?;
                    Ok(file.offset as usize)
                }),
                None => Err(Errno::EBADF),
            },
            FileRequest::Stat => {
                return match files.get(badge).map(|f| self.stat(f.ino)) {
                    Some(Ok(stat)) => stat.reply().into(),
                    Some(Err(errno)) => Reply::error(errno).into(),
                    None => Reply::error(Errno::EBADF).into(),
                }
            }
            FileRequest::Chmod { mode } => {
                return match files.get(badge) {
                    Some(file) => answer(self.tree.chmod(file.ino, mode).map(|()| [])),
                    None => Reply::error(Errno::EBADF).into(),
                }
            }
            FileRequest::SetTimes { accessed, modified } => {
                return match files.get(badge) {
                    Some(file) => answer(self.set_times(file.ino, accessed, modified).map(|()| [])),
                    None => Reply::error(Errno::EBADF).into(),
                }
            }
            FileRequest::Truncate { length } => {
                return match files.get(badge) {
                    Some(file) if file.flags.writable() => answer(self.tree.set_len(file.ino, length).map(|()| [])),
                    Some(_) => Reply::error(Errno::EINVAL).into(),
                    None => Reply::error(Errno::EBADF).into(),
                }
            }
            FileRequest::ReadDir { pid, cookie } => {
                let span = Span::new(0, uxrt::protocols::file::FILE_BUFFER as Word);
                return answer(
                    files
                        .with_buffer(badge, pid, span)
                        .and_then(|(file, buffer)| self.read_dir(file.ino, cookie, buffer)),
                );
            }
            // (As the protocol says for anything but a pipe: Linux's `F_GETPIPE_SZ`.)
            FileRequest::PipeCapacity { .. } => Err(Errno::EBADF),
            _ => Err(Errno::EINVAL),
        };
        answer(result.map(|n| [n as Word]))
    }

    fn closed(&mut self, _files: &mut OpenFiles<OpenFile>, file: OpenFile) {
        let _ = self.tree.close(file.ino);
    }
}
