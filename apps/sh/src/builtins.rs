//! What the shell does itself, because a child could not do it for the shell (change its
//! directory, end it, wait for its jobs, set its variables).

use crate::exec::{JumpKind, Runs, Shell};
use alloc::string::String;
use alloc::vec::Vec;
use uxrt::fs::{self, Fd};
use uxrt_shell_syntax::test_expr::{self, FileKind};
use uxrt_shell_syntax::Variables;

const BUILTINS: [&str; 28] = [
    "cd", "pwd", "exit", "wait", "export", "unset", "boottime", "test", "[", "break", "continue", ":", "shift",
    "return", "jobs", "fg", "bg", "set", "read", "printf", "eval", "command", "type", "trap", "getopts", "exec",
    "alias", "unalias",
];

/// Every builtin's name.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUILTINS.iter().copied()
}

pub fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
}

/// Runs builtin `words[0]` with its output on `out`; its status.
pub fn run(shell: &mut Shell, words: &[String], out: Fd) -> u8 {
    let Some(name) = words.first() else { return 0 };
    let args = &words[1..];
    match name.as_str() {
        "cd" => {
            let home = shell.vars.get("HOME").cloned().unwrap_or_else(|| "/".into());
            let target = args.first().unwrap_or(&home);
            match fs::chdir(target) {
                Ok(()) => {
                    if let Ok(cwd) = fs::getcwd() {
                        shell.vars.insert("PWD".into(), cwd);
                    }
                    0
                }
                Err(errno) => {
                    uxrt::eprintln!("sh: cd: {target}: {errno}");
                    1
                }
            }
        }
        "pwd" => match fs::getcwd() {
            Ok(cwd) => {
                uxrt::io::print_to(out, format_args!("{cwd}\n"));
                0
            }
            Err(errno) => {
                uxrt::eprintln!("sh: pwd: {errno}");
                1
            }
        },
        "exit" => match args.first().map(|a| a.parse::<i32>()) {
            None => {
                let status = shell.status();
                shell.set_exit(status);
                status
            }
            Some(Ok(code)) => {
                shell.set_exit(code as u8);
                code as u8
            }
            Some(Err(_)) => {
                uxrt::eprintln!("sh: exit: {}: not a number", args[0]);
                shell.set_exit(2);
                2
            }
        },
        "wait" => match args.first().map(|a| a.parse::<uxrt::Pid>()) {
            None => shell.wait_jobs(None),
            Some(Ok(pid)) => shell.wait_jobs(Some(pid)),
            Some(Err(_)) => {
                uxrt::eprintln!("sh: wait: {}: not a pid", args[0]);
                2
            }
        },
        "jobs" => shell.list_jobs(out),
        "read" => read_line(shell, args),
        "trap" => shell.trap(args, out),
        "getopts" => getopts(shell, args),
        // `exec COMMAND ARGS`: COMMAND runs and the shell ends with its status. (Not yet
        // in the shell's own process: a Rust program started by `Exec` from the shell
        // faulted. `exec` with redirections alone: `Shell::single_builtin`.)
        "exec" => match args.first() {
            None => 0,
            Some(_) => {
                let status = shell.run_words_without_functions(args);
                shell.set_exit(status);
                status
            }
        },
        // `alias NAME=VALUE...`, `alias [NAME...]` (shown), `unalias NAME...`: a command's
        // first word that is an alias is replaced by its text.
        "alias" if args.is_empty() => {
            for (name, value) in &shell.aliases {
                uxrt::io::print_to(out, format_args!("{name}={}\n", uxrt_shell_syntax::unparse::quote(value)));
            }
            0
        }
        "alias" => {
            let mut status = 0;
            for arg in args {
                match arg.split_once('=') {
                    Some((name, value)) => {
                        shell.aliases.insert(name.into(), value.into());
                    }
                    None => match shell.aliases.get(arg) {
                        Some(value) => uxrt::io::print_to(
                            out,
                            format_args!("{arg}={}\n", uxrt_shell_syntax::unparse::quote(value)),
                        ),
                        None => {
                            uxrt::eprintln!("sh: alias: {arg} not found");
                            status = 1;
                        }
                    },
                }
            }
            status
        }
        "unalias" => {
            let mut status = 0;
            for arg in args {
                if shell.aliases.remove(arg).is_none() {
                    uxrt::eprintln!("sh: unalias: {arg} not found");
                    status = 1;
                }
            }
            status
        }
        "printf" => match args.split_first() {
            Some((format, values)) => {
                uxrt::io::print_to(out, format_args!("{}", uxrt_shell_syntax::printf::format(format, values)));
                0
            }
            None => {
                uxrt::eprintln!("sh: printf: usage: printf FORMAT [ARGUMENT...]");
                2
            }
        },
        // `eval ARGS`: the arguments, joined by spaces, run as a command line.
        "eval" => {
            shell.run_line(&args.join(" "));
            shell.status()
        }
        // `command -v NAME` / `type NAME`: what NAME runs (a builtin, a function or a
        // program's path); `command NAME ARGS` runs it, skipping functions.
        "command" | "type" => match (name.as_str(), args.first().map(String::as_str)) {
            ("command", Some("-v")) | ("type", Some(_)) => {
                let names = if name == "command" { &args[1..] } else { args };
                let mut status = 0;
                for wanted in names {
                    match (shell.what_runs(wanted), name.as_str()) {
                        (Some(Runs::Program(path)), "command") => uxrt::io::print_to(out, format_args!("{path}\n")),
                        (Some(_), "command") => uxrt::io::print_to(out, format_args!("{wanted}\n")),
                        (Some(Runs::Program(path)), _) => uxrt::io::print_to(out, format_args!("{wanted} is {path}\n")),
                        (Some(Runs::Function), _) => {
                            uxrt::io::print_to(out, format_args!("{wanted} is a shell function\n"))
                        }
                        (Some(Runs::Builtin), _) => {
                            uxrt::io::print_to(out, format_args!("{wanted} is a shell builtin\n"))
                        }
                        // (Status 127, as dash's, for a name that runs nothing.)
                        (None, _) => {
                            if name == "type" {
                                uxrt::eprintln!("{wanted}: not found");
                            }
                            status = 127;
                        }
                    }
                }
                status
            }
            ("command", Some(_)) => shell.run_words_without_functions(args),
            _ => 0,
        },
        // `set -- ARGS` (or `set ARGS` not starting with `-`): the positional
        // parameters; `set` alone: every variable. (No options yet: `-e`, `-u`, `-x`.)
        "set" => match args.first().map(String::as_str) {
            None => {
                for (name, value) in &shell.vars {
                    uxrt::io::print_to(out, format_args!("{name}='{value}'\n"));
                }
                0
            }
            Some("--") => {
                shell.set_positional(args[1..].to_vec());
                0
            }
            Some(option @ ("-e" | "+e" | "-x" | "+x")) => {
                match option {
                    "-e" | "+e" => shell.errexit = option == "-e",
                    _ => shell.xtrace = option == "-x",
                }
                match args.get(1) {
                    Some(dashes) if dashes == "--" => shell.set_positional(args[2..].to_vec()),
                    Some(_) => shell.set_positional(args[1..].to_vec()),
                    None => Vec::new(),
                };
                0
            }
            Some(option) if option.starts_with('-') || option.starts_with('+') => {
                uxrt::eprintln!("sh: set: {option}: only -e, -x (and +e, +x) are provided yet");
                2
            }
            Some(_) => {
                shell.set_positional(args.to_vec());
                0
            }
        },
        "fg" => shell.foreground_job(args.first()),
        "bg" => shell.background_job(args.first()),
        "export" => {
            for arg in args {
                if let Some((name, value)) = arg.split_once('=') {
                    shell.vars.insert(name.into(), value.into());
                }
            }
            if args.is_empty() {
                for (name, value) in &shell.vars {
                    uxrt::io::print_to(out, format_args!("export {name}={value}\n"));
                }
            }
            0
        }
        // When this shell first prompted, in time-stamp counter ticks since the machine
        // started (instructions under QEMU's -icount: `cargo xtask bench` prints it).
        "boottime" => match shell.first_prompt_tsc {
            Some(tsc) => {
                let mhz = uxrt::env::aux(uxrt::protocols::startup::aux::TSC_MHZ).unwrap_or(1).max(1);
                uxrt::io::print_to(out, format_args!("boottime: first prompt at TSC {tsc} ({} us)\n", tsc / mhz));
                0
            }
            None => {
                uxrt::eprintln!("sh: boottime: this shell has not prompted");
                1
            }
        },
        "return" => {
            let status = match args.first().map(|n| n.parse::<u8>()) {
                None => shell.last_status(),
                Some(Ok(status)) => status,
                Some(Err(_)) => {
                    uxrt::eprintln!("sh: return: {}: not a number from 0 to 255", args[0]);
                    return 2;
                }
            };
            if !shell.return_from_function() {
                uxrt::eprintln!("sh: return: not in a function");
                return 1;
            }
            status
        }
        "shift" => {
            let count = match args.first().map(|n| n.parse::<usize>()) {
                None => 1,
                Some(Ok(count)) => count,
                Some(Err(_)) => {
                    uxrt::eprintln!("sh: shift: {}: not a number", args[0]);
                    return 1;
                }
            };
            if !shell.shift(count) {
                uxrt::eprintln!("sh: shift: {count}: fewer parameters than that");
                return 1;
            }
            0
        }
        "break" | "continue" => {
            let kind = if name == "break" { JumpKind::Break } else { JumpKind::Continue };
            match args.first().map(|n| n.parse::<u32>()) {
                None => shell.jump(kind, 1),
                Some(Ok(levels)) if levels > 0 => shell.jump(kind, levels),
                Some(_) => {
                    uxrt::eprintln!("sh: {name}: {}: not a positive number", args[0]);
                    return 1;
                }
            }
            0
        }
        "test" | "[" => {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let outcome = match name.as_str() {
                "[" => test_expr::evaluate_bracket(&args, &Files),
                _ => test_expr::evaluate(&args, &Files),
            };
            match outcome {
                Ok(true) => 0,
                Ok(false) => 1,
                Err(why) => {
                    uxrt::eprintln!("sh: {name}: {why}");
                    2
                }
            }
        }
        "unset" => {
            for arg in args {
                shell.vars.remove(arg.as_str());
            }
            0
        }
        _ => 0, // `:`
    }
}

