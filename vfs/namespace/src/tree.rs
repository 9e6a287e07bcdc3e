//! An in-memory tree of directories, regular files and symbolic links with POSIX
//! semantics: what ramfs serves and what the VFS keeps for directories. Every operation checks everything
//! first and then changes the tree, so an error leaves the tree as it was.
//!
//! A file lives while it has a name or is open: `unlink` of an open file removes the name
//! and the contents go at the last `close`, as on Unix.

use crate::path::Path;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use uxrt_protocols::file::OpenFlags;
use uxrt_protocols::Errno;

/// An inode number: stable for the life of a file or directory, never reused while the
/// tree lives.
pub type Ino = u64;

/// The root directory's inode.
pub const ROOT: Ino = 1;

/// Largest offset a file may reach (no sparse files: every byte is held).
pub const FILE_MAX: u64 = 1 << 40;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Directory,
    /// A symbolic link. The tree never follows one: [`Tree::first_link`] finds the
    /// link a path crosses, and its holder (the VFS, through ramfs) resolves it; every
    /// other operation takes a link as a name like any other (`unlink` and `rename`
    /// act on the link, `open` of one is `ELOOP`, `O_NOFOLLOW`'s answer).
    Symlink,
    /// A named pipe (`mkfifo`): only a name here. Its bytes and ends live in the pipe
    /// server; an open of it is answered with where to find that (the file server's
    /// `open`), never opened in the tree.
    Fifo,
}

/// The first symbolic link a path crosses: the index of its component, and its target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkMet<'t> {
    pub component: usize,
    pub target: &'t str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stat {
    pub ino: Ino,
    pub kind: Kind,
    /// Bytes for a file; entries for a directory.
    pub size: u64,
    /// Names it has (0 for an unlinked file still open).
    pub links: u32,
    /// Permission bits (`0o7777` at most): kept and reported, not enforced (uxrt has no
    /// users yet).
    pub mode: u32,
    /// When its contents last changed, and when it last changed at all (contents, mode,
    /// names, times): nanoseconds of the tree's clock ([`Tree::set_now`]).
    pub modified: u64,
    pub changed: u64,
    /// When it was last read ([`Tree::accessed`], as Linux's default `relatime`).
    pub accessed: u64,
}

/// A new time for [`Tree::set_times`]: left as it is, the tree's now, or this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NewTime {
    Omit,
    Now,
    At(u64),
}

/// How long an access time may lag behind reads (`relatime`: a day).
const ACCESS_LAG: u64 = 24 * 3600 * 1_000_000_000;

/// The permission bits a file or directory starts with, before its creator's `chmod`.
pub const FILE_MODE: u32 = 0o644;
pub const DIRECTORY_MODE: u32 = 0o755;
/// A symbolic link's (Linux's: its own bits are never used).
pub const LINK_MODE: u32 = 0o777;

enum Contents {
    File(Vec<u8>),
    Directory(BTreeMap<String, Ino>),
    Symlink(String),
    Fifo,
}

impl Contents {
    /// The bytes it holds: what the tree's capacity and its owner's quota count.
    fn bytes(&self) -> u64 {
        match self {
            Contents::File(data) => data.len() as u64,
            Contents::Symlink(target) => target.len() as u64,
            Contents::Directory(_) | Contents::Fifo => 0,
        }
    }
}

impl Node {
    /// The access time a read `now` leaves (see [`Tree::accessed`]).
    fn stamp_access(&mut self, now: u64) {
        let stale = self.accessed <= self.modified || self.accessed <= self.changed;
        if stale || now.saturating_sub(self.accessed) >= ACCESS_LAG {
            self.accessed = now;
        }
    }
}

struct Node {
    contents: Contents,
    links: u32,
    opens: u32,
    mode: u32,
    modified: u64,
    changed: u64,
    accessed: u64,
    /// Who it is charged to.
    owner: Owner,
}

