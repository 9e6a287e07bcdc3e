//! uxrt's shell: reads command lines (from the console, a script, or `-c`), and runs
//! them: pipelines, redirections, `;` `&&` `||` lists, background jobs, and the
//! builtins `cd`, `pwd`, `exit`, `wait`, `export`, `unset`, `:`. The language is parsed
//! by `uxrt-shell-syntax` (host-tested); this program expands and executes it.
#![no_std]
#![no_main]

extern crate alloc;

mod builtins;
mod editing;
mod exec;
mod glob;
mod input;
mod jobs;
mod traps;

use alloc::collections::BTreeMap;
use alloc::string::String;
use exec::Shell;
use input::LineReader;
use uxrt::fs;
use uxrt::protocols::file::FileKind;

uxrt::main!(main);

const USAGE: &str = "usage: sh [-c COMMAND [NAME ARG...] | FILE]";

fn main() -> i32 {
    let mut args = uxrt::env::args().skip(1);
    let mut shell = Shell::new(environment());
    match args.next() {
        Some("-c") => {
            let Some(command) = args.next() else {
                uxrt::eprintln!("{USAGE}");
                return 2;
            };
            // `sh -c COMMAND NAME ARG...`: $0 and the positional parameters.
            if let Some(name) = args.next() {
                shell.set_name(name);
            }
            shell.set_positional(args.map(String::from).collect());
            shell.run_line(command);
        }
        Some(flag) if flag.starts_with('-') => {
            uxrt::eprintln!("sh: unknown option {flag}\n{USAGE}");
            return 2;
        }
        Some(script) => match fs::open(script, 0, 0).and_then(out_of_the_way) {
            Ok(fd) => {
                shell.set_name(script);
                shell.set_positional(args.map(String::from).collect());
                run_lines(&mut shell, &mut LineReader::new(fd), None);
                let _ = fs::close(fd);
            }
            Err(errno) => {
                uxrt::eprintln!("sh: {script}: {errno}");
                return 127;
            }
        },
        None => {
            // On a terminal the shell prompts and reports background jobs.
            let interactive = fs::fstat(fs::STDIN).is_ok_and(|s| s.kind == FileKind::CharacterDevice);
            shell.interactive = interactive;
            let prompt = interactive.then(|| String::from(uxrt::env::var("PS1").unwrap_or("$ ")));
            match prompt {
                // (A console that cannot be put in raw mode gets lines as it edits them.)
                Some(prompt) if fs::set_terminal_raw(fs::STDIN, false).is_ok() => editing::run(&mut shell, &prompt),
                prompt => run_lines(&mut shell, &mut LineReader::new(fs::STDIN), prompt.as_deref()),
            }
        }
    }
    shell.run_exit_trap();
    shell.exit_status() as i32
}

/// Runs what `reader` gives, a command at a time: a command may take several lines
/// (a loop written over lines, an open quote), read until it parses (prompting `> `).
fn run_lines(shell: &mut Shell, reader: &mut LineReader, prompt: Option<&str>) {
    let mut text = String::new();
    while !shell.exiting() {
        if text.is_empty() {
            shell.report_jobs();
        }
        if let Some(prompt) = prompt {
            uxrt::eprint!("{}", shell.prompt(&text, prompt));
        }
        let Some(line) = reader.next_line() else { break };
        shell.feed_line(&mut text, &line);
    }
    // (What is left at the end is incomplete: running it says why.)
    if !text.is_empty() && !shell.exiting() {
        shell.run_line(&text);
    }
}

/// The script's fd moved where the script's own redirections (`exec 3>FILE`) do not
/// reach it, closed in children.
fn out_of_the_way(fd: fs::Fd) -> Result<fs::Fd, uxrt::Errno> {
    const SCRIPT_FD: fs::Fd = 60;
    let moved = fs::dup2(fd, SCRIPT_FD)?;
    let _ = fs::close(fd);
    fs::set_close_on_exec(moved, true)?;
    Ok(moved)
}

/// The variables the shell starts with: its environment.
fn environment() -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    for pair in uxrt::env::vars() {
        let text = String::from_utf8_lossy(pair);
        if let Some((name, value)) = text.split_once('=') {
            vars.insert(String::from(name), String::from(value));
        }
    }
    vars
}
