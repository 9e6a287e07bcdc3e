//! `sleep SECONDS`: waits that long (a decimal fraction is allowed: `sleep 0.25`).
#![no_std]
#![no_main]

coreutils::main!(main);

fn main() -> i32 {
    let Some(us) = uxrt::env::args().nth(1).and_then(microseconds) else {
        uxrt::eprintln!("usage: sleep SECONDS");
        return 2;
    };
    match uxrt::events::sleep_us(us) {
        Ok(()) => 0,
        Err(errno) => {
            coreutils::complain("cannot sleep", errno);
            1
        }
    }
}

/// `"1.5"` → 1,500,000.
fn microseconds(text: &str) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 6 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let mut micros = 0;
    for (i, digit) in fraction.bytes().enumerate() {
        micros += u64::from(digit - b'0') * 10u64.pow(5 - i as u32);
    }
    seconds.checked_mul(1_000_000)?.checked_add(micros)
}
