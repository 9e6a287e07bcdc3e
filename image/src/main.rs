//! `cargo xtask`: the one build tool of uxrt.
//!
//! It fetches the seL4 kernel source through cargo, applies `kernel-patches/`, builds the
//! kernel and the `no_std` userland, boots the image in QEMU (TCG) and runs the tests.

mod archive;
mod bench;
mod c_libraries;
mod c_programs;
mod cli;
mod harness;
mod host_tools;
mod kernel;
mod linux;
mod paths;
mod plot;
mod profile;
mod qemu;
mod sh_corpus;
mod stamp;
mod test;
mod userland;

use std::process::ExitCode;

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("xtask: {message}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    match command.execute() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Errors of the build tool: a message for the person at the terminal.
pub type Result<T = ()> = std::result::Result<T, Error>;

#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for Error {
    fn from(error: E) -> Self {
        Error(error.to_string())
    }
}

/// `bail!("...")` returns an [`Error`] built with `format!`.
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => { return Err($crate::Error(format!($($arg)*))) };
}
