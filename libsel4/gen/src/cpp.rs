//! The C preprocessor, run with the kernel's own `autoconf.h`: configuration conditions
//! are decided exactly as the kernel's generated C headers decide them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Preprocessor {
    autoconf: PathBuf,
}

impl Preprocessor {
    pub fn new(autoconf: &Path) -> Result<Self, String> {
        if !autoconf.is_file() {
            return Err(format!("no kernel configuration at {}", autoconf.display()));
        }
        Ok(Preprocessor { autoconf: autoconf.to_path_buf() })
    }

    /// Preprocesses `source` (with its `#include` lines removed: every header is given
    /// whole, and the kernel configuration is included first).
    pub fn run(&self, source: &str, macros_only: bool) -> Result<String, String> {
        let text: String = source
            .lines()
            .filter(|line| !line.trim_start().starts_with("#include"))
            .flat_map(|line| [line, "\n"])
            .collect();
        let mut cpp = Command::new(std::env::var("CPP").unwrap_or_else(|_| "cpp".into()));
        cpp.args(["-P", "-nostdinc", "-undef", "-include"]).arg(&self.autoconf);
        if macros_only {
            cpp.arg("-dM");
        }
        let mut child = cpp
            .arg("-")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run the C preprocessor: {e}"))?;
        child.stdin.take().expect("piped").write_all(text.as_bytes()).map_err(|e| e.to_string())?;
        let output = child.wait_with_output().map_err(|e| e.to_string())?;
        if !output.status.success() {
            return Err(format!("the C preprocessor failed: {}", String::from_utf8_lossy(&output.stderr)));
        }
        String::from_utf8(output.stdout).map_err(|e| e.to_string())
    }

    /// Evaluates each C `#if` condition under the kernel configuration.
    pub fn conditions(&self, conditions: &[&str]) -> Result<Vec<bool>, String> {
        let mut source = String::new();
        for (i, condition) in conditions.iter().enumerate() {
            source += &format!("#if {condition}\nuxrt_condition_holds_{i}\n#endif\n");
        }
        let output = self.run(&source, false)?;
        let held: Vec<&str> = output.split_whitespace().collect();
        Ok((0..conditions.len()).map(|i| held.contains(&format!("uxrt_condition_holds_{i}").as_str())).collect())
    }
}
