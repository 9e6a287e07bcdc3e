//! `memcpy`, `memmove`, `memset`, `memcmp` and `bcmp`, which the compiler emits calls to
//! and which a libc would otherwise provide. String instructions are fast on every x86_64
//! and cannot be turned back into calls to these very functions.
//!
//! Bulk copies and fills move 8 bytes per step (`rep movsq`/`rep stosq`, then the odd
//! bytes one at a time), as musl's x86_64 `memcpy` does. On hardware both forms run at
//! the same fast-string speed; under QEMU's TCG a string instruction costs one emulated
//! step (and one counted instruction under `-icount`) per element, so the 8-byte form
//! copies about eight times faster there. Short ones stay byte-wise: the split costs
//! more than it saves below a few words.

use core::arch::asm;

/// Below this many bytes a copy or fill is one byte-wise string instruction.
const BYTEWISE_BELOW: usize = 32;

/// # Safety
/// `dest` and `src` are valid for `n` bytes and do not overlap.
#[no_mangle]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if n < BYTEWISE_BELOW {
        // SAFETY: the caller guarantees both ranges are valid; the direction flag is clear
        // (the ABI requires it at every call).
        unsafe {
            asm!("rep movsb", inout("rcx") n => _, inout("rdi") dest => _, inout("rsi") src => _, options(nostack, preserves_flags));
        }
        return dest;
    }
    // SAFETY: as above; `rep movsq` leaves rdi and rsi just past the `n / 8` words it
    // copied, where `rep movsb` goes on with the `n % 8` bytes left.
    unsafe {
        asm!(
            "rep movsq",
            "mov ecx, {tail:e}",
            "rep movsb",
            tail = in(reg) n % 8,
            inout("rcx") n / 8 => _,
            inout("rdi") dest => _,
            inout("rsi") src => _,
            options(nostack, preserves_flags)
        );
    }
    dest
}

/// # Safety
/// `dest` and `src` are valid for `n` bytes; they may overlap.
#[no_mangle]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize).wrapping_sub(src as usize) >= n {
        // SAFETY: copying forwards never reads a byte already overwritten here.
        return unsafe { memcpy(dest, src, n) };
    }
    // SAFETY: `dest` lies inside `src..src+n`: copy backwards from the last byte with the
    // direction flag set, and clear it again as the ABI requires.
    unsafe {
        asm!(
            "std",
            "rep movsb",
            "cld",
            inout("rcx") n => _,
            inout("rdi") dest.add(n).wrapping_sub(1) => _,
            inout("rsi") src.add(n).wrapping_sub(1) => _,
            options(nostack)
        );
    }
    dest
}

/// # Safety
/// `dest` is valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memset(dest: *mut u8, value: i32, n: usize) -> *mut u8 {
    if n < BYTEWISE_BELOW {
        // SAFETY: the caller guarantees the range is valid.
        unsafe {
            asm!("rep stosb", inout("rcx") n => _, inout("rdi") dest => _, in("al") value as u8, options(nostack, preserves_flags));
        }
        return dest;
    }
    // The byte in all eight bytes of rax, for `rep stosq`; `rep stosb` then uses al.
    let word = u64::from(value as u8) * 0x0101_0101_0101_0101;
    // SAFETY: the caller guarantees the range is valid; `rep stosq` leaves rdi just past
    // the `n / 8` words it wrote, where `rep stosb` goes on with the `n % 8` bytes left.
    unsafe {
        asm!(
            "rep stosq",
            "mov ecx, {tail:e}",
            "rep stosb",
            tail = in(reg) n % 8,
            inout("rcx") n / 8 => _,
            inout("rdi") dest => _,
            in("rax") word,
            options(nostack, preserves_flags)
        );
    }
    dest
}

/// # Safety
/// `a` and `b` are valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    for i in 0..n {
        // SAFETY: `i < n` and the caller guarantees both ranges are valid.
        let (x, y) = unsafe { (a.add(i).read_volatile(), b.add(i).read_volatile()) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
    }
    0
}

/// # Safety
/// `a` and `b` are valid for `n` bytes.
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the same contract as memcmp.
    unsafe { memcmp(a, b, n) }
}

#[cfg(test)]
mod tests {
    /// Every length across the byte-wise limit and the 8-byte steps, at every alignment
    /// of source and destination: exactly `n` bytes move, the guard bytes around stay.
    #[test]
    fn copies_and_fills_exactly_the_range() {
        let source: [u8; 300] = core::array::from_fn(|i| (i * 7 + 1) as u8);
        for n in 0..140 {
            for (from, to) in [(0, 0), (1, 0), (0, 3), (5, 7), (8, 1)] {
                let mut out = [0xeeu8; 300];
                // SAFETY: both ranges lie inside their arrays and are distinct arrays.
                unsafe { super::memcpy(out.as_mut_ptr().add(to + 8), source.as_ptr().add(from), n) };
                assert_eq!(&out[to + 8..to + 8 + n], &source[from..from + n], "copy of {n}");
                assert!(out[..to + 8].iter().chain(&out[to + 8 + n..]).all(|&b| b == 0xee), "copy of {n} strayed");

                // SAFETY: the range lies inside the array.
                unsafe { super::memset(out.as_mut_ptr().add(to + 8), 0x1ab, n) };
                assert!(out[to + 8..to + 8 + n].iter().all(|&b| b == 0xab), "fill of {n}");
                assert!(out[..to + 8].iter().all(|&b| b == 0xee), "fill of {n} strayed");
            }
        }
    }
}
