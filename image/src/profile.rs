//! `cargo xtask profile`: where the instructions of code under test go, per function,
//! the kernel and the servers it calls included.
//!
//! It builds a QEMU TCG plugin (`image/profiler/plugin.c`, loaded by Debian's QEMU 7.2,
//! plugin API 1) and boots the image under `-icount` with it; the code under test opens
//! and closes numbered *windows* with a marker NOP (waitbench marks each benchmark's
//! timed region). The plugin counts every translation block executed inside a window;
//! here each block is matched to the binary it came from (the kernel by its address,
//! programs, which all link at the same address, by address and bytes) and each
//! instruction to a function of that binary's symbol table (the unstripped ELFs of the
//! build folder).

use crate::kernel::KernelConfig;
use crate::qemu::{Boot, Control};
use crate::{bail, paths, userland, Result};
use elf::endian::AnyEndian;
use elf::ElfBytes;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Windows of the plugin: 1 to 15.
const WINDOWS: usize = 15;
/// Kernel addresses (seL4 x86_64 runs in the top of the address space).
const KERNEL_BASE: u64 = 0xffff_8000_0000_0000;
/// The profiled run must end within this.
const RUN_LIMIT: Duration = Duration::from_secs(1200);

/// One block the plugin saw executed in a window.
#[derive(Debug, PartialEq)]
pub struct Block {
    pub vaddr: u64,
    /// Executions in window 1..=15 (index 0 is window 1).
    pub counts: [u64; WINDOWS],
    pub code: Vec<u8>,
    /// Each instruction's size, in order.
    pub sizes: Vec<u8>,
    /// Executions in each window's typical openings (see [`Window::typical`]).
    pub typical: [u64; WINDOWS],
}

/// A window's openings and the instructions counted in them.
#[derive(Debug, PartialEq)]
pub struct Window {
    pub id: usize,
    pub opened: u64,
    pub total: u64,
    pub median: u64,
    /// Openings within 1% of the median, whose blocks `Block::typical` counts: the case
    /// the median measures, without outliers (0: not logged, the plugin ran short).
    pub typical: u64,
}

#[derive(Debug, Default, PartialEq)]
pub struct Profile {
    pub windows: Vec<Window>,
    pub blocks: Vec<Block>,
}

impl Profile {
    /// Reads the plugin's output (see `plugin.c` for its lines).
    pub fn parse(text: &str) -> Result<Profile> {
        let mut profile = Profile::default();
        for (number, line) in text.lines().enumerate() {
            let bad = || crate::Error(format!("profile line {}: cannot read {line:?}", number + 1));
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["window", id, "opened", opened, "total", total, "median", median, "typical", typical] => {
                    let number = |text: &str| text.parse::<u64>().map_err(|_| bad());
                    profile.windows.push(Window {
                        id: number(id)? as usize,
                        opened: number(opened)?,
                        total: number(total)?,
                        median: number(median)?,
                        typical: number(typical)?,
                    });
                }
                ["block", vaddr, counts, code, sizes, typical] => {
                    let vaddr = u64::from_str_radix(vaddr, 16).map_err(|_| bad())?;
                    let per_window = |text: &str| -> Result<[u64; WINDOWS]> {
                        let counts: Vec<u64> = text
                            .split(',')
                            .map(str::parse)
                            .collect::<std::result::Result<_, _>>()
                            .map_err(|_| bad())?;
                        counts.try_into().map_err(|_| bad())
                    };
                    let (counts, typical) = (per_window(counts)?, per_window(typical)?);
                    let code = (0..code.len() / 2)
                        .map(|i| u8::from_str_radix(&code[2 * i..2 * i + 2], 16))
                        .collect::<std::result::Result<Vec<u8>, _>>()
                        .map_err(|_| bad())?;
                    let sizes: Vec<u8> =
                        sizes.split(',').map(str::parse).collect::<std::result::Result<_, _>>().map_err(|_| bad())?;
                    if sizes.iter().map(|&s| s as usize).sum::<usize>() != code.len() {
                        return Err(bad());
                    }
                    profile.blocks.push(Block { vaddr, counts, code, sizes, typical });
                }
                [] => {}
                _ => return Err(bad()),
            }
        }
        Ok(profile)
    }
}

