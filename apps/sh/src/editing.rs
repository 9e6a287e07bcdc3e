//! The interactive shell on the console: each line is typed with the line editor
//! (`uxrt_shell_syntax::editor`: cursor keys, history, Tab completion) while the console
//! is in raw mode; commands run with it back in canonical mode (their input is lines,
//! and `^C`/`^Z` signal them).

use crate::exec::Shell;
use alloc::string::String;
use alloc::vec::Vec;
use uxrt::fs;
use uxrt::protocols::file::FileKind;
use uxrt::Errno;
use uxrt_shell_syntax::editor::{Editor, Event};

/// Reads, edits and runs lines until the input ends or the shell exits.
pub fn run(shell: &mut Shell, prompt: &str) {
    let mut editor = Editor::default();
    let mut typed_ahead = Vec::new();
    let mut text = String::new();
    let mut reconnected = false;
    while !shell.exiting() {
        if text.is_empty() {
            shell.report_jobs();
        }
        let shown = String::from(shell.prompt(&text, prompt));
        // (Raw before the prompt shows: what is typed after it is the editor's alone.)
        let _ = fs::set_terminal_raw(fs::STDIN, true);
        uxrt::eprint!("{shown}");
        let event = edit_line(shell, &mut editor, &mut typed_ahead, &shown, &mut reconnected);
        let _ = fs::set_terminal_raw(fs::STDIN, false);
        match event {
            Event::Line(line) => shell.feed_line(&mut text, &line),
            Event::Cancelled => text.clear(),
            _ => break,
        }
    }
}

/// Feeds typed bytes to the editor until it has a line (or the input ends). A console
/// whose server died (its handles name nothing: `EBADF`, or `EIO` for the read it had)
/// is taken again once (`reconnected` until a read succeeds), and the line starts over.
fn edit_line(
    shell: &Shell,
    editor: &mut Editor,
    typed_ahead: &mut Vec<u8>,
    prompt: &str,
    reconnected: &mut bool,
) -> Event {
    loop {
        if typed_ahead.is_empty() {
            let mut chunk = [0; 64];
            match fs::read(fs::STDIN, &mut chunk) {
                Err(Errno::EBADF | Errno::EIO) if !*reconnected && console_again() => {
                    *reconnected = true;
                    return Event::Cancelled;
                }
                Ok(0) | Err(_) => return Event::EndOfInput,
                Ok(n) => {
                    *reconnected = false;
                    typed_ahead.extend_from_slice(&chunk[..n]);
                }
            }
        }
        let mut out = String::new();
        let mut ended = None;
        let mut used = 0;
        for &byte in typed_ahead.iter() {
            used += 1;
            match editor.feed(byte, &mut out) {
                Event::None => {}
                Event::Complete => {
                    let (word, command) = editor.word_before_cursor();
                    let candidates = completions(shell, &word, command);
                    editor.complete(&candidates, prompt, &mut out);
                }
                event => {
                    ended = Some(event);
                    break;
                }
            }
        }
        typed_ahead.drain(..used);
        let _ = fs::write(fs::STDERR, out.as_bytes());
        if let Some(event) = ended {
            return event;
        }
    }
}

/// Takes the console again after the devices server was restarted (the root server
/// gives it once the new server has: a moment after the restart); whether it could.
fn console_again() -> bool {
    for _ in 0..100 {
        match fs::console_again() {
            Ok(()) => {
                uxrt::eprintln!("sh: the console's server was restarted");
                return true;
            }
            Err(Errno::EAGAIN) if uxrt::events::sleep_us(10_000).is_ok() => {}
            Err(_) => return false,
        }
    }
    false
}

/// What `word` may become: a command (a builtin, a function, a program in `PATH`) when
/// it is a command's name, else a file name (directories with `/`); sorted.
fn completions(shell: &Shell, word: &str, command: bool) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    if command && !word.contains('/') {
        found.extend(crate::builtins::names().filter(|name| name.starts_with(word)).map(String::from));
        found.extend(shell.function_names().filter(|name| name.starts_with(word)).cloned());
        let path = shell.vars.get("PATH").map_or("/bin", String::as_str);
        for dir in path.split(':').filter(|d| !d.is_empty()) {
            if let Ok(names) = fs::list_dir(dir) {
                found.extend(names.into_iter().filter(|name| name.starts_with(word)));
            }
        }
    } else {
        let (dir, base) = match word.rfind('/') {
            Some(at) => (&word[..=at], &word[at + 1..]),
            None => ("", word),
        };
        let listed = if dir.is_empty() { String::from(".") } else { String::from(dir) };
        if let Ok(names) = fs::list_dir(&listed) {
            for name in
                names.into_iter().filter(|n| n.starts_with(base) && (base.starts_with('.') || !n.starts_with('.')))
            {
                let path = alloc::format!("{dir}{name}");
                let directory = fs::stat(&path).is_ok_and(|s| s.kind == FileKind::Directory);
                found.push(if directory { alloc::format!("{path}/") } else { path });
            }
        }
    }
    found.sort();
    found.dedup();
    found
}
