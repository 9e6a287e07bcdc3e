//! The shell's differential corpus (`apps/sh/corpus/`): each script is run here under
//! Debian's `dash` through `run.sh`, and packed with what it printed; the in-image test
//! `shell_scripts_as_under_dash` runs it with uxrt's `sh` and compares.

use crate::c_programs::Packed;
use crate::{bail, paths, Result};
use std::process::Command;

/// Where the scripts, `run.sh` and the list go in the image.
const IMAGE_FOLDER: &str = "etc/sh-corpus";

/// Every script (and `run.sh`, and `list`: one name a line) and its expected output
/// (`etc/expected/sh-NAME`).
pub fn pack() -> Result<Vec<Packed>> {
    let folder = paths::workspace().join("apps").join("sh").join("corpus");
    let runner = folder.join("run.sh");
    let mut names: Vec<String> = std::fs::read_dir(&folder)?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.ends_with(".sh") && name != "run.sh")
        .map(|name| name.trim_end_matches(".sh").to_string())
        .collect();
    names.sort();
    let mut packed = vec![
        Packed { path: format!("{IMAGE_FOLDER}/run.sh"), data: std::fs::read(&runner)?, executable: false },
        Packed {
            path: format!("{IMAGE_FOLDER}/list"),
            data: (names.join("\n") + "\n").into_bytes(),
            executable: false,
        },
    ];
    for name in &names {
        let script = folder.join(format!("{name}.sh"));
        // (With `sh` on PATH being dash, as on Debian: run.sh starts the script with `sh`.)
        let output = Command::new("dash").arg(&runner).arg(&script).env("PATH", "/usr/bin:/bin").output()?;
        if !output.status.success() {
            bail!("dash {} {}: {}", runner.display(), script.display(), output.status);
        }
        packed.push(Packed { path: format!("etc/expected/sh-{name}"), data: output.stdout, executable: false });
        packed.push(Packed {
            path: format!("{IMAGE_FOLDER}/{name}.sh"),
            data: std::fs::read(&script)?,
            executable: false,
        });
    }
    Ok(packed)
}
