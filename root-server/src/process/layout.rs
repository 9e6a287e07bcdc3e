//! Where things go in a process's address space.
//!
//! ```text
//!  0x40_0000           program segments (from its ELF file), then the heap (sbrk) up
//!  ANONYMOUS_BASE      anonymous mappings, upwards
//!  STACK_TOP - STACK_MAX .. STACK_TOP   the stack: grows down, a page at a time, on fault
//!  IPC_BUFFER          the IPC buffer page
//! ```

use sel4::Word;

pub const PAGE: Word = 4096;
/// Programs and the heap stay below this; anonymous mappings start here.
pub const ANONYMOUS_BASE: Word = 0x1000_0000_0000;
/// Anonymous mappings stay below this.
pub const ANONYMOUS_LIMIT: Word = 0x7000_0000_0000;
pub const STACK_TOP: Word = 0x7fff_f000_0000;
/// The stack grows (by faulting) down to `STACK_TOP - STACK_MAX`; below is unmapped.
pub const STACK_MAX: Word = 1 << 20;
pub const IPC_BUFFER: Word = STACK_TOP + 16 * PAGE;

/// Whether a fault at `address` is the stack growing.
pub fn in_stack(address: Word) -> bool {
    (STACK_TOP - STACK_MAX..STACK_TOP).contains(&address)
}

pub const fn page_down(address: Word) -> Word {
    address & !(PAGE - 1)
}

/// `bytes` rounded up to whole pages, or `None` if that overflows.
pub fn pages_for(bytes: Word) -> Option<Word> {
    bytes.checked_add(PAGE - 1).map(|b| b / PAGE)
}
