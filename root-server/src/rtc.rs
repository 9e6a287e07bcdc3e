//! The PC's real-time clock (the CMOS clock, I/O ports 0x70 and 0x71), read once at
//! boot: processes get wall-clock time as that reading plus the time-stamp counter's
//! count since (`startup::aux::REALTIME_OFFSET_NS`).

use crate::console::{in8, out8};
use core::sync::atomic::{AtomicU64, Ordering};
use uxrt_protocols::clock::{from_bcd, DateTime};

const INDEX: u16 = 0x70;
const DATA: u16 = 0x71;
const STATUS_A: u8 = 0x0a;
const STATUS_B: u8 = 0x0b;
/// Status A: the clock is updating its registers (they may be inconsistent).
const UPDATING: u8 = 0x80;
/// Status B: registers in binary (not BCD); hours 0–23 (not 1–12 with a PM bit).
const BINARY: u8 = 0x04;
const HOURS_24: u8 = 0x02;
const PM: u8 = 0x80;
/// The century register QEMU and most PCs keep (the ACPI FADT names it).
const CENTURY: u8 = 0x32;

/// Unix time in nanoseconds minus the monotonic clock (nanoseconds since the TSC
/// started), 0 until the clock is read.
static REALTIME_OFFSET_NS: AtomicU64 = AtomicU64::new(0);

fn register(index: u8) -> u8 {
    out8(INDEX, index);
    in8(DATA)
}

/// seconds, minutes, hours, day, month, year, century: raw register values.
fn snapshot() -> [u8; 7] {
    while register(STATUS_A) & UPDATING != 0 {}
    [0x00, 0x02, 0x04, 0x07, 0x08, 0x09, CENTURY].map(register)
}

/// The clock's date and time (UTC, as QEMU keeps it), read until two readings agree.
fn read() -> DateTime {
    let mut last = snapshot();
    loop {
        let again = snapshot();
        if again == last {
            break;
        }
        last = again;
    }
    let [second, minute, hour, day, month, year, century] = last;
    let format = register(STATUS_B);
    let value = |raw: u8| if format & BINARY != 0 { raw as u32 } else { from_bcd(raw) };
    let mut hours = value(hour & !PM);
    if format & HOURS_24 == 0 {
        // 12-hour clock: 12 AM is 0, 12 PM is 12.
        hours = hours % 12 + if hour & PM != 0 { 12 } else { 0 };
    }
    let century = match value(century) {
        century @ 19..=21 => century,
        _ => 20,
    };
    DateTime {
        year: century * 100 + value(year),
        month: value(month),
        day: value(day),
        hour: hours,
        minute: value(minute),
        second: value(second),
    }
}

/// Reads the clock and keeps its offset from the monotonic clock; returns the date read.
pub fn init(tsc_mhz: u64) -> DateTime {
    let now = read();
    let monotonic_ns = crate::rdtsc() as u128 * 1000 / tsc_mhz.max(1) as u128;
    let unix_ns = now.unix_seconds().unwrap_or(0) as u128 * 1_000_000_000;
    REALTIME_OFFSET_NS.store(unix_ns.saturating_sub(monotonic_ns) as u64, Ordering::Relaxed);
    now
}

/// Unix time in nanoseconds minus the monotonic clock (what processes add to theirs).
pub fn realtime_offset_ns() -> u64 {
    REALTIME_OFFSET_NS.load(Ordering::Relaxed)
}
