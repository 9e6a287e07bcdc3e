//! The program's arguments and environment, straight from its start-up record (no copy).

use spin::Once;
use uxrt_protocols::startup::{aux, Record};
use uxrt_protocols::Word;

static RECORD: Once<Record<'static>> = Once::new();

/// Keeps the start-up record that `start::run` parsed (once: later calls change nothing).
pub(crate) fn keep_record(record: Record<'static>) {
    RECORD.call_once(|| record);
}

/// The start-up record (empty lists if start-up has not run, as in host tests).
pub(crate) fn record() -> Option<&'static Record<'static>> {
    RECORD.get()
}

/// The arguments, `argv[0]` first, as bytes.
pub fn args_bytes() -> impl Iterator<Item = &'static [u8]> + Clone {
    record().into_iter().flat_map(|r| r.args())
}

/// How many arguments there are (`argc`).
pub fn arg_count() -> usize {
    record().map_or(0, |r| r.argc())
}

/// The arguments as text; one that is not UTF-8 reads as "".
pub fn args() -> impl Iterator<Item = &'static str> + Clone {
    args_bytes().map(|arg| core::str::from_utf8(arg).unwrap_or(""))
}

/// The variable through which a parent tells its child the working directory to start
/// in (the VFS starts every process at `/`): libuxrt adds it at spawn, takes it at start,
/// and hides it from [`vars`].
pub(crate) const WORKING_DIRECTORY: &[u8] = b"UXRT_CWD=";

/// The variable through which a parent passes its epoll instances (see
/// `uxrt_protocols::inherited_epolls`), hidden from [`vars`] as well.
pub(crate) const EPOLLS: &[u8] = uxrt_protocols::inherited_epolls::VARIABLE;

/// Whether `entry` is one of libuxrt's own variables, which a program never sees.
pub(crate) fn is_hidden(entry: &[u8]) -> bool {
    entry.starts_with(WORKING_DIRECTORY) || entry.starts_with(EPOLLS)
}

/// `NAME=value` strings of the environment.
pub fn vars() -> impl Iterator<Item = &'static [u8]> + Clone {
    raw_vars().filter(|entry| !is_hidden(entry))
}

fn raw_vars() -> impl Iterator<Item = &'static [u8]> + Clone {
    record().into_iter().flat_map(|r| r.env())
}

/// The working directory the parent gave, if it gave one.
pub(crate) fn inherited_working_directory() -> Option<&'static str> {
    raw_vars().find_map(|entry| core::str::from_utf8(entry.strip_prefix(WORKING_DIRECTORY)?).ok())
}

/// The epoll instances the parent passed, if it passed some (the text after
/// [`EPOLLS`]).
pub(crate) fn inherited_epolls() -> Option<&'static [u8]> {
    raw_vars().find_map(|entry| entry.strip_prefix(EPOLLS))
}

/// The value of environment variable `name`.
pub fn var(name: &str) -> Option<&'static str> {
    vars().find_map(|entry| {
        let value = entry.strip_prefix(name.as_bytes())?.strip_prefix(b"=")?;
        core::str::from_utf8(value).ok()
    })
}

/// The last part of `argv[0]`, for messages.
pub fn program_name() -> &'static str {
    let arg0 = args().next().unwrap_or("?");
    arg0.rsplit('/').next().unwrap_or(arg0)
}

/// An auxiliary-vector entry the root server passed.
pub fn aux(key: Word) -> Option<Word> {
    record().and_then(|r| r.aux(key))
}

/// An auxiliary-vector entry looked up once, for values asked for on every request (a
/// server stamps each with the time; shared transfers name the pid): the vector is
/// scanned the first time only.
pub(crate) struct CachedAux {
    key: Word,
    /// `u64::MAX` until looked up, then the value, or `u64::MAX - 1` for none.
    value: core::sync::atomic::AtomicU64,
}

impl CachedAux {
    const UNKNOWN: Word = u64::MAX;
    const ABSENT: Word = u64::MAX - 1;

    pub(crate) const fn new(key: Word) -> CachedAux {
        CachedAux { key, value: core::sync::atomic::AtomicU64::new(Self::UNKNOWN) }
    }

    /// The entry (values from `ABSENT` up read as absent).
    pub(crate) fn get(&self) -> Option<Word> {
        use core::sync::atomic::Ordering;
        let value = match self.value.load(Ordering::Relaxed) {
            Self::UNKNOWN => {
                let value = aux(self.key).filter(|&v| v < Self::ABSENT).unwrap_or(Self::ABSENT);
                self.value.store(value, Ordering::Relaxed);
                value
            }
            value => value,
        };
        (value != Self::ABSENT).then_some(value)
    }
}

/// This process's id, as the root server told it at start-up.
pub fn pid_at_start() -> Option<Word> {
    static PID: CachedAux = CachedAux::new(aux::PID);
    PID.get()
}
