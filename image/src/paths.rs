//! Where things are: the workspace, and the build folder `target/uxrt`.

use std::path::{Path, PathBuf};

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
