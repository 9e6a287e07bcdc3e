//! The file interfaces, UX/RT style: the VFS sees only what names files, and the server
//! that holds a file sees everything done to it once open.
//!
//! - [`PathRequest`]s go to the VFS (badge: the caller's pid): open and the directory
//!   operations. A successful `Open` carries one extra capability: an endpoint to the
//!   server holding the file, badged by that server for this open file. The VFS speaks
//!   the same requests to the file servers (badge: their control badge), with paths
//!   made absolute inside the mounted file system.
//! - [`FileRequest`]s go through that capability straight to the file's server (badge:
//!   the open file). read, write and seek never reach the VFS.
//!
//! Paths travel in a buffer the VFS shares with each client (set up once, by `Attach`),
//! named by a [`Span`]. Small transfers travel in message registers ([`Inline`], up to
//! [`INLINE_MAX`] bytes); bulk ones through a buffer shared once per open file and
//! process (`MapBuffer`), also named by a `Span`.

use crate::events::{split_transferred, transferred, Readiness};
use crate::message::{exact, no_words, Message, Reply, MAX_WORDS};
use crate::{Errno, Word};

/// Bytes at `offset` in a shared buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub offset: Word,
    pub length: Word,
}

impl Span {
    pub const fn new(offset: Word, length: Word) -> Span {
        Span { offset, length }
    }

    /// The bytes of `buffer` it names, or `EFAULT` when it reaches outside.
    pub fn of<'a>(&self, buffer: &'a [u8]) -> Result<&'a [u8], Errno> {
        let (start, end) = self.bounds(buffer.len())?;
        Ok(&buffer[start..end])
    }

    pub fn of_mut<'a>(&self, buffer: &'a mut [u8]) -> Result<&'a mut [u8], Errno> {
        let (start, end) = self.bounds(buffer.len())?;
        Ok(&mut buffer[start..end])
    }

    fn bounds(&self, size: usize) -> Result<(usize, usize), Errno> {
        let start = usize::try_from(self.offset).map_err(|_| Errno::EFAULT)?;
        let end = usize::try_from(self.length).ok().and_then(|l| start.checked_add(l)).ok_or(Errno::EFAULT)?;
        if end > size {
            return Err(Errno::EFAULT);
        }
        Ok((start, end))
    }
}

/// The badge of the VFS's endpoint to a file server (open files have badges above it).
pub const CONTROL_BADGE: Word = 1;
/// Badges are 28 bits wide on x86_64; the top one marks a signal of a file server's
/// bound notification (a device's interrupt), so open files have the 27 below it.
pub const NOTIFIED_BADGE: Word = 1 << 27;
pub const MAX_BADGE: Word = NOTIFIED_BADGE - 1;
/// A file server's open-file badges carry its generation (how many times the root
/// server restarted it) in their top bits, so that a handle of a server that died never
/// names a file of the one that took its place: it gets `EBADF`.
pub const GENERATION_SHIFT: u32 = 24;
/// The last generation: a server that died this often is not restarted again.
pub const MAX_GENERATION: Word = MAX_BADGE >> GENERATION_SHIFT;

/// The badge range of generation `generation`'s open files: first and last.
pub fn badge_range(generation: Word) -> (Word, Word) {
    let base = generation.min(MAX_GENERATION) << GENERATION_SHIFT;
    (base | (CONTROL_BADGE + 1), base | ((1 << GENERATION_SHIFT) - 1))
}

/// Size of the path buffer a client shares with the VFS: room for two paths (`rename`).
pub const PATH_BUFFER: usize = 2 * 4096;

/// A file server's answer to a path request whose path crosses a symbolic link: not an
/// errno a client ever sees. The server has written a [`LinkMet`] record at the start
/// of the path buffer, and the VFS (which alone sees the whole namespace, mounts and
/// all) resolves the link and sends the request again.
pub const LINK_MET: Errno = Errno(4000);

/// Where a path request's path crossed a symbolic link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkMet<'b> {
    /// Which of the request's paths: 0, or 1 for `Rename`'s `to`.
    pub path: usize,
    /// The index of the link's component in that path (as the server saw it).
    pub component: usize,
    /// The link's target.
    pub target: &'b [u8],
}

/// Three words (path, component, target length) before the target.
const LINK_MET_HEADER: usize = 3 * 8;

impl<'b> LinkMet<'b> {
    /// Writes the record at the start of `buffer` (`ENAMETOOLONG` if it does not fit).
    pub fn write(&self, buffer: &mut [u8]) -> Result<(), Errno> {
        let end = LINK_MET_HEADER + self.target.len();
        let room = buffer.get_mut(..end).ok_or(Errno::ENAMETOOLONG)?;
        for (i, word) in [self.path, self.component, self.target.len()].into_iter().enumerate() {
            room[i * 8..i * 8 + 8].copy_from_slice(&(word as u64).to_le_bytes());
        }
        room[LINK_MET_HEADER..].copy_from_slice(self.target);
        Ok(())
    }

