//! A Linux guest for comparisons: Debian's kernel package (fetched with apt, unpacked, its
//! version and checksum reported), and an initramfs whose `/init` is a benchmark program
//! built statically for Linux from the same C source as the image's. It boots with the
//! same QEMU command line as uxrt (`qemu.rs`).

use crate::archive::{self, Entry};
use crate::host_tools::{apt_get, run_quiet};
use crate::userland::Image;
use crate::{bail, paths, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The kernel: Debian's `linux-image-amd64` dependency, as this machine's apt resolves it.
pub struct Kernel {
    pub vmlinuz: PathBuf,
    /// Package name and version, and the SHA-256 of the package file.
    pub package: String,
    pub sha256: String,
}

fn folder() -> PathBuf {
    paths::build_root().join("linux")
}

/// The package `linux-image-amd64` depends on (`linux-image-6.1.0-NN-amd64`).
fn package_name() -> Result<String> {
    let output = Command::new("apt-cache").args(["depends", "linux-image-amd64"]).output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.trim().strip_prefix("Depends: ").map(str::to_string))
        .filter(|name| name.starts_with("linux-image-"))
        .ok_or_else(|| crate::Error("apt-cache does not know linux-image-amd64".into()))
}

/// Fetches and unpacks the kernel once; later calls find it in the build folder.
pub fn kernel() -> Result<Kernel> {
    let dir = folder();
    std::fs::create_dir_all(&dir)?;
    let vmlinuz = dir.join("vmlinuz");
    let about = dir.join("package.txt");
    if let (true, Ok(text)) = (vmlinuz.is_file(), std::fs::read_to_string(&about)) {
        let mut lines = text.lines();
        if let (Some(package), Some(sha256)) = (lines.next(), lines.next()) {
            return Ok(Kernel { vmlinuz, package: package.into(), sha256: sha256.into() });
        }
    }
    let name = package_name()?;
    println!("xtask: fetching Debian's {name} for the Linux guest");
    if run_quiet(apt_get(&["download", &name]).current_dir(&dir)).is_err() {
        run_quiet(&mut apt_get(&["update", "-qq"]))?;
        run_quiet(apt_get(&["download", &name]).current_dir(&dir))?;
    }
    let deb = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "deb") && p.to_string_lossy().contains(&name))
        .ok_or_else(|| crate::Error(format!("apt-get download {name} left no package")))?;
    let unpacked = dir.join("unpacked");
    let _ = std::fs::remove_dir_all(&unpacked);
    run_quiet(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&unpacked))?;
    let boot = std::fs::read_dir(unpacked.join("boot"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("vmlinuz-")))
        .ok_or_else(|| crate::Error("the kernel package has no /boot/vmlinuz-*".into()))?;
    std::fs::copy(&boot, &vmlinuz)?;
    let _ = std::fs::remove_dir_all(&unpacked);
    let package = deb.file_name().unwrap_or_default().to_string_lossy().into_owned();
    let sha256 = sha256(&deb)?;
    std::fs::write(&about, format!("{package}\n{sha256}\n"))?;
    Ok(Kernel { vmlinuz, package, sha256 })
}

fn sha256(file: &Path) -> Result<String> {
    let output = Command::new("sha256sum").arg(file).output()?;
    if !output.status.success() {
        bail!("sha256sum {} failed", file.display());
    }
    Ok(String::from_utf8_lossy(&output.stdout).split_whitespace().next().unwrap_or("").to_string())
}

/// An initramfs whose `/init` is `source` built statically against the host's libc.
pub fn initramfs(source: &Path, name: &str) -> Result<PathBuf> {
    let dir = folder();
    std::fs::create_dir_all(&dir)?;
    let binary = dir.join(name);
    crate::c_programs::build_for_host(source, &binary, true)?;
    let init = std::fs::read(&binary)?;
    let cpio = archive::write(&[Entry { path: "init", data: &init, mode: archive::EXECUTABLE }]);
    let out = dir.join(format!("{name}.cpio"));
    std::fs::write(&out, cpio)?;
    Ok(out)
}

/// What QEMU boots for a Linux guest.
pub fn image(kernel: &Kernel, initramfs: &Path) -> Image {
    Image { kernel: kernel.vmlinuz.clone(), root_server: initramfs.to_path_buf() }
}
