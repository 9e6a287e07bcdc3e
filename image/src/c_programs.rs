//! C programs in the image, built with the system gcc against posix-shim (its headers,
//! `c/stdio.c` and its static library): the tools in `apps/NAME/main.c` (as `/bin/NAME`)
//! and the C tests in `posix-shim/tests/NAME.c` (as `/bin/ctest-NAME`). Each C test is
//! also built against the host's libc and run here; what it prints is packed as
//! `/etc/expected/ctest-NAME`, and the in-image test compares the two outputs.

use crate::{bail, paths, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A file for the image's archive: its path there, its contents, whether it runs.
pub struct Packed {
    pub path: String,
    pub data: Vec<u8>,
    pub executable: bool,
}

/// Flags for C built against posix-shim: no host headers or start files, no stack
/// protector (it needs TLS, which uxrt processes do not set up), static, not PIE.
fn compile_flags(gcc_include: &str) -> Vec<String> {
    let shim = paths::workspace().join("posix-shim").join("include");
    let mut flags: Vec<String> = [
        "-std=gnu11",
        "-O2",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-ffreestanding",
        "-fno-builtin",
        "-fno-stack-protector",
        "-fno-pie",
        "-fcf-protection=none",
        "-nostdinc",
    ]
    .map(String::from)
    .to_vec();
    flags.extend(["-isystem".into(), gcc_include.into(), "-I".into(), shim.display().to_string()]);
    flags
}

fn link_flags() -> Vec<String> {
    let script = paths::workspace().join("rt").join("link.ld");
    let mut flags: Vec<String> =
        ["-static", "-nostdlib", "-nostartfiles", "-no-pie", "-Wl,--build-id=none"].map(String::from).to_vec();
    flags.extend(["-Wl,-z,norelro", "-Wl,-z,noexecstack", "-Wl,--require-defined=_start"].map(String::from));
    flags.push(format!("-Wl,-T,{}", script.display()));
    flags
}

fn run(command: &mut Command, what: &str) -> Result {
    let output = command.output()?;
    if !output.status.success() {
        bail!("{what} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(())
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
    let gcc_include = String::from_utf8(Command::new("gcc").arg("-print-file-name=include").output()?.stdout)?;
    let flags = compile_flags(gcc_include.trim());
    let stdio = out.join("stdio.o");
    let stdio_source = paths::workspace().join("posix-shim").join("c").join("stdio.c");
    run(Command::new("gcc").args(&flags).arg("-c").arg(&stdio_source).arg("-o").arg(&stdio), "compiling stdio.c")?;
    let mut packed = Vec::new();
    for (name, source, is_test) in sources()? {
        let binary = out.join(&name);
        run(
            Command::new("gcc")
                .args(&flags)
                .args(link_flags())
                .arg(&source)
                .arg(&stdio)
                .arg(shim_library)
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
    run(gcc.arg(source).arg("-o").arg(binary), &format!("building {} for the host", source.display()))
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