/// A function of a binary.
struct Function {
    start: u64,
    end: u64,
    name: String,
}

/// An executable with its loadable segments and functions.
pub struct Binary {
    name: String,
    kernel: bool,
    /// (vaddr, bytes in the file) of each executable segment.
    text: Vec<(u64, Vec<u8>)>,
    /// Sorted by start.
    functions: Vec<Function>,
}

impl Binary {
    pub fn load(path: &Path, name: &str, kernel: bool) -> Result<Binary> {
        let data = std::fs::read(path)?;
        let file = ElfBytes::<AnyEndian>::minimal_parse(&data)
            .map_err(|e| crate::Error(format!("{}: not an ELF file: {e}", path.display())))?;
        let mut text = Vec::new();
        for segment in file.segments().map(|table| table.iter().collect::<Vec<_>>()).unwrap_or_default() {
            const EXECUTABLE: u32 = 1;
            if segment.p_type == elf::abi::PT_LOAD && segment.p_flags & EXECUTABLE != 0 {
                let bytes =
                    file.segment_data(&segment).map_err(|e| crate::Error(format!("{}: {e}", path.display())))?;
                text.push((segment.p_vaddr, bytes.to_vec()));
            }
        }
        let mut functions = Vec::new();
        if let Ok(Some((symbols, names))) = file.symbol_table() {
            for symbol in symbols.iter().filter(|s| s.st_symtype() == elf::abi::STT_FUNC && s.st_value != 0) {
                let raw = names.get(symbol.st_name as usize).unwrap_or("?");
                let name = format!("{:#}", rustc_demangle::demangle(raw));
                functions.push(Function { start: symbol.st_value, end: symbol.st_value + symbol.st_size, name });
            }
        }
        functions.sort_by_key(|f| f.start);
        Ok(Binary { name: name.to_string(), kernel, text, functions })
    }

    /// Whether this binary holds `code` at `vaddr`.
    fn holds(&self, vaddr: u64, code: &[u8]) -> bool {
        if self.kernel {
            return vaddr >= KERNEL_BASE;
        }
        vaddr < KERNEL_BASE
            && self.text.iter().any(|(start, bytes)| {
                let offset = vaddr.wrapping_sub(*start) as usize;
                vaddr >= *start && bytes.get(offset..offset + code.len()) == Some(code)
            })
    }

    /// The function at `address` (the last one starting at or before it, when the
    /// symbol table gives no size).
    fn function(&self, address: u64) -> &str {
        let index = self.functions.partition_point(|f| f.start <= address);
        match index.checked_sub(1).map(|i| &self.functions[i]) {
            Some(f) if address < f.end || f.end == f.start => &f.name,
            _ => "?",
        }
    }
}

/// Per window: instructions by binary and by (binary, function).
#[derive(Default)]
struct Tally {
    binaries: BTreeMap<String, u64>,
    functions: BTreeMap<(String, String), u64>,
}

/// `counts` of each block: all its executions, or those of the typical openings.
fn tally(profile: &Profile, binaries: &[Binary], counts: impl Fn(&Block) -> &[u64; WINDOWS]) -> Vec<Tally> {
    let mut tallies: Vec<Tally> = (0..WINDOWS).map(|_| Tally::default()).collect();
    for block in &profile.blocks {
        let owner = binaries.iter().find(|b| b.holds(block.vaddr, &block.code));
        let mut address = block.vaddr;
        for &size in &block.sizes {
            let (binary, function) = match owner {
                Some(binary) => (binary.name.as_str(), binary.function(address)),
                None => ("(unknown)", "?"),
            };
            for (window, &count) in counts(block).iter().enumerate().filter(|(_, &c)| c > 0) {
                let tally = &mut tallies[window];
                *tally.binaries.entry(binary.to_string()).or_default() += count;
                *tally.functions.entry((binary.to_string(), function.to_string())).or_default() += count;
            }
            address += size as u64;
        }
    }
    tallies
}

