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

/// How a child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitStatus {
    /// It called exit with this status.
    Exited(u8),
    /// A signal ended it (a fault, `kill`, or `abort`).
    Signaled(Signal),
}

impl WaitStatus {
    /// The `int` that POSIX `wait` stores, as Linux encodes it: exited = status << 8,
    /// signaled = the signal number.
    pub const fn to_raw(self) -> u32 {
        match self {
            WaitStatus::Exited(code) => (code as u32) << 8,
            WaitStatus::Signaled(signal) => signal.0 as u32 & 0x7f,
        }
    }

    pub fn from_raw(raw: u64) -> Option<WaitStatus> {
        match (raw & 0x7f, raw >> 8) {
            (0, code @ 0..=0xff) => Some(WaitStatus::Exited(code as u8)),
            (signal, 0) => Signal::new(signal).map(WaitStatus::Signaled),
            _ => None,
        }
    }
}

impl fmt::Display for WaitStatus {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            WaitStatus::Exited(code) => write!(f, "exited with status {code}"),
            WaitStatus::Signaled(signal) => write!(f, "killed by {signal}"),
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
    }

    proptest! {
        #[test]
        fn statuses_round_trip(code: u8, signal in 1u8..=64) {
            for status in [WaitStatus::Exited(code), WaitStatus::Signaled(Signal(signal))] {
                prop_assert_eq!(WaitStatus::from_raw(status.to_raw() as u64), Some(status));
            }
        }

        #[test]
        fn decoding_never_panics(raw: u64) {
            let _ = WaitStatus::from_raw(raw);
        }
    }
}
