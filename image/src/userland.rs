//! The userland: `no_std` static binaries for `x86_64-unknown-linux-gnu` (the only target
//! stable Rust has here), built against the kernel they will run on.

use crate::host_tools;
use crate::kernel::{self, KernelConfig};
use crate::{bail, paths, Result};
use std::path::PathBuf;
use std::process::Command;

const TARGET: &str = "x86_64-unknown-linux-gnu";
/// Static, non-PIE executables; the rest of the link is set by each program's build script.
const RUSTFLAGS: &str = "-C relocation-model=static -C target-feature=+crt-static";

/// A bootable image: the kernel and the root server (its initial task).
pub struct Image {
    pub kernel: PathBuf,
    pub root_server: PathBuf,
}

pub fn build_image(config: KernelConfig) -> Result<Image> {
    host_tools::ensure_programs()?;
    let kernel = kernel::build(config)?;
    let target_dir = paths::build_root().join("userland").join(config.name());
    println!("xtask: building the userland ({})", config.name());
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(paths::workspace())
        .args(["build", "--locked", "--quiet", "--package", "root-server", "--profile", "userland", "--target", TARGET])
        .arg("--target-dir")
        .arg(&target_dir)
        .env("RUSTFLAGS", RUSTFLAGS)
        .env("UXRT_KERNEL_SOURCE", &kernel.source)
        .status()?;
    if !status.success() {
        bail!("the userland build failed");
    }
    Ok(Image { kernel: kernel.elf32, root_server: target_dir.join(TARGET).join("userland").join("root-server") })
}

/// The kernel source the host-side tests of the bindings are generated from.
pub fn kernel_source_for_host_tests() -> Result<PathBuf> {
    host_tools::ensure_programs()?;
    Ok(kernel::build(KernelConfig::Debug)?.source)
}
