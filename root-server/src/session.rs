//! The console session: once the servers run, the root server starts the shell on the
//! console (as init would start a login) and serves every process until it ends; the
//! machine then stops with the shell's exit status.

use crate::monitor::spawn;
use crate::process::server::wait_for;
use crate::{console, println, Env};
use uxrt_protocols::WaitStatus;

/// The program started on the console, and its environment.
const SHELL: &[&str] = &["/bin/sh"];
const ENVIRONMENT: &[&str] = &["PATH=/bin", "HOME=/", "PS1=uxrt$ "];

/// Exit status of the machine when no shell could be started.
const NO_SHELL: u8 = 4;

pub fn run(env: &mut Env) -> ! {
    let pid = match spawn(env, SHELL, ENVIRONMENT) {
        Ok(pid) => pid,
        Err(errno) => {
            println!("root server: cannot start {}: {errno}", SHELL[0]);
            console::exit(NO_SHELL)
        }
    };
    let code = match wait_for(env, pid) {
        Ok(WaitStatus::Exited(code)) => code,
        Ok(WaitStatus::Signaled(signal)) => {
            println!("root server: the console shell was killed by {signal}");
            128u8.saturating_add(signal.0)
        }
        // (A wait that does not ask hears only of ends.)
        Ok(WaitStatus::Stopped(_) | WaitStatus::Continued) => NO_SHELL,
        Err(errno) => {
            println!("root server: lost the console shell: {errno}");
            NO_SHELL
        }
    };
    console::exit(code)
}