/// The report: per window, the openings, instructions per opening (median and mean),
/// the share of each binary and the `top` functions, per typical opening (within 1% of
/// the median) where the plugin logged them, else per opening.
pub fn report(profile: &Profile, binaries: &[Binary], top: usize) -> String {
    let all = tally(profile, binaries, |block| &block.counts);
    let typical = tally(profile, binaries, |block| &block.typical);
    let mut out = String::new();
    for window in &profile.windows {
        let index = window.id.wrapping_sub(1);
        let (Some(every), Some(usual)) = (all.get(index), typical.get(index)) else { continue };
        let _ = writeln!(
            out,
            "window {}: opened {} times; instructions per opening: median {}, mean {:.0}",
            window.id,
            window.opened,
            window.median,
            window.total as f64 / window.opened.max(1) as f64
        );
        let (tally, openings, what) = match window.typical {
            0 => (every, window.opened, String::from("mean per opening")),
            n => (usual, n, format!("per typical opening: the {n} within 1% of the median")),
        };
        let per = |n: u64| n as f64 / openings.max(1) as f64;
        let mut binaries: Vec<(&String, &u64)> = tally.binaries.iter().collect();
        binaries.sort_by(|a, b| b.1.cmp(a.1));
        let shares: Vec<String> = binaries.iter().map(|(name, &n)| format!("{name} {:.0}", per(n))).collect();
        let _ = writeln!(out, "  by binary ({what}): {}", shares.join(", "));
        let mut functions: Vec<(&(String, String), &u64)> = tally.functions.iter().collect();
        functions.sort_by(|a, b| b.1.cmp(a.1));
        for ((binary, function), &n) in functions.into_iter().take(top) {
            let _ = writeln!(out, "  {:>9.1}  {binary:<12} {function}", per(n));
        }
    }
    if profile.windows.is_empty() {
        out.push_str("no window was opened: the command ran no code with profile markers\n");
    }
    out
}

/// Builds the plugin (a shared library for QEMU) from `image/profiler/plugin.c`.
fn build_plugin() -> Result<PathBuf> {
    let source = paths::workspace().join("image").join("profiler").join("plugin.c");
    let out = paths::build_root().join("profile").join("libuxrt-profile.so");
    std::fs::create_dir_all(out.parent().expect("has a parent"))?;
    let status = Command::new("cc")
        .args(["-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-o"])
        .arg(&out)
        .arg(&source)
        .status()?;
    if !status.success() {
        bail!("building the profiler plugin ({}) failed", source.display());
    }
    Ok(out)
}

/// Every program of the image (the unstripped ELFs) and the kernel.
fn binaries(config: KernelConfig, kernel_elf32: &Path) -> Result<Vec<Binary>> {
    let kernel = kernel_elf32.with_file_name("build").join("kernel.elf");
    let mut binaries = vec![Binary::load(&kernel, "kernel", true)?];
    let userland = paths::build_root().join("userland").join(config.name());
    for dir in [userland.join(userland::TARGET).join("userland"), userland.join("c")] {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let is_elf = std::fs::read(&path).is_ok_and(|data| data.starts_with(b"\x7fELF"));
            if path.is_file() && !name.contains('.') && is_elf {
                binaries.push(Binary::load(&path, name, false)?);
            }
        }
    }
    Ok(binaries)
}