    /// The record a server wrote at the start of `buffer`; `EIO` for one that does not
    /// fit in it (the buffer is shared: a server's words are checked like any input).
    pub fn read(buffer: &'b [u8]) -> Result<LinkMet<'b>, Errno> {
        let word = |i: usize| -> Result<usize, Errno> {
            let bytes = buffer.get(i * 8..i * 8 + 8).ok_or(Errno::EIO)?;
            usize::try_from(u64::from_le_bytes(bytes.try_into().map_err(|_| Errno::EIO)?)).map_err(|_| Errno::EIO)
        };
        let (path, component, length) = (word(0)?, word(1)?, word(2)?);
        let end = LINK_MET_HEADER.checked_add(length).ok_or(Errno::EIO)?;
        let target = buffer.get(LINK_MET_HEADER..end).ok_or(Errno::EIO)?;
        Ok(LinkMet { path, component, target })
    }
}
/// Bytes a pipe holds (as Linux's default, which `F_GETPIPE_SZ` reports).
pub const PIPE_CAPACITY: usize = 64 * 1024;
/// The most a process may make a pipe hold (`F_SETPIPE_SZ`; Linux's `pipe-max-size`).
pub const PIPE_MAX_CAPACITY: usize = 1 << 20;

/// The capacity `F_SETPIPE_SZ` makes of `requested` bytes, as Linux rounds it: at least
/// a page, else the next power of two; `EINVAL` above 2^31 (a negative `int` argument),
/// `EPERM` above [`PIPE_MAX_CAPACITY`].
pub fn pipe_capacity(requested: u64) -> Result<usize, Errno> {
    if requested > 1 << 31 {
        return Err(Errno::EINVAL);
    }
    let rounded = (requested as usize).max(4096).next_power_of_two();
    if rounded > PIPE_MAX_CAPACITY {
        return Err(Errno::EPERM);
    }
    Ok(rounded)
}
/// Size of the buffer shared per open file for bulk transfers.
pub const FILE_BUFFER: usize = 64 * 1024;

/// Bytes that fit in one message beside their count.
pub const INLINE_MAX: usize = (MAX_WORDS - 1) * 8;

/// Up to [`INLINE_MAX`] bytes carried in message registers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Inline {
    length: usize,
    bytes: [u8; INLINE_MAX],
}

impl core::fmt::Debug for Inline {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        write!(f, "Inline({:?})", self.as_bytes())
    }
}

impl Inline {
    /// The first [`INLINE_MAX`] bytes of `bytes`.
    pub fn new(bytes: &[u8]) -> Inline {
        let length = bytes.len().min(INLINE_MAX);
        let mut inline = Inline { length, bytes: [0; INLINE_MAX] };
        inline.bytes[..length].copy_from_slice(&bytes[..length]);
        inline
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.length]
    }

    /// `[length, data words...]`, little-endian, the last word padded with zeros.
    fn to_words(self, out: &mut [Word; MAX_WORDS]) -> usize {
        out[0] = self.length as Word;
        let words = self.length.div_ceil(8);
        for (i, word) in out[1..=words].iter_mut().enumerate() {
            let mut chunk = [0u8; 8];
            chunk.copy_from_slice(&self.bytes[i * 8..i * 8 + 8]);
            *word = Word::from_le_bytes(chunk);
        }
        1 + words
    }

    /// Reads `[length, data words...]`: exactly as many words as the length needs, and
    /// zero padding (so that every accepted message has one encoding).
    fn from_words(words: &[Word]) -> Result<Inline, Errno> {
        let (&length, data) = words.split_first().ok_or(Errno::EINVAL)?;
        Inline::from_data(length, data)
    }

    /// `length` bytes in the words `data`, checked as [`Inline::from_words`] says.
    fn from_data(length: Word, data: &[Word]) -> Result<Inline, Errno> {
        let length = checked_data(length, data)?;
        let mut inline = Inline { length, bytes: [0; INLINE_MAX] };
        for (i, word) in data.iter().enumerate() {
            inline.bytes[i * 8..i * 8 + 8].copy_from_slice(&word.to_le_bytes());
        }
        Ok(inline)
    }

    fn message(self, label: Word) -> Message {
        let mut words = [0; MAX_WORDS];
        let used = self.to_words(&mut words);
        Message::new(label, &words[..used])
    }

    /// A reply carrying these bytes (what `Read` answers).
    pub fn reply(self) -> Reply {
        self.reply_clearing(Readiness::NONE)
    }

    /// A reply carrying these bytes, and the readiness the read took from the file (in
    /// the length word, as [`transferred`] puts it).
    pub fn reply_clearing(self, cleared: Readiness) -> Reply {
        Inline::reply_bytes(self.as_bytes(), cleared)
    }

    /// The reply [`Inline::reply_clearing`] makes, written from `bytes` (the first
    /// [`INLINE_MAX`]) straight into the message's words: what a read answers.
    pub fn reply_bytes(bytes: &[u8], cleared: Readiness) -> Reply {
        let bytes = &bytes[..bytes.len().min(INLINE_MAX)];
        let mut words = [0; MAX_WORDS];
        words[0] = transferred(bytes.len(), cleared);
        for (word, chunk) in words[1..].iter_mut().zip(bytes.chunks(8)) {
            let mut padded = [0u8; 8];
            padded[..chunk.len()].copy_from_slice(chunk);
            *word = Word::from_le_bytes(padded);
        }
        Reply(Ok(Message::from_array(0, words, 1 + bytes.len().div_ceil(8))))
    }

    /// The bytes of a `Read` reply, and the readiness the file lost.
    pub fn from_reply(reply: Reply) -> Result<(Inline, Readiness), Errno> {
        let message = reply.0?;
        let (&first, rest) = message.words().split_first().ok_or(Errno::EIO)?;
        let (length, cleared) = split_transferred(first)?;
        let inline = Inline::from_data(length as Word, rest).map_err(|_| Errno::EIO)?;
        Ok((inline, cleared))
    }

    /// Copies the bytes of a `Read` reply, as received (`label`, `words`), into `out`
    /// (as many as fit), checked as [`Inline::from_reply`] checks, with no `Reply` or
    /// `Inline` made on the way: how many, and the readiness the file lost.
    pub fn read_reply(label: Word, words: &[Word], out: &mut [u8]) -> Result<(usize, Readiness), Errno> {
        if let Some(errno) = Reply::error_of(label) {
            return Err(errno);
        }
        let (&first, data) = words.split_first().ok_or(Errno::EIO)?;
        let (length, cleared) = split_transferred(first)?;
        let length = checked_data(length as Word, data).map_err(|_| Errno::EIO)?;
        let n = length.min(out.len());
        for (chunk, word) in out[..n].chunks_mut(8).zip(data) {
            chunk.copy_from_slice(&word.to_le_bytes()[..chunk.len()]);
        }
        Ok((n, cleared))
    }
}

