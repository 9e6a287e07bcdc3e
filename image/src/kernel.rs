//! The kernel: seL4 5.0.0 from the crates.io package `sel4-sys` 0.0.28, copied into the
//! build folder, patched with `kernel-patches/*.patch` in order, configured with
//! `kernel-patches/config/` and built with the kernel's own standalone Makefile.
//!
//! A kernel is rebuilt only when its inputs (package, patches, configuration) change.

use crate::host_tools::{self, run_quiet};
use crate::stamp::Fingerprint;
use crate::{bail, paths, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

const KERNEL_PACKAGE: &str = "sel4-sys";
const KERNEL_PACKAGE_VERSION: &str = "0.0.28";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelConfig {
    /// Printing, DebugPutChar/DebugHalt and kernel assertions: development and tests.
    Debug,
    /// No debug printing; benchmark syscalls and utilisation counters.
    Bench,
    /// The debug kernel without notification queues (the option off).
    DebugNoQueues,
}

impl KernelConfig {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "debug" => Ok(KernelConfig::Debug),
            "bench" => Ok(KernelConfig::Bench),
            "debug-noqueues" => Ok(KernelConfig::DebugNoQueues),
            _ => bail!("unknown kernel configuration {name} (debug, bench or debug-noqueues)"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            KernelConfig::Debug => "debug",
            KernelConfig::Bench => "bench",
            KernelConfig::DebugNoQueues => "debug-noqueues",
        }
    }

    /// The configuration files, in the order later ones override earlier ones.
    fn files(self) -> Vec<PathBuf> {
        let dir = paths::kernel_patches().join("config");
        let names: &[&str] = match self {
            KernelConfig::Debug => &["common", "debug", "queues"],
            KernelConfig::Bench => &["common", "bench", "queues"],
            KernelConfig::DebugNoQueues => &["common", "debug"],
        };
        names.iter().map(|name| dir.join(format!("{name}.conf"))).collect()
    }
}

/// A built kernel.
pub struct Kernel {
    /// The patched and configured source tree (what the bindings are generated from).
    pub source: PathBuf,
    /// The kernel as an ELF32 file, which QEMU's multiboot loader accepts.
    pub elf32: PathBuf,
    /// False when the previous build was still up to date.
    pub rebuilt: bool,
}

/// Builds the kernel for `config` unless the previous build is up to date.
pub fn build(config: KernelConfig) -> Result<Kernel> {
    let dir = paths::build_root().join("kernel").join(config.name());
    let source = dir.join("src");
    let elf32 = dir.join("kernel32.elf");
    let stamp = dir.join("inputs.stamp");

    let pristine = pristine_source()?;
    let patches = patch_series()?;
    let settings = read_config(&config.files())?;
    let mut inputs = Fingerprint::new();
    inputs.add("package", pristine.to_string_lossy().as_bytes());
    for patch in &patches {
        inputs.add(&patch.to_string_lossy(), &std::fs::read(patch)?);
    }
    inputs.add("config", render_autoconf(&settings).as_bytes());
    if inputs.matches(&stamp) && elf32.is_file() && source.is_dir() {
        println!("xtask: kernel ({}) is up to date", config.name());
        return Ok(Kernel { source, elf32, rebuilt: false });
    }

    println!(
        "xtask: building the {} kernel: seL4 {} + {} patches",
        config.name(),
        kernel_version(&pristine),
        patches.len()
    );
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    run_quiet(Command::new("cp").arg("-r").arg(&pristine).arg(&source))?;
    for patch in &patches {
        run_quiet(Command::new("patch").args(["-p1", "--forward", "--silent", "-d"]).arg(&source).arg("-i").arg(patch))
            .map_err(|e| crate::Error(format!("patch {} does not apply: {e}", patch.display())))?;
    }
    std::fs::write(source.join("include/plat/pc99/autoconf.h"), render_autoconf(&settings))?;

    let build = dir.join("build");
    std::fs::create_dir_all(&build)?;
    let python = host_tools::python_env()?;
    let path = std::env::join_paths(
        std::iter::once(python).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )?;
    let mut make = Command::new("make");
    make.current_dir(&build)
        .env("PATH", path)
        .arg("-f")
        .arg(source.join("Makefile"))
        .arg(format!("SOURCE_ROOT={}", source.display()))
        .args(["ARCH=x86", "PLAT=pc99", "SEL4_ARCH=x86_64", "PYTHON=python3", "kernel.elf"]);
    // The standalone Makefile's switch for a debug build: it also defines DEBUG, which
    // kernel-entry tracking needs, so it follows CONFIG_DEBUG_BUILD rather than
    // standing beside it.
    if settings.iter().any(|(name, _)| name == "CONFIG_DEBUG_BUILD") {
        make.arg("DEBUG=1");
    }
    run_quiet(&mut make).map_err(|e| crate::Error(format!("kernel build failed: {e}")))?;
    run_quiet(Command::new("objcopy").args(["-O", "elf32-i386"]).arg(build.join("kernel.elf")).arg(&elf32))?;
    inputs.record(&stamp)?;
    Ok(Kernel { source, elf32, rebuilt: true })
}

/// The unpacked `seL4/` folder of the pinned registry package.
fn pristine_source() -> Result<PathBuf> {
    let source = paths::registry_package(KERNEL_PACKAGE, KERNEL_PACKAGE_VERSION)?.join("seL4");
    if !source.join("Makefile").is_file() {
        bail!("{} does not hold the seL4 source", source.display());
    }
    Ok(source)
}

