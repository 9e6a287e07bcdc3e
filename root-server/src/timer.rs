//! The alarm clock: channel 0 of the PC's interval timer (PIT) counting down once to the
//! nearest alarm a process set, its interrupt signalling the root server's bound
//! notification with the `TIMER` badge bit. The PIT runs at 1.193182 MHz and counts at
//! most 65535 ticks (55 ms): a later deadline takes several rounds.

use crate::caps;
use crate::console::out8;
use sel4::invocations::{irq_control_get_ioapic, irq_handler_ack, irq_handler_set_notification};
use sel4::{CPtr, Word};

const PIT_HZ: u128 = 1_193_182;
const CHANNEL_0: u16 = 0x40;
const COMMAND: u16 = 0x43;
/// Channel 0, low then high byte, mode 0 (interrupt on terminal count), binary.
const ONE_SHOT: u8 = 0b00_11_000_0;
/// The PIT's ISA line 0 is wired to pin 2 of the I/O APIC (the usual interrupt source
/// override, which QEMU's tables declare too).
const PIT_IOAPIC_PIN: Word = 2;
/// The kernel's IRQ number for it (the console has 0).
const VECTOR: Word = 1;

pub struct Timer {
    irq: CPtr,
    tsc_mhz: u64,
}

impl Timer {
    /// Sets up the PIT's interrupt with a handler in `handler_slot` signalling
    /// `notification`; `None` (alarms then never ring) if the kernel refuses.
    pub fn enable(handler_slot: CPtr, notification: CPtr, tsc_mhz: u64) -> Option<Timer> {
        let got = irq_control_get_ioapic(
            caps::IRQ_CONTROL,
            caps::CNODE,
            handler_slot,
            caps::CNODE_DEPTH,
            0,
            PIT_IOAPIC_PIN,
            0,
            0,
            VECTOR,
        )
        .and_then(|()| irq_handler_set_notification(handler_slot, notification));
        match got {
            Ok(()) => Some(Timer { irq: handler_slot, tsc_mhz: tsc_mhz.max(1) }),
            Err(error) => {
                crate::println!("timer: no PIT interrupt ({error:?}); alarms will not ring");
                None
            }
        }
    }

    /// Interrupts once at `deadline` (time-stamp counter) or, if that is beyond the
    /// PIT's reach, at the furthest it counts.
    pub fn arm(&self, deadline: u64, now: u64) {
        let ticks = (deadline.saturating_sub(now) as u128 * PIT_HZ) / (self.tsc_mhz as u128 * 1_000_000);
        let count = ticks.clamp(1, 0xffff) as u16;
        let [low, high] = count.to_le_bytes();
        out8(COMMAND, ONE_SHOT);
        out8(CHANNEL_0, low);
        out8(CHANNEL_0, high);
    }

    /// Re-enables the interrupt after it fired.
    pub fn acknowledge(&self) {
        let _ = irq_handler_ack(self.irq);
    }
}