/// The length of `length` bytes carried in the words `data`, if they carry them exactly:
/// as many words as the length needs, the last padded with zeros (so that every accepted
/// message has one encoding).
fn checked_data(length: Word, data: &[Word]) -> Result<usize, Errno> {
    let length = usize::try_from(length).ok().filter(|&l| l <= INLINE_MAX).ok_or(Errno::EINVAL)?;
    if data.len() != length.div_ceil(8) {
        return Err(Errno::EINVAL);
    }
    let used_in_last = length % 8;
    if used_in_last != 0 && data.last().is_some_and(|&last| last >> (8 * used_in_last) != 0) {
        return Err(Errno::EINVAL);
    }
    Ok(length)
}

/// `open` flags, with Linux's values (what C programs pass through posix-shim).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenFlags(pub u32);

impl OpenFlags {
    pub const READ_ONLY: u32 = 0;
    pub const WRITE_ONLY: u32 = 1;
    pub const READ_WRITE: u32 = 2;
    const ACCESS_MODE: u32 = 3;
    pub const CREATE: u32 = 0o100;
    pub const EXCLUSIVE: u32 = 0o200;
    pub const TRUNCATE: u32 = 0o1000;
    pub const APPEND: u32 = 0o2000;
    pub const NONBLOCK: u32 = 0o4000;
    pub const DIRECTORY: u32 = 0o200000;
    /// A symbolic link as the last component is not followed: `ELOOP`.
    pub const NO_FOLLOW: u32 = 0o400000;
    pub const CLOSE_ON_EXEC: u32 = 0o2000000;
    const KNOWN: u32 = Self::ACCESS_MODE
        | Self::NO_FOLLOW
        | Self::CREATE
        | Self::EXCLUSIVE
        | Self::TRUNCATE
        | Self::APPEND
        | Self::NONBLOCK
        | Self::DIRECTORY
        | Self::CLOSE_ON_EXEC;

    /// Checks the flags: known bits only, and a valid access mode.
    pub fn new(bits: Word) -> Result<OpenFlags, Errno> {
        let bits = u32::try_from(bits).map_err(|_| Errno::EINVAL)?;
        if bits & !Self::KNOWN != 0 || bits & Self::ACCESS_MODE == Self::ACCESS_MODE {
            return Err(Errno::EINVAL);
        }
        Ok(OpenFlags(bits))
    }

    pub fn has(self, flag: u32) -> bool {
        self.0 & flag != 0
    }

    pub fn readable(self) -> bool {
        self.0 & Self::ACCESS_MODE != Self::WRITE_ONLY
    }

    pub fn writable(self) -> bool {
        self.0 & Self::ACCESS_MODE != Self::READ_ONLY
    }
}

/// What a file is, as `stat` tells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Regular = 0,
    Directory = 1,
    CharacterDevice = 2,
    Pipe = 3,
    Symlink = 4,
}

impl FileKind {
    fn from_word(word: Word) -> Result<FileKind, Errno> {
        Ok(match word {
            0 => FileKind::Regular,
            1 => FileKind::Directory,
            2 => FileKind::CharacterDevice,
            3 => FileKind::Pipe,
            4 => FileKind::Symlink,
            _ => return Err(Errno::EIO),
        })
    }
}

/// `stat`'s answer: `[ino, kind, size, links, mode, modified, changed]` on the wire
/// (`mode`: the permission bits, at most `0o7777`; the times in nanoseconds of Unix
/// time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStat {
    pub ino: u64,
    pub kind: FileKind,
    pub size: u64,
    pub links: u32,
    pub mode: u32,
    /// When the contents last changed, when anything about the file did, and when it
    /// was last read (nanoseconds of Unix time).
    pub modified: u64,
    pub changed: u64,
    pub accessed: u64,
}

impl FileStat {
    pub fn reply(&self) -> Reply {
        let FileStat { ino, kind, size, links, mode, modified, changed, accessed } = *self;
        Reply::ok(&[ino, kind as Word, size, links as Word, mode as Word, modified, changed, accessed])
    }

    pub fn from_reply(reply: Reply) -> Result<FileStat, Errno> {
        let [ino, kind, size, links, mode, modified, changed, accessed] = reply.results()?;
        Ok(FileStat {
            ino,
            kind: FileKind::from_word(kind)?,
            size,
            links: u32::try_from(links).map_err(|_| Errno::EIO)?,
            mode: mode_from(mode).map_err(|_| Errno::EIO)?,
            modified,
            changed,
            accessed,
        })
    }
}