/// Who a file or directory is charged to (in uxrt, the session that made it); owners
/// other than [`SYSTEM`] have the tree's quota each.
pub type Owner = u64;
/// The owner without a quota (what the file system holds of its own).
pub const SYSTEM: Owner = 0;

/// What an owner holds, or may hold.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub inodes: usize,
    pub bytes: u64,
}

pub struct Tree {
    nodes: BTreeMap<Ino, Node>,
    next_ino: Ino,
    /// File bytes held, and how many may be.
    bytes: u64,
    capacity: u64,
    /// Most inodes (files and directories, the root included). Each has one name of at
    /// most `NAME_MAX` bytes, so this bounds the memory names take too.
    max_inodes: usize,
    /// What each owner but `SYSTEM` may hold (beyond: `EDQUOT`), and holds.
    quota: Usage,
    usage: BTreeMap<Owner, Usage>,
    /// The time what changes now is stamped with (its owner sets it).
    now: u64,
}

impl Tree {
    /// An empty tree (just `/`) that holds at most `capacity` bytes of file contents
    /// and `max_inodes` files and directories (beyond either: `ENOSPC`), and at most
    /// `quota` for each owner but `SYSTEM` (beyond: `EDQUOT`).
    pub fn new(capacity: u64, max_inodes: usize, quota: Usage) -> Tree {
        let mut nodes = BTreeMap::new();
        let root = Node {
            contents: Contents::Directory(BTreeMap::new()),
            links: 1,
            opens: 0,
            mode: DIRECTORY_MODE,
            modified: 0,
            changed: 0,
            accessed: 0,
            owner: SYSTEM,
        };
        nodes.insert(ROOT, root);
        Tree { nodes, next_ino: ROOT + 1, bytes: 0, capacity, max_inodes, quota, usage: BTreeMap::new(), now: 0 }
    }

    /// Sets the time (in nanoseconds, of whatever clock its owner keeps: uxrt's ramfs
    /// gives Unix time) that changes from now on are stamped with.
    pub fn set_now(&mut self, now: u64) {
        self.now = now;
    }

    /// `ino` was read now: its access time moves when it was not read since it last
    /// changed, or a day ago (Linux's `relatime`, its default: a read is not a write
    /// every time).
    pub fn accessed(&mut self, ino: Ino) {
        let now = self.now;
        if let Some(node) = self.nodes.get_mut(&ino) {
            node.stamp_access(now);
        }
    }

    /// Sets `ino`'s access and modification times (`utimensat`); its change time is
    /// now unless both are omitted.
    pub fn set_times(&mut self, ino: Ino, accessed: NewTime, modified: NewTime) -> Result<(), Errno> {
        let now = self.now;
        let node = self.nodes.get_mut(&ino).ok_or(Errno::ENOENT)?;
        let pick = |new: NewTime, old: u64| match new {
            NewTime::Omit => old,
            NewTime::Now => now,
            NewTime::At(at) => at,
        };
        (node.accessed, node.modified) = (pick(accessed, node.accessed), pick(modified, node.modified));
        if (accessed, modified) != (NewTime::Omit, NewTime::Omit) {
            node.changed = now;
        }
        Ok(())
    }

    /// Stamps `ino` as changed now, and with `contents` as modified too.
    fn touch(&mut self, ino: Ino, contents: bool) {
        let now = self.now;
        if let Some(node) = self.nodes.get_mut(&ino) {
            node.changed = now;
            if contents {
                node.modified = now;
            }
        }
    }

    /// What `owner` holds now.
    pub fn usage(&self, owner: Owner) -> Usage {
        self.usage.get(&owner).copied().unwrap_or_default()
    }