fn kernel_version(source: &Path) -> String {
    std::fs::read_to_string(source.join("VERSION")).map(|v| v.trim().to_string()).unwrap_or_else(|_| "?".into())
}

/// Whether the built kernel's stack (`kernel_stack_alloc`) is aligned to its size, as
/// x86_64 `restore_user_context` assumes when it finds the stack's top by rounding (kernel
/// patch 0015; unaligned, interrupts taken while leaving the kernel overwrote the IDT).
/// `kernel32` is the image `build` returned; its unconverted ELF sits beside it.
pub fn stack_alignment_problem(kernel32: &Path) -> Result<Option<String>> {
    let elf = kernel32.with_file_name("build").join("kernel.elf");
    let data = std::fs::read(&elf)?;
    let file = elf::ElfBytes::<elf::endian::AnyEndian>::minimal_parse(&data)
        .map_err(|e| crate::Error(format!("{}: {e}", elf.display())))?;
    let Ok(Some((symbols, names))) = file.symbol_table() else { bail!("{}: no symbol table", elf.display()) };
    let stack = symbols.iter().find(|s| names.get(s.st_name as usize).is_ok_and(|n| n == "kernel_stack_alloc"));
    let Some(stack) = stack else { bail!("{}: no kernel_stack_alloc", elf.display()) };
    let config = [paths::kernel_patches().join("config").join("common.conf")];
    let bits = read_config(&config)?
        .into_iter()
        .find(|(name, _)| name == "CONFIG_KERNEL_STACK_BITS")
        .and_then(|(_, value)| value.parse::<u32>().ok())
        .ok_or_else(|| crate::Error("common.conf has no CONFIG_KERNEL_STACK_BITS".into()))?;
    Ok((stack.st_value % (1u64 << bits) != 0)
        .then(|| format!("kernel_stack_alloc at {:#x} is not aligned to 2^{bits}", stack.st_value)))
}

/// `kernel-patches/*.patch`, in name order.
fn patch_series() -> Result<Vec<PathBuf>> {
    let mut patches: Vec<PathBuf> = std::fs::read_dir(paths::kernel_patches())?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "patch"))
        .collect();
    patches.sort();
    Ok(patches)
}

/// Reads `NAME value` lines (`#` starts a comment); a later file overrides an earlier one.
fn read_config(files: &[PathBuf]) -> Result<Vec<(String, String)>> {
    let mut settings: Vec<(String, String)> = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| crate::Error(format!("{}: {e}", file.display())))?;
        for (line, setting) in parse_config(&text).into_iter().enumerate() {
            let (name, value) = setting.map_err(|e| crate::Error(format!("{}:{}: {e}", file.display(), line + 1)))?;
            settings.retain(|(n, _)| *n != name);
            settings.push((name, value));
        }
    }
    Ok(settings)
}

fn parse_config(text: &str) -> Vec<std::result::Result<(String, String), String>> {
    text.lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (name, value) = line.split_once(char::is_whitespace).unwrap_or((line, "1"));
            if !name.starts_with("CONFIG_")
                || !name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(format!("`{name}` is not a CONFIG_ name"));
            }
            Ok((name.to_string(), value.trim().to_string()))
        })
        .collect()
}

/// The kernel's `autoconf.h` for these settings.
fn render_autoconf(settings: &[(String, String)]) -> String {
    let mut text =
        String::from("/* Generated by cargo xtask from kernel-patches/config. */\n#define AUTOCONF_INCLUDED\n");
    for (name, value) in settings {
        text += &format!("#define {name} {value}\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_lines_parse_with_comments_and_defaults() {
        let parsed = parse_config("# comment\nCONFIG_A 5 # five\n\nCONFIG_B\n");
        assert_eq!(parsed, vec![Ok(("CONFIG_A".into(), "5".into())), Ok(("CONFIG_B".into(), "1".into()))]);
    }

    #[test]
    fn non_config_names_are_rejected() {
        assert!(parse_config("DEBUG 1")[0].is_err());
        assert!(parse_config("CONFIG_lower 1")[0].is_err());
    }

    #[test]
    fn autoconf_defines_every_setting() {
        let text = render_autoconf(&[("CONFIG_X".into(), "2".into())]);
        assert!(text.contains("#define CONFIG_X 2\n"));
    }

    #[test]
    fn shipped_configurations_are_valid_and_known_good_for_qemu() {
        for config in [KernelConfig::Debug, KernelConfig::Bench, KernelConfig::DebugNoQueues] {
            let settings = read_config(&config.files()).unwrap();
            let has = |name: &str| settings.iter().any(|(n, _)| n == name);
            assert!(has("CONFIG_XAPIC") && !has("CONFIG_X2APIC"));
            assert!(has("CONFIG_FSGSBASE_MSR") && !has("CONFIG_FSGSBASE_INST"));
            assert!(!has("CONFIG_SUPPORT_PCID") && !has("CONFIG_HUGE_PAGE") && !has("CONFIG_IOMMU"));
            assert_eq!(has("CONFIG_PRINTING"), config != KernelConfig::Bench);
            assert_eq!(has("CONFIG_NOTIFICATION_QUEUES"), config != KernelConfig::DebugNoQueues);
            assert_eq!(has("CONFIG_ENABLE_BENCHMARKS"), config == KernelConfig::Bench);
        }
    }
}
