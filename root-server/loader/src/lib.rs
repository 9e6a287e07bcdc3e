//! Turns a program's ELF file into a load plan: its entry point and the pages each
//! loadable segment covers, with their contents and rights. Every field is checked
//! (class, machine, type, segment bounds, overlaps, the user address range) so that the
//! root server never maps anything a malformed file asks for outside the rules: a bad
//! file is `NotExecutable`, never a panic.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use elf::abi::{EM_X86_64, ET_EXEC, PF_W, PT_LOAD};
use elf::endian::LittleEndian;
use elf::ElfBytes;

pub const PAGE_SIZE: u64 = 4096;
/// A large page: a read-only part of a program this large and aligned is shared by every
/// process running it (`Program::shared_regions`).
pub const LARGE_PAGE_SIZE: u64 = 2 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// Not an ELF file uxrt can run (the detail says what is wrong).
    NotExecutable(&'static str),
}

/// One loadable segment: `data` goes at `address`, followed by zeroes up to `memory_size`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment<'a> {
    pub address: u64,
    pub data: &'a [u8],
    pub memory_size: u64,
    pub writable: bool,
}

impl Segment<'_> {
    /// The page-aligned address range the segment covers.
    pub fn pages(&self) -> core::ops::Range<u64> {
        page_down(self.address)..page_up(self.address + self.memory_size)
    }

    /// The bytes of the page at `page` (page-aligned): `(offset in page, bytes)` to copy.
    pub fn contents_of(&self, page: u64) -> (usize, &[u8]) {
        let start = self.address.max(page);
        let file_end = self.address + self.data.len() as u64;
        let end = file_end.min(page + PAGE_SIZE);
        if start >= end {
            return (0, &[]);
        }
        let from = (start - self.address) as usize;
        ((start - page) as usize, &self.data[from..from + (end - start) as usize])
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program<'a> {
    pub entry: u64,
    pub segments: Vec<Segment<'a>>,
    /// The first page-aligned address above every segment (where the heap may start).
    pub end: u64,
}

impl Program<'_> {
    /// The large-page-aligned regions that read-only segments touch and no writable one
    /// does: each can be one read-only large frame, loaded once and shared (uxrt's link
    /// script starts writable data on a new large page). Ascending.
    pub fn shared_regions(&self) -> Vec<u64> {
        let large_down = |address: u64| address & !(LARGE_PAGE_SIZE - 1);
        let mut regions: Vec<u64> = Vec::new();
        for segment in self.segments.iter().filter(|s| !s.writable) {
            let pages = segment.pages();
            for region in (large_down(pages.start)..pages.end).step_by(LARGE_PAGE_SIZE as usize) {
                let span = region..region + LARGE_PAGE_SIZE;
                let writable_there = self.segments.iter().any(|s| {
                    let pages = s.pages();
                    s.writable && pages.start < span.end && span.start < pages.end
                });
                if !writable_there && !regions.contains(&region) {
                    regions.push(region);
                }
            }
        }
        regions.sort_unstable();
        regions
    }

    /// Copies what the segments hold in the large page at `region` into `memory` (its
    /// 2 MiB, zeroed), for `shared_regions`.
    pub fn fill_region(&self, region: u64, memory: &mut [u8]) {
        for segment in &self.segments {
            let start = segment.address.max(region);
            let end = (segment.address + segment.data.len() as u64).min(region + memory.len() as u64);
            if start < end {
                let from = (start - segment.address) as usize;
                let to = (start - region) as usize;
                let length = (end - start) as usize;
                memory[to..to + length].copy_from_slice(&segment.data[from..from + length]);
            }
        }
    }
}

pub const fn page_down(address: u64) -> u64 {
    address & !(PAGE_SIZE - 1)
}

pub const fn page_up(address: u64) -> u64 {
    page_down(address + PAGE_SIZE - 1)
}

fn bad(why: &'static str) -> LoadError {
    LoadError::NotExecutable(why)
}

/// Reads `file` as a static x86_64 executable whose segments lie in `[PAGE_SIZE, limit)`.
pub fn parse(file: &[u8], limit: u64) -> Result<Program<'_>, LoadError> {
    let elf = ElfBytes::<LittleEndian>::minimal_parse(file).map_err(|_| bad("not a 64-bit little-endian ELF file"))?;
    if elf.ehdr.e_machine != EM_X86_64 {
        return Err(bad("not an x86_64 program"));
    }
    if elf.ehdr.e_type != ET_EXEC {
        return Err(bad("not a static executable"));
    }
    let headers = elf.segments().ok_or(bad("no program headers"))?;
    let mut segments: Vec<Segment> = Vec::new();
    for header in headers.iter().filter(|h| h.p_type == PT_LOAD) {
        if header.p_filesz > header.p_memsz {
            return Err(bad("a segment's file size exceeds its memory size"));
        }
        let end = header.p_vaddr.checked_add(header.p_memsz).ok_or(bad("a segment wraps around"))?;
        if header.p_vaddr < PAGE_SIZE || end > limit {
            return Err(bad("a segment lies outside the user address range"));
        }
        let data = usize::try_from(header.p_offset)
            .ok()
            .zip(usize::try_from(header.p_filesz).ok())
            .and_then(|(offset, size)| file.get(offset..offset.checked_add(size)?))
            .ok_or(bad("a segment's data lies outside the file"))?;
        if header.p_memsz == 0 {
            continue;
        }
        let segment = Segment {
            address: header.p_vaddr,
            data,
            memory_size: header.p_memsz,
            writable: header.p_flags & PF_W != 0,
        };
        let pages = segment.pages();
        if segments.iter().any(|other| other.pages().start < pages.end && pages.start < other.pages().end) {
            return Err(bad("two segments share a page"));
        }
        segments.push(segment);
    }
    if segments.is_empty() {
        return Err(bad("no loadable segment"));
    }
    let entry = elf.ehdr.e_entry;
    if !segments.iter().any(|s| (s.address..s.address + s.memory_size).contains(&entry)) {
        return Err(bad("the entry point is outside every segment"));
    }
    let end = segments.iter().map(|s| s.pages().end).max().unwrap_or(PAGE_SIZE);
    Ok(Program { entry, segments, end })
}

#[cfg(test)]
mod tests;