/// What `test` asks of files, from the file system.
struct Files;

impl test_expr::Files for Files {
    fn stat(&self, path: &str) -> Option<(FileKind, u64)> {
        let stat = fs::stat(path).ok()?;
        let kind = match stat.kind {
            uxrt::fs::FileKind::Regular => FileKind::Regular,
            uxrt::fs::FileKind::Directory => FileKind::Directory,
            _ => FileKind::Other,
        };
        Some((kind, stat.size))
    }
}

/// `read [-r] NAME...`: a line of standard input, split at blanks into the variables
/// (the last takes the rest of the line). Without `-r` a backslash keeps the character
/// after it. Status 1 at the end of input (the variables still get what was read).
fn read_line(shell: &mut Shell, args: &[String]) -> u8 {
    let raw = args.first().is_some_and(|a| a == "-r");
    let names = if raw { &args[1..] } else { args };
    // A byte at a time: what follows the line is for whoever reads next.
    let mut line = Vec::new();
    let mut ended_line = false;
    loop {
        let mut byte = [0u8];
        match fs::read(fs::STDIN, &mut byte) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' => {
                ended_line = true;
                break;
            }
            Ok(_) => line.push(byte[0]),
            Err(errno) => {
                uxrt::eprintln!("sh: read: {errno}");
                return 2;
            }
        }
    }
    let mut text = String::from_utf8_lossy(&line).into_owned();
    if !raw {
        let mut unescaped = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            unescaped.push(if c == '\\' { chars.next().unwrap_or('\\') } else { c });
        }
        text = unescaped;
    }
    let mut rest = text.trim_start_matches([' ', '\t']);
    for (index, name) in names.iter().enumerate() {
        let value = if index + 1 == names.len() {
            core::mem::take(&mut rest).trim_end_matches([' ', '\t'])
        } else {
            let end = rest.find([' ', '\t']).unwrap_or(rest.len());
            let (field, after) = rest.split_at(end);
            rest = after.trim_start_matches([' ', '\t']);
            field
        };
        shell.vars.insert(name.clone(), String::from(value));
    }
    if ended_line {
        0
    } else {
        1
    }
}