    /// Charges `owner` `inodes` and `bytes` more (either may be negative), `EDQUOT`
    /// past its quota when it grows.
    fn charge(&mut self, owner: Owner, inodes: isize, bytes: i64) -> Result<(), Errno> {
        let now = self.usage(owner);
        let after = Usage {
            inodes: now.inodes.checked_add_signed(inodes).ok_or(Errno::EINVAL)?,
            bytes: now.bytes.checked_add_signed(bytes).ok_or(Errno::EINVAL)?,
        };
        let grows = inodes > 0 || bytes > 0;
        if owner != SYSTEM && grows && (after.inodes > self.quota.inodes || after.bytes > self.quota.bytes) {
            return Err(Errno::EDQUOT);
        }
        if after == Usage::default() {
            self.usage.remove(&owner);
        } else {
            self.usage.insert(owner, after);
        }
        Ok(())
    }

    pub fn bytes_used(&self) -> u64 {
        self.bytes
    }

    /// How many inodes exist (the root included): what a leak check counts.
    pub fn inodes(&self) -> usize {
        self.nodes.len()
    }

    fn node(&self, ino: Ino) -> Result<&Node, Errno> {
        self.nodes.get(&ino).ok_or(Errno::EBADF)
    }

    fn entries(&self, ino: Ino) -> Result<&BTreeMap<String, Ino>, Errno> {
        match &self.node(ino)?.contents {
            Contents::Directory(entries) => Ok(entries),
            Contents::File(_) | Contents::Symlink(_) | Contents::Fifo => Err(Errno::ENOTDIR),
        }
    }

    fn entries_mut(&mut self, ino: Ino) -> &mut BTreeMap<String, Ino> {
        match self.nodes.get_mut(&ino).map(|n| &mut n.contents) {
            Some(Contents::Directory(entries)) => entries,
            _ => unreachable!("checked to be a directory"),
        }
    }

    /// The inode `path` names.
    pub fn lookup(&self, path: &Path) -> Result<Ino, Errno> {
        let mut ino = ROOT;
        for name in path.components() {
            ino = *self.entries(ino)?.get(name).ok_or(Errno::ENOENT)?;
        }
        Ok(ino)
    }

