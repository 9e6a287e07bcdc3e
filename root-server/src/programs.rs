//! The programs the image carries: a cpio archive that `cargo xtask` builds from `apps/`
//! and the root server's build script brings in.

use uxrt_protocols::Errno;

static ARCHIVE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/programs.cpio"));

/// Longest path accepted (as Linux's PATH_MAX).
pub const PATH_MAX: usize = 4096;

/// The file at absolute `path` (`/bin/sh`), or ENOENT.
pub fn find(path: &str) -> Result<&'static [u8], Errno> {
    let name = path.strip_prefix('/').ok_or(Errno::ENOENT)?;
    cpio_reader::iter_files(ARCHIVE).find(|entry| entry.name() == name).map(|entry| entry.file()).ok_or(Errno::ENOENT)
}

/// Every program: (path inside the archive, bytes).
pub fn list() -> impl Iterator<Item = (&'static str, usize)> {
    cpio_reader::iter_files(ARCHIVE).map(|entry| (entry.name(), entry.file().len()))
}

/// The whole archive (ramfs's initial contents).
pub fn archive() -> &'static [u8] {
    ARCHIVE
}
