//! Wall-clock time as the root server hands it to processes: the PC's real-time clock
//! (CMOS), read once at boot, turned into Unix time here (host-tested), then kept going by
//! the time-stamp counter (`startup::aux::REALTIME_OFFSET_NS`).

/// A date and time of day in UTC, as the real-time clock keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    pub year: u32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl DateTime {
    /// Seconds since 1970-01-01 00:00:00 UTC (`None` for a date before it or out of range).
    pub fn unix_seconds(self) -> Option<u64> {
        let DateTime { year, month, day, hour, minute, second } = self;
        if year < 1970
            || !(1..=12).contains(&month)
            || !(1..=31).contains(&day)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return None;
        }
        Some(days_since_epoch(year, month, day) * 86_400 + (hour as u64 * 60 + minute as u64) * 60 + second as u64)
    }
}

/// Days from 1970-01-01 to the given date of the proleptic Gregorian calendar (counting
/// in 400-year eras that start on 1 March, so that the leap day ends a year).
fn days_since_epoch(year: u32, month: u32, day: u32) -> u64 {
    let year = if month <= 2 { year - 1 } else { year } as u64;
    let era = year / 400;
    let year_of_era = year - era * 400;
    let month_from_march = (month as u64 + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day as u64 - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // 719,468 days from 0000-03-01 to 1970-01-01.
    era * 146_097 + day_of_era - 719_468
}

/// A real-time clock register in binary-coded decimal, as a number.
pub fn from_bcd(value: u8) -> u32 {
    (value >> 4) as u32 * 10 + (value & 0xf) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<u64> {
        DateTime { year, month, day, hour, minute, second }.unix_seconds()
    }

    #[test]
    fn known_instants() {
        assert_eq!(at(1970, 1, 1, 0, 0, 0), Some(0));
        assert_eq!(at(1971, 1, 1, 0, 0, 0), Some(365 * 86_400));
        assert_eq!(at(2000, 2, 29, 12, 0, 0), Some(951_825_600));
        assert_eq!(at(2000, 3, 1, 0, 0, 0), Some(951_868_800));
        assert_eq!(at(2026, 12, 3, 16, 4, 5), Some(1_796_313_845));
        assert_eq!(at(2038, 1, 19, 3, 14, 8), Some(1 << 31));
    }

    #[test]
    fn bad_dates_are_refused() {
        assert_eq!(at(1969, 12, 31, 23, 59, 59), None);
        assert_eq!(at(2026, 13, 1, 0, 0, 0), None);
        assert_eq!(at(2026, 1, 0, 0, 0, 0), None);
        assert_eq!(at(2026, 1, 1, 24, 0, 0), None);
    }

    #[test]
    fn bcd() {
        assert_eq!(from_bcd(0x59), 59);
        assert_eq!(from_bcd(0x00), 0);
        assert_eq!(from_bcd(0x12), 12);
    }
}