/// `getopts OPTSTRING NAME [ARG...]`: the next option of ARG... (or of the positional
/// parameters) into NAME, its argument (a letter followed by `:` in OPTSTRING takes one)
/// into `OPTARG`; `OPTIND` says where it is (the next argument's index, from 1; a
/// position inside a group of letters is kept apart). Status 1 at the end of the
/// options (`--`, a non-option, or none left). An unknown option or a missing
/// argument makes NAME `?` (said on standard error, unless OPTSTRING starts with `:`).
fn getopts(shell: &mut Shell, args: &[String]) -> u8 {
    let [optstring, name, given @ ..] = args else {
        uxrt::eprintln!("sh: getopts: usage: getopts OPTSTRING NAME [ARG...]");
        return 2;
    };
    let arguments: Vec<String> = if given.is_empty() { shell.positional_parameters() } else { given.to_vec() };
    let silent = optstring.starts_with(':');
    let index: usize = shell.vars.get("OPTIND").and_then(|i| i.parse().ok()).unwrap_or(1).max(1);
    // (Where inside a group like `-ab` the last call stopped: kept with the index it is for.)
    let mut position = shell.getopts_position.filter(|&(for_index, _)| for_index == index).map_or(1, |(_, at)| at);
    let done = |shell: &mut Shell, index: usize| {
        shell.vars.insert(name.clone(), String::from("?"));
        shell.vars.insert(String::from("OPTIND"), alloc::format!("{index}"));
        shell.getopts_position = None;
        1
    };
    let Some(argument) = arguments.get(index - 1) else { return done(shell, index) };
    if argument == "--" {
        return done(shell, index + 1);
    }
    if !argument.starts_with('-') || argument.len() < 2 {
        return done(shell, index);
    }
    let letters: Vec<char> = argument.chars().collect();
    let letter = letters[position.min(letters.len() - 1)];
    position += 1;
    let at_end = position >= letters.len();
    let mut next_index = if at_end { index + 1 } else { index };
    shell.vars.remove("OPTARG");
    let wanted = optstring.trim_start_matches(':').char_indices().find(|&(_, c)| c == letter && c != ':');
    let value = match wanted {
        None => {
            if silent {
                shell.vars.insert(String::from("OPTARG"), String::from(letter));
            } else {
                uxrt::eprintln!("sh: illegal option -{letter}");
            }
            String::from("?")
        }
        Some((at, _)) if optstring.trim_start_matches(':')[at + 1..].starts_with(':') => {
            // Its argument: the rest of this word, or the next one.
            let argument_value = if !at_end {
                Some(letters[position..].iter().collect::<String>())
            } else {
                next_index = index + 2;
                arguments.get(index).cloned()
            };
            if !at_end {
                next_index = index + 1;
            }
            position = letters.len();
            match argument_value {
                Some(value) => {
                    shell.vars.insert(String::from("OPTARG"), value);
                    String::from(letter)
                }
                None if silent => {
                    shell.vars.insert(String::from("OPTARG"), String::from(letter));
                    String::from(":")
                }
                None => {
                    uxrt::eprintln!("sh: No arg for -{letter} option");
                    String::from("?")
                }
            }
        }
        Some(_) => String::from(letter),
    };
    shell.vars.insert(name.clone(), value);
    shell.vars.insert(String::from("OPTIND"), alloc::format!("{next_index}"));
    shell.getopts_position = (position < letters.len()).then_some((next_index, position));
    0
}
