//! Terminal control through `ioctl`: what the console honours. Its line discipline is
//! fixed (canonical input with echo and `^C`), so the settings read back are those;
//! changing them is `EINVAL` until the console can change (issue 22's line editor).

use crate::{fd, ret_int};
use core::ffi::{c_int, c_ulong, c_void};
use uxrt::fs::{self, FileKind};
use uxrt::Errno;

/// `ioctl` requests (Linux's numbers).
const TCGETS: c_ulong = 0x5401;
const TCSETS: c_ulong = 0x5402;
const TCSETSW: c_ulong = 0x5403;
const TCSETSF: c_ulong = 0x5404;
const TIOCGWINSZ: c_ulong = 0x5413;
const TIOCGPGRP: c_ulong = 0x540f;
const TIOCSPGRP: c_ulong = 0x5410;

/// The kernel's `struct termios` (what `TCGETS` fills: musl's is this and more).
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq)]
struct Termios {
    iflag: u32,
    oflag: u32,
    cflag: u32,
    lflag: u32,
    line: u8,
    cc: [u8; 19],
}

/// The console's settings: input CR to NL; output NL to CR NL; 8 bits at 38400; canonical
/// input, echo, erase and kill echoed, signals (`^C`). Control characters: ^C, ^\, DEL,
/// ^U, ^D, then VTIME 0 and VMIN 1.
const CONSOLE: Termios = Termios {
    iflag: 0o400,                                     // ICRNL
    oflag: 0o1 | 0o4,                                 // OPOST | ONLCR
    cflag: 0o17 | 0o60 | 0o200,                       // B38400 | CS8 | CREAD
    lflag: 0o1 | 0o2 | 0o10 | 0o20 | 0o40 | 0o100000, // ISIG ICANON ECHO ECHOE ECHOK IEXTEN
    line: 0,
    cc: [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0],
};

/// `struct winsize`.
#[repr(C)]
struct WinSize {
    rows: u16,
    columns: u16,
    x_pixels: u16,
    y_pixels: u16,
}

/// `ioctl(fd, request, arg)`: the terminal requests above on the console; `ENOTTY` on
/// anything else that is open, `EINVAL` for other requests on the console.
///
/// # Safety
/// `arg` points at what `request` reads or writes.
#[no_mangle]
pub unsafe extern "C" fn ioctl(fd_: c_int, request: c_ulong, arg: *mut c_void) -> c_int {
    let done = fd(fd_).and_then(fs::fstat).and_then(|stat| {
        if stat.kind != FileKind::CharacterDevice {
            return Err(Errno::ENOTTY);
        }
        if arg.is_null() {
            return Err(Errno::EFAULT);
        }
        // SAFETY (each arm): as the caller promises, `arg` points at the request's type.
        match request {
            TCGETS => unsafe { arg.cast::<Termios>().write(CONSOLE) },
            TCSETS | TCSETSW | TCSETSF => match unsafe { arg.cast::<Termios>().read() } {
                settings if settings == CONSOLE => {}
                _ => return Err(Errno::EINVAL),
            },
            // (The serial console does not know the terminal's size: the classic one.)
            TIOCGWINSZ => unsafe {
                arg.cast::<WinSize>().write(WinSize { rows: 24, columns: 80, x_pixels: 0, y_pixels: 0 })
            },
            // (The console does not say which group it has in the foreground: this
            // process's, as for a job that asks.)
            TIOCGPGRP => unsafe { arg.cast::<c_int>().write(uxrt::process::process_group(0)? as c_int) },
            // `tcsetpgrp`: the group `^C` interrupts.
            TIOCSPGRP => {
                let group = unsafe { arg.cast::<c_int>().read() };
                fs::set_foreground(fd(fd_)?, Some(u32::try_from(group).map_err(|_| Errno::EINVAL)?))?;
            }
            _ => return Err(Errno::EINVAL),
        }
        Ok(0)
    });
    ret_int(done)
}
