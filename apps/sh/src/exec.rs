//! Running parsed command lines: and-or lists, pipelines of spawned programs with
//! their redirections, background jobs.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use uxrt::fs::{self, Fd};
use uxrt::protocols::file::OpenFlags;
use uxrt::{Errno, Pid, Signal, WaitStatus};
use uxrt_shell_syntax::{parse, Command, Compound, Connector, List, Mode, Pipeline, Redirect, RedirectKind, Variables};

/// Status of a command that was not found, and of one that could not start.
const NOT_FOUND: u8 = 127;
pub(crate) const CANNOT_RUN: u8 = 126;

/// `break` or `continue`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JumpKind {
    Break,
    Continue,
    /// `return` from a function: every loop and list in it stops.
    Return,
}

/// A `break` or `continue` of `levels` loops, on its way out.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Jump {
    kind: JumpKind,
    levels: u32,
}

pub struct Shell {
    pub vars: BTreeMap<String, String>,
    status: u8,
    pid: Pid,
    pub(crate) jobs: Vec<crate::jobs::Job>,
    /// `set -e`: a command that fails ends the shell (outside conditions, and but for
    /// the parts of `&&`/`||` lists before the last and `!` pipelines).
    pub(crate) errexit: bool,
    /// `set -x`: each command is shown on standard error (`+ WORDS`) before it runs.
    pub(crate) xtrace: bool,
    /// `alias NAME=VALUE`: names replaced, as a line's first word, by their text.
    pub(crate) aliases: BTreeMap<String, String>,
    /// Conditions (of `if`, `while`, `until`) running now: `set -e` spares them.
    conditions: u32,
    /// Where `getopts` is inside a group of option letters: (`OPTIND`, letter).
    pub(crate) getopts_position: Option<(usize, usize)>,
    /// `trap` actions, by signal number (0: `EXIT`).
    pub(crate) traps: BTreeMap<u8, String>,
    exit: Option<u8>,
    /// A foreground program was interrupted (`^C`): the rest of the line is dropped, as
    /// a shell interrupted with it would.
    interrupted: bool,
    /// Loops running now (`break` and `continue` act only inside one).
    loops: u32,
    /// A `break` or `continue` on its way out to its loop: the list stops running.
    pub(crate) jump: Option<Jump>,
    pub interactive: bool,
    /// The time-stamp counter when it first prompted (the `boottime` builtin).
    pub first_prompt_tsc: Option<u64>,
    /// Functions defined (`NAME() { ...; }`), by name, and how many are running.
    functions: BTreeMap<String, Compound>,
    calls: u32,
    /// `$0`, and the positional parameters `$1`, `$2`, ... (a script's or a function's
    /// arguments), with `$#` and `$@` made from them.
    name: String,
    positional: Vec<String>,
    positional_count: String,
    positional_all: String,
}

impl Variables for Shell {
    fn get(&self, name: &str) -> Option<&str> {
        match name {
            "0" => Some(&self.name),
            "#" => Some(&self.positional_count),
            "@" | "*" => Some(&self.positional_all),
            digits if digits.bytes().all(|b| b.is_ascii_digit()) => {
                let index: usize = digits.parse().ok()?;
                self.positional.get(index.checked_sub(1)?).map(String::as_str)
            }
            _ => self.vars.get(name).map(String::as_str),
        }
    }
    fn status(&self) -> u8 {
        self.status
    }
    fn pid(&self) -> u32 {
        self.pid
    }
    fn positional_parameters(&self) -> Vec<String> {
        self.positional.clone()
    }

    /// Runs `script` in a subshell (`sh -c`, with this shell's variables and standard
    /// input and error) and returns what it printed.
    fn command_output(&self, script: &str) -> String {
        let run = || -> Result<Vec<u8>, Errno> {
            let (read_end, write_end) = fs::pipe()?;
            let spawned = self.spawn_script(script, &[(0, 0), (1, write_end), (2, 2)]).map_err(|_| Errno::EIO);
            let _ = fs::close(write_end);
            let mut output = Vec::new();
            let mut chunk = [0; 512];
            while let Ok(n @ 1..) = fs::read(read_end, &mut chunk) {
                output.extend_from_slice(&chunk[..n]);
            }
            let _ = fs::close(read_end);
            let _ = uxrt::process::wait_pid(spawned?);
            Ok(output)
        };
        match run() {
            Ok(output) => String::from_utf8_lossy(&output).into_owned(),
            Err(errno) => {
                self.complain(&alloc::format!("$({script}): {errno}"));
                String::new()
            }
        }
    }

    fn complain(&self, message: &str) {
        uxrt::eprintln!("sh: {message}");
    }
}

