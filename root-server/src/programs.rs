//! The programs the image carries: a cpio archive that `cargo xtask` builds from `apps/`
//! and the root server's build script brings in, indexed by path once at boot (walking
//! the archive costs millions of instructions: the reader checks every file it passes).

use hashbrown::HashMap;
use spin::Once;
use uxrt_protocols::Errno;

static ARCHIVE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/programs.cpio"));

/// Every file by its path inside the archive (`bin/sh`).
static INDEX: Once<HashMap<&'static str, &'static [u8]>> = Once::new();

/// Longest path accepted (as Linux's PATH_MAX).
pub const PATH_MAX: usize = 4096;

fn index() -> &'static HashMap<&'static str, &'static [u8]> {
    INDEX.call_once(|| cpio_reader::iter_files(ARCHIVE).map(|entry| (entry.name(), entry.file())).collect())
}

/// The file at absolute `path` (`/bin/sh`), or ENOENT.
pub fn find(path: &str) -> Result<&'static [u8], Errno> {
    let name = path.strip_prefix('/').ok_or(Errno::ENOENT)?;
    index().get(name).copied().ok_or(Errno::ENOENT)
}

/// Every program: (path inside the archive, bytes), in the archive's order.
pub fn list() -> impl Iterator<Item = (&'static str, usize)> {
    cpio_reader::iter_files(ARCHIVE).map(|entry| (entry.name(), entry.file().len()))
}

/// The whole archive (ramfs's initial contents).
pub fn archive() -> &'static [u8] {
    ARCHIVE
}
