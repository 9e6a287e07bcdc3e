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

use crate::{bail, c_libraries, paths, Result};
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

pub fn run(command: &mut Command, what: &str) -> Result {
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

/// A C program of the image: `apps/NAME/` (every `.c` file there, and its `build.conf`)
/// or a C test, `posix-shim/tests/NAME.c` (as `ctest-NAME`).
struct Program {
    name: String,
    folder: PathBuf,
    sources: Vec<PathBuf>,
    /// Registry C libraries it links (`c_libraries.rs`).
    libraries: Vec<&'static c_libraries::Library>,
    defines: Vec<String>,
    /// Command lines whose output must be the host build's (`check` in `build.conf`).
    checks: Vec<Vec<String>>,
    /// A C test: run with no arguments, its output compared with the host build's.
    test: bool,
}

/// The settings in `apps/NAME/build.conf`, one per line (`#` starts a comment):
/// `library NAME` links a registry C library (and sees its headers); `define NAME[=VALUE]`
/// defines a macro; `check ARGS...` runs the program with ARGS in the image and on the
/// host and expects the same output, where `@FILE` names a file of the program's folder
/// (packed as `/etc/checks/NAME/FILE`).
fn read_build_conf(program: &mut Program) -> Result {
    let path = program.folder.join("build.conf");
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(()) };
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        match (words.next(), words.clone().count()) {
            (None, _) => {}
            (Some("library"), 1) => program.libraries.push(c_libraries::find(words.next().unwrap_or(""))?),
            (Some("define"), 1) => program.defines.push(words.next().unwrap_or("").to_string()),
            (Some("check"), _) => program.checks.push(words.map(String::from).collect()),
            _ => {
                bail!("{}:{}: not `library NAME`, `define NAME[=VALUE]` or `check ARGS...`", path.display(), number + 1)
            }
        }
    }
    Ok(())
}

fn c_files(folder: &Path) -> Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(folder)?.map(|entry| entry.map(|e| e.path())).collect::<std::io::Result<_>>()?;
    files.retain(|file| file.extension().is_some_and(|e| e == "c"));
    files.sort();
    Ok(files)
}

/// Every C program and C test.
fn programs() -> Result<Vec<Program>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(paths::workspace().join("apps"))? {
        let folder = entry?.path();
        if folder.join("main.c").is_file() && !folder.join("Cargo.toml").exists() {
            let name = folder.file_name().unwrap_or_default().to_string_lossy().into_owned();
            let sources = c_files(&folder)?;
            let mut program =
                Program { name, folder, sources, libraries: vec![], defines: vec![], checks: vec![], test: false };
            read_build_conf(&mut program)?;
            found.push(program);
        }
    }
    let tests = paths::workspace().join("posix-shim").join("tests");
    for file in c_files(&tests)? {
        let stem = file.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        found.push(Program {
            name: format!("ctest-{stem}"),
            folder: tests.clone(),
            sources: vec![file],
            libraries: vec![],
            defines: vec![],
            checks: vec![],
            test: true,
        });
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
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
    // (The same for every kernel configuration: built once.)
    let libraries_out = paths::build_root().join("c-libraries");
    let programs = programs()?;
    let mut packed = vec![check_list(&programs)];
    for program in &programs {
        let binary = out.join(&program.name);
        let mut gcc = Command::new("gcc");
        gcc.args(&flags).args(program.defines.iter().map(|d| format!("-D{d}"))).args(&program.sources);
        for library in &program.libraries {
            gcc.arg("-I").arg(library.folder()?);
            gcc.arg(library.build(c_libraries::Target::Uxrt(&flags), &libraries_out)?);
        }
        gcc.args(link_flags(shim_library, &libc, libgcc.trim())).arg("-o").arg(&binary);
        run(&mut gcc, &format!("building {}", program.name))?;
        // (The image gets it stripped; `cargo xtask profile` reads the symbols here.)
        packed.push(Packed {
            path: format!("bin/{}", program.name),
            data: crate::userland::stripped(&binary)?,
            executable: true,
        });
        if program.test || !program.checks.is_empty() {
            packed.extend(expected_outputs(program, &out.join("host"), &libraries_out)?);
        }
    }
    Ok(packed)
}

/// Builds `program` against the host's libc, runs it as each of its checks (or once with
/// no arguments, for a C test) and returns what it printed, as `/etc/expected/NAME` (a
/// test) or `/etc/expected/NAME-checkN`, with the files the checks name.
fn expected_outputs(program: &Program, out: &Path, libraries_out: &Path) -> Result<Vec<Packed>> {
    let binary = out.join(&program.name);
    let mut gcc = Command::new("gcc");
    gcc.args(["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror"]);
    gcc.args(program.defines.iter().map(|d| format!("-D{d}"))).args(&program.sources);
    for library in &program.libraries {
        gcc.arg("-I").arg(library.folder()?);
        gcc.arg(library.build(c_libraries::Target::Host, libraries_out)?);
    }
    // (musl keeps its maths in libc.a; glibc's is libm.)
    run(gcc.arg("-lm").arg("-o").arg(&binary), &format!("building {} for the host", program.name))?;
    if program.test {
        let data = host_run(&binary, &[])?;
        return Ok(vec![Packed { path: format!("etc/expected/{}", program.name), data, executable: false }]);
    }
    let mut packed = Vec::new();
    for (index, check) in program.checks.iter().enumerate() {
        let mut host_args = Vec::new();
        for arg in check {
            match arg.strip_prefix('@') {
                Some(file) => {
                    let data = std::fs::read(program.folder.join(file))?;
                    packed.push(Packed {
                        path: format!("etc/checks/{}/{file}", program.name),
                        data,
                        executable: false,
                    });
                    host_args.push(program.folder.join(file).display().to_string());
                }
                None => host_args.push(arg.clone()),
            }
        }
        let data = host_run(&binary, &host_args)?;
        packed.push(Packed {
            path: format!("etc/expected/{}-check{}", program.name, index + 1),
            data,
            executable: false,
        });
    }
    Ok(packed)
}

/// `/etc/checks/list`: every check, as `EXPECTED PROGRAM ARGS...` lines (what the
/// in-image test `real_c_programs_as_on_the_host` runs with `expect`).
fn check_list(programs: &[Program]) -> Packed {
    let mut list = String::new();
    for program in programs {
        for (index, check) in program.checks.iter().enumerate() {
            let args: Vec<String> = check
                .iter()
                .map(|arg| match arg.strip_prefix('@') {
                    Some(file) => format!("/etc/checks/{}/{file}", program.name),
                    None => arg.clone(),
                })
                .collect();
            list += &format!("/etc/expected/{0}-check{1} /bin/{0} {2}\n", program.name, index + 1, args.join(" "));
        }
    }
    Packed { path: "etc/checks/list".into(), data: list.into_bytes(), executable: false }
}

fn host_run(binary: &Path, args: &[String]) -> Result<Vec<u8>> {
    let output = Command::new(binary).args(args).output()?;
    if !output.status.success() {
        bail!("{} on the host: {}\n{}", binary.display(), output.status, String::from_utf8_lossy(&output.stderr));
    }
    Ok(output.stdout)
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
