//! The root server's own output on the serial console (COM1, through the I/O port
//! capability), and the QEMU exit port. It works with either kernel configuration (it
//! does not need the debug kernel's DebugPutChar). Console input belongs to the devices
//! server, which the root server gives COM1's interrupt (`servers.rs`).

use crate::caps;
use core::fmt::{self, Write};
use sel4::invocations::{x86_io_port_in8, x86_io_port_out8};
use sel4::Word;

const COM1: u16 = 0x3f8;
const DATA: u16 = COM1;
const LINE_STATUS: u16 = COM1 + 5;
const LINE_STATUS_TRANSMIT_EMPTY: u8 = 1 << 5;
/// COM1's ISA interrupt line, wired to the same pin of the I/O APIC.
pub const COM1_IOAPIC_PIN: Word = 4;

/// QEMU's `isa-debug-exit` port; QEMU exits with `(value << 1) | 1`.
const EXIT_PORT: u16 = 0xf4;
/// Added to the exit code so that a guest exit is told apart from QEMU's own statuses.
const EXIT_BASE: u8 = 0x10;

pub(crate) fn out8(port: u16, value: u8) {
    // An I/O port write through the root server's own I/O port cap cannot fail.
    let _ = x86_io_port_out8(caps::IO_PORT, port as Word, value as Word);
}

pub(crate) fn in8(port: u16) -> u8 {
    x86_io_port_in8(caps::IO_PORT, port).unwrap_or(0)
}

pub fn put_byte(byte: u8) {
    while in8(LINE_STATUS) & LINE_STATUS_TRANSMIT_EMPTY == 0 {}
    out8(DATA, byte);
}

pub struct Console;

impl Write for Console {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for byte in text.bytes() {
            if byte == b'\n' {
                put_byte(b'\r');
            }
            put_byte(byte);
        }
        Ok(())
    }
}

pub fn print(args: fmt::Arguments) {
    let _ = Console.write_fmt(args);
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::console::print(format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => { $crate::console::print(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Ends the machine (QEMU) with `code`: 0 for success.
pub fn exit(code: u8) -> ! {
    out8(EXIT_PORT, EXIT_BASE + code.min(0x3f));
    // Outside QEMU the port does nothing: stop here.
    loop {
        sel4::wait(caps::NULL);
    }
}

/// Writes raw bytes (a process's output), turning `\n` into `\r\n`.
pub fn write_bytes(bytes: &[u8]) {
    for &byte in bytes {
        if byte == b'\n' {
            put_byte(b'\r');
        }
        put_byte(byte);
    }
}