/// A time word of `SetTimes` meaning: leave this time as it is (`UTIME_OMIT`).
pub const TIME_OMIT: Word = Word::MAX;
/// A time word of `SetTimes` meaning: the server's now (`UTIME_NOW`).
pub const TIME_NOW: Word = Word::MAX - 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whence {
    Set = 0,
    Current = 1,
    End = 2,
}

/// Requests to the VFS (and from the VFS to the file servers). Paths are [`Span`]s of the
/// shared path buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathRequest {
    /// Reply: `[kind]` and the open file's endpoint capability. `owner` is the session a
    /// file it creates is charged to: the VFS sets it from the caller's badge (what a
    /// client sends there is replaced), so a file server can keep quotas per session.
    /// A file server's reply for a named pipe is `[FileKind::Pipe, inode]` and no
    /// capability: the VFS opens it in the pipe server ([`PathRequest::OpenFifo`]).
    /// A blocking open of a named pipe returns to the client at once; the client then
    /// waits for the other end ([`FileRequest::AwaitPeer`]), so no server ever waits.
    Open {
        path: Span,
        flags: OpenFlags,
        mode: u32,
        owner: Word,
    },
    /// `owner` as for `Open`.
    Mkdir {
        path: Span,
        mode: u32,
        owner: Word,
    },
    /// A named pipe (`mkfifo`) at `path` with permission bits `mode`; `owner` as for
    /// `Open`. Reply: `[]`.
    Mkfifo {
        path: Span,
        mode: u32,
        owner: Word,
    },
    /// From the VFS to the pipe server: an end of the named pipe `key` (the mount and
    /// inode of its name), made on its first open, read or write by `flags`. Reply
    /// `[FileKind::Pipe]` and the end's capability; `ENXIO` for a non-blocking writer
    /// while the pipe has no reader, `EINVAL` for read-write. `owner` is charged for its
    /// bytes.
    OpenFifo {
        key: Word,
        flags: OpenFlags,
        owner: Word,
    },
    Rmdir {
        path: Span,
    },
    Unlink {
        path: Span,
    },
    Rename {
        from: Span,
        to: Span,
    },
    /// Reply: a [`FileStat`] of what `path` names, a symbolic link followed.
    Stat {
        path: Span,
    },
    /// Sets the access and modification times (nanoseconds of Unix time, or
    /// [`TIME_OMIT`], [`TIME_NOW`]) of what `path` names, a symbolic link in its last
    /// component followed with `follow`. Reply: `[]`.
    SetTimes {
        path: Span,
        accessed: Word,
        modified: Word,
        follow: bool,
    },
    /// As `Stat`, a symbolic link as the last component not followed (`lstat`).
    StatLink {
        path: Span,
    },
    /// Makes a symbolic link at `path` whose target is the text at `target` (never
    /// looked up: it is resolved each time a path crosses the link). `owner` as for
    /// `Open`. Reply: `[]`.
    Symlink {
        target: Span,
        path: Span,
        owner: Word,
    },
    /// The target of the symbolic link at `path`, copied to the start of the path
    /// buffer (no NUL); reply `[length]`. `EINVAL` for anything but a link.
    ReadLink {
        path: Span,
    },
    Chdir {
        path: Span,
    },
    /// Sets the permission bits (at most `0o7777`) of what `path` names. Reply: `[]`.
    Chmod {
        path: Span,
        mode: u32,
    },
    /// Copies the working directory (no NUL) to the start of the path buffer; reply
    /// `[length]`.
    GetCwd,
    /// Sets up the caller's path buffer; reply `[address, length]` in the caller's memory.
    /// `token` is the caller's consent to it, from the root server
    /// (`process::Request::AcceptShare`).
    Attach {
        token: Word,
    },
    /// The VFS tells a file server where their shared path buffer is in the server's
    /// memory. Reply: `[]`.
    UseBuffer {
        address: Word,
        length: Word,
    },
    /// A new pipe. Reply: `[]` and the read end's capability (the write end comes from
    /// [`FileRequest::OpenPeer`] on it). `owner` as for `Open`: the session its buffered
    /// bytes are charged to.
    Pipe {
        owner: Word,
    },
    /// Reply: `[path requests handled]` (the VFS's message counter).
    Statistics,
    /// Who the server is: reply `[its pid]`. A file server that the root server
    /// restarted answers path requests `ENOBUFS` until the VFS shares a new path buffer
    /// with it, and the VFS needs its pid for that.
    Identify,
}

