//! `trap ACTION CONDITION...`: commands the shell runs when it gets a signal (caught
//! through libuxrt's signal entry, run between commands: after the foreground command
//! in progress, as POSIX has it) or when it exits (`EXIT`, 0). An empty action ignores
//! the signal; `-` puts the default back; `trap` alone lists the traps.

use crate::exec::Shell;
use alloc::string::String;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use uxrt::fs::Fd;
use uxrt::Signal;

/// Signals caught since the shell last looked (bit `n - 1` for signal `n`).
static CAUGHT: AtomicU64 = AtomicU64::new(0);

/// The signal entry's dispatcher: the signal is noted, and a wait it interrupted goes
/// on (as with `SA_RESTART`): its trap runs when the foreground command is done.
fn note(pending: u64) {
    CAUGHT.fetch_or(pending, Relaxed);
    uxrt::signals::note_handled(true);
}

/// `EXIT` as 0, or a signal by name (with or without `SIG`) or number.
fn condition(text: &str) -> Option<u8> {
    if text == "EXIT" || text == "0" {
        return Some(0);
    }
    if let Ok(number) = text.parse::<u64>() {
        return Signal::new(number).map(|s| s.0);
    }
    let name = text.strip_prefix("SIG").unwrap_or(text);
    (1..=Signal::MAX).find(|&n| Signal(n).name().and_then(|s| s.strip_prefix("SIG")) == Some(name))
}

fn name(condition: u8) -> String {
    match condition {
        0 => String::from("EXIT"),
        n => Signal(n).name().map_or_else(|| alloc::format!("{n}"), |s| String::from(&s[3..])),
    }
}

impl Shell {
    pub(crate) fn trap(&mut self, args: &[String], out: Fd) -> u8 {
        let Some((action, conditions)) = args.split_first() else {
            for (&condition, action) in &self.traps {
                uxrt::io::print_to(out, format_args!("trap -- '{action}' {}\n", name(condition)));
            }
            return 0;
        };
        // (`trap N...` with a number first resets those conditions, as `trap - N...`.)
        let (action, conditions) = match condition(action) {
            Some(_) if action.parse::<u64>().is_ok() => (None, args),
            _ if action == "-" => (None, conditions),
            _ => (Some(action.clone()), conditions),
        };
        let mut status = 0;
        for text in conditions {
            match condition(text) {
                Some(9 | 19) => {
                    uxrt::eprintln!("sh: trap: {text}: cannot be trapped");
                    status = 1;
                }
                Some(condition) => match &action {
                    Some(action) => {
                        self.traps.insert(condition, action.clone());
                    }
                    None => {
                        self.traps.remove(&condition);
                    }
                },
                None => {
                    uxrt::eprintln!("sh: trap: {text}: bad trap");
                    status = 1;
                }
            }
        }
        let (mut caught, mut ignored) = (0, 0);
        for (&condition, action) in self.traps.iter().filter(|(&c, _)| c != 0) {
            let bit = 1u64 << (condition - 1);
            if action.is_empty() {
                ignored |= bit;
            } else {
                caught |= bit;
            }
        }
        uxrt::signals::set_dispatcher(note);
        if let Err(errno) = uxrt::signals::set_handling(caught, ignored) {
            uxrt::eprintln!("sh: trap: {errno}");
            status = 1;
        }
        status
    }

    /// Runs the traps of the signals caught since the last look.
    pub(crate) fn run_pending_traps(&mut self) {
        let caught = CAUGHT.swap(0, Relaxed);
        if caught == 0 {
            return;
        }
        for signal in 1..=Signal::MAX {
            if caught & (1 << (signal - 1)) != 0 {
                if let Some(action) = self.traps.get(&signal).cloned() {
                    let status = self.status_now();
                    self.run_line(&action);
                    self.restore_status(status);
                }
            }
        }
    }

    /// Runs the `EXIT` trap, once, as the shell ends (its status stays the shell's,
    /// unless the trap itself exits).
    pub(crate) fn run_exit_trap(&mut self) {
        let Some(action) = self.traps.remove(&0) else { return };
        let exit = self.take_exit();
        self.run_line(&action);
        if !self.exiting() {
            self.set_exit(exit);
        }
    }
}
