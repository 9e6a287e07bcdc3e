//! C libraries that nobody here wrote, built from the sources their crates.io packages
//! carry (pinned in `image/Cargo.toml`, never copied into the repository): Lua 5.4,
//! SQLite's amalgamation and zlib. Each is built twice, as a static library for uxrt
//! (musl over posix-shim) and one for the host, so that a program using it can be
//! checked against the host's output. Third-party code keeps its warnings as warnings.

use crate::stamp::Fingerprint;
use crate::{bail, paths, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A library: its name (`-lNAME`), the registry package holding its sources, the folder
/// in the package, the C files (empty: every `.c` file there) and its defines.
pub struct Library {
    pub name: &'static str,
    package: &'static str,
    version: &'static str,
    folder: &'static str,
    sources: &'static [&'static str],
    defines: &'static [&'static str],
}

const LIBRARIES: &[Library] = &[
    // (Lua's POSIX build: mkstemp for os.tmpname, _setjmp for errors, isatty.)
    Library {
        name: "lua",
        package: "lua-src",
        version: "547.0.0",
        folder: "lua-5.4.7",
        sources: &[],
        defines: &["LUA_USE_POSIX"],
    },
    // One thread; no loadable extensions (no dlopen).
    Library {
        name: "sqlite3",
        package: "libsqlite3-sys",
        version: "0.30.1",
        folder: "sqlite3",
        sources: &["sqlite3.c"],
        defines: &["SQLITE_THREADSAFE=0", "SQLITE_OMIT_LOAD_EXTENSION"],
    },
    Library {
        name: "z",
        package: "libz-sys",
        version: "1.1.20",
        folder: "src/zlib",
        sources: &[
            "adler32.c",
            "compress.c",
            "crc32.c",
            "deflate.c",
            "gzclose.c",
            "gzlib.c",
            "gzread.c",
            "gzwrite.c",
            "infback.c",
            "inffast.c",
            "inflate.c",
            "inftrees.c",
            "trees.c",
            "uncompr.c",
            "zutil.c",
        ],
        defines: &[],
    },
];

/// The library called `name`.
pub fn find(name: &str) -> Result<&'static Library> {
    match LIBRARIES.iter().find(|library| library.name == name) {
        Some(library) => Ok(library),
        None => {
            let known: Vec<&str> = LIBRARIES.iter().map(|l| l.name).collect();
            bail!("no C library called {name} (there are: {})", known.join(", "))
        }
    }
}

/// Where a library is built for: uxrt (with these compile flags) or the host.
#[derive(Clone, Copy)]
pub enum Target<'a> {
    Uxrt(&'a [String]),
    Host,
}

impl Library {
    /// The folder of its sources and headers.
    pub fn folder(&self) -> Result<PathBuf> {
        Ok(paths::registry_package(self.package, self.version)?.join(self.folder))
    }

    fn sources(&self) -> Result<Vec<PathBuf>> {
        let folder = self.folder()?;
        if !self.sources.is_empty() {
            return Ok(self.sources.iter().map(|file| folder.join(file)).collect());
        }
        let mut all: Vec<PathBuf> =
            std::fs::read_dir(&folder)?.map(|entry| entry.map(|e| e.path())).collect::<std::io::Result<_>>()?;
        all.retain(|path| path.extension().is_some_and(|e| e == "c"));
        all.sort();
        Ok(all)
    }

    /// Builds `lib{name}.a` for `target` in `out` (again only when its inputs changed);
    /// returns its path.
    pub fn build(&self, target: Target, out: &Path) -> Result<PathBuf> {
        let (kind, mut flags) = match target {
            Target::Uxrt(flags) => ("uxrt", flags.iter().filter(|f| !f.starts_with("-W")).cloned().collect()),
            Target::Host => ("host", vec!["-O2".to_string()]),
        };
        flags.extend(self.defines.iter().map(|d| format!("-D{d}")));
        let dir = out.join(kind).join(self.name);
        std::fs::create_dir_all(&dir)?;
        let archive = dir.join(format!("lib{}.a", self.name));
        let stamp = dir.join("stamp");
        let sources = self.sources()?;
        let mut inputs = Fingerprint::new();
        inputs.add("flags", flags.join(" ").as_bytes());
        for source in &sources {
            inputs.add(&source.to_string_lossy(), &[]);
        }
        if archive.is_file() && inputs.matches(&stamp) {
            return Ok(archive);
        }
        println!("xtask: building {} {} for {kind} ({} C files)", self.package, self.version, sources.len());
        let objects = compile_all(&sources, &flags, &dir)?;
        let _ = std::fs::remove_file(&archive);
        crate::c_programs::run(Command::new("ar").arg("rcs").arg(&archive).args(&objects), "archiving")?;
        inputs.record(&stamp)?;
        Ok(archive)
    }
}

/// Compiles each source into `dir`, two at a time (the machine's cores); returns the
/// objects.
fn compile_all(sources: &[PathBuf], flags: &[String], dir: &Path) -> Result<Vec<PathBuf>> {
    let objects: Vec<PathBuf> =
        sources.iter().map(|s| dir.join(s.file_stem().unwrap_or_default()).with_extension("o")).collect();
    for pair in sources.iter().zip(&objects).collect::<Vec<_>>().chunks(2) {
        let children: Vec<_> = pair
            .iter()
            .map(|(source, object)| {
                let child = Command::new("gcc")
                    .args(flags)
                    .arg("-c")
                    .arg(source)
                    .arg("-o")
                    .arg(object)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn();
                (source, child)
            })
            .collect();
        for (source, child) in children {
            let output = child?.wait_with_output()?;
            if !output.status.success() {
                bail!("compiling {} failed:\n{}", source.display(), String::from_utf8_lossy(&output.stderr));
            }
        }
    }
    Ok(objects)
}
