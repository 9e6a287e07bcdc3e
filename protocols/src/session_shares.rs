//! What one session may hold inside the file servers. Each server enforces its share
//! (beyond it: `EDQUOT` from ramfs, `ENOMEM` from the pipes server); the root server
//! keeps [`IN_SERVERS`] free for every live session besides the session's own
//! guarantee, so that another session's memory hogs can never leave the servers short
//! of what a session's share allows.

/// Bytes of file data a session's files may hold in ramfs.
pub const RAMFS_BYTES: u64 = 16 << 20;
/// Files and directories a session may have in ramfs.
pub const RAMFS_INODES: usize = 8192;
/// The most one file or directory costs ramfs besides its data: its node, and its name
/// of up to 255 bytes in its directory.
pub const RAMFS_INODE_MEMORY: u64 = 416;
/// Buffer memory a session's pipes may have together (128 full pipes of 64 KiB).
pub const PIPES_BYTES: u64 = 8 << 20;
/// What the servers may hold for one session, all told (about 27 MiB).
pub const IN_SERVERS: u64 = RAMFS_BYTES + RAMFS_INODES as u64 * RAMFS_INODE_MEMORY + PIPES_BYTES;
