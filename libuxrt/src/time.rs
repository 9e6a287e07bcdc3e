//! Time from the time-stamp counter (the root server tells each process its rate).

use crate::env::{self, CachedAux};
use uxrt_protocols::startup::aux;

static MHZ: CachedAux = CachedAux::new(aux::TSC_MHZ);
static REALTIME_OFFSET: CachedAux = CachedAux::new(aux::REALTIME_OFFSET_NS);

/// The time-stamp counter.
pub fn tsc() -> u64 {
    // SAFETY: reading the time-stamp counter has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Time-stamp counter ticks per microsecond.
pub fn tsc_mhz() -> u64 {
    MHZ.get().unwrap_or(1000).max(1)
}

/// Nanoseconds since the machine started (`CLOCK_MONOTONIC`): never goes back.
pub fn monotonic_ns() -> u64 {
    (tsc() as u128 * 1000 / tsc_mhz() as u128) as u64
}

/// Nanoseconds since 1970-01-01 00:00:00 UTC (`CLOCK_REALTIME`): the PC's clock as the
/// root server read it at boot, plus the monotonic clock.
pub fn realtime_ns() -> u64 {
    REALTIME_OFFSET.get().unwrap_or(0) + monotonic_ns()
}

/// Nanoseconds since this process started. uxrt keeps no per-process CPU time yet: this
/// is what `CLOCK_PROCESS_CPUTIME_ID` reports, an upper bound of it.
pub fn since_start_ns() -> u64 {
    let start = env::aux(aux::START_TSC).unwrap_or(0);
    (tsc().saturating_sub(start) as u128 * 1000 / tsc_mhz() as u128) as u64
}
