use super::*;
use alloc::vec;
use elf::abi::{PF_R, PF_X};
use proptest::prelude::*;

extern crate std;

const LIMIT: u64 = 0x1000_0000_0000;

/// (vaddr, file bytes, memory size, flags)
type SegmentSpec<'a> = (u64, &'a [u8], u64, u32);

/// A minimal ELF64 executable: header, program headers, then each segment's bytes.
fn elf(machine: u16, kind: u16, entry: u64, specs: &[SegmentSpec]) -> Vec<u8> {
    let phoff = 64u64;
    let mut data_at = phoff + 56 * specs.len() as u64;
    let mut out = vec![0u8; 64];
    out[..4].copy_from_slice(b"\x7fELF");
    out[4] = 2; // 64-bit
    out[5] = 1; // little-endian
    out[6] = 1; // version
    out[16..18].copy_from_slice(&kind.to_le_bytes());
    out[18..20].copy_from_slice(&machine.to_le_bytes());
    out[20..24].copy_from_slice(&1u32.to_le_bytes());
    out[24..32].copy_from_slice(&entry.to_le_bytes());
    out[32..40].copy_from_slice(&phoff.to_le_bytes());
    out[52..54].copy_from_slice(&64u16.to_le_bytes());
    out[54..56].copy_from_slice(&56u16.to_le_bytes());
    out[56..58].copy_from_slice(&(specs.len() as u16).to_le_bytes());
    let mut blobs = Vec::new();
    for &(vaddr, bytes, memsz, flags) in specs {
        let mut ph = vec![0u8; 56];
        ph[..4].copy_from_slice(&PT_LOAD.to_le_bytes());
        ph[4..8].copy_from_slice(&flags.to_le_bytes());
        ph[8..16].copy_from_slice(&data_at.to_le_bytes());
        ph[16..24].copy_from_slice(&vaddr.to_le_bytes());
        ph[32..40].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
        ph[40..48].copy_from_slice(&memsz.to_le_bytes());
        out.extend_from_slice(&ph);
        blobs.extend_from_slice(bytes);
        data_at += bytes.len() as u64;
    }
    out.extend_from_slice(&blobs);
    out
}

fn exec(specs: &[SegmentSpec]) -> Vec<u8> {
    elf(EM_X86_64, ET_EXEC, specs[0].0, specs)
}

#[test]
fn segments_pages_and_contents() {
    let text = [0x90u8; 5000];
    let file = exec(&[(0x400000, &text, 5000, 5), (0x402000, b"data", 0x3000, 6)]);
    let program = parse(&file, LIMIT).unwrap();
    assert_eq!(program.entry, 0x400000);
    assert_eq!(program.segments.len(), 2);
    let (t, d) = (&program.segments[0], &program.segments[1]);
    assert!(!t.writable && d.writable);
    assert_eq!(t.pages(), 0x400000..0x402000);
    assert_eq!(t.contents_of(0x401000), (0, &text[4096..]));
    assert_eq!(d.pages(), 0x402000..0x405000);
    assert_eq!(d.contents_of(0x402000), (0, &b"data"[..]));
    assert_eq!(d.contents_of(0x403000), (0, &b""[..])); // bss: zeroes
    assert_eq!(program.end, 0x405000);
}

#[test]
fn unaligned_segment_contents_land_at_their_offset() {
    let file = exec(&[(0x400010, b"abc", 3, 5)]);
    let program = parse(&file, LIMIT).unwrap();
    assert_eq!(program.segments[0].contents_of(0x400000), (0x10, &b"abc"[..]));
}

#[test]
fn read_only_large_pages_without_writable_data_are_shared() {
    let text = [0x90u8; 100];
    let rodata = [7u8; 10];
    let data = [1u8; 8];
    // Text and rodata in the first large page, data on the next: one shared region.
    let file = exec(&[
        (0x40_0000, &text, 100, PF_R | PF_X),
        (0x41_0000, &rodata, 10, PF_R),
        (0x60_0000, &data, 0x2000, PF_R | PF_W),
    ]);
    let program = parse(&file, LIMIT).unwrap();
    assert_eq!(program.shared_regions(), [0x40_0000]);
    let mut memory = vec![0u8; LARGE_PAGE_SIZE as usize];
    program.fill_region(0x40_0000, &mut memory);
    assert_eq!(&memory[..100], &text);
    assert_eq!(&memory[0x1_0000..0x1_000a], &rodata);
    assert_eq!(memory.iter().filter(|&&b| b != 0).count(), 110, "nothing else is written");
    // Data in the same large page as rodata: nothing is shared.
    let file = exec(&[(0x40_0000, &text, 100, PF_R | PF_X), (0x41_0000, &data, 8, PF_R | PF_W)]);
    assert!(parse(&file, LIMIT).unwrap().shared_regions().is_empty());
    // Text spanning two large pages, data in the second: only the first is shared.
    let big = vec![0xccu8; 0x20_1000];
    let file = exec(&[(0x40_0000, &big, 0x20_1000, PF_R | PF_X), (0x60_2000, &data, 8, PF_R | PF_W)]);
    assert_eq!(parse(&file, LIMIT).unwrap().shared_regions(), [0x40_0000]);
}

#[test]
fn malformed_files_are_refused() {
    let ok = exec(&[(0x400000, b"x", 1, 5)]);
    let mut truncated = ok.clone();
    truncated.truncate(ok.len() - 1);
    let cases: [(&str, Vec<u8>); 10] = [
        ("empty", vec![]),
        ("not ELF", b"#!/bin/sh\necho hi\n".to_vec()),
        ("wrong machine", elf(3, ET_EXEC, 0x400000, &[(0x400000, b"x", 1, 5)])),
        ("shared object", elf(EM_X86_64, 3, 0x400000, &[(0x400000, b"x", 1, 5)])),
        ("data past the end", truncated),
        ("filesz > memsz", exec(&[(0x400000, b"xy", 1, 5)])),
        ("page zero", exec(&[(0x0, b"x", 1, 5)])),
        ("above the limit", exec(&[(LIMIT - 1, b"xy", 2, 5)])),
        ("overlapping", exec(&[(0x400000, b"x", 1, 5), (0x400800, b"y", 1, 6)])),
        ("entry outside", elf(EM_X86_64, ET_EXEC, 0x500000, &[(0x400000, b"x", 1, 5)])),
    ];
    for (what, file) in cases {
        assert!(matches!(parse(&file, LIMIT), Err(LoadError::NotExecutable(_))), "{what} was accepted");
    }
    assert!(parse(&exec(&[(u64::MAX - 10, b"", 100, 5)]), LIMIT).is_err(), "wrapping segment");
}

proptest! {
    /// Corrupting any bytes of a valid file gives a checked plan or an error, never a
    /// panic, and an accepted plan always keeps to the rules.
    #[test]
    fn corrupted_files_never_panic(flips in proptest::collection::vec((0usize..400, any::<u8>()), 1..8)) {
        let mut file = exec(&[(0x400000, &[0x90; 100], 100, 5), (0x401000, &[1; 50], 0x2000, 6)]);
        for (at, byte) in flips {
            let len = file.len();
            file[at % len] = byte;
        }
        if let Ok(program) = parse(&file, LIMIT) {
            for s in &program.segments {
                prop_assert!(s.address >= PAGE_SIZE && s.address + s.memory_size <= LIMIT);
                prop_assert!(s.data.len() as u64 <= s.memory_size);
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse(&bytes, LIMIT);
    }
}