/// A program to start: its words and fds (fd in the child, fd here), and the fds to
/// close here once it started (files its redirections opened).
struct Prepared {
    words: Vec<String>,
    fds: BTreeMap<u32, Fd>,
    opened: Vec<Fd>,
    env: Vec<String>,
}

impl Drop for Prepared {
    fn drop(&mut self) {
        for &fd in &self.opened {
            let _ = fs::close(fd);
        }
    }
}

/// A pipe's read end with `body` in it, written whole (so at most what a pipe holds;
/// no reader runs before it is written).
fn here_document(body: &[u8]) -> Result<Fd, Errno> {
    if body.len() > uxrt::protocols::file::PIPE_CAPACITY {
        return Err(Errno::EFBIG);
    }
    let (read, write) = fs::pipe()?;
    let written = fs::write(write, body);
    let _ = fs::close(write);
    match written {
        Ok(n) if n == body.len() => Ok(read),
        Ok(_) => Err(Errno::EIO),
        Err(errno) => {
            let _ = fs::close(read);
            Err(errno)
        }
    }
}

/// What a command name runs (`command -v`, `type`).
pub(crate) enum Runs {
    Builtin,
    Function,
    Program(String),
}

/// A shell-like status: the exit code, or 128 + the signal.
pub(crate) fn status_of(status: WaitStatus) -> u8 {
    match status {
        WaitStatus::Exited(code) => code,
        WaitStatus::Signaled(signal) | WaitStatus::Stopped(signal) => 128u8.saturating_add(signal.0),
        WaitStatus::Continued => 0,
    }
}

impl Shell {
    pub fn new(vars: BTreeMap<String, String>) -> Shell {
        Shell {
            vars,
            status: 0,
            pid: uxrt::process::getpid(),
            jobs: Vec::new(),
            aliases: BTreeMap::new(),
            xtrace: false,
            errexit: false,
            conditions: 0,
            getopts_position: None,
            traps: BTreeMap::new(),
            exit: None,
            interrupted: false,
            loops: 0,
            jump: None,
            interactive: false,
            first_prompt_tsc: None,
            functions: BTreeMap::new(),
            calls: 0,
            name: String::from("sh"),
            positional: Vec::new(),
            positional_count: String::from("0"),
            positional_all: String::new(),
        }
    }

    /// Sets `$0` (the script's or command's name).
    pub fn set_name(&mut self, name: &str) {
        self.name = name.into();
    }

    /// Sets the positional parameters; returns the ones they replace.
    pub fn set_positional(&mut self, values: Vec<String>) -> Vec<String> {
        self.positional_count = alloc::format!("{}", values.len());
        self.positional_all = values.join(" ");
        core::mem::replace(&mut self.positional, values)
    }

    /// `shift N`: drops the first N positional parameters (`false` if there are fewer).
    pub(crate) fn shift(&mut self, count: usize) -> bool {
        if count > self.positional.len() {
            return false;
        }
        let rest = self.positional.split_off(count);
        self.set_positional(rest);
        true
    }

    /// The status of the last command (what `return` alone returns).
    pub(crate) fn last_status(&self) -> u8 {
        self.status
    }

    /// `return`: whether a function is running (it then stops, with the status the
    /// builtin returns).
    pub(crate) fn return_from_function(&mut self) -> bool {
        if self.calls == 0 {
            return false;
        }
        self.jump = Some(Jump { kind: JumpKind::Return, levels: 0 });
        true
    }

    /// `break N` or `continue N` from inside a loop (N ≥ 1 loops out; beyond the
    /// outermost, the outermost).
    pub(crate) fn jump(&mut self, kind: JumpKind, levels: u32) {
        if self.loops > 0 {
            self.jump = Some(Jump { kind, levels: levels.clamp(1, self.loops) });
        }
    }

    /// After a loop's body or condition: whether the loop goes on, taking a `continue`
    /// or `break` meant for it (one for an outer loop stays, for it).
    fn loop_goes_on(&mut self) -> bool {
        match self.jump.take() {
            None => !self.exiting() && !self.interrupted,
            Some(jump @ Jump { kind: JumpKind::Return, .. }) => {
                self.jump = Some(jump);
                false
            }
            Some(Jump { kind, levels: 1 }) => kind == JumpKind::Continue,
            Some(Jump { kind, levels }) => {
                self.jump = Some(Jump { kind, levels: levels - 1 });
                false
            }
        }
    }

    pub fn exiting(&self) -> bool {
        self.exit.is_some()
    }

    pub fn exit_status(&self) -> u8 {
        self.exit.unwrap_or(self.status)
    }