/// Requests to the server holding an open file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileRequest {
    /// Up to `length` (at most [`INLINE_MAX`]) bytes at the file offset; reply: [`Inline`].
    /// With `nonblocking` (as every transfer that may wait), `EAGAIN` where the caller
    /// would wait: the caller's cached readiness may be stale, the server's never is.
    Read {
        length: u8,
        nonblocking: bool,
    },
    /// Reply: `[bytes written]`.
    Write {
        data: Inline,
        nonblocking: bool,
    },
    /// Up to `span.length` bytes into `pid`'s shared buffer; reply: `[bytes read]`.
    ReadShared {
        pid: Word,
        span: Span,
        nonblocking: bool,
    },
    /// Up to `window.length` bytes (at most [`FILE_BUFFER`]) at the file offset,
    /// copied by the kernel straight into the caller's memory at `window.offset`: the
    /// call is flagged `seL4_TransferWindow` (kernel patch 0019), and its two words are
    /// the window. The reply is flagged too, its words `[transferred, source, count]`
    /// (see [`direct_reply`]); the kernel copies `count` bytes from the server's
    /// `source` and delivers `[transferred, 0, copied]` ([`read_direct_reply`]). One
    /// copy, where [`FileRequest::ReadShared`] makes two. `ENOSYS` from a server that
    /// does not read so. A pipe's server may keep the caller until bytes come (its
    /// reply copies then), unless `nonblocking` (`EAGAIN`).
    ReadDirect {
        window: Span,
        nonblocking: bool,
    },
    /// A pipe's capacity (`F_GETPIPE_SZ`), set first to `bytes` unless that is 0
    /// (`F_SETPIPE_SZ`, rounded by [`pipe_capacity`]; `EBUSY` when the pipe holds more
    /// pages of bytes than that). Reply: `[capacity]`; `EBADF` on anything but a pipe.
    PipeCapacity {
        bytes: Word,
    },
    /// Bytes from `pid`'s shared buffer; reply: `[bytes written]`.
    WriteShared {
        pid: Word,
        span: Span,
        nonblocking: bool,
    },
    /// Reply: `[new offset]`; `ESPIPE` on pipes and consoles.
    Seek {
        offset: i64,
        whence: Whence,
    },
    /// Reply: a [`FileStat`].
    Stat,
    Truncate {
        length: Word,
    },
    /// Directory entries from index `cookie` into `pid`'s shared buffer as NUL-ended
    /// names; reply: `[entries, next cookie]` (0 entries at the end).
    ReadDir {
        pid: Word,
        cookie: Word,
    },
    /// Drop this handle on the open file (its badge stops working; the open file
    /// itself ends with its last handle). Each holder has handles of its own
    /// ([`FileRequest::Duplicate`]), so a close drops only the sender's. Reply: `[]`.
    Close,
    /// Share a [`FILE_BUFFER`] with process `pid` (the caller) for bulk transfers;
    /// reply `[address, length]` in the caller's memory. `token` is the caller's consent,
    /// from the root server (`process::Request::AcceptShare`): the server passes it on
    /// with `Share`, which is refused for any other process. Shared and ReadDir requests
    /// name the buffer by that pid.
    MapBuffer {
        pid: Word,
        token: Word,
    },
    /// A new handle on the same open file (same offset, flags and buffers), for `dup`
    /// or for a child to inherit: reply `[]` and the handle's capability, a badge of
    /// its own. Its holder's `Close`, `Subscribe` and foreground rights are its own.
    Duplicate,
    /// The other end of a pipe just made: reply `[]` and the write end's capability
    /// (once per pipe).
    OpenPeer,
    /// Sets the open file's access and modification times (as [`PathRequest::SetTimes`]).
    /// Reply: `[]`.
    SetTimes {
        accessed: Word,
        modified: Word,
    },
    /// On an end of a named pipe: reply `[]` once the other end is open (at once if it
    /// is), as a blocking `open` of a FIFO waits on Linux. One such wait per handle
    /// (`EBUSY`); `EINVAL` on anything but a named pipe's end.
    AwaitPeer,
    /// Carries a notification capability: the server signals it when the file becomes
    /// ready (replacing any earlier one for this handle: a server keeps one per handle). Reply `[now, plain]`: the
    /// readiness now, and what a signal without badge bits means (the file's direction);
    /// a hang-up or error is signalled with its own bit. A file that never blocks keeps
    /// no notification and answers [`Readiness::ALWAYS`].
    Subscribe,
    /// A terminal's foreground process group: the one its interrupt key (`^C`) sends
    /// `SIGINT`, as `tcsetpgrp` (0: none). Reply `[]`; `ENOTTY` on other files,
    /// `EPERM` on any handle but the session's own (the one the root server gives the
    /// console session: handles duplicated from it may not).
    SetForeground {
        pid: Word,
    },
    /// Sets the open file's permission bits (`fchmod`). Reply: `[]`; `EINVAL` where the
    /// server keeps none (devices and pipes).
    Chmod {
        mode: u32,
    },
    /// A terminal's input mode (`tcsetattr`): canonical (lines edited by the terminal,
    /// echoed, `^C`/`^\`/`^Z` signalling the foreground group) or, with `raw`, every
    /// byte readable as it is typed, nothing echoed or signalled (a line editor's).
    /// Reply: `[]`; `ENOTTY` on other files, `EPERM` on any handle but the session's own.
    SetTerminal {
        raw: bool,
    },
    /// On a pipe's read end that the caller alone holds: the pipe's bytes move to a
    /// ring ([`crate::pipe_ring`]) in memory shared with process `pid` (the caller;
    /// `token` its consent, as for [`FileRequest::MapBuffer`]), from which it reads
    /// with no call: the *lease* of the read end. Reply `[address, capacity, read]`:
    /// the ring's header page at `address` in the caller's memory, its data area of
    /// `capacity` bytes on the next page, and the reader's count to start from. The
    /// server still writes (and signals the reader's subscription at each write, as
    /// before); reads through the server get `EBUSY` while the lease lasts. `EBUSY`
    /// when the end has other holders (or is a named pipe's), `EAGAIN` when the server
    /// would rather not yet; the caller reads through the server then.
    MapRing {
        pid: Word,
        token: Word,
    },
    /// Ends the caller's lease of the read end (before it shares the end: `Duplicate`
    /// of a leased end is `EBUSY`): the unread bytes go back to the server and the ring
    /// leaves the caller's memory. Reply `[]`.
    ReleaseRing,
    /// The leased reader took the ring's writer-sleeps flag (it made room a waiting
    /// writer, or a writer's subscriber, may want): the server looks at the room now.
    /// Reply `[]`.
    RingWake,
}

