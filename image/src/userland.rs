//! The userland: `no_std` static binaries for `x86_64-unknown-linux-gnu` (the only target
//! stable Rust has here), built against the kernel they will run on. The programs of
//! `apps/` are built first and packed into an archive, which the root server carries.

use crate::archive::{self, Entry};
use crate::c_programs;
use crate::host_tools;
use crate::kernel::{self, KernelConfig};
use crate::{bail, paths, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const TARGET: &str = "x86_64-unknown-linux-gnu";
/// A text file in the image (and a file that is not a program, for the loader's tests).
const MOTD: &[u8] = b"uxrt: a Unix personality on seL4 with notification queues\n";

/// Static, non-PIE executables linked with the runtime's script (exactly three
/// PT_LOADs, no start files, no libc).
fn rustflags() -> String {
    let script = paths::workspace().join("rt").join("link.ld");
    let mut flags: Vec<String> =
        ["-C", "relocation-model=static", "-C", "target-feature=+crt-static"].map(String::from).to_vec();
    for arg in ["-nostartfiles", "-nostdlib", "-static", "-Wl,--build-id=none", "-Wl,-z,norelro", "-Wl,-z,noexecstack"]
    {
        flags.extend(["-C".into(), format!("link-arg={arg}")]);
    }
    flags.extend(["-C".into(), format!("link-arg=-Wl,-T,{}", script.display())]);
    // The same bytes wherever the checkout and cargo's home are (panic locations name
    // source files): builds compare, and sizes checked in CI are the sizes built here.
    flags.push(format!("--remap-path-prefix={}=uxrt", paths::workspace().display()));
    if let Some(home) = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
    {
        flags.push(format!("--remap-path-prefix={}=cargo", home.display()));
    }
    // Separated by 0x1f, so a path with spaces stays one argument.
    flags.join("\x1f")
}

/// A bootable image: the kernel and the root server (its initial task, which carries
/// the program archive).
pub struct Image {
    pub kernel: PathBuf,
    pub root_server: PathBuf,
}

/// A package of programs for the image.
pub struct Package {
    pub name: String,
    /// Its programs, each installed as `/bin/NAME`.
    pub programs: Vec<String>,
}

/// The programs of the image: the VFS, the file servers in `servers/` and the programs
/// in `apps/`. Each folder is a package of the same name: one program of that name, or,
/// when it has `src/bin/`, one program per file there (the small tools).
pub fn packages() -> Result<Vec<Package>> {
    let mut packages = vec![Package { name: "vfs".into(), programs: vec!["vfs".into()] }];
    for folder in ["servers", "apps"] {
        for entry in std::fs::read_dir(paths::workspace().join(folder))? {
            let entry = entry?;
            if !entry.path().join("Cargo.toml").is_file() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let bin = entry.path().join("src").join("bin");
            let mut programs = vec![];
            if bin.is_dir() {
                for file in std::fs::read_dir(bin)? {
                    let path = file?.path();
                    if path.extension().is_some_and(|e| e == "rs") {
                        programs.extend(path.file_stem().map(|s| s.to_string_lossy().into_owned()));
                    }
                }
            } else {
                programs.push(name.clone());
            }
            programs.sort();
            packages.push(Package { name, programs });
        }
    }
    packages.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(packages)
}

fn cargo_build(packages: &[String], target_dir: &Path, kernel_source: &Path, archive: Option<&Path>) -> Result {
    let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo.current_dir(paths::workspace()).args([
        "build",
        "--locked",
        "--quiet",
        "--profile",
        "userland",
        "--target",
        TARGET,
    ]);
    for package in packages {
        cargo.args(["--package", package]);
    }
    cargo.arg("--target-dir").arg(target_dir);
    cargo.env_remove("RUSTFLAGS").env("CARGO_ENCODED_RUSTFLAGS", rustflags()).env("UXRT_KERNEL_SOURCE", kernel_source);
    if let Some(archive) = archive {
        cargo.env("UXRT_PROGRAMS", archive);
    }
    if !cargo.status()?.success() {
        bail!("the userland build failed ({})", packages.join(", "));
    }
    Ok(())
}

pub fn build_image(config: KernelConfig) -> Result<Image> {
    host_tools::ensure_programs()?;
    let kernel = kernel::build(config)?;
    let target_dir = paths::build_root().join("userland").join(config.name());
    let binaries = target_dir.join(TARGET).join("userland");
    println!("xtask: building the userland ({})", config.name());
    let packages = packages()?;
    let mut names: Vec<String> = packages.iter().map(|p| p.name.clone()).collect();
    names.push("posix-shim".into());
    cargo_build(&names, &target_dir, &kernel.source, None)?;
    let contents: Vec<(String, Vec<u8>)> = packages
        .iter()
        .flat_map(|p| &p.programs)
        .map(|name| Ok((format!("bin/{name}"), stripped(&binaries.join(name))?)))
        .collect::<Result<_>>()?;
    let mut c_programs = c_programs::build(&binaries.join("libposix_shim.a"), &target_dir.join("c"))?;
    c_programs.extend(crate::sh_corpus::pack()?);
    let mut entries: Vec<Entry> =
        contents.iter().map(|(path, data)| Entry { path, data, mode: archive::EXECUTABLE }).collect();
    entries.extend(c_programs.iter().map(|p| Entry {
        path: &p.path,
        data: &p.data,
        mode: if p.executable { archive::EXECUTABLE } else { archive::REGULAR },
    }));
    entries.push(Entry { path: "etc/motd", data: MOTD, mode: archive::REGULAR });
    let archive_path = target_dir.join("programs.cpio");
    write_if_changed(&archive_path, &archive::write(&entries))?;
    cargo_build(&["root-server".into()], &target_dir, &kernel.source, Some(&archive_path))?;
    Ok(Image { kernel: kernel.elf32, root_server: binaries.join("root-server") })
}

/// The program without symbols or debug information (the root server loads only its
/// segments; the unstripped file stays in the build folder for debugging).
pub fn stripped(binary: &Path) -> Result<Vec<u8>> {
    let out = binary.with_extension("stripped");
    if !Command::new("objcopy").arg("--strip-all").arg(binary).arg(&out).status()?.success() {
        bail!("objcopy --strip-all {} failed", binary.display());
    }
    Ok(std::fs::read(out)?)
}

/// Leaves the file (and its time stamp) alone when the contents are the same, so that
/// cargo does not rebuild the root server for nothing.
fn write_if_changed(path: &Path, contents: &[u8]) -> Result {
    if std::fs::read(path).ok().as_deref() != Some(contents) {
        std::fs::write(path, contents)?;
    }
    Ok(())
}

/// The kernel source the host-side tests of the bindings are generated from.
pub fn kernel_source_for_host_tests() -> Result<PathBuf> {
    host_tools::ensure_programs()?;
    Ok(kernel::build(KernelConfig::Debug)?.source)
}
