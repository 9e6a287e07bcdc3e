//! Time from the time-stamp counter (the root server tells each process its rate).

use crate::env;
use uxrt_protocols::startup::aux;

/// The time-stamp counter.
pub fn tsc() -> u64 {
    // SAFETY: reading the time-stamp counter has no side effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Time-stamp counter ticks per microsecond.
pub fn tsc_mhz() -> u64 {
    env::aux(aux::TSC_MHZ).unwrap_or(1000).max(1)
}

/// Nanoseconds since the machine started (`CLOCK_MONOTONIC`): never goes back.
pub fn monotonic_ns() -> u64 {
    (tsc() as u128 * 1000 / tsc_mhz() as u128) as u64
}