mod label {
    pub const OPEN: u64 = 1;
    pub const MKDIR: u64 = 2;
    pub const RMDIR: u64 = 3;
    pub const UNLINK: u64 = 4;
    pub const RENAME: u64 = 5;
    pub const STAT_PATH: u64 = 6;
    pub const CHDIR: u64 = 7;
    pub const GETCWD: u64 = 8;
    pub const ATTACH: u64 = 9;
    pub const USE_BUFFER: u64 = 10;
    pub const PIPE: u64 = 11;
    pub const STATISTICS: u64 = 12;
    pub const CHMOD: u64 = 13;
    pub const IDENTIFY: u64 = 14;
    pub const STAT_LINK: u64 = 15;
    pub const SYMLINK: u64 = 16;
    pub const READ_LINK: u64 = 17;
    pub const MKFIFO: u64 = 18;
    pub const OPEN_FIFO: u64 = 19;
    pub const SET_TIMES: u64 = 20;

    pub const READ: u64 = 1;
    pub const WRITE: u64 = 2;
    pub const READ_SHARED: u64 = 3;
    pub const WRITE_SHARED: u64 = 4;
    pub const SEEK: u64 = 5;
    pub const STAT: u64 = 6;
    pub const TRUNCATE: u64 = 7;
    pub const READ_DIR: u64 = 8;
    pub const CLOSE: u64 = 9;
    pub const MAP_BUFFER: u64 = 10;
    pub const DUPLICATE: u64 = 11;
    pub const OPEN_PEER: u64 = 12;
    pub const SUBSCRIBE: u64 = 13;
    pub const SET_FOREGROUND: u64 = 14;
    pub const CHMOD_FILE: u64 = 15;
    pub const SET_TERMINAL: u64 = 16;
    pub const READ_DIRECT: u64 = 17;
    pub const PIPE_CAPACITY: u64 = 18;
    pub const AWAIT_PEER: u64 = 19;
    pub const SET_FILE_TIMES: u64 = 20;
    pub const MAP_RING: u64 = 21;
    pub const RELEASE_RING: u64 = 22;
    pub const RING_WAKE: u64 = 23;

    /// Set in a transfer's label: `EAGAIN` rather than wait.
    pub const DONT_WAIT: u64 = 1 << 8;

    /// A transfer's label, flagged when it must not wait.
    pub const fn transfer(label: u64, nonblocking: bool) -> u64 {
        label | if nonblocking { DONT_WAIT } else { 0 }
    }
}

/// The reply to [`FileRequest::ReadDirect`] reading `bytes` (in the server's memory,
/// which must stay as they are until the reply is sent), with the readiness it cleared.
pub fn direct_reply(bytes: &[u8], cleared: Readiness) -> Reply {
    Reply::ok(&[transferred(bytes.len(), cleared), bytes.as_ptr() as Word, bytes.len() as Word])
}

/// The bytes a [`FileRequest::ReadDirect`] brought, as the caller received its reply:
/// `(read, copied, cleared)`. The server counted `read`, the kernel copied `copied`
/// into the window; they differ only where the window was not all mapped writable.
pub fn read_direct_reply(words: &[Word]) -> Result<(usize, usize, Readiness), Errno> {
    let [word, _, copied] = exact(words).map_err(|_| Errno::EIO)?;
    let (read, cleared) = split_transferred(word)?;
    Ok((read, (copied as usize).min(read), cleared))
}

fn mode_from(word: Word) -> Result<u32, Errno> {
    u32::try_from(word).ok().filter(|&m| m <= 0o7777).ok_or(Errno::EINVAL)
}

impl PathRequest {
    /// Whether it names paths in the shared path buffer (a file server needs one).
    pub fn names_paths(&self) -> bool {
        use PathRequest::*;
        matches!(
            self,
            Open { .. }
                | Mkdir { .. }
                | Mkfifo { .. }
                | SetTimes { .. }
                | Rmdir { .. }
                | Unlink { .. }
                | Rename { .. }
                | Stat { .. }
                | StatLink { .. }
                | Symlink { .. }
                | ReadLink { .. }
                | Chmod { .. }
        )
    }

