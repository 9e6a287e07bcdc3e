//! Threads in the root server's own address space and CSpace (used by the in-image tests;
//! processes of their own come with the process manager).

use crate::caps;
use crate::resources::{Object, ResourceError, Resources};
use crate::vspace::{VSpace, PAGE_SIZE};
use alloc::vec::Vec;
use sel4::invocations::{tcb_configure, tcb_write_registers, x86_page_unmap};
use sel4::{CapData, CapRights, ObjectType, PrioProps, UserContext, Word};

const STACK_PAGES: usize = 4;
/// Interrupts enabled, reserved bit 1 set.
const RFLAGS: Word = 0x202;

pub struct Thread {
    pub tcb: Object,
    frames: Vec<Object>,
    /// Address ranges reserved for it: (start, pages).
    ranges: Vec<(Word, usize)>,
}

impl Thread {
    /// Starts `entry(arg)` on a fresh stack at `priority`.
    pub fn spawn(
        resources: &mut Resources,
        vspace: &mut VSpace,
        entry: fn(Word) -> !,
        arg: Word,
        priority: u8,
    ) -> Result<Thread, ResourceError> {
        let mut thread =
            Thread { tcb: resources.alloc_object(ObjectType::TCBObject, 0)?, frames: Vec::new(), ranges: Vec::new() };
        match thread.setup(resources, vspace, entry, arg, priority) {
            Ok(()) => Ok(thread),
            Err(error) => {
                thread.destroy(resources, vspace);
                Err(error)
            }
        }
    }

    fn setup(
        &mut self,
        resources: &mut Resources,
        vspace: &mut VSpace,
        entry: fn(Word) -> !,
        arg: Word,
        priority: u8,
    ) -> Result<(), ResourceError> {
        let ipc_buffer = self.map_new_frames(resources, vspace, 1)?;
        let stack = self.map_new_frames(resources, vspace, STACK_PAGES)?;
        let ipc_frame = self.frames[0].cap;
        tcb_configure(
            self.tcb.cap,
            0, // no fault handler: a faulting test thread just stops
            PrioProps::new(priority as Word, priority as Word),
            caps::CNODE,
            CapData::NONE,
            caps::VSPACE,
            CapData::NONE,
            ipc_buffer,
            ipc_frame,
        )
        .map_err(ResourceError::Kernel)?;
        // As if `entry` had been called: the return-address slot leaves RSP ≡ 8 (mod 16).
        let stack_top = stack + (STACK_PAGES * PAGE_SIZE) as Word - 8;
        let registers =
            UserContext { rip: entry as usize as Word, rsp: stack_top, rdi: arg, rflags: RFLAGS, ..Default::default() };
        let count = (core::mem::size_of::<UserContext>() / 8) as Word;
        tcb_write_registers(self.tcb.cap, true, 0, count, &registers).map_err(ResourceError::Kernel)
    }

    /// Maps `pages` new zeroed frames at a fresh address; returns the address.
    fn map_new_frames(
        &mut self,
        resources: &mut Resources,
        vspace: &mut VSpace,
        pages: usize,
    ) -> Result<Word, ResourceError> {
        let start = vspace.reserve(pages);
        self.ranges.push((start, pages));
        for page in 0..pages {
            let frame = resources.alloc_object(ObjectType::X86_4K, 0)?;
            self.frames.push(frame);
            vspace.paging.map(resources, frame.cap, start + (page * PAGE_SIZE) as Word, CapRights::READ_WRITE)?;
        }
        Ok(start)
    }

    /// Stops the thread and returns all it had.
    pub fn destroy(self, resources: &mut Resources, vspace: &mut VSpace) {
        resources.free_object(self.tcb);
        for frame in self.frames {
            let _ = x86_page_unmap(frame.cap);
            resources.free_object(frame);
        }
        for (start, pages) in self.ranges {
            vspace.release(start, pages);
        }
    }
}
