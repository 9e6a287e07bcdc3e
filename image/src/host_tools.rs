//! Installs what a fresh machine lacks: Debian packages for QEMU and the kernel build,
//! and a Python virtual environment with the kernel's code generators' modules.

use crate::{bail, paths, Result};
use std::path::PathBuf;
use std::process::Command;

/// (program looked for on PATH, Debian package that provides it)
const PROGRAMS: &[(&str, &str)] = &[
    ("qemu-system-x86_64", "qemu-system-x86"),
    ("xmllint", "libxml2-utils"),
    ("patch", "patch"),
    ("make", "make"),
    ("gcc", "gcc"),
    ("objcopy", "binutils"),
    // musl: the C library under posix-shim (headers, libc.a), and Linux's system call names.
    ("x86_64-linux-musl-gcc", "musl-dev"),
    // The reference POSIX shell the shell's corpus is compared with (`sh_corpus`).
    ("dash", "dash"),
];

/// Python modules the kernel build's generators import.
const PYTHON_MODULES: &[&str] = &["tempita", "ply", "lxml", "six"];

/// Makes sure every host program is there, installing missing ones with apt.
pub fn ensure_programs() -> Result {
    let missing: Vec<&str> =
        PROGRAMS.iter().filter(|(program, _)| !on_path(program)).map(|&(_, package)| package).collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("xtask: installing Debian packages: {}", missing.join(" "));
    run_quiet(&mut apt_get(&["update", "-qq"]))?;
    run_quiet(apt_get(&["install", "-y", "-qq", "--no-install-recommends"]).args(&missing))?;
    for (program, package) in PROGRAMS {
        if !on_path(program) {
            bail!("{program} is still missing after installing {package}");
        }
    }
    Ok(())
}

/// The `bin/` folder of a virtual environment that has the kernel generators' modules;
/// it also provides `python`, which the kernel's scripts name in their `#!` lines.
pub fn python_env() -> Result<PathBuf> {
    let venv = paths::build_root().join("venv");
    let bin = venv.join("bin");
    let marker = venv.join("uxrt-modules");
    let wanted = PYTHON_MODULES.join(" ");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(bin);
    }
    println!("xtask: creating a Python environment with {wanted} in {}", venv.display());
    run_quiet(Command::new("python3").arg("-m").arg("venv").arg("--clear").arg(&venv))?;
    run_quiet(
        Command::new(bin.join("pip")).args(["install", "-q", "--disable-pip-version-check"]).args(PYTHON_MODULES),
    )?;
    std::fs::write(&marker, wanted)?;
    Ok(bin)
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// `apt-get ARGS`, through sudo when we are not root.
pub fn apt_get(args: &[&str]) -> Command {
    let mut command = if is_root() {
        Command::new("apt-get")
    } else {
        let mut sudo = Command::new("sudo");
        sudo.arg("apt-get");
        sudo
    };
    command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
    command
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|out| out.stdout.trim_ascii() == b"0").unwrap_or(false)
}

/// Runs a command, showing its output only if it fails.
pub fn run_quiet(command: &mut Command) -> Result {
    let output = command.output().map_err(|e| crate::Error(format!("cannot run {command:?}: {e}")))?;
    if !output.status.success() {
        bail!(
            "{command:?} failed ({})\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}