    pub(crate) fn set_exit(&mut self, code: u8) {
        self.exit = Some(code);
    }

    /// The status the shell would exit with, its exit cancelled (to run the `EXIT` trap).
    pub(crate) fn take_exit(&mut self) -> u8 {
        let code = self.exit_status();
        self.exit = None;
        code
    }

    pub(crate) fn status_now(&self) -> u8 {
        self.status
    }

    pub(crate) fn restore_status(&mut self, status: u8) {
        self.status = status;
    }

    /// Parses and runs one line.
    pub(crate) fn function_names(&self) -> impl Iterator<Item = &String> {
        self.functions.keys()
    }

    /// `line` with its first word replaced by its alias's text, if it is an alias.
    fn expand_alias(&self, line: &str) -> Option<String> {
        let trimmed = line.trim_start();
        let end = trimmed.find(|c: char| c.is_whitespace() || matches!(c, ';' | '|' | '&')).unwrap_or(trimmed.len());
        let value = self.aliases.get(&trimmed[..end])?;
        Some(alloc::format!("{value}{}", &trimmed[end..]))
    }

    /// What `name` runs as a command: a builtin, a function, or a program (its path),
    /// if any.
    pub(crate) fn what_runs(&self, name: &str) -> Option<Runs> {
        if self.functions.contains_key(name) {
            return Some(Runs::Function);
        }
        if crate::builtins::is_builtin(name) {
            return Some(Runs::Builtin);
        }
        let path = self.resolve(name);
        fs::stat(&path).is_ok().then_some(Runs::Program(path))
    }

    /// `command NAME ARGS`: NAME as a builtin or program, never a function.
    pub(crate) fn run_words_without_functions(&mut self, words: &[String]) -> u8 {
        if words.first().is_some_and(|name| crate::builtins::is_builtin(name)) {
            return crate::builtins::run(self, words, fs::STDOUT);
        }
        let path = self.resolve(&words[0]);
        let env: Vec<String> = self.vars.iter().map(|(name, value)| alloc::format!("{name}={value}")).collect();
        match uxrt::process::spawn(&path, words, &env) {
            Ok(pid) => uxrt::process::wait_pid(pid).map_or(CANNOT_RUN, status_of),
            Err(errno) => {
                uxrt::eprintln!("sh: {}: {errno}", words[0]);
                if errno == Errno::ENOENT {
                    NOT_FOUND
                } else {
                    CANNOT_RUN
                }
            }
        }
    }

    /// Adds `line` to the command being read (`text`) and runs it once it is complete
    /// (a command may take several lines: a loop written over lines, an open quote).
    pub fn feed_line(&mut self, text: &mut String, line: &str) {
        text.push_str(line);
        if parse(text).is_err_and(|error| error.incomplete) {
            text.push('\n');
            return;
        }
        self.run_line(text);
        text.clear();
    }

