//! Sessions at their limits cannot take another session's guarantee. The root server's
//! test starts a checker and several hogs, each a session of its own (only the root
//! server starts sessions); the hogs take memory until refused and report through a
//! FIFO; then the checker, refused nothing so far, takes memory of its own, which it
//! must get.

use crate::attacks::take_until_refused;
use alloc::vec::Vec;
use uxrt::fs::{self, Flags};
use uxrt::{ensure, must, println, Errno};

/// Where the hogs report the MiB they took (one byte each).
const REPORTS: &str = "/tmp/session-reports";
/// What the checker takes once the hogs are refused: less than the 32 MiB every
/// session is owed, less what a process holds to start.
const CHECKED_MIB: usize = 24;

/// The FIFO the hogs report through, made by whichever process comes first.
fn make_reports() -> Result<(), Errno> {
    match fs::mkfifo(REPORTS, 0o600) {
        Ok(()) | Err(Errno::EEXIST) => Ok(()),
        Err(errno) => Err(errno),
    }
}

/// Helper: a session of its own that takes memory until refused, reports the MiB it
/// took, then waits to be killed. (What it needs to report and wait, it has before it
/// takes the memory: its pipe and its end of the FIFO.)
pub fn hog() -> i32 {
    must!(make_reports());
    // (Waits for the checker to open the other end.)
    let report = must!(fs::open(REPORTS, Flags::WRITE_ONLY, 0));
    let (wait, _never_written) = must!(fs::pipe());
    let mib = must!(take_until_refused());
    must!(fs::write(report, &[mib]));
    // Reads for ever: this process holds the pipe's only write end.
    let mut byte = [0; 1];
    let _ = fs::read(wait, &mut byte);
    1
}

/// `hostile session-checker HOGS`: waits until `HOGS` hogs have been refused, then
/// takes [`CHECKED_MIB`] of its own.
pub fn checker() -> i32 {
    let hogs: usize = match uxrt::env::args().nth(2).map(|n| n.parse()) {
        Some(Ok(hogs)) => hogs,
        _ => {
            uxrt::eprintln!("usage: hostile session-checker HOGS");
            return 2;
        }
    };
    must!(make_reports());
    let reports = must!(fs::open(REPORTS, Flags::READ_ONLY, 0));
    let mut held = Vec::new();
    while held.len() < hogs {
        let mut bytes = [0; 16];
        let count = must!(fs::read(reports, &mut bytes));
        ensure!(count > 0, "the hogs' FIFO ended after {} reports", held.len());
        held.extend_from_slice(&bytes[..count]);
    }
    must!(fs::close(reports));
    must!(fs::unlink(REPORTS));
    // Each hog got its own guarantee (less what it started with), and no more than its
    // session's limit.
    ensure!(held.iter().all(|&mib| (CHECKED_MIB as u8..=128).contains(&mib)), "the hogs took {held:?} MiB");
    for taken in 0..CHECKED_MIB {
        let mapped = uxrt::memory::map_anonymous(1 << 20);
        ensure!(mapped.is_ok(), "refused after {taken} MiB ({mapped:?}) while the hogs held {held:?} MiB");
    }
    let total: usize = held.iter().map(|&mib| mib as usize).sum();
    println!(
        "hostile: {hogs} sessions took {total} MiB ({held:?}) until refused; another still took {CHECKED_MIB} MiB"
    );
    0
}
