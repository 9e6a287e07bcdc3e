//! Signals (Linux numbering) and the status `wait` reports for a child.
//!
//! uxrt delivers no asynchronous signal handlers yet: a signal ends the process it is sent
//! to, and its parent learns which signal did (like `WIFSIGNALED`/`WTERMSIG`).

use core::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signal(pub u8);

macro_rules! signals {
    ($($name:ident = $value:literal,)*) => {
        impl Signal {
            $(pub const $name: Signal = Signal($value);)*

            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }
    };
}

signals! {
    SIGHUP = 1,
    SIGINT = 2,
    SIGQUIT = 3,
    SIGILL = 4,
    SIGTRAP = 5,
    SIGABRT = 6,
    SIGBUS = 7,
    SIGFPE = 8,
    SIGKILL = 9,
    SIGUSR1 = 10,
    SIGSEGV = 11,
    SIGUSR2 = 12,
    SIGPIPE = 13,
    SIGALRM = 14,
    SIGTERM = 15,
    SIGCHLD = 17,
    SIGCONT = 18,
    SIGSTOP = 19,
    SIGTSTP = 20,
    SIGTTIN = 21,
    SIGTTOU = 22,
    SIGSYS = 31,
}

impl Signal {
    /// Signal numbers run from 1 to 64 (as on Linux).
    pub const MAX: u8 = 64;

    pub fn new(number: u64) -> Option<Signal> {
        (1..=Self::MAX as u64).contains(&number).then_some(Signal(number as u8))
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "signal {}", self.0),
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// How a child ended, or (for a `wait` that asks) that it stopped or went on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitStatus {
    /// It called exit with this status.
    Exited(u8),
    /// A signal ended it (a fault, `kill`, or `abort`).
    Signaled(Signal),
    /// A signal stopped it (SIGSTOP, SIGTSTP: job control); it is still there.
    Stopped(Signal),
    /// SIGCONT made it go on after it had stopped.
    Continued,
}

impl WaitStatus {
    /// The `int` that POSIX `wait` stores, as Linux encodes it: exited = status << 8,
    /// signaled = the signal number, stopped = signal << 8 | 0x7f, continued = 0xffff.
    pub const fn to_raw(self) -> u32 {
        match self {
            WaitStatus::Exited(code) => (code as u32) << 8,
            WaitStatus::Signaled(signal) => signal.0 as u32 & 0x7f,
            WaitStatus::Stopped(signal) => (signal.0 as u32) << 8 | 0x7f,
            WaitStatus::Continued => 0xffff,
        }
    }

    pub fn from_raw(raw: u64) -> Option<WaitStatus> {
        match (raw & 0x7f, raw >> 8) {
            (0, code @ 0..=0xff) => Some(WaitStatus::Exited(code as u8)),
            (0x7f, 0xff) => Some(WaitStatus::Continued),
            (0x7f, signal) => Signal::new(signal).map(WaitStatus::Stopped),
            (signal, 0) => Signal::new(signal).map(WaitStatus::Signaled),
            _ => None,
        }
    }

    /// Whether the child is gone (it exited or was killed), not only stopped or going on.
    pub const fn ended(self) -> bool {
        matches!(self, WaitStatus::Exited(_) | WaitStatus::Signaled(_))
    }
}

impl fmt::Display for WaitStatus {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            WaitStatus::Exited(code) => write!(f, "exited with status {code}"),
            WaitStatus::Signaled(signal) => write!(f, "killed by {signal}"),
            WaitStatus::Stopped(signal) => write!(f, "stopped by {signal}"),
            WaitStatus::Continued => f.write_str("continued"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn raw_encoding_is_linux_compatible() {
        assert_eq!(WaitStatus::Exited(3).to_raw(), 0x300);
        assert_eq!(WaitStatus::Signaled(Signal::SIGSEGV).to_raw(), 11);
        assert_eq!(WaitStatus::from_raw(0), Some(WaitStatus::Exited(0)));
        assert_eq!(WaitStatus::from_raw(0x10000), None);
        assert_eq!(WaitStatus::from_raw(0x7f), None); // 127 is no signal
        assert_eq!(WaitStatus::Stopped(Signal::SIGTSTP).to_raw(), 0x147f);
        assert_eq!(WaitStatus::Continued.to_raw(), 0xffff);
    }

    proptest! {
        #[test]
        fn statuses_round_trip(code: u8, signal in 1u8..=64) {
            let statuses = [WaitStatus::Exited(code), WaitStatus::Signaled(Signal(signal)), WaitStatus::Stopped(Signal(signal))];
            for status in statuses.into_iter().chain([WaitStatus::Continued]) {
                prop_assert_eq!(WaitStatus::from_raw(status.to_raw() as u64), Some(status));
            }
        }

        #[test]
        fn decoding_never_panics(raw: u64) {
            let _ = WaitStatus::from_raw(raw);
        }
    }
}