    /// The first symbolic link `path` crosses (its last component only with
    /// `follow_last`), if it names one before anything else stops it: a lookup that
    /// fails is left to the operation, which reports it.
    pub fn first_link(&self, path: &Path, follow_last: bool) -> Option<LinkMet<'_>> {
        let mut ino = ROOT;
        let count = path.components().count();
        for (component, name) in path.components().enumerate() {
            ino = *self.entries(ino).ok()?.get(name)?;
            if let Contents::Symlink(target) = &self.node(ino).ok()?.contents {
                if component + 1 < count || follow_last {
                    return Some(LinkMet { component, target });
                }
            }
        }
        None
    }

    /// Makes a symbolic link at `path` to `target` (any text: it is not looked up),
    /// charged to `owner`. `ENOENT` for an empty target, as Linux.
    pub fn symlink(&mut self, path: &Path, target: &str, owner: Owner) -> Result<Ino, Errno> {
        if target.is_empty() {
            return Err(Errno::ENOENT);
        }
        if target.len() >= crate::path::PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        if self.lookup(path).is_ok() {
            return Err(Errno::EEXIST);
        }
        let (dir, name) = self.parent_of(path)?;
        let bytes = self.bytes + target.len() as u64;
        if bytes > self.capacity {
            return Err(Errno::ENOSPC);
        }
        let mut text = String::new();
        text.try_reserve_exact(target.len()).map_err(|_| Errno::ENOSPC)?;
        text.push_str(target);
        self.charge(owner, 0, target.len() as i64)?;
        match self.insert(dir, name, Contents::Symlink(text), owner) {
            Ok(ino) => {
                self.bytes = bytes;
                Ok(ino)
            }
            Err(errno) => {
                let _ = self.charge(owner, 0, -(target.len() as i64));
                Err(errno)
            }
        }
    }

    /// The target of the symbolic link at `path` (`EINVAL` for anything else).
    pub fn readlink(&self, path: &Path) -> Result<&str, Errno> {
        match &self.node(self.lookup(path)?)?.contents {
            Contents::Symlink(target) => Ok(target),
            _ => Err(Errno::EINVAL),
        }
    }

    /// The directory that would hold `path` (which must exist), and its last name;
    /// whether that name exists is left to the caller. `EBUSY` for `/`.
    fn parent_of<'p>(&self, path: &'p Path) -> Result<(Ino, &'p str), Errno> {
        let (parent, name) = path.split_last().ok_or(Errno::EBUSY)?;
        let dir = self.lookup(&parent)?;
        self.entries(dir)?;
        Ok((dir, name))
    }

    pub fn stat(&self, ino: Ino) -> Result<Stat, Errno> {
        let node = self.node(ino)?;
        let (kind, size) = match &node.contents {
            Contents::File(data) => (Kind::File, data.len() as u64),
            Contents::Directory(entries) => (Kind::Directory, entries.len() as u64),
            Contents::Symlink(target) => (Kind::Symlink, target.len() as u64),
            Contents::Fifo => (Kind::Fifo, 0),
        };
        let (modified, changed, accessed) = (node.modified, node.changed, node.accessed);
        Ok(Stat { ino, kind, size, links: node.links, mode: node.mode, modified, changed, accessed })
    }

    /// Opens (and with `create`, makes, charged to `owner`) the file or directory at
    /// `path`; each successful open is matched by one `close`.
    pub fn open(&mut self, path: &Path, flags: OpenFlags, owner: Owner) -> Result<Ino, Errno> {
        let ino = match self.lookup(path) {
            Ok(ino) => {
                if flags.has(OpenFlags::CREATE) && flags.has(OpenFlags::EXCLUSIVE) {
                    return Err(Errno::EEXIST);
                }
                // (A link reaches here only unfollowed: O_NOFOLLOW's answer.)
                if matches!(self.node(ino)?.contents, Contents::Symlink(_)) {
                    return Err(Errno::ELOOP);
                }
                // (A named pipe is opened in the pipe server, not here.)
                if matches!(self.node(ino)?.contents, Contents::Fifo) {
                    return Err(Errno::ENXIO);
                }
                let is_dir = matches!(self.node(ino)?.contents, Contents::Directory(_));
                if is_dir && (flags.writable() || flags.has(OpenFlags::TRUNCATE)) {
                    return Err(Errno::EISDIR);
                }
                if flags.has(OpenFlags::TRUNCATE) {
                    self.set_len(ino, 0)?;
                }
                ino
            }
            Err(Errno::ENOENT) if flags.has(OpenFlags::CREATE) => {
                let (dir, name) = self.parent_of(path)?;
                self.insert(dir, name, Contents::File(Vec::new()), owner)?
            }
            Err(errno) => return Err(errno),
        };
        self.nodes.get_mut(&ino).ok_or(Errno::EBADF)?.opens += 1;
        Ok(ino)
    }

    /// Ends one open of `ino`; an unlinked file goes with its last close.
    pub fn close(&mut self, ino: Ino) -> Result<(), Errno> {
        let node = self.nodes.get_mut(&ino).ok_or(Errno::EBADF)?;
        node.opens = node.opens.checked_sub(1).ok_or(Errno::EBADF)?;
        self.release_if_unused(ino);
        Ok(())
    }

    fn release_if_unused(&mut self, ino: Ino) {
        if let Some(node) = self.nodes.get(&ino) {
            if node.links == 0 && node.opens == 0 {
                let (owner, length) = (node.owner, node.contents.bytes());
                self.bytes -= length;
                // (Giving back never fails.)
                let _ = self.charge(owner, -1, -(length as i64));
                self.nodes.remove(&ino);
            }
        }
    }

    fn insert(&mut self, dir: Ino, name: &str, contents: Contents, owner: Owner) -> Result<Ino, Errno> {
        if self.nodes.len() >= self.max_inodes {
            return Err(Errno::ENOSPC);
        }
        self.charge(owner, 1, 0)?;
        let ino = self.next_ino;
        self.next_ino += 1;
        let mode = match contents {
            Contents::File(_) => FILE_MODE,
            Contents::Directory(_) => DIRECTORY_MODE,
            Contents::Symlink(_) => LINK_MODE,
            Contents::Fifo => FILE_MODE,
        };
        let now = self.now;
        let node = Node { contents, links: 1, opens: 0, mode, modified: now, changed: now, accessed: now, owner };
        self.nodes.insert(ino, node);
        self.entries_mut(dir).insert(String::from(name), ino);
        self.touch(dir, true);
        Ok(ino)
    }

    /// Sets the permission bits of `ino` (`EINVAL` beyond `0o7777`).
    pub fn chmod(&mut self, ino: Ino, mode: u32) -> Result<(), Errno> {
        if mode & !0o7777 != 0 {
            return Err(Errno::EINVAL);
        }
        self.nodes.get_mut(&ino).ok_or(Errno::ENOENT)?.mode = mode;
        self.touch(ino, false);
        Ok(())
    }

    /// Up to `length` bytes of file `ino` from `offset` (fewer at the end of the file),
    /// read now: its access time moves as [`Tree::accessed`] says.
    pub fn read(&mut self, ino: Ino, offset: u64, length: usize) -> Result<&[u8], Errno> {
        let now = self.now;
        let node = self.nodes.get_mut(&ino).ok_or(Errno::EBADF)?;
        node.stamp_access(now);
        match &node.contents {
            Contents::Symlink(_) | Contents::Fifo => Err(Errno::EINVAL),
            Contents::File(data) => {
                let start = (offset.min(data.len() as u64)) as usize;
                let end = start + length.min(data.len() - start);
                Ok(&data[start..end])
            }
            Contents::Directory(_) => Err(Errno::EISDIR),
        }
    }

    /// Writes `bytes` at `offset` (a gap before it reads as zeros); returns the count.
    pub fn write(&mut self, ino: Ino, offset: u64, bytes: &[u8]) -> Result<usize, Errno> {
        let end = offset.checked_add(bytes.len() as u64).filter(|&e| e <= FILE_MAX).ok_or(Errno::EFBIG)?;
        let length = self.file_len(ino)?;
        if end > length {
            self.set_len(ino, end)?;
        }
        if let Some(Contents::File(data)) = self.nodes.get_mut(&ino).map(|n| &mut n.contents) {
            data[offset as usize..end as usize].copy_from_slice(bytes);
        }
        self.touch(ino, true);
        Ok(bytes.len())
    }

    fn file_len(&self, ino: Ino) -> Result<u64, Errno> {
        match &self.node(ino)?.contents {
            Contents::File(data) => Ok(data.len() as u64),
            Contents::Directory(_) => Err(Errno::EISDIR),
            Contents::Symlink(_) | Contents::Fifo => Err(Errno::EINVAL),
        }
    }

    /// Makes file `ino` exactly `length` bytes long (new bytes are zeros).
    pub fn set_len(&mut self, ino: Ino, length: u64) -> Result<(), Errno> {
        if length > FILE_MAX {
            return Err(Errno::EFBIG);
        }
        let old = self.file_len(ino)?;
        let bytes = self.bytes - old + length;
        if length > old && bytes > self.capacity {
            return Err(Errno::ENOSPC);
        }
        let owner = self.node(ino)?.owner;
        // (Amortized growth: appending in small writes must not copy the file each
        // time. What the allocator cannot give is ENOSPC, not a crash.)
        if let Some(Contents::File(data)) = self.nodes.get_mut(&ino).map(|n| &mut n.contents) {
            if length > old && data.try_reserve((length - old) as usize).is_err() {
                return Err(Errno::ENOSPC);
            }
        }
        self.charge(owner, 0, length as i64 - old as i64)?;
        if let Some(Contents::File(data)) = self.nodes.get_mut(&ino).map(|n| &mut n.contents) {
            data.resize(length as usize, 0);
            if length < old {
                data.shrink_to_fit();
            }
        }
        self.bytes = bytes;
        self.touch(ino, true);
        Ok(())
    }

    /// Makes the named pipe `path`, charged to `owner` (an inode, no bytes).
    pub fn mkfifo(&mut self, path: &Path, owner: Owner) -> Result<Ino, Errno> {
        if self.lookup(path).is_ok() {
            return Err(Errno::EEXIST);
        }
        let (dir, name) = self.parent_of(path)?;
        self.insert(dir, name, Contents::Fifo, owner)
    }

    /// Makes the directory `path`, charged to `owner`.
    pub fn mkdir(&mut self, path: &Path, owner: Owner) -> Result<Ino, Errno> {
        if self.lookup(path).is_ok() {
            return Err(Errno::EEXIST);
        }
        let (dir, name) = self.parent_of(path)?;
        self.insert(dir, name, Contents::Directory(BTreeMap::new()), owner)
    }

    pub fn rmdir(&mut self, path: &Path) -> Result<(), Errno> {
        if path.is_root() {
            return Err(Errno::EBUSY);
        }
        let ino = self.lookup(path)?;
        if !self.entries(ino)?.is_empty() {
            return Err(Errno::ENOTEMPTY);
        }
        let (dir, name) = self.parent_of(path)?;
        self.unlink_entry(dir, name, ino);
        Ok(())
    }

    /// Removes the name of a file (not a directory: `EISDIR`).
    pub fn unlink(&mut self, path: &Path) -> Result<(), Errno> {
        let ino = self.lookup(path)?;
        if self.entries(ino).is_ok() {
            return Err(Errno::EISDIR);
        }
        let (dir, name) = self.parent_of(path)?;
        self.unlink_entry(dir, name, ino);
        Ok(())
    }

    fn unlink_entry(&mut self, dir: Ino, name: &str, ino: Ino) {
        self.entries_mut(dir).remove(name);
        self.touch(dir, true);
        self.touch(ino, false);
        if let Some(node) = self.nodes.get_mut(&ino) {
            node.links -= 1;
        }
        self.release_if_unused(ino);
    }

    /// Moves `from` to `to`, replacing what `to` names if it is of the same kind (and,
    /// for a directory, empty).
    pub fn rename(&mut self, from: &Path, to: &Path) -> Result<(), Errno> {
        let ino = self.lookup(from)?;
        let (from_dir, from_name) = self.parent_of(from)?;
        let (to_dir, to_name) = self.parent_of(to)?;
        if from == to {
            return Ok(());
        }
        let moving_dir = self.entries(ino).is_ok();
        if moving_dir && to.is_within(from) {
            return Err(Errno::EINVAL);
        }
        let replaced = self.entries(to_dir)?.get(to_name).copied();
        if let Some(old) = replaced {
            match (moving_dir, self.entries(old)) {
                (false, Ok(_)) => return Err(Errno::EISDIR),
                (true, Err(_)) => return Err(Errno::ENOTDIR),
                (true, Ok(entries)) if !entries.is_empty() => return Err(Errno::ENOTEMPTY),
                _ => {}
            }
            self.unlink_entry(to_dir, to_name, old);
        }
        self.entries_mut(from_dir).remove(from_name);
        self.entries_mut(to_dir).insert(String::from(to_name), ino);
        for dir in [from_dir, to_dir] {
            self.touch(dir, true);
        }
        self.touch(ino, false);
        Ok(())
    }

    /// A directory's entries, in name order.
    pub fn read_dir(&self, ino: Ino) -> Result<Vec<(String, Ino, Kind)>, Errno> {
        self.entries(ino)?.iter().map(|(name, &child)| Ok((name.clone(), child, self.stat(child)?.kind))).collect()
    }
}

#[cfg(test)]
mod tests;