    /// The prompt for the next line of `text` (`PS2` inside an incomplete command); the
    /// first prompt's time is kept (the `boottime` builtin).
    pub fn prompt<'a>(&mut self, text: &str, first: &'a str) -> &'a str {
        if self.first_prompt_tsc.is_none() {
            // SAFETY: reading the time-stamp counter has no side effects.
            self.first_prompt_tsc = Some(unsafe { core::arch::x86_64::_rdtsc() });
        }
        if text.is_empty() {
            first
        } else {
            uxrt::env::var("PS2").unwrap_or("> ")
        }
    }

    pub fn run_line(&mut self, line: &str) {
        let expanded = self.expand_alias(line);
        let line = expanded.as_deref().unwrap_or(line);
        let list = match parse(line) {
            Ok(list) => list,
            Err(error) => {
                uxrt::eprintln!("sh: {error}");
                self.status = 2;
                return;
            }
        };
        self.interrupted = false;
        self.run_list(&list, line);
    }

    /// Runs a condition's list (`set -e` does not end the shell for it).
    fn run_condition(&mut self, list: &List, line: &str) {
        self.conditions += 1;
        self.run_list(list, line);
        self.conditions -= 1;
    }

    /// Runs the and-or lists of `list` (of the line `line`: a background job's name).
    fn run_list(&mut self, list: &List, line: &str) {
        for (and_or, mode) in &list.0 {
            self.run_pending_traps();
            if self.exiting() || self.interrupted || self.jump.is_some() {
                return;
            }
            match mode {
                Mode::Background => {
                    self.background(&and_or.first, line);
                    if !and_or.rest.is_empty() {
                        uxrt::eprintln!("sh: only a single pipeline can run in the background");
                    }
                }
                Mode::Foreground => {
                    self.status = self.foreground(&and_or.first, line);
                    let mut last_ran = &and_or.first;
                    for (connector, pipeline) in &and_or.rest {
                        let run = match connector {
                            Connector::And => self.status == 0,
                            Connector::Or => self.status != 0,
                        };
                        if run && !self.exiting() && !self.interrupted && self.jump.is_none() {
                            self.status = self.foreground(pipeline, line);
                            last_ran = pipeline;
                        }
                    }
                    let last = and_or.rest.last().map_or(&and_or.first, |(_, pipeline)| pipeline);
                    let spared = self.conditions > 0 || !core::ptr::eq(last_ran, last) || last.negated;
                    if self.errexit && self.status != 0 && !spared && !self.exiting() {
                        self.set_exit(self.status);
                    }
                }
            }
        }
        self.run_pending_traps();
    }

    /// Runs a compound command in the shell itself; its status.
    fn compound(&mut self, compound: &Compound, line: &str) -> u8 {
        match compound {
            Compound::If { branches, otherwise } => {
                for (condition, body) in branches {
                    self.run_condition(condition, line);
                    if self.exiting() || self.interrupted || self.jump.is_some() {
                        return self.status;
                    }
                    if self.status == 0 {
                        self.run_list(body, line);
                        return self.status;
                    }
                }
                match otherwise {
                    Some(body) => {
                        self.run_list(body, line);
                        self.status
                    }
                    None => 0,
                }
            }
            Compound::While { until, condition, body } => self.run_loop(body, line, |shell| {
                shell.run_condition(condition, line);
                shell.loop_goes_on() && (shell.status == 0) != *until
            }),
            Compound::For { name, words, body } => {
                self.assign_defaults(words.iter());
                let mut values = self.fields(words).into_iter();
                self.run_loop(body, line, |shell| match values.next() {
                    Some(value) => {
                        shell.vars.insert(name.clone(), value);
                        true
                    }
                    None => false,
                })
            }
            Compound::Group(list) => {
                self.run_list(list, line);
                self.status
            }
            Compound::Subshell(list) => self.subshell(list, line),
            Compound::Function { name, body } => {
                self.functions.insert(name.clone(), body.as_ref().clone());
                0
            }
            Compound::Case { word, items } => {
                self.assign_defaults(core::iter::once(word));
                let value = word.expand(self);
                let chosen = items.iter().find(|(patterns, _)| {
                    patterns.iter().any(|pattern| uxrt_shell_syntax::pattern::matches(&pattern.expand(self), &value))
                });
                match chosen {
                    Some((_, list)) if !list.0.is_empty() => {
                        self.run_list(list, line);
                        self.status
                    }
                    _ => 0,
                }
            }
        }
    }

    /// Runs `body` for as long as `next_round` (the condition, or taking the next value)
    /// says, as a loop `break` and `continue` act on; the status of the last body run.
    fn run_loop(&mut self, body: &List, line: &str, mut next_round: impl FnMut(&mut Shell) -> bool) -> u8 {
        self.loops += 1;
        let mut status = 0;
        while next_round(self) {
            self.run_list(body, line);
            status = self.status;
            if !self.loop_goes_on() {
                break;
            }
        }
        self.loops -= 1;
        status
    }

    /// Runs a pipeline and waits for it; its status (the last command's).
    fn foreground(&mut self, pipeline: &Pipeline, line: &str) -> u8 {
        let whole_compound = pipeline.compound.as_ref().filter(|_| pipeline.commands.is_empty());
        let status = if let Some(compound) = whole_compound {
            self.compound_redirected(compound, &pipeline.redirects, line)
        } else if let Some(status) = self.function_call(pipeline, line) {
            status
        } else if let Some(status) = self.single_builtin(pipeline) {
            status
        } else {
            let (names, started): (Vec<String>, Vec<Result<Pid, u8>>) = self.start(pipeline).into_iter().unzip();
            let last = started.last().copied();
            if let Some(group) = started.iter().find_map(|s| s.as_ref().ok().copied()) {
                // The job's group is the console's foreground one. (On other files this
                // does nothing.)
                let _ = fs::set_foreground(fs::STDIN, Some(group));
            }
            let mut status = 0;
            let live = |from: usize| started[from..].iter().filter_map(|s| s.as_ref().ok().copied()).collect();
            for (i, (name, started_as)) in names.iter().zip(&started).enumerate() {
                status = match *started_as {
                    Ok(pid) => match self.wait_reported(pid, name) {
                        Ok(status) => status,
                        // `^Z`: the rest of the job is left, stopped.
                        Err(signal) => {
                            status = self.stopped_job(signal, live(i), line.trim());
                            self.interrupted = true;
                            break;
                        }
                    },
                    Err(status) => status,
                };
            }
            if last.is_some_and(|l| l.is_ok()) {
                let _ = fs::set_foreground(fs::STDIN, None);
            }
            status
        };
        if pipeline.negated {
            (status == 0) as u8
        } else {
            status
        }
    }

    /// Runs `list` in a subshell environment without a process of its own: what it
    /// changes of the shell (variables, functions, positional parameters, the working
    /// directory) is put back after, and its `exit` ends only it. Its status.
    fn subshell(&mut self, list: &List, line: &str) -> u8 {
        let vars = self.vars.clone();
        let functions = self.functions.clone();
        let positional = self.positional.clone();
        let cwd = fs::getcwd().ok();
        let loops = core::mem::take(&mut self.loops);
        // (Its traps are its own: an `EXIT` trap set inside runs as it ends.)
        let traps = self.traps.clone();
        self.run_list(list, line);
        if self.traps.get(&0) != traps.get(&0) {
            self.run_exit_trap();
        }
        let status = self.exit.take().unwrap_or(self.status);
        self.traps = traps;
        self.jump = None;
        self.loops = loops;
        self.vars = vars;
        self.functions = functions;
        self.set_positional(positional);
        if let Some(cwd) = cwd {
            if fs::getcwd().ok().as_deref() != Some(cwd.as_str()) {
                let _ = fs::chdir(&cwd);
            }
        }
        status
    }

    /// Makes the `${NAME=word}` assignments of `words` (before they are expanded).
    fn assign_defaults<'a>(&mut self, words: impl Iterator<Item = &'a uxrt_shell_syntax::Word>) {
        let made: Vec<(String, String)> = words.flat_map(|word| word.assignments(self)).collect();
        self.vars.extend(made);
    }

    /// Words expanded, split into fields, and patterns replaced by the file names they
    /// match (sorted; a pattern that matches none stays as it is), as a command's words
    /// and `for`'s list are.
    fn fields(&self, words: &[uxrt_shell_syntax::Word]) -> Vec<String> {
        let mut out = Vec::new();
        for field in words.iter().flat_map(|word| word.expand_patterns(self)) {
            let matches = field.pattern.as_deref().map(crate::glob::expand).unwrap_or_default();
            match matches.is_empty() {
                true => out.push(field.text),
                false => out.extend(matches),
            }
        }
        out
    }

    /// A pipeline of one command naming a function runs its body in the shell, with the
    /// command's other words as the positional parameters. (In a longer pipeline it runs
    /// in a shell of its own: `spawn`.)
    fn function_call(&mut self, pipeline: &Pipeline, line: &str) -> Option<u8> {
        let [command] = pipeline.commands.as_slice() else { return None };
        if pipeline.compound.is_some() {
            return None;
        }
        // (Without functions, the first word is not expanded here a second time.)
        if self.functions.is_empty() {
            return None;
        }
        let name = command.words.first()?.expand(self);
        let body = self.functions.get(&name)?.clone();
        // (Its redirections apply to the whole call: `f 2>/dev/null`.)
        let prepared = match self.prepare(command, fs::STDIN, fs::STDOUT) {
            Ok(prepared) => prepared,
            Err(status) => return Some(status),
        };
        let args: Vec<String> = prepared.words.iter().skip(1).cloned().collect();
        let outer = self.set_positional(args);
        // (Loops outside the function are not its to break.)
        let loops = core::mem::take(&mut self.loops);
        self.calls += 1;
        let mut status = self.redirected(&prepared.fds, |shell| shell.compound(&body, line));
        self.calls -= 1;
        self.loops = loops;
        if let Some(Jump { kind: JumpKind::Return, .. }) = self.jump {
            self.jump = None;
            status = self.status;
        }
        self.set_positional(outer);
        Some(status)
    }

    /// A pipeline of one builtin runs in the shell itself.
    fn single_builtin(&mut self, pipeline: &Pipeline) -> Option<u8> {
        let [command] = pipeline.commands.as_slice() else { return None };
        if pipeline.compound.is_some() {
            return None;
        }
        // (Assignments or redirections alone are the shell's own business too.)
        let builtin = command.words.first().is_none_or(|w| crate::builtins::is_builtin(&w.expand(self)));
        if !builtin {
            return None;
        }
        let mut prepared = match self.prepare(command, fs::STDIN, fs::STDOUT) {
            Ok(prepared) => prepared,
            Err(status) => return Some(status),
        };
        // `exec` with redirections alone makes them the shell's for good.
        if prepared.words.len() == 1 && prepared.words[0] == "exec" {
            // (A file opened right at its fd stays open: it is no longer the command's.)
            let kept: Vec<Fd> = prepared.fds.iter().filter(|(fd, to)| fd == to).map(|(_, &to)| to).collect();
            prepared.opened.retain(|fd| !kept.contains(fd));
            for (&fd, &to) in prepared.fds.iter().filter(|(fd, to)| fd != to) {
                if let Err(errno) = fs::dup2(to, fd) {
                    uxrt::eprintln!("sh: exec: {fd}: {errno}");
                    return Some(CANNOT_RUN);
                }
            }
            return Some(0);
        }
        // (The shell's own fds are the redirected ones while it runs: `read x < FILE`
        // reads the file, its complaints go where `2>` says.)
        Some(self.redirected(&prepared.fds, |shell| crate::builtins::run(shell, &prepared.words, fs::STDOUT)))
    }

    /// Runs `f` with the shell's own fds redirected as `fds` says (fd → the fd it
    /// becomes a copy of), then puts them back.
    fn redirected(&mut self, fds: &BTreeMap<u32, Fd>, f: impl FnOnce(&mut Shell) -> u8) -> u8 {
        let mut saved = Vec::new();
        for (&fd, &to) in fds.iter().filter(|(fd, to)| fd != to) {
            match fs::dup(fd).and_then(|copy| fs::dup2(to, fd).map(|_| copy)) {
                Ok(copy) => saved.push((fd, Some(copy))),
                // (An fd the shell does not have: closed again afterwards.)
                Err(Errno::EBADF) if fs::dup2(to, fd).is_ok() => saved.push((fd, None)),
                Err(errno) => {
                    uxrt::eprintln!("sh: {fd}: {errno}");
                    self.restore(saved);
                    return CANNOT_RUN;
                }
            }
        }
        let status = f(self);
        self.restore(saved);
        status
    }

    fn restore(&mut self, saved: Vec<(Fd, Option<Fd>)>) {
        for (fd, copy) in saved.into_iter().rev() {
            match copy {
                Some(copy) => {
                    let _ = fs::dup2(copy, fd);
                    let _ = fs::close(copy);
                }
                None => {
                    let _ = fs::close(fd);
                }
            }
        }
    }

    /// A compound command with its redirections (`while ...; done < FILE`).
    fn compound_redirected(&mut self, compound: &Compound, redirects: &[Redirect], line: &str) -> u8 {
        if redirects.is_empty() {
            return self.compound(compound, line);
        }
        let only = Command { redirects: redirects.to_vec(), ..Command::default() };
        let prepared = match self.prepare(&only, fs::STDIN, fs::STDOUT) {
            Ok(prepared) => prepared,
            Err(status) => return status,
        };
        self.redirected(&prepared.fds, |shell| shell.compound(compound, line))
    }

    /// Waits for `pid` of a foreground job to end: its status (a signal that killed it
    /// said, unless it is `^C`'s or SIGPIPE), or (`Err`) the signal that stopped it.
    fn wait_reported(&mut self, pid: Pid, name: &str) -> Result<u8, Signal> {
        match crate::jobs::wait_one(pid) {
            Ok(Err(signal)) => Err(signal),
            Ok(Ok(status)) => {
                if let WaitStatus::Signaled(signal) = status {
                    self.interrupted |= signal == Signal::SIGINT;
                    if signal != Signal::SIGINT && signal != Signal::SIGPIPE {
                        uxrt::eprintln!("sh: {name}: killed by {signal}");
                    }
                }
                Ok(status_of(status))
            }
            Err(errno) => {
                uxrt::eprintln!("sh: wait: {errno}");
                Ok(CANNOT_RUN)
            }
        }
    }

    /// Starts every command of `pipeline`, each reading the one before through a pipe:
    /// the pid of each, or the status of one that could not start.
    fn start(&mut self, pipeline: &Pipeline) -> Vec<(String, Result<Pid, u8>)> {
        let mut started: Vec<(String, Result<Pid, u8>)> = Vec::new();
        let mut input: Option<Fd> = None;
        let count = pipeline.commands.len() + pipeline.compound.is_some() as usize;
        let mut commands = pipeline.commands.iter();
        for i in 0..count {
            let pipe = if i + 1 < count {
                match fs::pipe() {
                    Ok(pipe) => Some(pipe),
                    Err(errno) => {
                        uxrt::eprintln!("sh: pipe: {errno}");
                        started.push((String::from("pipe"), Err(CANNOT_RUN)));
                        break;
                    }
                }
            } else {
                None
            };
            let stdin = input.unwrap_or(fs::STDIN);
            let stdout = pipe.map_or(fs::STDOUT, |(_, write)| write);
            // A compound command in the pipeline runs in a shell of its own (this one
            // cannot fork), as its text.
            let (name, child) = match (&pipeline.compound, commands.len()) {
                (Some(compound), _) if i == pipeline.compound_at => {
                    let alone = Pipeline {
                        negated: false,
                        commands: Vec::new(),
                        compound: Some(compound.clone()),
                        compound_at: 0,
                        redirects: pipeline.redirects.clone(),
                    };
                    let and_or = uxrt_shell_syntax::AndOr { first: alone, rest: Vec::new() };
                    let text = uxrt_shell_syntax::unparse::list(&List(Vec::from([(and_or, Mode::Foreground)])));
                    (String::from("sh"), self.spawn_script(&text, &[(0, stdin), (1, stdout), (2, fs::STDERR)]))
                }
                _ => match commands.next() {
                    Some(command) => {
                        let name = command.words.first().map(|w| w.expand(self)).unwrap_or_default();
                        (name, self.spawn(command, stdin, stdout))
                    }
                    None => break,
                },
            };
            // The pipeline is a job: a process group of its own, named by its first
            // process (what `^C` reaches when it runs in the foreground).
            if let Ok(pid) = child {
                let group = started.iter().find_map(|(_, s)| s.as_ref().ok().copied()).unwrap_or(pid);
                let _ = uxrt::process::set_process_group(pid, group);
            }
            started.push((name, child));
            // The children hold their copies: the shell's go, so readers see the end.
            if let Some(fd) = input.take() {
                let _ = fs::close(fd);
            }
            if let Some((read, write)) = pipe {
                let _ = fs::close(write);
                input = Some(read);
            }
        }
        if let Some(fd) = input {
            let _ = fs::close(fd);
        }
        started
    }

    fn spawn(&mut self, command: &Command, stdin: Fd, stdout: Fd) -> Result<Pid, u8> {
        let prepared = self.prepare(command, stdin, stdout)?;
        let Some(name) = prepared.words.first() else { return Err(0) };
        let fds: Vec<(u32, u32)> = prepared.fds.iter().map(|(&child, &here)| (child, here)).collect();
        // A function or a builtin in a pipeline runs in a shell of its own.
        if self.functions.contains_key(name.as_str()) || crate::builtins::is_builtin(name) {
            let words: Vec<String> = prepared.words.iter().map(|w| uxrt_shell_syntax::unparse::quote(w)).collect();
            return self.spawn_script(&words.join(" "), &fds);
        }
        let path = self.resolve(name);
        // (Said where the command's standard error would have gone: `2>/dev/null`.)
        let error_fd = prepared.fds.get(&2).copied().unwrap_or(fs::STDERR);
        match uxrt::process::spawn_with_fds(&path, &prepared.words, &prepared.env, &fds) {
            Ok(pid) => Ok(pid),
            Err(Errno::ENOENT) => {
                uxrt::io::print_to(error_fd, format_args!("sh: {name}: not found\n"));
                Err(NOT_FOUND)
            }
            Err(errno) => {
                uxrt::io::print_to(error_fd, format_args!("sh: {name}: {errno}\n"));
                Err(CANNOT_RUN)
            }
        }
    }

    /// Starts `/bin/sh -c SCRIPT` with this shell's functions defined first, its
    /// variables in the environment and its `$0` and positional parameters, on `fds`:
    /// what this shell would run in a copy of itself if it could fork.
    fn spawn_script(&self, script: &str, fds: &[(u32, u32)]) -> Result<Pid, u8> {
        let text = alloc::format!("{}{script}", self.function_definitions());
        let env: Vec<String> = self.vars.iter().map(|(name, value)| alloc::format!("{name}={value}")).collect();
        let mut args = Vec::from([String::from("sh"), String::from("-c"), text, self.name.clone()]);
        args.extend(self.positional.iter().cloned());
        uxrt::process::spawn_with_fds("/bin/sh", &args, &env, fds).map_err(|errno| {
            uxrt::eprintln!("sh: sh: {errno}");
            CANNOT_RUN
        })
    }

    /// Every function as the text that defines it.
    fn function_definitions(&self) -> String {
        let mut text = String::new();
        for (name, body) in &self.functions {
            let function = Compound::Function { name: name.clone(), body: alloc::boxed::Box::new(body.clone()) };
            text.push_str(&uxrt_shell_syntax::unparse::compound(&function));
        }
        text
    }

    /// Expands a command's words and applies its redirections to the fds it starts with.
    fn prepare(&mut self, command: &Command, stdin: Fd, stdout: Fd) -> Result<Prepared, u8> {
        let assigned = command.assignments.iter().map(|(_, value)| value);
        self.assign_defaults(command.words.iter().chain(assigned).chain(command.redirects.iter().map(|r| &r.target)));
        let words = self.fields(&command.words);
        if self.xtrace && !words.is_empty() {
            let shown: Vec<String> = words.iter().map(|w| uxrt_shell_syntax::unparse::quote(w)).collect();
            uxrt::eprintln!("+ {}", shown.join(" "));
        }
        let mut prepared = Prepared {
            words,
            fds: BTreeMap::from([(0, stdin), (1, stdout), (2, fs::STDERR)]),
            opened: Vec::new(),
            env: Vec::new(),
        };
        for redirect in &command.redirects {
            let target = redirect.target.expand(self);
            let flags = match redirect.kind {
                RedirectKind::Input => OpenFlags::READ_ONLY,
                RedirectKind::Output => OpenFlags::WRITE_ONLY | OpenFlags::CREATE | OpenFlags::TRUNCATE,
                RedirectKind::Append => OpenFlags::WRITE_ONLY | OpenFlags::CREATE | OpenFlags::APPEND,
                RedirectKind::Duplicate(source) => {
                    // (Another fd the shell has open, `exec 3>FILE` made, counts too.)
                    let open = fs::is_open(source).then_some(source);
                    let Some(fd) = prepared.fds.get(&source).copied().or(open) else {
                        uxrt::eprintln!("sh: {source}: bad file descriptor");
                        return Err(1);
                    };
                    prepared.fds.insert(redirect.fd, fd);
                    continue;
                }
                RedirectKind::HereDocument => {
                    // (`target` is the body, expanded: the `here` fd reads it from a pipe.)
                    let here = here_document(target.as_bytes()).map_err(|errno| {
                        uxrt::eprintln!("sh: here-document: {errno}");
                        1
                    })?;
                    prepared.opened.push(here);
                    prepared.fds.insert(redirect.fd, here);
                    continue;
                }
            };
            match fs::open(&target, flags, 0o644) {
                Ok(fd) => {
                    prepared.opened.push(fd);
                    prepared.fds.insert(redirect.fd, fd);
                }
                Err(errno) => {
                    uxrt::eprintln!("sh: {target}: {errno}");
                    return Err(1);
                }
            }
        }
        let mut env = self.vars.clone();
        for (name, value) in &command.assignments {
            env.insert(name.clone(), value.expand(self));
        }
        if command.words.is_empty() {
            // Assignments alone set the shell's variables.
            self.vars = env;
        } else {
            prepared.env = env.iter().map(|(name, value)| alloc::format!("{name}={value}")).collect();
        }
        Ok(prepared)
    }

    /// Where a command's program is: as given when it has a `/`, otherwise in `$PATH`'s
    /// first directory that has it (`/bin` when none does).
    fn resolve(&self, name: &str) -> String {
        if name.contains('/') {
            return name.into();
        }
        let path = self.vars.get("PATH").map_or("/bin", String::as_str);
        for dir in path.split(':').filter(|d| !d.is_empty()) {
            let candidate = alloc::format!("{dir}/{name}");
            if fs::stat(&candidate).is_ok() {
                return candidate;
            }
        }
        alloc::format!("/bin/{name}")
    }

    fn background(&mut self, pipeline: &Pipeline, line: &str) {
        // (A compound command in it runs in a shell of its own: `start`.)
        let pids: Vec<Pid> = self.start(pipeline).into_iter().filter_map(|(_, started)| started.ok()).collect();
        let Some(&last) = pids.last() else {
            self.status = NOT_FOUND;
            return;
        };
        let number = self.add_job(pids, false, line.split('&').next().unwrap_or(line).trim());
        if self.interactive {
            uxrt::eprintln!("[{number}] {last}");
        }
        self.vars.insert("!".into(), alloc::format!("{last}"));
        self.status = 0;
    }

    /// `wait`: every background job (or the one whose pid is given); the status of the
    /// last one waited for.
    pub(crate) fn wait_jobs(&mut self, only: Option<Pid>) -> u8 {
        let mut status = 0;
        let mut found = only.is_none();
        for job in core::mem::take(&mut self.jobs) {
            if only.is_some_and(|pid| !job.live.contains(&pid)) {
                self.jobs.push(job);
                continue;
            }
            found = true;
            for &pid in &job.live {
                status = uxrt::process::wait_pid(pid).map_or(NOT_FOUND, status_of);
            }
        }
        if !found {
            uxrt::eprintln!("sh: wait: pid {} is not a child of this shell", only.unwrap_or(0));
            return NOT_FOUND;
        }
        status
    }
}
