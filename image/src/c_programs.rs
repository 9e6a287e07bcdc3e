//! C programs in the image, built with the system gcc against uxrt's C library: musl
//! (Debian's musl-dev: its headers and `libc.a`) over posix-shim, its system layer. The
//! tools in `apps/NAME/main.c` become `/bin/NAME` and the C tests in
//! `posix-shim/tests/NAME.c` `/bin/ctest-NAME`. Each C test is also built against the
//! host's libc and run here; what it prints is packed as `/etc/expected/ctest-NAME`,
//! and the in-image test compares the two outputs.
//!
//! uxrt's `libc.a` is musl's without every member that defines a symbol posix-shim
//! defines: those members make Linux system calls (`read`, `open`, stdio's hooks, …),
//! and posix-shim's functions over libuxrt take their place.

use crate::{bail, paths, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian's musl-dev: the version whose internal layouts posix-shim's `musl.rs` knows,
/// its headers and its static library.
const MUSL_VERSION: &str = "1.2.3";
const MUSL_INCLUDE: &str = "/usr/include/x86_64-linux-musl";
const MUSL_LIBC: &str = "/usr/lib/x86_64-linux-musl/libc.a";

/// A file for the image's archive: its path there, its contents, whether it runs.
pub struct Packed {
    pub path: String,
    pub data: Vec<u8>,
    pub executable: bool,
}

/// Flags for C built for uxrt: musl's headers (then gcc's own, for its intrinsics), and
/// posix-shim's `uxrt.h`; static, not PIE.
fn compile_flags(gcc_include: &str) -> Vec<String> {
    let shim = paths::workspace().join("posix-shim").join("include");
    let mut flags: Vec<String> = [
        "-std=gnu11",
        "-O2",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-fno-pie",
        "-fcf-protection=none",
        "-nostdinc",
        "-D__uxrt__",
    ]
    .map(String::from)
    .to_vec();
    flags.extend(["-isystem".into(), MUSL_INCLUDE.into(), "-isystem".into(), gcc_include.into()]);
    flags.extend(["-I".into(), shim.display().to_string()]);
    flags
}

/// Flags that link a C program with uxrt's start-up (in posix-shim), its C library and
/// gcc's runtime (`libgcc`), laid out by `rt/link.ld`. posix-shim is one object (one
/// codegen unit, LTO): `--gc-sections` keeps only the functions a program reaches.
fn link_flags(shim_library: &Path, libc: &Path, libgcc: &str) -> Vec<String> {
    let script = paths::workspace().join("rt").join("link.ld");
    let mut flags: Vec<String> =
        ["-static", "-nostdlib", "-nostartfiles", "-no-pie", "-Wl,--build-id=none", "-Wl,--gc-sections"]
            .map(String::from)
            .to_vec();
    flags.extend(["-Wl,-z,norelro", "-Wl,-z,noexecstack", "-Wl,--require-defined=_start"].map(String::from));
    flags.push(format!("-Wl,-T,{}", script.display()));
    flags.push("-Wl,--start-group".into());
    flags.extend([shim_library.display().to_string(), libc.display().to_string(), libgcc.into()]);
    flags.push("-Wl,--end-group".into());
    flags
}

fn run(command: &mut Command, what: &str) -> Result {
    let output = command.output()?;
    if !output.status.success() {
        bail!("{what} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(())
}

fn output(command: &mut Command, what: &str) -> Result<String> {
    let output = command.output()?;
    if !output.status.success() {
        bail!("{what} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(String::from_utf8(output.stdout)?)
}

/// The global symbols each member of the archive at `path` defines, by member name
/// (from `nm -A -P`: `ARCHIVE[MEMBER]: NAME TYPE VALUE SIZE`).
fn defined_symbols(path: &Path) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let listing = output(
        Command::new("nm").args(["-A", "-P", "-g", "--defined-only"]).arg(path),
        &format!("nm {}", path.display()),
    )?;
    let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in listing.lines() {
        let Some((place, rest)) = line.split_once("]: ") else { continue };
        let (Some((_, member)), Some(name)) = (place.rsplit_once('['), rest.split_whitespace().next()) else {
            continue;
        };
        members.entry(member.to_string()).or_default().insert(name.to_string());
    }
    Ok(members)
}

/// uxrt's `libc.a` in `out`: musl's, without the members that define what posix-shim
/// (`shim_library`) defines. Also writes the list of dropped members beside it.
fn uxrt_libc(shim_library: &Path, out: &Path) -> Result<PathBuf> {
    let version = output(Command::new("dpkg-query").args(["-W", "-f=${Version}", "musl-dev"]), "asking for musl-dev")?;
    if !version.starts_with(MUSL_VERSION) {
        bail!("musl-dev {version} is installed; posix-shim is written against musl {MUSL_VERSION} (Debian 12's)");
    }
    let provided: BTreeSet<String> = defined_symbols(shim_library)?.into_values().flatten().collect();
    let musl = defined_symbols(Path::new(MUSL_LIBC))?;
    let dropped: Vec<&String> =
        musl.iter().filter(|(_, symbols)| !symbols.is_disjoint(&provided)).map(|(member, _)| member).collect();
    // `ar d` deletes a member by name: a dropped name must be unique in the archive.
    let names = output(Command::new("ar").arg("t").arg(MUSL_LIBC), "listing musl's libc.a")?;
    if let Some(twice) = dropped.iter().find(|name| names.lines().filter(|n| n == &name.as_str()).count() > 1) {
        bail!("posix-shim replaces musl's {twice}, whose name is not unique in libc.a");
    }
    let libc = out.join("libc.a");
    std::fs::copy(MUSL_LIBC, &libc)?;
    run(Command::new("ar").arg("d").arg(&libc).args(&dropped), "dropping musl's system-call members")?;
    let listed: String = dropped.iter().map(|name| format!("{name}\n")).collect();
    std::fs::write(out.join("libc-dropped.txt"), listed)?;
    Ok(libc)
}

/// The C sources: (name in the image, source file, whether it is a test).
fn sources() -> Result<Vec<(String, PathBuf, bool)>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(paths::workspace().join("apps"))? {
        let folder = entry?.path();
        if folder.join("main.c").is_file() && !folder.join("Cargo.toml").exists() {
            let name = folder.file_name().unwrap_or_default().to_string_lossy().into_owned();
            found.push((name, folder.join("main.c"), false));
        }
    }
    for entry in std::fs::read_dir(paths::workspace().join("posix-shim").join("tests"))? {
        let file = entry?.path();
        if file.extension().is_some_and(|e| e == "c") {
            let stem = file.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            found.push((format!("ctest-{stem}"), file, true));
        }
    }
    found.sort();
    Ok(found)
}

/// Builds every C program (`shim_library`: the posix-shim static library just built)
/// into `out`; returns what to pack.
pub fn build(shim_library: &Path, out: &Path) -> Result<Vec<Packed>> {
    std::fs::create_dir_all(out.join("host"))?;
    let gcc_include = output(Command::new("gcc").arg("-print-file-name=include"), "asking gcc for its headers")?;
    let libgcc = output(Command::new("gcc").arg("-print-libgcc-file-name"), "asking gcc for libgcc")?;
    let flags = compile_flags(gcc_include.trim());
    let libc = uxrt_libc(shim_library, out)?;
    let mut packed = Vec::new();
    for (name, source, is_test) in sources()? {
        let binary = out.join(&name);
        run(
            Command::new("gcc")
                .args(&flags)
                .arg(&source)
                .args(link_flags(shim_library, &libc, libgcc.trim()))
                .arg("-o")
                .arg(&binary),
            &format!("building {}", source.display()),
        )?;
        // (The image gets it stripped; `cargo xtask profile` reads the symbols here.)
        packed.push(Packed {
            path: format!("bin/{name}"),
            data: crate::userland::stripped(&binary)?,
            executable: true,
        });
        if is_test {
            let expected = host_output(&source, &out.join("host").join(&name))?;
            packed.push(Packed { path: format!("etc/expected/{name}"), data: expected, executable: false });
        }
    }
    Ok(packed)
}

/// Builds `source` against the host's libc (statically linked with `static_link`, for a
/// Linux guest's initramfs).
pub fn build_for_host(source: &Path, binary: &Path, static_link: bool) -> Result {
    let mut gcc = Command::new("gcc");
    gcc.args(["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror"]);
    if static_link {
        gcc.arg("-static");
    }
    // (musl keeps its maths in libc.a; glibc's is libm.)
    run(gcc.arg(source).arg("-o").arg(binary).arg("-lm"), &format!("building {} for the host", source.display()))
}

/// Builds `source` against the host's libc and runs it: what it prints.
fn host_output(source: &Path, binary: &Path) -> Result<Vec<u8>> {
    build_for_host(source, binary, false)?;
    let output = Command::new(binary).output()?;
    if !output.status.success() {
        bail!("{} on the host: {}\n{}", binary.display(), output.status, String::from_utf8_lossy(&output.stderr));
    }
    Ok(output.stdout)
}
