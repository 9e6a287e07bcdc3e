//! The serial console (COM1) through the I/O port capability, and the QEMU exit port.
//! Output works with either kernel configuration (it does not need the debug kernel's
//! DebugPutChar); input is interrupt driven once `Input::enable` has run.

use crate::caps;
use alloc::collections::VecDeque;
use alloc::string::String;
use core::fmt::{self, Write};
use sel4::invocations::{irq_handler_ack, irq_handler_set_notification, x86_io_port_in8, x86_io_port_out8};
use sel4::{CPtr, Word};

const COM1: u16 = 0x3f8;
const DATA: u16 = COM1;
const INTERRUPT_ENABLE: u16 = COM1 + 1;
const MODEM_CONTROL: u16 = COM1 + 4;
const LINE_STATUS: u16 = COM1 + 5;
const LINE_STATUS_DATA_READY: u8 = 1 << 0;
const LINE_STATUS_TRANSMIT_EMPTY: u8 = 1 << 5;
/// COM1's ISA interrupt line, wired to the same pin of the I/O APIC.
const COM1_IOAPIC_PIN: Word = 4;

/// QEMU's `isa-debug-exit` port; QEMU exits with `(value << 1) | 1`.
const EXIT_PORT: u16 = 0xf4;
/// Added to the exit code so that a guest exit is told apart from QEMU's own statuses.
const EXIT_BASE: u8 = 0x10;

pub(crate) fn out8(port: u16, value: u8) {
    // An I/O port write through the root server's own I/O port cap cannot fail.
    let _ = x86_io_port_out8(caps::IO_PORT, port as Word, value as Word);
}

fn in8(port: u16) -> u8 {
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

/// Serial input, edited into lines: interrupt-driven when the IRQ could be set up (its
/// notification is bound to the root server's thread, so input arrives while the root
/// server serves processes), polled otherwise.
pub struct Input {
    /// The IRQ handler, once set up.
    irq: Option<CPtr>,
    editor: LineEditor,
}

fn data_ready() -> bool {
    in8(LINE_STATUS) & LINE_STATUS_DATA_READY != 0
}

impl Input {
    /// Sets up COM1's receive interrupt with an IRQ handler in `handler_slot` signalling
    /// `notification`; falls back to polling if the kernel refuses.
    pub fn enable(handler_slot: CPtr, notification: CPtr) -> Input {
        let got = sel4::invocations::irq_control_get_ioapic(
            caps::IRQ_CONTROL,
            caps::CNODE,
            handler_slot,
            caps::CNODE_DEPTH,
            0,
            COM1_IOAPIC_PIN,
            0,
            0,
            0,
        )
        .and_then(|()| irq_handler_set_notification(handler_slot, notification));
        if let Err(error) = got {
            println!("console: no serial interrupt ({error:?}); polling");
            return Input::polled();
        }
        out8(INTERRUPT_ENABLE, 0x01); // interrupt when data arrives
        out8(MODEM_CONTROL, 0x0b); // DTR, RTS, OUT2 (OUT2 gates the UART's interrupt line)
        Input { irq: Some(handler_slot), editor: LineEditor::new() }
    }

    /// Input by polling the UART (when no interrupt could be set up).
    pub fn polled() -> Input {
        Input { irq: None, editor: LineEditor::new() }
    }

    pub fn is_polled(&self) -> bool {
        self.irq.is_none()
    }

    /// Takes what arrived: on the serial interrupt, or (polled) whenever asked.
    pub fn interrupt(&mut self) {
        self.drain();
        if let Some(handler) = self.irq {
            // Unmask, then look again: a byte that arrived while the IRQ was masked
            // raised its (edge-triggered) interrupt unseen, and the line stays high
            // until the byte is read, so no new edge would come.
            let _ = irq_handler_ack(handler);
            self.drain();
        }
    }

    fn drain(&mut self) {
        while data_ready() {
            self.editor.feed(in8(DATA));
        }
    }

    /// A line typed and ended with Enter, if there is one.
    pub fn take_line(&mut self) -> Option<String> {
        self.editor.lines.pop_front()
    }
}

/// Echo, backspace, and finished lines queued in order.
struct LineEditor {
    current: String,
    lines: VecDeque<String>,
}

/// Longest line kept; what is typed beyond it is dropped.
const LINE_MAX: usize = 1024;

impl LineEditor {
    fn new() -> Self {
        LineEditor { current: String::new(), lines: VecDeque::new() }
    }

    fn feed(&mut self, byte: u8) {
        match byte {
            b'\r' | b'\n' => {
                print!("\n");
                self.lines.push_back(core::mem::take(&mut self.current));
            }
            0x08 | 0x7f => {
                if self.current.pop().is_some() {
                    print!("\x08 \x08");
                }
            }
            0x20..=0x7e if self.current.len() < LINE_MAX => {
                self.current.push(byte as char);
                put_byte(byte);
            }
            _ => {}
        }
    }
}
