//! A process's children, as it waits for them: `wait` and its kinds, and the count of
//! children not yet waited for (what `events` keeps room for in the notification queue,
//! where the root server tells of their ends). Apart from `process`, which starts them,
//! so that `events` needs only this.

use crate::sys;
use core::sync::atomic::{AtomicUsize, Ordering};
use uxrt_protocols::process::{Request, WaitTarget};
use uxrt_protocols::{Errno, Pid, WaitStatus};

/// Children started and not yet waited for (the notification queue keeps room for them).
static LIVE_CHILDREN: AtomicUsize = AtomicUsize::new(0);

pub(crate) fn live_children() -> usize {
    LIVE_CHILDREN.load(Ordering::Relaxed)
}

/// A child was started.
pub(crate) fn started() {
    LIVE_CHILDREN.fetch_add(1, Ordering::Relaxed);
}

/// A `wait` a signal for a handler interrupts (the root server answers `EINTR`) starts
/// again unless a handler without `SA_RESTART` ran.
fn wait_for(target: WaitTarget, no_hang: bool, stopped: bool) -> Result<Option<(Pid, WaitStatus)>, Errno> {
    let request = Request::Wait { target, no_hang, stopped };
    let [pid, raw] = crate::signals::restarting(|| sys::call(request).results())?;
    if pid == 0 {
        return Ok(None);
    }
    let status = WaitStatus::from_raw(raw).ok_or(Errno::EIO)?;
    if status.ended() {
        let _ = LIVE_CHILDREN.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1));
    }
    Ok(Some((pid as Pid, status)))
}

/// Waits for a child (`target`, or any) to end, stop or go on again (`WUNTRACED |
/// WCONTINUED`); with `no_hang`, `None` if none has.
pub fn wait_for_change(target: Option<Pid>, no_hang: bool) -> Result<Option<(Pid, WaitStatus)>, Errno> {
    wait_for(target.map_or(WaitTarget::Any, WaitTarget::Child), no_hang, true)
}

/// Waits for any child to end.
pub fn wait() -> Result<(Pid, WaitStatus), Errno> {
    wait_for(WaitTarget::Any, false, false).and_then(|ended| ended.ok_or(Errno::EIO))
}

/// Waits for child `pid` to end.
pub fn wait_pid(pid: Pid) -> Result<WaitStatus, Errno> {
    match wait_for(WaitTarget::Child(pid), false, false)? {
        Some((_, status)) => Ok(status),
        None => Err(Errno::EIO),
    }
}

/// A child that has ended, if any (`WNOHANG`).
pub fn try_wait(target: Option<Pid>) -> Result<Option<(Pid, WaitStatus)>, Errno> {
    wait_for(target.map_or(WaitTarget::Any, WaitTarget::Child), true, false)
}
