//! Where things are: the workspace, and the build folder `target/uxrt`.

use crate::{bail, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (the parent of `image/`).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("image/ has a parent folder").to_path_buf()
}

/// Everything the build tool makes lives under here.
pub fn build_root() -> PathBuf {
    workspace().join("target").join("uxrt")
}

pub fn kernel_patches() -> PathBuf {
    workspace().join("kernel-patches")
}

/// The unpacked folder of a pinned registry package of `image/Cargo.toml` (the kernel,
/// the C programs' sources), found through `cargo metadata`, which also downloads it on
/// a fresh machine.
pub fn registry_package(name: &str, version: &str) -> Result<PathBuf> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--locked", "--manifest-path"])
        .arg(workspace().join("Cargo.toml"))
        .output()?;
    if !output.status.success() {
        bail!("cargo metadata failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let package =
        metadata["packages"].as_array().into_iter().flatten().find(|p| p["name"] == name && p["version"] == version);
    let Some(manifest) = package.and_then(|p| p["manifest_path"].as_str()) else {
        bail!("{name} {version} is not in the dependency graph (see image/Cargo.toml)");
    };
    Ok(Path::new(manifest).parent().unwrap_or(Path::new("/")).to_path_buf())
}