/// Boots `config`'s image under `-icount` with the plugin, types `commands`, and prints
/// (and writes to `target/uxrt/profile/report.txt`) the report.
pub fn run(config: KernelConfig, commands: Vec<String>, top: usize) -> Result {
    if commands.is_empty() {
        bail!("profile needs --commands: what to run in the image (code with profile markers, e.g. waitbench)");
    }
    let image = userland::build_image(config)?;
    let plugin = build_plugin()?;
    let out = paths::build_root().join("profile");
    let data = out.join("profile.out");
    let _ = std::fs::remove_file(&data);
    let mut typed = commands;
    typed.push("exit".into());
    let boot = Boot {
        image: &image,
        commands: typed,
        timeout: Some(RUN_LIMIT),
        echo: true,
        icount: true,
        append: None,
        plugin: Some(format!("{},out={}", plugin.display(), data.display())),
    };
    boot.run(false, |_, _| Control::Continue)?;
    let text = std::fs::read_to_string(&data)
        .map_err(|e| crate::Error(format!("the profiler wrote nothing ({}): {e}", data.display())))?;
    let profile = Profile::parse(&text)?;
    let report = report(&profile, &binaries(config, &image.kernel)?, top);
    println!("\n{report}");
    std::fs::write(out.join("report.txt"), &report)?;
    println!("xtask: profile: wrote {}", out.join("report.txt").display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plugin_output_parses() {
        let zeros = "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0";
        let text = format!(
            "window 3 opened 100 total 165200 median 1652 typical 97\n\
             block 401000 0,0,7,0,0,0,0,0,0,0,0,0,0,0,0 4889c3c3 3,1 0,0,6,0,0,0,0,0,0,0,0,0,0,0,0\n"
        );
        let profile = Profile::parse(&text).unwrap();
        assert_eq!(profile.windows, [Window { id: 3, opened: 100, total: 165_200, median: 1652, typical: 97 }]);
        assert_eq!(profile.blocks[0].vaddr, 0x401000);
        assert_eq!(profile.blocks[0].counts[2], 7);
        assert_eq!(profile.blocks[0].typical[2], 6);
        assert_eq!(profile.blocks[0].code, [0x48, 0x89, 0xc3, 0xc3]);
        assert!(Profile::parse(&format!("block 401000 1,2 4889 2 {zeros}")).is_err(), "too few windows");
        assert!(Profile::parse(&format!("block 401000 {zeros} 4889 3 {zeros}")).is_err(), "sizes disagree");
        assert!(Profile::parse(&format!("block 401000 {zeros} 4889 2")).is_err(), "no typical counts");
    }

    #[test]
    fn blocks_go_to_the_binary_holding_their_bytes_and_to_functions() {
        let function = |start, end, name: &str| Function { start, end, name: name.into() };
        let program = |name: &str, code: Vec<u8>| Binary {
            name: name.into(),
            kernel: false,
            text: vec![(0x401000, code)],
            functions: vec![function(0x401000, 0x401002, "first"), function(0x401002, 0x401004, "second")],
        };
        let binaries = [
            Binary {
                name: "kernel".into(),
                kernel: true,
                text: vec![],
                functions: vec![function(KERNEL_BASE, KERNEL_BASE + 16, "fastpath_call")],
            },
            program("a", vec![1, 2, 3, 4]),
            program("b", vec![9, 9, 3, 4]),
        ];
        let (mut counts, mut typical) = ([0; WINDOWS], [0; WINDOWS]);
        counts[0] = 10;
        typical[0] = 8;
        let block = |vaddr, code: Vec<u8>, sizes: Vec<u8>| Block { vaddr, counts, code, sizes, typical };
        let mut profile = Profile {
            windows: vec![Window { id: 1, opened: 10, total: 60, median: 6, typical: 0 }],
            blocks: vec![
                block(0x401000, vec![9, 9, 3, 4], vec![2, 2]),
                block(KERNEL_BASE, vec![0x90, 0x90], vec![1, 1]),
            ],
        };
        let every = report(&profile, &binaries, 5);
        assert!(every.contains("by binary (mean per opening): b 2, kernel 2"), "{every}");
        // 8 typical openings ran each block 8 times: 1 each per opening, twice an instruction.
        profile.windows[0].typical = 8;
        let usual = report(&profile, &binaries, 5);
        assert!(usual.contains("(per typical opening: the 8 within 1% of the median): b 2, kernel 2"), "{usual}");
        profile.blocks[1].typical[0] = 4;
        let usual = report(&profile, &binaries, 5);
        assert!(usual.contains("b 2, kernel 1"), "{usual}");
        let report = every;
        assert!(report.contains("b            first"), "{report}");
        assert!(report.contains("kernel       fastpath_call"), "{report}");
        assert!(!report.contains(" a "), "{report}");
    }
}