    pub fn encode(&self) -> Message {
        use label::*;
        match *self {
            PathRequest::Open { path, flags, mode, owner } => {
                Message::new(OPEN, &[path.offset, path.length, flags.0 as Word, mode as Word, owner])
            }
            PathRequest::Mkdir { path, mode, owner } => {
                Message::new(MKDIR, &[path.offset, path.length, mode as Word, owner])
            }
            PathRequest::Mkfifo { path, mode, owner } => {
                Message::new(MKFIFO, &[path.offset, path.length, mode as Word, owner])
            }
            PathRequest::OpenFifo { key, flags, owner } => Message::new(OPEN_FIFO, &[key, flags.0 as Word, owner]),
            PathRequest::SetTimes { path, accessed, modified, follow } => {
                Message::new(SET_TIMES, &[path.offset, path.length, accessed, modified, follow as Word])
            }
            PathRequest::Rmdir { path } => Message::new(RMDIR, &[path.offset, path.length]),
            PathRequest::Unlink { path } => Message::new(UNLINK, &[path.offset, path.length]),
            PathRequest::Rename { from, to } => Message::new(RENAME, &[from.offset, from.length, to.offset, to.length]),
            PathRequest::Stat { path } => Message::new(STAT_PATH, &[path.offset, path.length]),
            PathRequest::Chdir { path } => Message::new(CHDIR, &[path.offset, path.length]),
            PathRequest::GetCwd => Message::new(GETCWD, &[]),
            PathRequest::Attach { token } => Message::new(ATTACH, &[token]),
            PathRequest::UseBuffer { address, length } => Message::new(USE_BUFFER, &[address, length]),
            PathRequest::Pipe { owner } => Message::new(PIPE, &[owner]),
            PathRequest::Statistics => Message::new(STATISTICS, &[]),
            PathRequest::Identify => Message::new(IDENTIFY, &[]),
            PathRequest::Chmod { path, mode } => Message::new(CHMOD, &[path.offset, path.length, mode as Word]),
            PathRequest::StatLink { path } => Message::new(STAT_LINK, &[path.offset, path.length]),
            PathRequest::ReadLink { path } => Message::new(READ_LINK, &[path.offset, path.length]),
            PathRequest::Symlink { target, path, owner } => {
                Message::new(SYMLINK, &[target.offset, target.length, path.offset, path.length, owner])
            }
        }
    }

    /// Reads a request; `ENOSYS` for an unknown operation, `EINVAL` for wrong arguments.
    pub fn decode(label: Word, words: &[Word]) -> Result<PathRequest, Errno> {
        use label::*;
        let path = |words: &[Word]| -> Result<Span, Errno> {
            let [offset, length] = exact(words)?;
            Ok(Span::new(offset, length))
        };

        Ok(match label {
            OPEN => {
                let [address, length, flags, mode, owner] = exact(words)?;
                PathRequest::Open {
                    path: Span::new(address, length),
                    flags: OpenFlags::new(flags)?,
                    mode: mode_from(mode)?,
                    owner,
                }
            }
            MKDIR => {
                let [address, length, mode, owner] = exact(words)?;
                PathRequest::Mkdir { path: Span::new(address, length), mode: mode_from(mode)?, owner }
            }
            MKFIFO => {
                let [address, length, mode, owner] = exact(words)?;
                PathRequest::Mkfifo { path: Span::new(address, length), mode: mode_from(mode)?, owner }
            }
            OPEN_FIFO => {
                let [key, flags, owner] = exact(words)?;
                PathRequest::OpenFifo { key, flags: OpenFlags::new(flags)?, owner }
            }
            SET_TIMES => {
                let [offset, length, accessed, modified, follow] = exact(words)?;
                let follow = match follow {
                    0 => false,
                    1 => true,
                    _ => return Err(Errno::EINVAL),
                };
                PathRequest::SetTimes { path: Span::new(offset, length), accessed, modified, follow }
            }
            RMDIR => PathRequest::Rmdir { path: path(words)? },
            UNLINK => PathRequest::Unlink { path: path(words)? },
            RENAME => {
                let [fa, fl, ta, tl] = exact(words)?;
                PathRequest::Rename { from: Span::new(fa, fl), to: Span::new(ta, tl) }
            }
            STAT_PATH => PathRequest::Stat { path: path(words)? },
            STAT_LINK => PathRequest::StatLink { path: path(words)? },
            READ_LINK => PathRequest::ReadLink { path: path(words)? },
            SYMLINK => {
                let [target_offset, target_length, path_offset, path_length, owner] = exact(words)?;
                let (target, path) = (Span::new(target_offset, target_length), Span::new(path_offset, path_length));
                PathRequest::Symlink { target, path, owner }
            }
            CHDIR => PathRequest::Chdir { path: path(words)? },
            GETCWD => no_words(words, PathRequest::GetCwd)?,
            ATTACH => {
                let [token] = exact(words)?;
                PathRequest::Attach { token }
            }
            USE_BUFFER => {
                let [address, length] = exact(words)?;
                PathRequest::UseBuffer { address, length }
            }
            PIPE => {
                let [owner] = exact(words)?;
                PathRequest::Pipe { owner }
            }
            STATISTICS => no_words(words, PathRequest::Statistics)?,
            IDENTIFY => no_words(words, PathRequest::Identify)?,
            CHMOD => {
                let [address, length, mode] = exact(words)?;
                PathRequest::Chmod { path: Span::new(address, length), mode: mode_from(mode)? }
            }

            _ => return Err(Errno::ENOSYS),
        })
    }
}

impl FileRequest {
    /// `Read { length, nonblocking }.encode()`, inline: the hot path of small reads
    /// builds it with its label known, not through `encode`'s match.
    #[inline(always)]
    pub fn read_message(length: u8, nonblocking: bool) -> Message {
        Message::new(label::transfer(label::READ, nonblocking), &[length as Word])
    }

