//! The programs the image carries: a cpio archive that `cargo xtask` builds from `apps/`
//! and the root server's build script brings in, indexed by path once at boot (walking
//! the archive costs millions of instructions: the reader checks every file it passes).

use hashbrown::HashMap;
use sel4::{CPtr, Word};
use spin::Once;
use uxrt_protocols::Errno;

/// Page-aligned and padded to whole pages, so that the frames of the root server's image
/// that hold it hold nothing else: ramfs maps them read-only instead of a copy.
#[repr(C, align(4096))]
struct Pages<Bytes: ?Sized>(Bytes);

static ARCHIVE_PAGES: &Pages<[u8]> = &Pages(*include_bytes!(concat!(env!("OUT_DIR"), "/programs.cpio")));
static ARCHIVE: &[u8] = &ARCHIVE_PAGES.0;

/// The cap of the frame holding the root server's first image page (from boot info).
static IMAGE_FRAMES: Once<CPtr> = Once::new();

extern "C" {
    /// The root server's image's first address (`rt/link.ld`).
    static __image_start: u8;
}

/// Every file by its path inside the archive (`bin/sh`).
static INDEX: Once<HashMap<&'static str, &'static [u8]>> = Once::new();

const PAGE: Word = 4096;

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

/// Records where the caps of the root server's image frames start (boot info's
/// `user_image_frames`: one per page from the image's first, in order).
pub fn set_image_frames(first: CPtr) {
    IMAGE_FRAMES.call_once(|| first);
}

/// The caps of the frames holding the archive, page by page (the root server's own:
/// copies of them may be mapped read-only elsewhere).
pub fn archive_frames() -> Option<impl Iterator<Item = CPtr>> {
    let first = *IMAGE_FRAMES.get()?;
    // (Only the symbol's address is taken, never its contents.)
    let image_start = core::ptr::addr_of!(__image_start) as Word;
    let first_page = (ARCHIVE.as_ptr() as Word - image_start) / PAGE;
    let pages = (ARCHIVE.len() as Word).div_ceil(PAGE);
    Some((first_page..first_page + pages).map(move |page| first + page))
}