    pub fn encode(&self) -> Message {
        use label::*;
        match *self {
            FileRequest::Read { length, nonblocking } => FileRequest::read_message(length, nonblocking),
            FileRequest::Write { data, nonblocking } => data.message(transfer(WRITE, nonblocking)),
            FileRequest::ReadShared { pid, span, nonblocking } => {
                Message::new(transfer(READ_SHARED, nonblocking), &[pid, span.offset, span.length])
            }
            FileRequest::ReadDirect { window, nonblocking } => {
                Message::new(transfer(READ_DIRECT, nonblocking), &[window.offset, window.length])
            }
            FileRequest::PipeCapacity { bytes } => Message::new(PIPE_CAPACITY, &[bytes]),
            FileRequest::WriteShared { pid, span, nonblocking } => {
                Message::new(transfer(WRITE_SHARED, nonblocking), &[pid, span.offset, span.length])
            }
            FileRequest::Seek { offset, whence } => Message::new(SEEK, &[offset as Word, whence as Word]),
            FileRequest::Stat => Message::new(STAT, &[]),
            FileRequest::Truncate { length } => Message::new(TRUNCATE, &[length]),
            FileRequest::ReadDir { pid, cookie } => Message::new(READ_DIR, &[pid, cookie]),
            FileRequest::Close => Message::new(CLOSE, &[]),
            FileRequest::MapBuffer { pid, token } => Message::new(MAP_BUFFER, &[pid, token]),
            FileRequest::Duplicate => Message::new(DUPLICATE, &[]),
            FileRequest::OpenPeer => Message::new(OPEN_PEER, &[]),
            FileRequest::AwaitPeer => Message::new(AWAIT_PEER, &[]),
            FileRequest::SetTimes { accessed, modified } => Message::new(SET_FILE_TIMES, &[accessed, modified]),
            FileRequest::Subscribe => Message::new(SUBSCRIBE, &[]),
            FileRequest::SetForeground { pid } => Message::new(SET_FOREGROUND, &[pid]),
            FileRequest::Chmod { mode } => Message::new(CHMOD_FILE, &[mode as Word]),
            FileRequest::SetTerminal { raw } => Message::new(SET_TERMINAL, &[raw as Word]),
            FileRequest::MapRing { pid, token } => Message::new(MAP_RING, &[pid, token]),
            FileRequest::ReleaseRing => Message::new(RELEASE_RING, &[]),
            FileRequest::RingWake => Message::new(RING_WAKE, &[]),
        }
    }

    /// Reads a request; `ENOSYS` for an unknown operation, `EINVAL` for wrong arguments.
    pub fn decode(label: Word, words: &[Word]) -> Result<FileRequest, Errno> {
        use label::*;
        let nonblocking = label & DONT_WAIT != 0;
        Ok(match label & !DONT_WAIT {
            READ => {
                let [length] = exact(words)?;
                let length = u8::try_from(length).ok().filter(|&l| l as usize <= INLINE_MAX).ok_or(Errno::EINVAL)?;
                FileRequest::Read { length, nonblocking }
            }
            WRITE => FileRequest::Write { data: Inline::from_words(words)?, nonblocking },
            READ_SHARED => {
                let [pid, offset, length] = exact(words)?;
                FileRequest::ReadShared { pid, span: Span::new(offset, length), nonblocking }
            }
            WRITE_SHARED => {
                let [pid, offset, length] = exact(words)?;
                FileRequest::WriteShared { pid, span: Span::new(offset, length), nonblocking }
            }
            READ_DIRECT => {
                let [address, length] = exact(words)?;
                if length as usize > FILE_BUFFER {
                    return Err(Errno::EINVAL);
                }
                FileRequest::ReadDirect { window: Span::new(address, length), nonblocking }
            }
            // (Only the transfers above may be flagged.)
            _ if nonblocking => return Err(Errno::ENOSYS),
            PIPE_CAPACITY => {
                let [bytes] = exact(words)?;
                FileRequest::PipeCapacity { bytes }
            }
            SEEK => {
                let [offset, whence] = exact(words)?;
                let whence = match whence {
                    0 => Whence::Set,
                    1 => Whence::Current,
                    2 => Whence::End,
                    _ => return Err(Errno::EINVAL),
                };
                FileRequest::Seek { offset: offset as i64, whence }
            }
            STAT => no_words(words, FileRequest::Stat)?,
            TRUNCATE => {
                let [length] = exact(words)?;
                FileRequest::Truncate { length }
            }
            READ_DIR => {
                let [pid, cookie] = exact(words)?;
                FileRequest::ReadDir { pid, cookie }
            }
            CLOSE => no_words(words, FileRequest::Close)?,
            MAP_BUFFER => {
                let [pid, token] = exact(words)?;
                FileRequest::MapBuffer { pid, token }
            }
            DUPLICATE => no_words(words, FileRequest::Duplicate)?,
            OPEN_PEER => no_words(words, FileRequest::OpenPeer)?,
            AWAIT_PEER => no_words(words, FileRequest::AwaitPeer)?,
            SET_FILE_TIMES => {
                let [accessed, modified] = exact(words)?;
                FileRequest::SetTimes { accessed, modified }
            }
            SUBSCRIBE => no_words(words, FileRequest::Subscribe)?,
            SET_FOREGROUND => {
                let [pid] = exact(words)?;
                FileRequest::SetForeground { pid }
            }
            CHMOD_FILE => {
                let [mode] = exact(words)?;
                FileRequest::Chmod { mode: mode_from(mode)? }
            }
            SET_TERMINAL => match exact(words)? {
                [0] => FileRequest::SetTerminal { raw: false },
                [1] => FileRequest::SetTerminal { raw: true },
                _ => return Err(Errno::EINVAL),
            },
            MAP_RING => {
                let [pid, token] = exact(words)?;
                FileRequest::MapRing { pid, token }
            }
            RELEASE_RING => no_words(words, FileRequest::ReleaseRing)?,
            RING_WAKE => no_words(words, FileRequest::RingWake)?,
            _ => return Err(Errno::ENOSYS),
        })
    }
}

#[cfg(test)]
mod tests;
